/*
 * net/net.c - the hypervisor's NIC: which one is taken, bring-up, the
 * NMI claim and the poll, the console's `net` (net/net.h).
 *
 * State: written at bring-up and afterwards by the boot CPU only (net_poll,
 * outside NMI context); net_nmi_pending, in NMI context, reads memory only.
 */
#include "net/net.h"
#include "net/nic.h"
#include "net/ucon.h"
#include "net/lwip/port.h"
#include "pci/pci.h"
#include "arch/x86.h"
#include "smp/smp.h"
#include "lib/lib.h"
#include "crypto/crypto.h"

#define BOOT_ADDR_WAIT_MS 5000    /* DHCP at boot: then go on without */
#define RX_BUDGET         64      /* frames per poll; then poll again */

static const struct nic_ops *const drivers[] = { &e1000e_ops, &virtio_net_ops };

static struct nic nic;
static volatile bool polling;
static volatile uint64_t last_poll_tsc;
static uint64_t claim_tsc;
static bool link_was_up;
/* Flood mode (nic.h, flood_next): whether on, how often it began, and the
 * poll spacing it asks for in TSC ticks. */
static bool flood;
static unsigned flood_ms;
static uint64_t floods, flood_tsc;
/* What the polls cost (`net`): their number, the frames they took, and
 * the TSC they spent, from the ack to the end of lwIP's timers. */
static uint64_t polls, poll_frames, poll_tsc;
/* The poll's clock, read once per poll: the admission's buckets count
 * milliseconds, and a frame costs less than one. */
static uint64_t poll_ms;

static const struct nic_ops *driver_for(const struct pci_dev *d)
{
	for (size_t i = 0; i < ARRAY_SIZE(drivers); i++)
		if (drivers[i]->match(d))
			return drivers[i];
	return NULL;
}

/* net=BB:DD.F: that function, which must have a driver; net=auto: the last
 * supported NIC in bus order (q35 puts a user's -device NICs after its
 * default one: the last is the one added on purpose, and a machine's
 * onboard NIC, first on bus 0, stays the guest's when there are two). */
static const struct pci_dev *choose(const struct net_options *o,
				    const struct nic_ops **ops)
{
	const struct pci_dev *devs, *pick = NULL;
	char name[16];
	size_t n;

	devs = pci_devices(&n);
	for (size_t i = 0; i < n; i++) {
		const struct nic_ops *d = driver_for(&devs[i]);

		if (o->mode == NET_BDF && devs[i].addr == o->bdf) {
			if (!d) {
				printk("net: %s (%04x:%04x) has no driver here\n",
				       pci_name(devs[i].addr, name, sizeof(name)),
				       devs[i].vendor, devs[i].device);
				return NULL;
			}
			*ops = d;
			return &devs[i];
		}
		if (o->mode == NET_AUTO && d) {
			pick = &devs[i];
			*ops = d;
		}
	}
	if (o->mode == NET_BDF)
		printk("net: no PCI function at %s\n",
		       pci_name(o->bdf, name, sizeof(name)));
	else if (!pick)
		printk("net: net=auto found no supported NIC\n");
	return pick;
}

static struct admit admit;

uint64_t net_admit_shed(void)
{
	return admit.shed;
}

/* Every received frame: admitted (net/admit.c), then lwIP's. */
static void deliver(struct nic *n, const void *frame, size_t len)
{
	if (!admit_frame(&admit, frame, len, poll_ms))
		return;
	net_lwip_input(n, frame, len);
}

/*
 * The NIC as an NMI source of the boot CPU (smp/smp.h, "NMI sources"):
 * its MSI arrives as an NMI there; pending() says whether the NMI is the
 * NIC's (a frame waiting, or a poll in progress or just done, which may
 * have taken the frame the NMI announced) or lwIP's timers are due; the
 * boot CPU's loop then runs service() outside NMI context. Also asked on
 * the boot CPU's exits every NET_POLL_US, so lwIP's timers (DHCP, ARP)
 * run while no frame arrives. A timer coming due can claim one foreign
 * NMI at most every NET_TIMER_MS (docs/net.md).
 */
#define NET_POLL_US   1000
#define NET_TIMER_MS  250

