/*
 * svm/cfgplace.c - where the guest may place what a PCI function decodes:
 * its BARs and expansion ROM (PCI Local Bus 3.0, 6.2.5), and a bridge's
 * I/O, memory and prefetchable windows and VGA ranges (PCI-to-PCI Bridge
 * Architecture 1.2, 3.2.5). A write that would make a function newly
 * decode I/O ports or memory the hypervisor keeps (struct cfg_taken: the
 * ports it intercepts or drives, the pages its nested page table keeps
 * from the guest) is refused: a placement register's bytes are dropped, a
 * command register write loses the decode enable it would turn on. Why it
 * matters: a PCI BAR wins over the legacy devices behind it (QEMU maps
 * BARs above ISA ports; on hardware the result is undefined), so an I/O
 * BAR over the console UART or 0xCF8 takes them from the hypervisor, and
 * a memory BAR over the hypervisor's NIC takes its registers.
 *
 * What was decoded before the write stays allowed (firmware's layout is
 * the baseline; writing back what a register holds changes nothing). A
 * BAR's size comes from sizing it here, with the function's decode off
 * meanwhile (the guest's write is then performed or not), and only for
 * BARs the write changes or starts decoding. Pure: host-tested
 * (tests/unit/test_cfgfilter.c) and fuzzed (tests/fuzz/fuzz_cfgfilter.c).
 */
#include "svm/svm.h"
#include "lib/lib.h"

#define REG_CMD        0x04
#define REG_HDR        0x0E
#define REG_BAR0       0x10
#define REG_IO_BASE    0x1C            /* type 1: base, limit (bytes) */
#define REG_MEM_BASE   0x20            /* type 1: base, limit (words) */
#define REG_PREF_BASE  0x24
#define REG_PREF_UP    0x28            /* upper base, upper limit */
#define REG_IO_UP      0x30            /* type 1: I/O upper base, limit */
#define REG_ROM0       0x30            /* type 0 expansion ROM */
#define REG_ROM1       0x38            /* type 1 expansion ROM */
#define REG_BRCTL      0x3E
#define CMD_IO         BIT(0)
#define CMD_MEM        BIT(1)
#define BRCTL_VGA      BIT(3)
#define ROM_ENABLE     BIT(0)

struct range {
	bool io;
	uint64_t lo, hi;               /* [lo, hi) */
};

#define MAX_RANGES 12                  /* 6 BARs + ROM, or 2 + 3 + ROM + 3 */

struct image {
	uint8_t b[CFG_PLACE_END];
};

static uint32_t dw(const struct image *m, unsigned reg)
{
	return (uint32_t)m->b[reg] | (uint32_t)m->b[reg + 1] << 8 |
	       (uint32_t)m->b[reg + 2] << 16 | (uint32_t)m->b[reg + 3] << 24;
}

static uint16_t wd(const struct image *m, unsigned reg)
{
	return (uint16_t)(m->b[reg] | m->b[reg + 1] << 8);
}

bool cfg_place_touches(unsigned reg, unsigned size)
{
	/* The command register, and from the BARs to the end of the
	 * header (ROM, bridge windows, bridge control). */
	return reg < CFG_PLACE_END && reg + size > REG_CMD &&
	       (reg < REG_CMD + 2 || reg + size > REG_BAR0);
}

/* The byte offsets the guest may be refused: the ones that place. */
static bool placing_byte(unsigned type, unsigned r)
{
	if (r < REG_BAR0 || r >= CFG_PLACE_END)
		return false;
	if (type == 0)
		return r < REG_BAR0 + 24 || (r >= REG_ROM0 && r < REG_ROM0 + 4);
	return r < REG_BAR0 + 8 || (r >= REG_IO_BASE && r < REG_IO_BASE + 2) ||
	       (r >= REG_MEM_BASE && r < REG_IO_UP + 4) ||
	       (r >= REG_ROM1 && r < REG_ROM1 + 4) || r >= REG_BRCTL;
}

static bool placing_dword(unsigned type, unsigned d)
{
	for (unsigned k = 0; k < 4; k++)
		if (placing_byte(type, d + k))
			return true;
	return false;
}

/* The bits of register reg (width 2 or 4) that take a value: its
 * complement in, read back, the old value back (for a BAR the writable
 * bits are its size mask, PCI 3.0 6.2.5.1: its address bits below the
 * size and its kind bits are read-only). The caller has the function's
 * decode off. */
