/*
 * iommu/events.c - read the event logs (AMD IOMMU spec 48882, 2.5): on
 * the exit path every 10 ms at most (any CPU; whoever takes the lock
 * drains, the others go on), and from the console. Each blocked access is
 * counted by device, page and direction and logged with a rate limit; the
 * console's `iommu` prints the counts.
 */
#include "iommu/internal.h"
#include "arch/x86.h"
#include "smp/smp.h"

static struct spinlock iommu_lock = SPINLOCK_INIT;

#define IOMMU_LOG_FIRST 16

static void take_event(struct iommu_unit *u, const uint32_t raw[4])
{
	struct iommu_event ev;
	uint64_t same = 0;

	iommu_event_decode(raw, &ev);
	same = iommu_faults_add(&iommu.faults, &ev);
	iommu.logged++;
	/* Rate limit: the first of each kind, the first IOMMU_LOG_FIRST of the
	 * others, then one line in 256. */
	if (same == 1 || (!same && iommu.logged <= IOMMU_LOG_FIRST) ||
	    (iommu.logged & 255) == 0)
		printk("iommu: %s: %s by %02x:%02x.%x at %llx blocked "
		       "(flags %03x; %llu events so far)\n",
		       iommu_event_name(ev.code), ev.write ? "write" : "read",
		       ev.devid >> 8, (ev.devid >> 3) & 31, ev.devid & 7,
		       (unsigned long long)ev.addr, ev.flags,
		       (unsigned long long)iommu.logged);
}

static void drain(struct iommu_unit *u)
{
	uint32_t tail = (uint32_t)(iommu_reg(u, MMIO_EVT_TAIL) & RING_PTR_MASK);
	uint64_t status = iommu_reg(u, MMIO_STATUS);
	bool any = false;

	if (tail >= EVT_BYTES)
		tail = 0;
	/* EventLogInt cleared before the entries are read: one that comes
	 * after raises a new interrupt (3.4.7, RW1C). */
	if (status & STATUS_EVT_LOG_INT)
		iommu_set_reg(u, MMIO_STATUS, STATUS_EVT_LOG_INT);
	for (;;) {
		volatile uint32_t *e = &u->evt[u->evt_head / 4];
		uint32_t raw[4];

		/* Event codes are never 0 (2.5.2): a zeroed slot is free. */
		if (u->evt_head == tail && !(u->tail_quirk && (e[1] >> 28)))
			break;
		for (unsigned k = 0; k < 4; k++)
			raw[k] = e[k];
		for (unsigned k = 0; k < 4; k++)
			e[k] = 0;
		take_event(u, raw);
		u->evt_head = (u->evt_head + 16) % EVT_BYTES;
		iommu_set_reg(u, MMIO_EVT_HEAD, u->evt_head);
		any = true;
		if (u->tail_quirk && u->evt_head == 0)
			break;       /* QEMU never wraps: restarted below */
	}
	if (status & STATUS_EVT_OVERFLOW) {
		u->overflows++;
		printk("iommu: event log of %llx overflowed: events lost\n",
		       (unsigned long long)u->m->base);
	}
	if (any || (status & STATUS_EVT_OVERFLOW))
		iommu_restart_event_log(u);
}

volatile uint64_t iommu_poll_due_tsc = UINT64_MAX;

void iommu_poll(bool force)
{
	uint64_t now;

	if (!iommu_active())
		return;
	now = rdtsc();
	if (!force && now < iommu_poll_due_tsc)
		return;
	if (force)
		spin_lock(&iommu_lock);
	else if (!spin_trylock(&iommu_lock))
		return;          /* another CPU drains */
	iommu_poll_due_tsc = now + iommu.poll_interval;
	for (unsigned i = 0; i < iommu.nunits; i++)
		drain(&iommu.units[i]);
	spin_unlock(&iommu_lock);
}

/* The NMI source (smp/smp.h, "NMI sources"). pending() runs in NMI
 * context: register reads only, no lock (the interrupted code may hold
 * iommu_lock); units and their MMIO are fixed after bring-up, evt_head
 * is read racily, which can only claim generously. */
static volatile uint64_t nmi_claims;

