/*
 * pci/scan.c - enumeration, BAR sizing and the capability walk over any
 * configuration-space accessor (pci/pci.h). Everything read here may be
 * garbage (a broken device, a test's recorded space): every loop is
 * bounded and every bus is visited at most once.
 */
#include "pci/pci.h"
#include "lib/lib.h"

uint32_t pci_read32(const struct pci_cfg *c, uint32_t addr, unsigned reg)
{
	return c->read32(c->ctx, addr, reg & ~3u);
}

uint16_t pci_read16(const struct pci_cfg *c, uint32_t addr, unsigned reg)
{
	return (uint16_t)(pci_read32(c, addr, reg) >> ((reg & 2) * 8));
}

uint8_t pci_read8(const struct pci_cfg *c, uint32_t addr, unsigned reg)
{
	return (uint8_t)(pci_read32(c, addr, reg) >> ((reg & 3) * 8));
}

void pci_write32(const struct pci_cfg *c, uint32_t addr, unsigned reg, uint32_t v)
{
	c->write32(c->ctx, addr, reg & ~3u, v);
}

void pci_write16(const struct pci_cfg *c, uint32_t addr, unsigned reg, uint16_t v)
{
	c->write16(c->ctx, addr, reg & ~1u, v);
}

uint8_t pci_find_cap(const struct pci_cfg *c, uint32_t addr, uint8_t id,
		     bool *looped)
{
	uint8_t ptr;

	if (!(pci_read16(c, addr, PCI_STATUS) & PCI_STATUS_CAPS))
		return 0;
	ptr = pci_read8(c, addr, PCI_CAP_PTR) & 0xFC;
	for (unsigned n = 0; ptr >= 0x40; n++) {
		uint16_t hdr;

		if (n == PCI_CAP_MAX) {
			if (looped)
				*looped = true;
			return 0;
		}
		hdr = pci_read16(c, addr, ptr);
		if ((hdr & 0xFF) == id)
			return ptr;
		ptr = (uint8_t)(hdr >> 8) & 0xFC;
	}
	return 0;
}

/* The BARs' kinds and bases as the firmware left them (no writes). */
static void read_bars(const struct pci_cfg *c, struct pci_dev *d)
{
	for (unsigned i = 0; i < d->nbars; i++) {
		uint32_t lo = pci_read32(c, d->addr, PCI_BAR0 + 4 * i);
		struct pci_bar *b = &d->bar[i];

		if (lo & PCI_BAR_IO) {
			b->kind = PCI_BAR_KIND_IO;
			b->base = lo & ~3u;
		} else if ((lo & PCI_BAR_MEM_TYPE) == PCI_BAR_MEM64 &&
			   i + 1 < d->nbars) {
			b->kind = PCI_BAR_KIND_MEM64;
			b->base = (lo & ~0xFull) |
				  (uint64_t)pci_read32(c, d->addr,
						       PCI_BAR0 + 4 * (i + 1)) << 32;
			b->prefetch = lo & PCI_BAR_PREFETCH;
			i++;         /* the upper half: PCI_BAR_NONE */
		} else {
			b->kind = PCI_BAR_KIND_MEM32;
			b->base = lo & ~0xFu;
			b->prefetch = lo & PCI_BAR_PREFETCH;
		}
	}
}

static bool read_function(const struct pci_cfg *c, uint32_t addr,
			  struct pci_dev *d, struct pci_scan_stats *st)
{
	uint32_t id = pci_read32(c, addr, PCI_VENDOR_ID);
	uint32_t cls;
	bool looped = false;

	if ((id & 0xFFFF) == 0xFFFF || (id & 0xFFFF) == 0)
		return false;
	memset(d, 0, sizeof(*d));
	d->addr = addr;
	d->vendor = (uint16_t)id;
	d->device = (uint16_t)(id >> 16);
	cls = pci_read32(c, addr, PCI_REVISION);
	d->revision = (uint8_t)cls;
	d->prog_if = (uint8_t)(cls >> 8);
	d->subclass = (uint8_t)(cls >> 16);
	d->class_code = (uint8_t)(cls >> 24);
	d->header = pci_read8(c, addr, PCI_HEADER_TYPE) & PCI_HEADER_KIND;
	if (d->header == PCI_HEADER_DEVICE) {
		d->nbars = 6;
	} else if (d->header == PCI_HEADER_BRIDGE) {
		d->nbars = 2;
		d->secondary = pci_read8(c, addr, PCI_SECONDARY_BUS);
		d->subordinate = pci_read8(c, addr, PCI_SUBORDINATE_BUS);
	}
	read_bars(c, d);
	d->cap_msi = pci_find_cap(c, addr, PCI_CAP_ID_MSI, &looped);
	d->cap_msix = pci_find_cap(c, addr, PCI_CAP_ID_MSIX, &looped);
	d->cap_pcie = pci_find_cap(c, addr, PCI_CAP_ID_PCIE, &looped);
	if (looped)
		st->bad_caps++;
	return true;
}

size_t pci_scan(const struct pci_cfg *c, uint16_t seg, uint8_t first_bus,
		uint8_t last_bus, struct pci_dev *out, size_t max,
		struct pci_scan_stats *st)
{
	/* Buses still to scan (a stack) and buses seen: 256 each at most. */
	uint8_t todo[256];
	uint8_t seen[256 / 8] = { 0 };
	unsigned ntodo = 0;
	size_t n = 0;

