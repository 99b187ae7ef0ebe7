/* Fuzz target: the placement checks (svm/cfgplace.c). The input builds
 * one function - a type 0 or type 1 header of arbitrary bytes, BARs with
 * arbitrary writable bits (I/O, 32- or 64-bit memory, absent), a ROM -
 * and what the hypervisor keeps (up to four port and four address
 * ranges), then is a sequence of guest writes (offset, width, value)
 * through cfg_place_check, performed as it says (bytes dropped, value
 * changed). A model computes what the function decodes from its bytes and
 * true sizes. After every write: the check's own sizing left the function
 * as it was; a write let through whole was performed as written; and no
 * decoded range overlapping what is kept exists that did not before. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "svm/svm.h"
#include "lib/lib.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fn {
	uint8_t b[CFG_PLACE_END];
	uint32_t wmask[CFG_PLACE_END / 4];   /* writable bits per dword */
};

static struct fn fn;
static uint64_t kept_io[4][2], kept_mem[4][2];
static size_t nio, nmem;

static uint32_t get32(unsigned reg)
{
	uint32_t v;

	memcpy(&v, &fn.b[reg], 4);
	return v;
}

static uint64_t acc_read(void *ctx, unsigned reg, unsigned size)
{
	uint64_t v = 0;

	(void)ctx;
	if (reg + size > CFG_PLACE_END)
		abort();                  /* the check reads the header only */
	memcpy(&v, &fn.b[reg], size);
	return v;
}

/* Hardware rules: each byte keeps its read-only bits; the status half of
 * dword 4 is write-one-to-clear. */
static void acc_write(void *ctx, unsigned reg, unsigned size, uint64_t val)
{
	(void)ctx;
	for (unsigned k = 0; k < size; k++) {
		unsigned r = reg + k;
		uint8_t v = (uint8_t)(val >> (8 * k));
		uint8_t wm;

		if (r >= CFG_PLACE_END)
			continue;
		wm = (uint8_t)(fn.wmask[r / 4] >> (8 * (r & 3)));
		if (r == 6 || r == 7)
			fn.b[r] &= (uint8_t)~(v & wm);
		else
			fn.b[r] = (uint8_t)((v & wm) | (fn.b[r] & ~wm));
	}
}

static bool over(const uint64_t (*r)[2], size_t n, uint64_t lo, uint64_t hi)
{
	for (size_t i = 0; i < n; i++)
		if (lo < r[i][1] && r[i][0] < hi)
			return true;
	return false;
}

static bool t_io(void *ctx, uint64_t lo, uint64_t hi)
{
	(void)ctx;
	return over((const uint64_t (*)[2])kept_io, nio, lo, hi);
}

static bool t_mem(void *ctx, uint64_t lo, uint64_t hi)
{
	(void)ctx;
	return over((const uint64_t (*)[2])kept_mem, nmem, lo, hi);
}

struct rng { bool io; uint64_t lo, hi; };

static void add(struct rng *out, size_t *n, bool io, uint64_t lo, uint64_t hi)
{
	if (lo < hi && (io ? over((const uint64_t (*)[2])kept_io, nio, lo,
				 MIN(hi, (uint64_t)0x10000)) && lo < 0x10000 :
			     over((const uint64_t (*)[2])kept_mem, nmem, lo, hi)))
		out[(*n)++] = (struct rng){ io, lo, hi };
}

/* The model: what the function decodes now that overlaps what is kept. */
static size_t bad_ranges(struct rng *out)
{
	uint16_t cmd = (uint16_t)(fn.b[4] | fn.b[5] << 8);
	unsigned type = fn.b[0x0E] & 0x7F, nbars = type == 0 ? 6 : type == 1 ? 2 : 0;
	size_t n = 0;

	for (unsigned i = 0; i < nbars; i++) {
		unsigned reg = 0x10 + 4 * i;
		uint32_t v = get32(reg), m = fn.wmask[reg / 4];
		uint64_t mk, lo;

		if (v & 1) {
			m &= ~3u;
			if (m && (cmd & 1))
				add(out, &n, true, v & m, (uint64_t)(v & m) + (m & (0 - m)));
		} else if (((v >> 1) & 3) == 2 && i + 1 < nbars) {
			mk = (uint64_t)fn.wmask[reg / 4 + 1] << 32 | (m & ~0xFu);
			lo = ((uint64_t)get32(reg + 4) << 32 | v) & mk;
			if (mk && (cmd & 2))
				add(out, &n, false, lo, lo + (mk & (0 - mk)) < lo ?
				    ~0ULL : lo + (mk & (0 - mk)));
			i++;
		} else {
			m &= ~0xFu;
			if (m && (cmd & 2))
				add(out, &n, false, v & m, (uint64_t)(v & m) + (m & (0 - m)));
		}
	}
	{
		unsigned rom = type == 0 ? 0x30 : 0x38;
		uint32_t v = get32(rom), m = fn.wmask[rom / 4] & 0xFFFFF800u;

		if (type <= 1 && (v & 1) && m && (cmd & 2))
			add(out, &n, false, v & m, (uint64_t)(v & m) + (m & (0 - m)));
	}
	if (type == 1) {
		uint64_t lo = (uint64_t)(fn.b[0x1C] & 0xF0) << 8;
		uint64_t hi = ((uint64_t)(fn.b[0x1D] & 0xF0) << 8) | 0xFFF;
		uint16_t pb = (uint16_t)(fn.b[0x24] | fn.b[0x25] << 8);
		uint16_t pl = (uint16_t)(fn.b[0x26] | fn.b[0x27] << 8);
		bool vga = fn.b[0x3E] & 8;

		if ((fn.b[0x1C] & 0xF) == 1) {
			lo |= (uint64_t)(fn.b[0x30] | fn.b[0x31] << 8) << 16;
			hi |= (uint64_t)(fn.b[0x32] | fn.b[0x33] << 8) << 16;
		}
		if (cmd & 1) {
			add(out, &n, true, lo, hi + 1);
			if (vga) {
				add(out, &n, true, 0x3B0, 0x3BC);
				add(out, &n, true, 0x3C0, 0x3E0);
			}
		}
		if (cmd & 2) {
			lo = (uint64_t)((fn.b[0x20] | fn.b[0x21] << 8) & 0xFFF0) << 16;
			hi = ((uint64_t)((fn.b[0x22] | fn.b[0x23] << 8) & 0xFFF0) << 16) |
			     0xFFFFF;
			add(out, &n, false, lo, hi + 1);
			lo = (uint64_t)(pb & 0xFFF0) << 16;
			hi = ((uint64_t)(pl & 0xFFF0) << 16) | 0xFFFFF;
			if ((pb & 0xF) == 1) {
				lo |= (uint64_t)get32(0x28) << 32;
				hi |= (uint64_t)get32(0x2C) << 32;
			}
			add(out, &n, false, lo, hi + 1);
			if (vga)
				add(out, &n, false, 0xA0000, 0xC0000);
		}
	}
	return n;
}