static bool source_pending(bool from_nmi)
{
	uint64_t since;

	if (!nic.up)
		return false;
	since = rdtsc() - last_poll_tsc;
	/* In a flood the NIC's own interrupt paces the polls; an exit-time
	 * look waits as long (an NMI is always answered: it may be ours). */
	if (!from_nmi && flood && since < flood_tsc)
		return false;
	if (!net_nmi_pending(0) && since < NET_TIMER_MS * claim_tsc)
		return false;
	nic.st.irqs++;
	return true;
}

static void source_service(struct percpu *c)
{
	if (c->index == 0)
		net_poll();
}

static struct nmi_source net_source = {
	.name = "net",
	.cpu = 0,
	.poll_us = NET_POLL_US,
	.pending = source_pending,
	.service = source_service,
};

static void hooks_install(void)
{
	if (smp_nmi_source_add(&net_source)) {
		printk("net: the NMI source table is full: no network\n");
		return;
	}
	/* A frame that came after bring-up's last poll raised its MSI before
	 * anyone could claim it, and the 82574L sends no new MSI while a
	 * cause stays unread: poll once now that every NMI asks us. */
	net_poll();
}

void net_init(const struct net_options *o)
{
	const struct nic_ops *ops = NULL;
	const struct pci_dev *d;
	char name[16];
	uint32_t ip, mask, gw;
	uint64_t t0;

	if (o->mode == NET_OFF) {
		printk("net: off (net=BB:DD.F or net=auto takes a NIC)\n");
		return;
	}
	d = choose(o, &ops);
	if (!d)
		return;
	/* From here the function is the hypervisor's, working or not: named
	 * by net=, it stays hidden from the guest even if bring-up fails. */
	nic.ops = ops;
	nic.pci = *d;
	pci_name(d->addr, name, sizeof(name));
	if (ops->init(&nic)) {
		printk("net: %s %s: bring-up failed; no network\n", ops->name, name);
		return;
	}
	claim_tsc = tsc_khz() ? tsc_khz() : 1000000;    /* 1 ms */
	flood_ms = o->flood_ms;
	flood_tsc = claim_tsc * flood_ms;
	{
		uint64_t salt;

		rng_bytes(&salt, sizeof(salt));
		admit_init(&admit, o->console_port, salt, ucon_source_good);
	}
	link_was_up = ops->link_up(&nic);
	printk("net: %s at %s, MAC %02x:%02x:%02x:%02x:%02x:%02x, link %s\n",
	       ops->name, name, nic.mac[0], nic.mac[1], nic.mac[2], nic.mac[3],
	       nic.mac[4], nic.mac[5], link_was_up ? "up" : "down");
	net_lwip_init();
	if (net_lwip_up(&nic, o)) {
		printk("net: lwIP refused the interface\n");
		return;
	}
	nic.up = true;
	/* The address before the guest starts, so the log shows it. */
	t0 = now_ns();
	while (!net_lwip_addr(&ip, &mask, &gw) &&
	       now_ns() - t0 < BOOT_ADDR_WAIT_MS * 1000000ull) {
		net_poll();
		cpu_relax();
	}
	if (!net_lwip_addr(&ip, &mask, &gw))
		printk("net: no address yet (%s); it comes when DHCP answers\n",
		       net_lwip_dhcp_state());
	ucon_init(o);
	hooks_install();
}

bool net_nmi_pending(unsigned cpu_index)
{
	if (cpu_index != 0 || !nic.up)
		return false;
	/* As the console does: an NMI during a poll, or just after one,
	 * may find its frame already taken. */
	return polling || nic.ops->rx_pending(&nic) ||
	       rdtsc() - last_poll_tsc < claim_tsc;
}

/* After a poll that took @n frames, @shed of them shed: flood mode on or
 * off (nic.h, "flood mode"). */
static void flood_update(unsigned n, unsigned shed)
{
	static uint64_t logged;
	bool next = flood_ms && flood_next(flood, n, shed, RX_BUDGET);

	if (next == flood)
		return;
	flood = next;
	if (nic.ops->moderate)
		nic.ops->moderate(&nic, flood ? flood_ms : 0);
	if (flood)
		floods++;
	/* A flood that comes and goes must not flood the log. */
	if (log_ratelimit(&logged))
		printk("net: flood mode %s (%u frames in a poll, %u shed; "
		       "net_flood=%u ms between polls)\n", flood ? "on" : "off",
		       n, shed, flood_ms);
}

