/*
 * guest/pcichecks.c - the hypervisor's own NIC must be absent for us
 * (option hvnic=BB:DD.F, the function given to the hypervisor's net=):
 * through configuration mechanism #1 and through ECAM it reads as an empty
 * slot (all ones), a write to its command register changes nothing we
 * can see, and every other NIC (ours) is still there.
 */
#include "guest/guest.h"

#define CONF_ADDR   0xcf8
#define CONF_DATA   0xcfc
#define MCH_BDF     0u                    /* 00:00.0 */
#define PCIEXBAR    0x60
#define CLASS_NET   0x02

static uint32_t cf8_read(uint32_t bdf, uint8_t reg)
{
	outl(CONF_ADDR, BIT(31) | bdf << 8 | reg);
	return inl(CONF_DATA);
}

static void cf8_write(uint32_t bdf, uint8_t reg, uint32_t v)
{
	outl(CONF_ADDR, BIT(31) | bdf << 8 | reg);
	outl(CONF_DATA, v);
}

/* The Q35 ECAM window (PCIEXBAR), 0 when off. */
static uint64_t ecam_base(void)
{
	uint32_t bar = cf8_read(MCH_BDF, PCIEXBAR);
	unsigned len = (bar >> 1) & 3;

	if (!(bar & 1) || (cf8_read(MCH_BDF, 0) & 0xFFFF) != 0x8086)
		return 0;
	return bar & (0xf0000000u | (len >= 1 ? 0x08000000u : 0) |
		      (len == 2 ? 0x04000000u : 0));
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ?
	       c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* "BB:DD.F" in hex (the option ends at a blank): 0 and *bdf, or -1. */
static int parse_bdf(const char *s, uint32_t *bdf)
{
	int v[5];
	const int at[5] = { 0, 1, 3, 4, 6 };

	if (s[2] != ':' || s[5] != '.' || (s[7] && s[7] != ' '))
		return -1;
	for (int i = 0; i < 5; i++)
		if ((v[i] = hexval(s[at[i]])) < 0)
			return -1;
	if (v[2] * 16 + v[3] > 31 || v[4] > 7)
		return -1;
	*bdf = (uint32_t)((v[0] * 16 + v[1]) << 8 | (v[2] * 16 + v[3]) << 3 | v[4]);
	return 0;
}

void check_hvnic_hidden(const char *opt)
{
	uint32_t bdf, id, cmd_after, ecam_id = 0xFFFFFFFFu;
	unsigned ours = 0;
	uint64_t ecam;

	if (parse_bdf(opt, &bdf)) {
		check_report("hvnic_hidden", false, "bad hvnic= value");
		return;
	}
	id = cf8_read(bdf, 0);
	/* Try to switch on its memory decoding and bus mastering. */
	cf8_write(bdf, 4, 0x0006);
	cmd_after = cf8_read(bdf, 4);
	ecam = ecam_base();
	if (ecam) {
		volatile uint32_t *p = (volatile uint32_t *)(uintptr_t)
			(ecam + ((uint64_t)bdf << 12));
		p[1] = 0x0006;
		ecam_id = p[0] & p[1];
	}
	/* Our own NICs: every function on buses 0-3 with class 02. */
	for (uint32_t b = 0; b < 4 * 256; b++) {
		if (b == bdf || (cf8_read(b, 0) & 0xFFFF) == 0xFFFF)
			continue;
		if ((cf8_read(b, 8) >> 24) == CLASS_NET) {
			printk("NIC at %02x:%02x.%x, %08x\n", b >> 8,
			       (b >> 3) & 31, b & 7, cf8_read(b, 0));
			ours++;
		}
	}
	check_report("hvnic_hidden", id == 0xFFFFFFFFu &&
		     cmd_after == 0xFFFFFFFFu && ecam_id == 0xFFFFFFFFu && ours,
		     "%02x:%02x.%x: id %#x, command after a write %#x, ECAM "
		     "%#x; %u NICs of ours", bdf >> 8, (bdf >> 3) & 31, bdf & 7, id, cmd_after, ecam_id, ours);
}

/* ---- the hidden NIC's ports ------------------------------------------- */

#define PORT_SCAN_LO   0x1000u      /* below: ISA, never a PCI BAR */
#define PORT_SCAN_STEP 4u
#define MAX_IO_BARS    64

struct io_bar {
	uint32_t lo, hi;               /* [lo, hi) */
};

/* Size the I/O BAR at (bdf, reg) the way an OS does (PCI Local Bus 3.0,
 * 6.2.5.1): I/O decode off, all ones in, the mask read, the address back,
 * decode as it was. 0: not an I/O BAR, or not implemented. */
static uint32_t io_bar_size(uint32_t bdf, uint8_t reg, uint32_t *base)
{
	uint32_t old = cf8_read(bdf, reg), cmd = cf8_read(bdf, 4) & 0xFFFF;
	uint32_t mask;

	if (!(old & 1))
		return 0;
	cf8_write(bdf, 4, cmd & ~1u);
	cf8_write(bdf, reg, 0xFFFFFFFFu);
	mask = cf8_read(bdf, reg) & 0xFFFCu;
	cf8_write(bdf, reg, old);
	cf8_write(bdf, 4, cmd);
	*base = old & 0xFFFCu;
	return mask ? ((~mask + 1) & 0xFFFFu) : 0;
}

/* The I/O BARs of every function we can see on buses 0-3. */
static size_t visible_io_bars(struct io_bar *out, size_t max)
{
	size_t n = 0;

	for (uint32_t b = 0; b < 4 * 256; b++) {
		uint32_t id = cf8_read(b, 0), hdr;
		unsigned nbars;

		if ((id & 0xFFFF) == 0xFFFF) {
			if ((b & 7) == 0)
				b += 7;
			continue;
		}
		hdr = (cf8_read(b, 0x0C) >> 16) & 0xFF;
		nbars = (hdr & 0x7F) == 0 ? 6 : (hdr & 0x7F) == 1 ? 2 : 0;
		for (unsigned i = 0; i < nbars && n < max; i++) {
			uint32_t base = 0;
			uint32_t size = io_bar_size(b, (uint8_t)(0x10 + 4 * i),
						    &base);

			if (size && base)
				out[n++] = (struct io_bar){ base, base + size };
		}
		if ((b & 7) == 0 && !(hdr & 0x80))
			b += 7;                 /* single-function device */
	}
	return n;
}

/* Whatever decodes I/O ports is on the bus: a hidden function must not.
 * Our NIC-less view of the ports from 0x1000 up: every dword that is not
 * one of our functions' I/O BARs reads all ones (a master abort, PCI 3.0
 * 3.7.3). The hypervisor's e1000e has an I/O BAR (IOADDR/IODATA reach
 * every register, 82574 datasheet 8.2.2) that firmware enabled: if it
 * still decoded, its IOADDR would read back here. Reads only. */
void check_hvnic_ports(void)
{
	static struct io_bar bars[MAX_IO_BARS];
	size_t n = visible_io_bars(bars, MAX_IO_BARS);
	uint32_t found = 0, seen = 0;

	for (uint32_t p = PORT_SCAN_LO; p < 0x10000u; p += PORT_SCAN_STEP) {
		bool ours = false;

		for (size_t i = 0; i < n && !ours; i++)
			ours = p >= bars[i].lo && p < bars[i].hi;
		if (ours)
			continue;
		seen++;
		if (inl((uint16_t)p) != 0xFFFFFFFFu && !found)
			found = p;
	}
	check_report("hvnic_ports", !found && seen,
		     "%u I/O BARs of ours; of %u other dwords from %#x, the "
		     "first that answers: %#x", (unsigned)n, seen,
		     PORT_SCAN_LO, found);
}

/* ---- the bridges above the hidden NIC ---------------------------------- */

/* With the hypervisor's NIC behind a bridge (hvnic=BB:DD.F, BB not 0):
 * the bridge on bus 0 that leads to it takes none of our writes - not
 * decode off in its command register (through 0xCF8), not a secondary
 * bus reset in its bridge control (through ECAM), not its memory window
 * closed - each of which would cut the NIC off. */
void check_hvnic_path(const char *opt)
{
	uint32_t nic, br = 0, cmd, brctl, win, cmd2, brctl2, win2;
	uint64_t ecam = ecam_base();
	bool found = false;

	if (parse_bdf(opt, &nic) || (nic >> 8) == 0)
		return;                          /* on bus 0: no bridge */
	for (uint32_t b = 0; b < 256 && !found; b++) {
		uint32_t nums;

		if ((cf8_read(b, 0) & 0xFFFF) == 0xFFFF ||
		    ((cf8_read(b, 0x0C) >> 16) & 0x7F) != 1)
			continue;
		nums = cf8_read(b, 0x18);
		if (((nums >> 8) & 0xFF) <= (nic >> 8) &&
		    (nic >> 8) <= ((nums >> 16) & 0xFF)) {
			br = b;
			found = true;
		}
	}
	if (!found) {
		check_report("hvnic_path", false, "no bridge to bus %u", nic >> 8);
		return;
	}
	cmd = cf8_read(br, 0x04) & 0xFFFF;
	brctl = cf8_read(br, 0x3C) >> 16;
	win = cf8_read(br, 0x20);
	cf8_write(br, 0x04, 0);                  /* decode and mastering off */
	if (ecam) {
		volatile uint32_t *p = (volatile uint32_t *)(uintptr_t)
			(ecam + ((uint64_t)br << 12) + 0x3C);

		*p = (*p & 0xFFFF) | (brctl | 0x40u) << 16;   /* bus reset */
	}
	cf8_write(br, 0x20, 0x0000FFF0u);        /* memory window closed */
	cmd2 = cf8_read(br, 0x04) & 0xFFFF;
	brctl2 = cf8_read(br, 0x3C) >> 16;
	win2 = cf8_read(br, 0x20);
	check_report("hvnic_path", cmd2 == cmd && brctl2 == brctl &&
		     win2 == win && ecam && (cmd & 2),
		     "bridge 00:%02x.%x to bus %u: command %#x -> %#x, bridge "
		     "control %#x -> %#x, memory window %#x -> %#x",
		     br >> 3, br & 7, nic >> 8, cmd, cmd2, brctl, brctl2, win, win2);
}