static uint32_t probe(const struct cfg_access *acc, unsigned reg,
		      unsigned width)
{
	uint32_t ones = width == 4 ? 0xFFFFFFFFu : 0xFFFFu;
	uint32_t old = (uint32_t)acc->read(acc->ctx, reg, width) & ones, m;

	acc->write(acc->ctx, reg, width, ~old & ones);
	m = ((uint32_t)acc->read(acc->ctx, reg, width) ^ old) & ones;
	acc->write(acc->ctx, reg, width, old);
	return m;
}

struct sizes {
	const struct cfg_access *acc;
	unsigned type;                 /* header type 0, 1 */
	uint16_t cmd;                  /* the hardware's, before the write */
	bool off;                      /* decode switched off by us */
	bool known[CFG_PLACE_END / 4];
	uint32_t mask[CFG_PLACE_END / 4];
};

/* The writable bits of the placing dword at reg, probed once. A bridge's
 * dword 0x1C is probed in its low half only (the high half is its
 * secondary status, write-one-to-clear), and its bridge control never
 * (its secondary bus reset bit): that one counts as all writable. */
static uint32_t mask_of(struct sizes *s, unsigned reg)
{
	unsigned i = reg / 4;

	if (s->type == 1 && reg == REG_BRCTL - 2)
		return 0xFFFFFFFFu;
	if (!s->known[i]) {
		if (!s->off && (s->cmd & (CMD_IO | CMD_MEM))) {
			/* the status half as zeros: its RW1C bits stay */
			s->acc->write(s->acc->ctx, REG_CMD, 4,
				      s->cmd & ~(uint32_t)(CMD_IO | CMD_MEM));
			s->off = true;
		}
		s->mask[i] = s->type == 1 && reg == REG_IO_BASE ?
			     probe(s->acc, reg, 2) | 0xFFFF0000u :
			     probe(s->acc, reg, 4);
		s->known[i] = true;
	}
	return s->mask[i];
}

/* [lo, lo + the lowest writable bit of k): a BAR's range (its size is
 * the lowest address bit it implements, 6.2.5.1), clipped at the top. */
static struct range span(bool io, uint64_t v, uint64_t k)
{
	uint64_t lo = v & k, size = k & (0 - k);

	return (struct range){ io, lo, lo + size < lo ? ~0ULL : lo + size };
}

/* The BAR at reg of image m as a range (none: *n unchanged); its kind
 * from the hardware's read-only low bits (@hw, before the write); *skip
 * set when it is 64-bit (reg + 4 its upper half; never for the @last
 * BAR of the header). Sized only when its bytes @changed or its kind of
 * decode is @newly on. */
static void bar_range(const struct image *m, const struct image *hw,
		      unsigned reg, bool last, struct sizes *s,
		      struct range *out, size_t *n, bool *skip, bool changed,
		      uint16_t newly)
{
	uint32_t kind = dw(hw, reg), k;
	uint16_t cmd = wd(m, REG_CMD);
	bool want = changed || (newly & (kind & 1 ? CMD_IO : CMD_MEM));
	uint64_t mk;

	*skip = false;
	if (kind & 1) {                  /* I/O space */
		if (!(cmd & CMD_IO) || !want)
			return;
		k = mask_of(s, reg) & ~3u;
		if (k)                        /* 0: not implemented */
			out[(*n)++] = span(true, dw(m, reg), k);
		return;
	}
	if (((kind >> 1) & 3) == 2 && !last) {
		*skip = true;                 /* 64-bit */
		if (!(cmd & CMD_MEM) || !want)
			return;
		mk = (uint64_t)mask_of(s, reg + 4) << 32 |
		     (mask_of(s, reg) & ~0xFu);
		if (mk)
			out[(*n)++] = span(false, (uint64_t)dw(m, reg + 4) << 32 |
					   dw(m, reg), mk);
		return;
	}
	if (!(cmd & CMD_MEM) || !want)
		return;
	k = mask_of(s, reg) & ~0xFu;
	if (k)
		out[(*n)++] = span(false, dw(m, reg), k);
}

static void rom_range(const struct image *m, unsigned reg, struct sizes *s,
		      struct range *out, size_t *n, bool want)
{
	uint32_t v = dw(m, reg), k;