	memset(st, 0, sizeof(*st));
	if (first_bus > last_bus)
		return 0;
	todo[ntodo++] = first_bus;
	seen[first_bus / 8] |= (uint8_t)BIT(first_bus % 8);
	while (ntodo) {
		uint8_t bus = todo[--ntodo];

		st->buses++;
		for (unsigned dev = 0; dev < 32; dev++) {
			for (unsigned fn = 0; fn < 8; fn++) {
				uint32_t addr = PCI_ADDR(seg, bus, dev, fn);
				struct pci_dev tmp, *d = n < max ? &out[n] : &tmp;
				uint8_t sec;

				if (!read_function(c, addr, d, st)) {
					if (fn == 0)
						break;   /* no device here */
					continue;
				}
				st->functions++;
				if (n < max)
					n++;
				else
					st->dropped++;
				if (d->header == PCI_HEADER_BRIDGE) {
					sec = d->secondary;
					if (sec < first_bus || sec > last_bus ||
					    sec <= bus ||
					    (seen[sec / 8] & BIT(sec % 8))) {
						st->bad_bridges++;
					} else {
						seen[sec / 8] |= (uint8_t)BIT(sec % 8);
						todo[ntodo++] = sec;
					}
				}
				/* Functions 1-7 exist only on multi-function
				 * devices (PCI 3.0 6.2.1). */
				if (fn == 0 && !(pci_read8(c, addr, PCI_HEADER_TYPE) &
						 PCI_HEADER_MULTI))
					break;
			}
		}
	}
	return n;
}

/* Size the BAR at reg: all ones in, the mask out, the original back. */
static uint32_t probe_bar(const struct pci_cfg *c, uint32_t addr, unsigned reg)
{
	uint32_t orig = pci_read32(c, addr, reg), mask;

	pci_write32(c, addr, reg, 0xFFFFFFFFu);
	mask = pci_read32(c, addr, reg);
	pci_write32(c, addr, reg, orig);
	return mask;
}

int pci_size_bars(const struct pci_cfg *c, struct pci_dev *d)
{
	uint16_t cmd = pci_read16(c, d->addr, PCI_COMMAND);
	int ret = 0;

	/* Decoding off while a BAR holds all ones (PCI 3.0 6.2.5.1), so
	 * the device never answers at a bogus address. */
	pci_write16(c, d->addr, PCI_COMMAND,
		    cmd & (uint16_t)~(PCI_CMD_IO | PCI_CMD_MEM));
	for (unsigned i = 0; i < d->nbars; i++) {
		struct pci_bar *b = &d->bar[i];
		unsigned reg = PCI_BAR0 + 4 * i;
		uint64_t mask;

		b->size = 0;
		if (b->kind == PCI_BAR_NONE)
			continue;
		mask = probe_bar(c, d->addr, reg);
		if (b->kind == PCI_BAR_KIND_IO) {
			mask = (mask & ~3ull) | 0xFFFFFFFF00000000ull;
			/* I/O BARs decode at most 16 bits of size on x86;
			 * an all-zero mask means not implemented. */
		} else if (b->kind == PCI_BAR_KIND_MEM64) {
			mask = (mask & ~0xFull) |
			       (uint64_t)probe_bar(c, d->addr, reg + 4) << 32;
		} else {
			mask = (mask & ~0xFull) | 0xFFFFFFFF00000000ull;
		}
		if ((uint32_t)mask == 0 && b->kind != PCI_BAR_KIND_MEM64)
			continue;                /* not implemented */
		if (mask == 0)
			continue;
		/* The size is the lowest set bit of the mask; the bits above
		 * it must all be set (writable address bits are contiguous). */
		b->size = mask & -mask;
		if ((mask | (b->size - 1)) != ~0ull) {
			b->size = 0;
			ret = -1;
		}
	}
	pci_write16(c, d->addr, PCI_COMMAND, cmd);
	return ret;
}

void pci_claim_mmio(const struct pci_cfg *c, uint32_t addr)
{
	uint16_t cmd = pci_read16(c, addr, PCI_COMMAND);

	pci_write16(c, addr, PCI_COMMAND,
		    (uint16_t)((cmd | PCI_CMD_MEM | PCI_CMD_MASTER |
				PCI_CMD_INTX_OFF) & ~PCI_CMD_IO));
}

const char *pci_name(uint32_t addr, char *buf, size_t size)
{
	ksnprintf(buf, size, "%04x:%02x:%02x.%x", PCI_SEG(addr), PCI_BUS(addr),
		  PCI_DEV(addr), PCI_FN(addr));
	return buf;
}

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

int pci_parse_bdf(const char *s, uint32_t *addr)
{
	int b1, b0, d1, d0, f;

	/* exactly BB:DD.F */
	if (strlen(s) != 7 || s[2] != ':' || s[5] != '.')
		return -1;
	b1 = hexval(s[0]);
	b0 = hexval(s[1]);
	d1 = hexval(s[3]);
	d0 = hexval(s[4]);
	f = s[6] - '0';
	if (b1 < 0 || b0 < 0 || d1 < 0 || d0 < 0 || f < 0 || f > 7)
		return -1;
	if (d1 * 16 + d0 > 31)
		return -1;
	*addr = PCI_ADDR(0, b1 * 16 + b0, d1 * 16 + d0, f);
	return 0;
}