static bool source_pending(bool from_nmi)
{
	(void)from_nmi;
	for (unsigned i = 0; i < iommu.nunits; i++) {
		const struct iommu_unit *u = &iommu.units[i];
		uint32_t head = __atomic_load_n(&u->evt_head, __ATOMIC_RELAXED);

		if (iommu_evt_pending(iommu_reg(u, MMIO_STATUS), head,
				      (uint32_t)(iommu_reg(u, MMIO_EVT_TAIL) &
						 RING_PTR_MASK),
				      u->tail_quirk, u->evt[head / 4 + 1])) {
			nmi_claims++;
			return true;
		}
	}
	return false;
}

static void source_service(struct percpu *c)
{
	iommu_poll(true);
}

static struct nmi_source iommu_source = {
	.name = "iommu",
	.cpu = 0,
	.pending = source_pending,
	.service = source_service,
};

int iommu_nmi_source_add(void)
{
	return smp_nmi_source_add(&iommu_source);
}

uint64_t iommu_nmi_claims(void)
{
	return nmi_claims;
}

void iommu_console_cmd(print_fn pr, int argc, char **argv)
{
	iommu_report(pr);
}

void iommu_report(print_fn pr)
{
	if (!iommu_active()) {
		pr("no IOMMU translating: DMA is not protected\n");
		return;
	}
	iommu_poll(true);
	spin_lock(&iommu_lock);
	for (unsigned i = 0; i < iommu.nunits; i++) {
		const struct iommu_unit *u = &iommu.units[i];

		pr("IOMMU %u: %02x:%02x.%x at %llx, EFR %llx, control %llx, "
		   "status %llx, event log %llx (head %x%s), overflows %llu\n",
		   i, u->m->devid >> 8,
		   (u->m->devid >> 3) & 31, u->m->devid & 7,
		   (unsigned long long)u->m->base, (unsigned long long)u->efr,
		   (unsigned long long)iommu_reg(u, MMIO_CONTROL),
		   (unsigned long long)iommu_reg(u, MMIO_STATUS),
		   (unsigned long long)u->evt_pa, u->evt_head,
		   u->tail_quirk ? ", QEMU tail quirk" : "",
		   (unsigned long long)u->overflows);
	}
	pr("device table at %llx: %u IDs translated to guest RAM, the rest "
	   "blocked; I/O page tables: %zu pages, %llu MiB mapped\n",
	   (unsigned long long)iommu.dev_table_pa, iommu.covered,
	   iommu.pt.table_pages, (unsigned long long)(iommu.pt.mapped >> 20));
	for (unsigned i = 0; i < iommu.nhv_ids; i++)
		pr("hypervisor's NIC: ID %02x:%02x.%x reaches only its DMA blocks "
		   "(%llu KiB, %zu table pages)\n", iommu.hv_ids[i] >> 8,
		   (iommu.hv_ids[i] >> 3) & 31, iommu.hv_ids[i] & 7,
		   (unsigned long long)(iommu.hv_pt.mapped >> 10),
		   iommu.hv_pt.table_pages);
	pr("event interrupt: %s, %llu NMIs claimed\n",
	   iommu.nmi_wired ? "MSI as NMI to the boot CPU" : "not wired (polled)",
	   (unsigned long long)nmi_claims);
	pr("events: %llu (IO_PAGE_FAULT %llu: %llu reads, %llu writes blocked)\n",
	   (unsigned long long)iommu.logged,
	   (unsigned long long)iommu.faults.by_code[EVT_IO_PAGE_FAULT],
	   (unsigned long long)iommu.faults.reads,
	   (unsigned long long)iommu.faults.writes);
	for (unsigned i = 0; i < iommu.faults.nkinds; i++) {
		const struct iommu_fault_kind *k = &iommu.faults.kinds[i];

		pr("  %02x:%02x.%x %-5s page %llx: %llu\n", k->devid >> 8,
		   (k->devid >> 3) & 31, k->devid & 7,
		   k->write ? "write" : "read", (unsigned long long)k->page,
		   (unsigned long long)k->count);
	}
	if (iommu.faults.other)
		pr("  (other devices/pages: %llu)\n",
		   (unsigned long long)iommu.faults.other);
	spin_unlock(&iommu_lock);
}