	if (!(v & ROM_ENABLE) || !(wd(m, REG_CMD) & CMD_MEM) || !want)
		return;
	k = mask_of(s, reg) & 0xFFFFF800u;   /* 6.2.5.2 */
	if (k)
		out[(*n)++] = span(false, v, k);
}

/* A bridge's windows (PCI-to-PCI Bridge 1.2, 3.2.5.6-3.2.5.10; base
 * above limit: no window) and its VGA ranges (3.2.5.18, bit 3). */
static void bridge_ranges(const struct image *m, struct range *out, size_t *n)
{
	uint16_t cmd = wd(m, REG_CMD);
	uint8_t iob = m->b[REG_IO_BASE], iol = m->b[REG_IO_BASE + 1];
	uint16_t pb = wd(m, REG_PREF_BASE), pl = wd(m, REG_PREF_BASE + 2);
	uint64_t lo, hi;

	if (cmd & CMD_IO) {
		lo = (uint64_t)(iob & 0xF0) << 8;
		hi = ((uint64_t)(iol & 0xF0) << 8) | 0xFFF;
		if ((iob & 0xF) == 1) {          /* 32-bit I/O addressing */
			lo |= (uint64_t)wd(m, REG_IO_UP) << 16;
			hi |= (uint64_t)wd(m, REG_IO_UP + 2) << 16;
		}
		if (lo <= hi)
			out[(*n)++] = (struct range){ true, lo, hi + 1 };
		if (wd(m, REG_BRCTL) & BRCTL_VGA) {
			out[(*n)++] = (struct range){ true, 0x3B0, 0x3BC };
			out[(*n)++] = (struct range){ true, 0x3C0, 0x3E0 };
		}
	}
	if (!(cmd & CMD_MEM))
		return;
	lo = (uint64_t)(wd(m, REG_MEM_BASE) & 0xFFF0) << 16;
	hi = ((uint64_t)(wd(m, REG_MEM_BASE + 2) & 0xFFF0) << 16) | 0xFFFFF;
	if (lo <= hi)
		out[(*n)++] = (struct range){ false, lo, hi + 1 };
	lo = (uint64_t)(pb & 0xFFF0) << 16;
	hi = ((uint64_t)(pl & 0xFFF0) << 16) | 0xFFFFF;
	if ((pb & 0xF) == 1) {                   /* 64-bit prefetchable */
		lo |= (uint64_t)dw(m, REG_PREF_UP) << 32;
		hi |= (uint64_t)dw(m, REG_PREF_UP + 4) << 32;
	}
	if (lo <= hi)
		out[(*n)++] = (struct range){ false, lo, hi + 1 };
	if (wd(m, REG_BRCTL) & BRCTL_VGA)
		out[(*n)++] = (struct range){ false, 0xA0000, 0xC0000 };
}

static bool differ(const struct image *a, const struct image *b,
		   unsigned reg, unsigned width)
{
	for (unsigned r = reg; r < reg + width; r++)
		if (a->b[r] != b->b[r])
			return true;
	return false;
}

/* The ranges image @m decodes; a BAR or ROM only where it differs from
 * @other or its decode is newly on in @m (the others decode the same on
 * both sides). @hw: the hardware's image, for the BARs' kinds. */
static size_t ranges(const struct image *m, const struct image *other,
		     const struct image *hw, struct sizes *s, struct range *out)
{
	unsigned type = hw->b[REG_HDR] & 0x7F;
	unsigned nbars = type == 0 ? 6 : 2;    /* type 0 or 1 here */
	uint16_t newly = wd(m, REG_CMD) & ~wd(other, REG_CMD) & (CMD_IO | CMD_MEM);
	size_t n = 0;

	for (unsigned i = 0; i < nbars; i++) {
		unsigned reg = REG_BAR0 + 4 * i;
		bool skip, last = i + 1 == nbars;

		bar_range(m, hw, reg, last, s, out, &n, &skip,
			  differ(other, m, reg, last ? 4 : 8), newly);
		i += skip;
	}
	if (type == 0)
		rom_range(m, REG_ROM0, s, out, &n,
			  differ(other, m, REG_ROM0, 4) || (newly & CMD_MEM));
	if (type == 1) {
		rom_range(m, REG_ROM1, s, out, &n,
			  differ(other, m, REG_ROM1, 4) || (newly & CMD_MEM));
		bridge_ranges(m, out, &n);
	}
	return n;
}

