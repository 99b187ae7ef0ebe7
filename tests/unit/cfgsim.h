/*
 * tests/unit/cfgsim.h - simulated PCI configuration spaces for the
 * configuration-space filter's host tests and fuzz target: bus 0 of Q35,
 * of i440FX/PIIX4 and of an AMD family 17h machine (root complex, IOMMU,
 * data fabric, FCH), as their IDs, classes and capability lists read (QEMU
 * 7.2's for the first two; the AMD one recorded from the layout PPR family
 * 17h documents: QEMU has no AMD chipset).
 */
#ifndef TESTS_UNIT_CFGSIM_H
#define TESTS_UNIT_CFGSIM_H

#include <stdint.h>
#include <string.h>

#include "svm/svm.h"

struct cfgsim {
	uint8_t space[256][CFG_SPACE];   /* bus 0, indexed by dev << 3 | fn */
	uint16_t cur;                    /* the function acc works on */
	/* BAR0-5 as cfgsim_write32 writes them: 0 plain storage, else the
	 * bits that take a written value (the rest keep theirs: type bits,
	 * size); CFGSIM_BAR_NONE: not implemented, reads 0. */
	uint32_t bar_wmask[256][6];
	uint32_t rom_wmask[256];         /* type 0 ROM at 0x30, same rules */
	unsigned writes32;               /* cfgsim_write32 calls */
};
#define CFGSIM_BAR_NONE 1u

static inline void cfgsim_put32(struct cfgsim *s, uint16_t bdf, unsigned reg,
				uint32_t v)
{
	memcpy(&s->space[bdf][reg], &v, 4);
}

/* A function: vendor:device, class (base << 8 | sub), header type. */
static inline void cfgsim_fn(struct cfgsim *s, unsigned dev, unsigned fn,
			     uint16_t vendor, uint16_t device, uint16_t class_,
			     bool multi)
{
	uint16_t bdf = (uint16_t)(dev << 3 | fn);

	cfgsim_put32(s, bdf, 0x00, (uint32_t)device << 16 | vendor);
	cfgsim_put32(s, bdf, 0x08, (uint32_t)class_ << 16);
	cfgsim_put32(s, bdf, 0x0C, multi ? 0x00800000u : 0);
}

enum cfgsim_machine { SIM_Q35, SIM_PC, SIM_AMD };

static inline void cfgsim_init(struct cfgsim *s, enum cfgsim_machine m)
{
	memset(s->space, 0xFF, sizeof(s->space));   /* nothing there */
	memset(s->bar_wmask, 0, sizeof(s->bar_wmask));
	memset(s->rom_wmask, 0, sizeof(s->rom_wmask));
	s->cur = 0;
	s->writes32 = 0;
	if (m == SIM_Q35) {
		memset(s->space[0], 0, CFG_SPACE);
		memset(s->space[31 << 3], 0, CFG_SPACE);
		memset(s->space[31 << 3 | 3], 0, CFG_SPACE);
		cfgsim_fn(s, 0, 0, 0x8086, 0x29C0, 0x0600, false);
		cfgsim_fn(s, 31, 0, 0x8086, 0x2918, 0x0601, true);
		cfgsim_fn(s, 31, 3, 0x8086, 0x2930, 0x0C05, true);
		cfgsim_put32(s, 31 << 3, 0x40, 0x601);      /* PMBASE */
		cfgsim_put32(s, 31 << 3, 0xF0, 0xFED1C001); /* RCBA */
		cfgsim_put32(s, 0, 0x60, 0xB0000001);       /* PCIEXBAR */
		/* SMBus as QEMU 7.2 has it: BAR4 I/O, 64 bytes at 0x700,
		 * BAR0-3 not implemented; I/O decode on. */
		cfgsim_put32(s, 31 << 3 | 3, 0x04, 0x0001);
		cfgsim_put32(s, 31 << 3 | 3, 0x20, 0x0701);
		for (unsigned b = 0; b < 4; b++)
			s->bar_wmask[31 << 3 | 3][b] = CFGSIM_BAR_NONE;
		s->bar_wmask[31 << 3 | 3][4] = 0xFFFFFFC0;
	} else if (m == SIM_PC) {
		memset(s->space[0], 0, CFG_SPACE);
		memset(s->space[1 << 3], 0, CFG_SPACE);
		memset(s->space[1 << 3 | 1], 0, CFG_SPACE);
		memset(s->space[1 << 3 | 3], 0, CFG_SPACE);
		cfgsim_fn(s, 0, 0, 0x8086, 0x1237, 0x0600, false);
		cfgsim_fn(s, 1, 0, 0x8086, 0x7000, 0x0601, true);
		cfgsim_fn(s, 1, 1, 0x8086, 0x7010, 0x0101, true);
		cfgsim_fn(s, 1, 3, 0x8086, 0x7113, 0x0680, true);
		cfgsim_put32(s, 1 << 3 | 3, 0x40, 0x601);   /* PMBA */
	} else {
		memset(s->space[0], 0, CFG_SPACE);
		memset(s->space[2], 0, CFG_SPACE);
		cfgsim_fn(s, 0, 0, 0x1022, 0x1480, 0x0600, true);
		cfgsim_fn(s, 0, 2, 0x1022, 0x1481, 0x0806, true);
		/* IOMMU: capability list 0x40 (MSI, 05h) -> 0x50 (0Fh) */
		cfgsim_put32(s, 2, 0x04, 1u << 20);
		cfgsim_put32(s, 2, 0x34, 0x40);
		cfgsim_put32(s, 2, 0x40, 0x5005);
		cfgsim_put32(s, 2, 0x50, 0x0019000F);
		cfgsim_put32(s, 2, 0x54, 0xFD200001);
		for (unsigned f = 0; f < 8; f++) {
			memset(s->space[24 << 3 | f], 0, CFG_SPACE);
			cfgsim_fn(s, 24, f, 0x1022, (uint16_t)(0x1440 + f),
				  0x0600, true);
		}
		memset(s->space[20 << 3], 0, CFG_SPACE);
		memset(s->space[20 << 3 | 3], 0, CFG_SPACE);
		cfgsim_fn(s, 20, 0, 0x1022, 0x790B, 0x0C05, true);
		cfgsim_fn(s, 20, 3, 0x1022, 0x790E, 0x0601, true);
	}
}