void net_poll(void)
{
	uint64_t t0, shed0;
	unsigned n;
	bool link;

	if (!nic.up)
		return;
	polling = true;
	t0 = rdtsc();
	poll_ms = now_ns() / 1000000;
	shed0 = admit.shed;
	nic.ops->ack(&nic);
	n = nic.ops->rx(&nic, deliver, RX_BUDGET);
	flood_update(n, (unsigned)(admit.shed - shed0));
	/* More waiting: poll again first, unless a flood is what waits. */
	if (n == RX_BUDGET && !flood)
		this_cpu()->kick_pending = 1;
	link = nic.ops->link_up(&nic);
	if (link != link_was_up) {
		link_was_up = link;
		net_lwip_set_link(link);
		printk("net: link %s\n", link ? "up" : "down");
	}
	net_lwip_poll();
	last_poll_tsc = rdtsc();
	polls++;
	poll_frames += n;
	poll_tsc += last_poll_tsc - t0;
	polling = false;
}

bool net_owns(uint32_t addr)
{
	return nic.ops && nic.pci.addr == addr;
}

bool net_function(uint32_t *addr)
{
	if (!nic.ops)
		return false;
	*addr = nic.pci.addr;
	return true;
}

size_t net_hidden(struct net_hidden_range *r, size_t max)
{
	size_t n = 0;
	uint64_t ecam;

	if (!nic.ops)
		return 0;
	ecam = pci_ecam_page(nic.pci.addr);
	if (ecam && n < max)
		r[n++] = (struct net_hidden_range){ ecam, PCI_ECAM_SIZE };
	for (unsigned i = 0; i < nic.pci.nbars && n < max; i++) {
		const struct pci_bar *b = &nic.pci.bar[i];

		if ((b->kind == PCI_BAR_KIND_MEM32 || b->kind == PCI_BAR_KIND_MEM64) &&
		    b->base && b->size)
			r[n++] = (struct net_hidden_range){ b->base, b->size };
	}
	return n;
}

void net_print(print_fn pr)
{
	uint32_t ip = 0, mask = 0, gw = 0;
	char name[16];
	const struct nic_stats *s = &nic.st;

	if (!nic.up) {
		pr("net: no NIC (net=BB:DD.F or net=auto on the command line)\n");
		return;
	}
	net_lwip_addr(&ip, &mask, &gw);
	pr("nic: %s at %s, MAC %02x:%02x:%02x:%02x:%02x:%02x, link %s\n",
	   nic.ops->name, pci_name(nic.pci.addr, name, sizeof(name)),
	   nic.mac[0], nic.mac[1], nic.mac[2], nic.mac[3], nic.mac[4],
	   nic.mac[5], nic.ops->link_up(&nic) ? "up" : "down");
	pr("address: %u.%u.%u.%u/%u gateway %u.%u.%u.%u (%s)\n",
	   ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255, ip & 255,
	   net_prefix_len(mask), gw >> 24, (gw >> 16) & 255,
	   (gw >> 8) & 255, gw & 255, net_lwip_dhcp_state());
	pr("rx: %llu packets, %llu bytes; dropped: %llu no buffer, %llu device "
	   "errors, %llu bad descriptors\n",
	   (unsigned long long)s->rx_packets, (unsigned long long)s->rx_bytes,
	   (unsigned long long)s->rx_dropped, (unsigned long long)s->rx_errors,
	   (unsigned long long)s->rx_bad);
	pr("tx: %llu packets, %llu bytes; dropped: %llu ring full or too long, "
	   "%llu errors\n",
	   (unsigned long long)s->tx_packets, (unsigned long long)s->tx_bytes,
	   (unsigned long long)s->tx_dropped, (unsigned long long)s->tx_errors);
	pr("admission: %llu datagrams to port %u shed before lwIP (per "
	   "source %u/s, burst %u; all sources %u/s, burst %u)\n",
	   (unsigned long long)admit.shed, admit.port, ADMIT_SRC_RATE,
	   ADMIT_SRC_BURST, ADMIT_ALL_RATE, ADMIT_ALL_BURST);
	pr("interrupts: %llu NMIs claimed for the NIC\n",
	   (unsigned long long)s->irqs);
	pr("polls: %llu, %llu frames, %llu us in them; flood mode %s, "
	   "entered %llu times (net_flood=%u)\n",
	   (unsigned long long)polls, (unsigned long long)poll_frames,
	   (unsigned long long)(tsc_khz() ? poll_tsc * 1000 / tsc_khz() : 0),
	   flood ? "on" : "off", (unsigned long long)floods, flood_ms);
	ucon_print(pr);
	net_lwip_print(pr);
}