static bool taken(const struct cfg_taken *t, const struct range *r)
{
	if (r->lo >= r->hi)
		return false;
	return r->io ? r->lo < 0x10000 &&
		       t->io(t->ctx, r->lo, MIN(r->hi, (uint64_t)0x10000)) :
		       t->mem(t->ctx, r->lo, r->hi);
}

static bool in(const struct range *r, const struct range *set, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (set[i].io == r->io && set[i].lo == r->lo && set[i].hi == r->hi)
			return true;
	return false;
}

const char *cfg_place_check(const struct cfg_taken *t,
			    const struct cfg_access *acc, unsigned reg,
			    unsigned size, uint64_t *val, unsigned *drop)
{
	struct image before, after;
	struct range rb[MAX_RANGES], ra[MAX_RANGES];
	struct sizes s;
	size_t nb, na;
	unsigned type;
	bool bad_io = false, bad_mem = false;
	const char *why = NULL;

	*drop = 0;
	if (!cfg_place_touches(reg, size) || size == 0 || size > 8)
		return NULL;
	for (unsigned r = 0; r < CFG_PLACE_END; r += 4) {
		uint32_t v = (uint32_t)acc->read(acc->ctx, r, 4);

		for (unsigned k = 0; k < 4; k++)
			before.b[r + k] = (uint8_t)(v >> (8 * k));
	}
	after = before;
	for (unsigned k = 0; k < size; k++)
		if (reg + k < CFG_PLACE_END)
			after.b[reg + k] = (uint8_t)(*val >> (8 * k));
	/* A CardBus bridge (type 2) is not checked: its registers have
	 * another layout (docs/threat-model.md). */
	if ((before.b[REG_HDR] & 0x7F) > 1)
		return NULL;
	/* Neither before nor after decoding: nothing placed now; turning
	 * decode on later is checked then. */
	if (!((wd(&before, REG_CMD) | wd(&after, REG_CMD)) & (CMD_IO | CMD_MEM)))
		return NULL;
	memset(&s, 0, sizeof(s));
	s.acc = acc;
	s.type = before.b[REG_HDR] & 0x7F;
	s.cmd = wd(&before, REG_CMD);
	/* The write as the hardware takes it: in each placing dword it
	 * touches only the bits that take a value change. */
	for (unsigned d = reg & ~3u; d < reg + size && d < CFG_PLACE_END; d += 4) {
		uint32_t m;

		if (d < REG_BAR0 || !placing_dword(s.type, d))
			continue;
		m = mask_of(&s, d);
		for (unsigned k = 0; k < 4; k++) {
			uint8_t mb = (uint8_t)(m >> (8 * k));

			after.b[d + k] = (uint8_t)((after.b[d + k] & mb) |
						   (before.b[d + k] & ~mb));
		}
	}
	na = ranges(&after, &before, &before, &s, ra);
	/* Before: the same BARs, with the sizes just found (a BAR the write
	 * leaves alone is the same range on both sides if it was sized). */
	nb = ranges(&before, &after, &before, &s, rb);
	if (s.off)
		acc->write(acc->ctx, REG_CMD, 4, s.cmd);
	for (size_t i = 0; i < na; i++) {
		if (in(&ra[i], rb, nb) || !taken(t, &ra[i]))
			continue;
		if (ra[i].io)
			bad_io = true;
		else
			bad_mem = true;
	}
	if (!bad_io && !bad_mem)
		return NULL;
	type = before.b[REG_HDR] & 0x7F;
	why = bad_io ? "would decode I/O ports the hypervisor keeps" :
		       "would decode memory the hypervisor keeps";
	/* Placement bytes dropped; decode enables the write would newly
	 * set (of the kind at fault) taken out of it. What remains decodes
	 * no more than before. */
	for (unsigned k = 0; k < size; k++) {
		unsigned r = reg + k;

		if (placing_byte(type, r))
			*drop |= 1u << k;
		if (r == REG_CMD) {
			uint8_t newly = after.b[REG_CMD] & ~before.b[REG_CMD];
			uint8_t off = (bad_io ? CMD_IO : 0) | (bad_mem ? CMD_MEM : 0);

			*val &= ~((uint64_t)(newly & off) << (8 * k));
		}
	}
	return why;
}