static inline uint32_t cfgsim_read32(void *ctx, uint16_t bdf, unsigned reg)
{
	struct cfgsim *s = ctx;
	uint32_t v;

	if (bdf >= 256)
		return ~0u;
	memcpy(&v, &s->space[bdf][reg & 0xFFC], 4);
	return v;
}

/* A dword write as hardware takes it (the BARs' rules above). */
static inline void cfgsim_write32(void *ctx, uint16_t bdf, unsigned reg,
				  uint32_t v)
{
	struct cfgsim *s = ctx;

	s->writes32++;
	if (bdf >= 256)
		return;
	reg &= 0xFFC;
	if (reg >= 0x10 && reg < 0x28 && s->bar_wmask[bdf][(reg - 0x10) / 4]) {
		uint32_t m = s->bar_wmask[bdf][(reg - 0x10) / 4], old;

		if (m == CFGSIM_BAR_NONE)
			return;
		memcpy(&old, &s->space[bdf][reg], 4);
		v = (v & m) | (old & ~m);
	}
	memcpy(&s->space[bdf][reg], &v, 4);
}

static inline uint64_t cfgsim_acc_read(void *ctx, unsigned reg, unsigned size)
{
	struct cfgsim *s = ctx;
	uint64_t v = 0;

	memcpy(&v, &s->space[s->cur][reg], size);
	return v;
}

/* A write through the access path: plain storage, except that the bytes
 * of a BAR with rules (bar_wmask) or of the expansion ROM with rom_wmask
 * keep the bits that do not take a value. */
static inline void cfgsim_acc_write(void *ctx, unsigned reg, unsigned size,
				    uint64_t val)
{
	struct cfgsim *s = ctx;
	uint8_t *sp = s->space[s->cur];

	for (unsigned k = 0; k < size; k++) {
		unsigned r = reg + k;
		uint8_t b = (uint8_t)(val >> (8 * k));
		uint32_t m = 0;

		if (r >= 0x10 && r < 0x28)
			m = s->bar_wmask[s->cur][(r - 0x10) / 4];
		else if (r >= 0x30 && r < 0x34)
			m = s->rom_wmask[s->cur];
		if (m == CFGSIM_BAR_NONE)
			continue;
		if (m) {
			uint8_t wm = (uint8_t)(m >> (8 * (r & 3)));

			b = (uint8_t)((b & wm) | (sp[r] & ~wm));
		}
		sp[r] = b;
	}
}

#endif