static bool had(const struct rng *r, const struct rng *set, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (set[i].io == r->io && set[i].lo == r->lo && set[i].hi == r->hi)
			return true;
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct cfg_taken taken = { t_io, t_mem, NULL };
	const struct cfg_access acc = { acc_read, acc_write, NULL };
	/* The input: 64 header bytes, 16 dword masks (64 bytes), 2 counts,
	 * 8 ranges of 16 bytes; then writes of 12 bytes each. */
	const size_t head = 64 + 64 + 1 + 8 * 16;

	if (size < head)
		return 0;
	memcpy(fn.b, data, 64);
	memcpy(fn.wmask, data + 64, 64);
	fn.wmask[0] = fn.wmask[2] = fn.wmask[3] = 0;  /* ID, class, header: RO */
	fn.b[0x0E] &= 0x81;                          /* type 0 or 1 */
	/* A BAR's and a ROM's address bits that take no value read 0
	 * (PCI 3.0, 6.2.5.1): only the kind bits are fixed ones. */
	{
		unsigned type = fn.b[0x0E] & 0x7F, nbars = type ? 2 : 6;

		for (unsigned i = 0; i < nbars; i++) {
			unsigned reg = 0x10 + 4 * i;
			uint32_t v = get32(reg);
			bool io = v & 1, b64 = !io && ((v >> 1) & 3) == 2;

			fn.wmask[reg / 4] &= io ? ~0x3u : ~0xFu;  /* kind: RO */
			v &= fn.wmask[reg / 4] | (io ? 0x1u : 0xFu);
			memcpy(&fn.b[reg], &v, 4);
			if (b64 && i + 1 < nbars) {
				v = get32(reg + 4) & fn.wmask[reg / 4 + 1];
				memcpy(&fn.b[reg + 4], &v, 4);
				i++;
			}
		}
		{
			unsigned rom = type ? 0x38 : 0x30;
			uint32_t v;

			fn.wmask[rom / 4] &= 0xFFFFF801u;   /* 6.2.5.2 */
			v = get32(rom) & fn.wmask[rom / 4];

			memcpy(&fn.b[rom], &v, 4);
		}
	}
	nio = (data[128] & 7) % 5;
	nmem = (data[128] >> 4) % 5;
	for (size_t i = 0; i < 4; i++) {
		const uint8_t *p = data + 129 + 16 * i;
		uint64_t a, b;

		memcpy(&a, p, 8);
		memcpy(&b, p + 8, 8);
		kept_io[i][0] = a & 0xFFFF;
		kept_io[i][1] = kept_io[i][0] + 1 + (b & 0xFF);
		p += 64;
		memcpy(&a, p, 8);
		memcpy(&b, p + 8, 8);
		kept_mem[i][0] = a & ~0xFFFULL;
		kept_mem[i][1] = kept_mem[i][0] + 0x1000 + (b & 0xFFFFF000ULL);
	}
	data += head;
	size -= head;
	for (; size >= 12; data += 12, size -= 12) {
		unsigned width = 1u << (data[0] & 3);
		unsigned reg = data[1] % CFG_PLACE_END, drop = 0;
		uint64_t val, v2;
		struct fn was = fn;
		struct rng bad0[16], bad1[16];
		size_t n0 = bad_ranges(bad0), n1;
		const char *why;

		memcpy(&val, data + 4, 8);
		if (reg + width > CFG_PLACE_END)
			reg = CFG_PLACE_END - width;
		v2 = val;
		why = cfg_place_check(&taken, &acc, reg, width, &v2, &drop);
		if (memcmp(fn.b, was.b, sizeof(fn.b)))
			abort();                /* sizing left a trace */
		if (!why && (drop || v2 != val))
			abort();
		if (why && !drop && v2 == val)
			abort();                /* refused, yet nothing taken out */
		for (unsigned k = 0; k < width; k++)
			if (!(drop & (1u << k)))
				acc_write(NULL, reg + k, 1, (v2 >> (8 * k)) & 0xFF);
		n1 = bad_ranges(bad1);
		for (size_t i = 0; i < n1; i++)
			if (!had(&bad1[i], bad0, n0))
				abort();        /* newly decodes what is kept */
	}
	return 0;
}
