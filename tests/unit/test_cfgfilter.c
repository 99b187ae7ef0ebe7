/*
 * tests/unit/test_cfgfilter.c - the PCI configuration-space filter
 * (svm/cfgfilter.c) on simulated buses: which registers each chipset gets
 * guarded, writes around guarded bytes, hidden functions, capabilities.
 */
#include "test.h"
#include "cfgsim.h"

static struct cfgsim sim;
static struct cfg_filter f;
static const struct cfg_access acc = { cfgsim_acc_read, cfgsim_acc_write, &sim };

#define BDF(d, fn) ((uint16_t)((d) << 3 | (fn)))

static void build(enum cfgsim_machine m, const uint16_t *hide, size_t nhide)
{
	cfgsim_init(&sim, m);
	cfg_filter_build(&f, cfg_rules, cfg_nrules, hide, nhide, cfgsim_read32,
			 &sim);
}

static bool guarded(uint16_t bdf, unsigned reg)
{
	return cfg_filter_mask(&f, bdf, reg, 1, NULL) != 0;
}

/* A write of size bytes through the filter; returns the guarded mask. */
static unsigned wr(uint16_t bdf, unsigned reg, unsigned size, uint64_t val)
{
	sim.cur = bdf;
	return cfg_filter_write(&f, bdf, reg, size, val, &acc, NULL);
}

static uint64_t rd(uint16_t bdf, unsigned reg, unsigned size)
{
	sim.cur = bdf;
	return cfg_filter_read(&f, bdf, reg, size, &acc);
}

TEST(q35_guards)
{
	static const struct { uint16_t bdf; unsigned reg; } yes[] = {
		{ BDF(31, 0), 0x40 }, { BDF(31, 0), 0x44 }, { BDF(31, 0), 0x48 },
		{ BDF(31, 0), 0xF0 }, { BDF(31, 0), 0xF3 }, { BDF(31, 0), 0xDC },
		{ BDF(31, 0), 0x82 }, { BDF(0, 0), 0x60 }, { BDF(0, 0), 0x67 },
		{ BDF(0, 0), 0x90 }, { BDF(0, 0), 0x96 }, { BDF(0, 0), 0x9D },
		{ BDF(0, 0), 0x9E }, { BDF(0, 0), 0xA0 }, { BDF(0, 0), 0xB0 },
		{ BDF(0, 0), 0x48 }, { BDF(0, 0), 0x50 }, { BDF(31, 3), 0x20 },
	};
	static const struct { uint16_t bdf; unsigned reg; } no[] = {
		{ BDF(31, 0), 0x04 }, { BDF(31, 0), 0x60 }, { BDF(31, 0), 0xF4 },
		{ BDF(0, 0), 0x04 }, { BDF(0, 0), 0x58 }, { BDF(0, 0), 0xB4 },
		{ BDF(31, 2), 0x40 }, { BDF(1, 0), 0x40 },
	};

	build(SIM_Q35, NULL, 0);
	CHECK(!f.overflow);
	CHECK_EQ(f.ndev, 3);
	for (size_t i = 0; i < ARRAY_SIZE(yes); i++)
		if (!guarded(yes[i].bdf, yes[i].reg)) {
			test_fail(__FILE__, __LINE__, "%#x:%#x not guarded",
				  yes[i].bdf, yes[i].reg);
			return;
		}
	for (size_t i = 0; i < ARRAY_SIZE(no); i++)
		CHECK(!guarded(no[i].bdf, no[i].reg));
	/* PIIX registers are not guarded on Q35 (other meaning there). */
	CHECK(!guarded(BDF(1, 3), 0x40));
}

TEST(piix_guards)
{
	build(SIM_PC, NULL, 0);
	CHECK(!f.overflow);
	CHECK(guarded(BDF(0, 0), 0x72));        /* SMRAM */
	CHECK(guarded(BDF(0, 0), 0x59));        /* PAM0 */
	CHECK(guarded(BDF(0, 0), 0x5F));        /* PAM6 */
	CHECK(guarded(BDF(1, 3), 0x40));        /* PMBA */
	CHECK(guarded(BDF(1, 3), 0x80));        /* PMREGMISC */
	CHECK(guarded(BDF(1, 3), 0x90));        /* SMBBA */
	CHECK(guarded(BDF(1, 3), 0xD2));        /* SMBHSTCFG */
	CHECK(guarded(BDF(1, 0), 0x80));        /* APICBASE */
	CHECK(!guarded(BDF(1, 0), 0x60));       /* PIRQ routing: the guest's */
	CHECK(!guarded(BDF(1, 1), 0x40));       /* IDE timing: the guest's */
	CHECK(!guarded(BDF(31, 0), 0xF0));      /* no ICH9 here */
}

TEST(amd_guards)
{
	build(SIM_AMD, NULL, 0);
	CHECK(!f.overflow);
	CHECK(guarded(BDF(0, 0), 0x60));        /* SMN index */
	CHECK(guarded(BDF(0, 0), 0xBC));        /* SMN data 2 */
	CHECK(!guarded(BDF(0, 0), 0x04));       /* command: not routing */
	for (unsigned fn = 0; fn < 8; fn++) {
		CHECK(guarded(BDF(24, fn), 0x40));
		CHECK(guarded(BDF(24, fn), 0x110));  /* DF DRAM base (PPR) */
		CHECK(guarded(BDF(24, fn), 0xFFF));
	}
	/* IOMMU: the capability found at 0x50, not the MSI one at 0x40. */
	CHECK(guarded(BDF(0, 2), 0x54));        /* base address low */
	CHECK(guarded(BDF(0, 2), 0x67));
	CHECK(!guarded(BDF(0, 2), 0x68));
	CHECK(!guarded(BDF(0, 2), 0x44));
	CHECK(guarded(BDF(0, 2), 0x10));        /* BARs */
	CHECK(guarded(BDF(20, 3), 0xA0));       /* FCH SPI base */
	CHECK(!guarded(BDF(20, 0), 0xA0));      /* FCH SMBus: not in table */
	CHECK(!guarded(BDF(25, 0), 0x40));      /* no second node */
}

TEST(capability_loop_is_bounded)
{
	build(SIM_AMD, NULL, 0);
	/* A list that points at itself, without the IOMMU capability. */
	cfgsim_put32(&sim, BDF(0, 2), 0x40, 0x4005);
	cfg_filter_build(&f, cfg_rules, cfg_nrules, NULL, 0, cfgsim_read32, &sim);
	CHECK(!guarded(BDF(0, 2), 0x54));
	CHECK(guarded(BDF(0, 2), 0x10));        /* the BAR rule still holds */
}

TEST(rcba_write_dropped_neighbours_kept)
{
	build(SIM_Q35, NULL, 0);
	CHECK_EQ(wr(BDF(31, 0), 0xF0, 4, 0x7F000001), 0xF);
	CHECK_EQ(rd(BDF(31, 0), 0xF0, 4), 0xFED1C001);
	/* A word at 0x4E-0x4F (guarded) and a dword at 0x4C-0x4F; 0x50 is
	 * the guest's: a qword at 0x4C writes only its upper half. */
	CHECK_EQ(wr(BDF(31, 0), 0x4C, 8, 0x1122334455667788ULL), 0x0F);
	CHECK_EQ(rd(BDF(31, 0), 0x50, 4), 0x11223344);
	CHECK_EQ(rd(BDF(31, 0), 0x4C, 4), 0);
	/* An unguarded write goes through as written. */
	CHECK_EQ(wr(BDF(31, 0), 0x60, 4, 0x0B0A0908), 0);
	CHECK_EQ(rd(BDF(31, 0), 0x60, 4), 0x0B0A0908);
	/* ESMRAMC and SMRAM through a dword at 0x9C. */
	CHECK_EQ(wr(BDF(0, 0), 0x9C, 4, 0xFFFFFFFF), 0xF);
	CHECK_EQ(rd(BDF(0, 0), 0x9C, 4), 0);
}

TEST(past_the_function_counts_as_guarded)
{
	build(SIM_Q35, NULL, 0);
	CHECK_EQ(cfg_filter_mask(&f, BDF(5, 0), 0xFFE, 4, NULL), 0xC);
}

TEST(hidden_function)
{
	static const uint16_t hide[] = { BDF(2, 0), BDF(0, 2) };
	int g;

	build(SIM_AMD, hide, ARRAY_SIZE(hide));
	CHECK(cfg_filter_hidden(&f, BDF(0, 2)));
	CHECK(cfg_filter_hidden(&f, BDF(2, 0)));
	CHECK(!cfg_filter_hidden(&f, BDF(0, 0)));
	CHECK(cfg_filter_dev(&f, BDF(2, 0)) >= 0);
	CHECK_EQ(rd(BDF(0, 2), 0x00, 4), 0xFFFFFFFF);
	CHECK_EQ(rd(BDF(0, 2), 0x08, 2), 0xFFFF);
	CHECK_EQ(rd(BDF(0, 2), 0x100, 8), ~0ULL);
	/* Writes are dropped whole, even to registers no rule names. */
	sim.cur = BDF(0, 2);
	CHECK_EQ(cfg_filter_write(&f, BDF(0, 2), 0x04, 2, 0x0006, &acc, &g),
		 0x3);
	CHECK(g >= 0 && f.g[g].kind == CFG_HIDDEN);
	CHECK_EQ(cfgsim_read32(&sim, BDF(0, 2), 0x04), 1u << 20);
}

TEST(rules_are_sane)
{
	for (size_t i = 0; i < cfg_nrules; i++) {
		const struct cfg_rule *r = &cfg_rules[i];

		CHECK(r->lo < r->hi && r->hi <= CFG_SPACE);
		CHECK(r->bdf_lo <= r->bdf_hi);
		CHECK(r->why && r->why[0] && r->chipset && r->chipset[0]);
		/* The header's ID and command registers stay the guest's. */
		CHECK(r->cap || r->lo >= 0x10);
	}
}

TEST(fch_pm_registers)
{
	/* PM1 event/control, PM timer, GPE0, SMI command, AcpiMmioEn,
	 * AcpiConfig, DecodeEn: guarded; a scratch-like register is not. */
	static const uint8_t yes[] = { 0x00, 0x03, 0x24, 0x60, 0x62, 0x64,
				       0x68, 0x6A, 0x6F, 0x74, 0x77 };
	static const uint8_t no[] = { 0x04, 0x23, 0x28, 0x5F, 0x70, 0x78,
				      0xC0, 0xFF };

	for (size_t i = 0; i < ARRAY_SIZE(yes); i++)
		CHECK(fch_pm_guarded(yes[i]));
	for (size_t i = 0; i < ARRAY_SIZE(no); i++)
		CHECK(!fch_pm_guarded(no[i]));
}

/* Linux's sizing of a BAR (read, all-ones, read, the address back) on
 * ICH9 SMBus, whose BARs are guarded: the hardware BAR never moves, the
 * guest reads the size the BAR itself answered at boot. */
TEST(guarded_bar_answers_sizing)
{
	const uint16_t sm = BDF(31, 3);

	build(SIM_Q35, NULL, 0);
	cfg_filter_probe_bars(&f, cfgsim_read32, cfgsim_write32, &sim);
	CHECK(!f.overflow);
	CHECK_EQ(f.nbar, 5);                        /* BAR0-4: 0x10-0x23 */
	/* The probe left BAR4 and the command register as they were. */
	CHECK_EQ(cfgsim_read32(&sim, sm, 0x20), 0x701);
	CHECK_EQ(cfgsim_read32(&sim, sm, 0x04), 0x0001);
	CHECK_EQ(sim.writes32, 5 * 2 + 2);          /* decode off and on */

	CHECK_EQ(rd(sm, 0x20, 4), 0x701);
	CHECK_EQ(wr(sm, 0x20, 4, 0xFFFFFFFF), 0);
	CHECK_EQ(cfgsim_read32(&sim, sm, 0x20), 0x701);   /* not moved */
	CHECK_EQ(rd(sm, 0x20, 4), 0xFFFFFFC1);      /* 64 bytes of I/O */
	CHECK_EQ(rd(sm, 0x20, 2), 0xFFC1);
	CHECK_EQ(rd(sm, 0x23, 1), 0xFF);
	CHECK_EQ(rd(sm, 0x1C, 8), 0xFFFFFFC1ULL << 32);   /* BAR3 reads 0 */
	CHECK_EQ(wr(sm, 0x20, 4, 0x701), 0);        /* the address back */
	CHECK_EQ(rd(sm, 0x20, 4), 0x701);
	/* An unimplemented BAR answers 0, as it would without us. */
	CHECK_EQ(wr(sm, 0x10, 4, 0xFFFFFFFF), 0);
	CHECK_EQ(rd(sm, 0x10, 4), 0);
	CHECK_EQ(wr(sm, 0x10, 4, 0), 0);
	/* Moving it stays dropped, and ends a sizing. */
	CHECK_EQ(wr(sm, 0x20, 4, 0xFFFFFFFF), 0);
	CHECK_EQ(wr(sm, 0x20, 4, 0x0CF1), 0xF);
	CHECK_EQ(rd(sm, 0x20, 4), 0x701);
	CHECK_EQ(cfgsim_read32(&sim, sm, 0x20), 0x701);
	/* A write of part of it ends a sizing too, and is dropped. */
	CHECK_EQ(wr(sm, 0x20, 4, 0xFFFFFFFF), 0);
	CHECK_EQ(wr(sm, 0x22, 2, 0xFFFF), 0x3);
	CHECK_EQ(rd(sm, 0x20, 4), 0x701);
	/* Sizing is per BAR and per function. */
	CHECK_EQ(wr(sm, 0x20, 4, 0xFFFFFFFF), 0);
	CHECK_EQ(rd(BDF(31, 0), 0x20, 4), 0);
	CHECK_EQ(rd(sm, 0x14, 4), 0);
	CHECK_EQ(cfg_filter_sized(&f, sm, 0x20, 4, 0x12345678), 0xFFFFFFC1);
	CHECK_EQ(cfg_filter_sized(&f, sm, 0x1E, 4, 0x12345678), 0xFFC15678);
	CHECK_EQ(cfg_filter_sized(&f, BDF(31, 0), 0x20, 4, 0x12345678),
		 0x12345678);
}

TEST(bar_probe_skips_hidden_and_iommu)
{
	static const uint16_t hide[] = { BDF(31, 3) };

	build(SIM_Q35, hide, ARRAY_SIZE(hide));
	cfg_filter_probe_bars(&f, cfgsim_read32, cfgsim_write32, &sim);
	CHECK_EQ(f.nbar, 0);
	CHECK_EQ(sim.writes32, 0);
	/* The IOMMU (0:2, memory decode and bus mastering on): its BARs are
	 * guarded but never probed, nothing of it written; their sizing
	 * stays dropped. */
	build(SIM_AMD, NULL, 0);
	cfgsim_put32(&sim, BDF(0, 2), 0x04, (1u << 20) | 0x6);
	cfg_filter_probe_bars(&f, cfgsim_read32, cfgsim_write32, &sim);
	CHECK(!f.overflow);
	CHECK(guarded(BDF(0, 2), 0x10));
	CHECK_EQ(f.nbar, 0);
	CHECK_EQ(sim.writes32, 0);
	CHECK_EQ(cfgsim_read32(&sim, BDF(0, 2), 0x04), (1u << 20) | 0x6);
	CHECK_EQ(wr(BDF(0, 2), 0x10, 4, 0xFFFFFFFF), 0xF);
}

/* ---- placement (svm/cfgplace.c) ---------------------------------------- */

/* What the hypervisor keeps in these tests: the console UART and the
 * configuration ports; the local APIC page, an ECAM window and its NIC's
 * registers. */
static const uint64_t taken_io_r[][2] = { { 0x2F8, 0x300 }, { 0xCF8, 0xD00 } };
static const uint64_t taken_mem_r[][2] = {
	{ 0xFEE00000, 0xFEE01000 }, { 0xB0000000, 0xC0000000 },
	{ 0xFEB80000, 0xFEBA0000 },
};

static bool overlap_any(const uint64_t (*r)[2], size_t n, uint64_t lo,
			uint64_t hi)
{
	for (size_t i = 0; i < n; i++)
		if (lo < r[i][1] && r[i][0] < hi)
			return true;
	return false;
}

static bool t_io(void *ctx, uint64_t lo, uint64_t hi)
{
	return overlap_any(taken_io_r, ARRAY_SIZE(taken_io_r), lo, hi);
}

static bool t_mem(void *ctx, uint64_t lo, uint64_t hi)
{
	return overlap_any(taken_mem_r, ARRAY_SIZE(taken_mem_r), lo, hi);
}

static const struct cfg_taken taken = { t_io, t_mem, NULL };

#define DEV   BDF(2, 0)
#define BRIDGE BDF(3, 0)

/* Q35 plus a device at 00:02.0 (BAR0 4 KiB memory at 0xFE000000, BAR1
 * 32 I/O ports at 0xC000, BAR2-3 1 MiB 64-bit at 0x8_0000_0000, a 64 KiB
 * ROM at 0xFE100000, disabled; I/O and memory decode on) and a bridge at
 * 00:03.0 (I/O window 0xD000-0xDFFF, memory 0xFD000000-0xFDFFFFFF). */
static void build_place(void)
{
	build(SIM_Q35, NULL, 0);
	f.taken = &taken;
	memset(sim.space[DEV], 0, CFG_SPACE);
	cfgsim_fn(&sim, 2, 0, 0x1234, 0x0001, 0x0200, false);
	cfgsim_put32(&sim, DEV, 0x04, 0x0003);
	cfgsim_put32(&sim, DEV, 0x10, 0xFE000000);
	cfgsim_put32(&sim, DEV, 0x14, 0xC001);
	cfgsim_put32(&sim, DEV, 0x18, 0x00000004);
	cfgsim_put32(&sim, DEV, 0x1C, 0x00000008);
	cfgsim_put32(&sim, DEV, 0x30, 0xFE100000);
	sim.bar_wmask[DEV][0] = 0xFFFFF000;
	sim.bar_wmask[DEV][1] = 0x0000FFE0;   /* 16 bits of I/O decode */
	sim.bar_wmask[DEV][2] = 0xFFF00000;
	sim.bar_wmask[DEV][3] = 0xFFFFFFFF;
	sim.bar_wmask[DEV][4] = CFGSIM_BAR_NONE;
	sim.bar_wmask[DEV][5] = CFGSIM_BAR_NONE;
	sim.rom_wmask[DEV] = 0xFFFF0001;
	memset(sim.space[BRIDGE], 0, CFG_SPACE);
	cfgsim_fn(&sim, 3, 0, 0x1234, 0x0002, 0x0604, false);
	sim.space[BRIDGE][0x0E] = 1;             /* type 1 header */
	cfgsim_put32(&sim, BRIDGE, 0x04, 0x0003);
	sim.bar_wmask[BRIDGE][0] = CFGSIM_BAR_NONE;
	sim.bar_wmask[BRIDGE][1] = CFGSIM_BAR_NONE;
	sim.space[BRIDGE][0x1C] = 0xD0;
	sim.space[BRIDGE][0x1D] = 0xD0;
	cfgsim_put32(&sim, BRIDGE, 0x20, 0xFDF0FD00);
	cfgsim_put32(&sim, BRIDGE, 0x24, 0x0000FFF0);   /* no prefetchable */
}

static uint32_t hw(uint16_t bdf, unsigned reg)
{
	return cfgsim_read32(&sim, bdf, reg);
}

TEST(place_io_bar_kept_off_the_hypervisors_ports)
{
	build_place();
	/* decode on: over COM2 refused, the BAR and decode as they were */
	CHECK_EQ(wr(DEV, 0x14, 4, 0x2E1), 0xF);
	CHECK(f.refused && strstr(f.refused, "I/O ports"));
	CHECK_EQ(hw(DEV, 0x14), 0xC001);
	CHECK_EQ(hw(DEV, 0x04), 0x0003);
	/* over 0xCF8 by its low word alone */
	CHECK_EQ(wr(DEV, 0x14, 2, 0xCE1), 0x3);
	CHECK_EQ(hw(DEV, 0x14), 0xC001);
	/* anywhere else: moved, and back */
	CHECK_EQ(wr(DEV, 0x14, 4, 0xE001), 0);
	CHECK(!f.refused);
	CHECK_EQ(hw(DEV, 0x14), 0xE001);
	CHECK_EQ(wr(DEV, 0x14, 4, 0xC001), 0);
	/* [0x2C0, 0x2E0) ends before COM2: allowed */
	CHECK_EQ(wr(DEV, 0x14, 4, 0x2C1), 0);
	CHECK_EQ(hw(DEV, 0x14), 0x2C1);
	CHECK_EQ(wr(DEV, 0x14, 4, 0xC001), 0);
	/* decode off: any value; turning I/O decode on over COM2 is then
	 * refused, memory decode still turned on */
	CHECK_EQ(wr(DEV, 0x04, 2, 0x0000), 0);
	CHECK_EQ(wr(DEV, 0x14, 4, 0x2E1), 0);
	CHECK_EQ(hw(DEV, 0x14), 0x2E1);
	CHECK_EQ(wr(DEV, 0x04, 2, 0x0003), 0);
	CHECK(f.refused != NULL);
	CHECK_EQ(hw(DEV, 0x04), 0x0002);
	CHECK_EQ(wr(DEV, 0x14, 4, 0xC001), 0);
	CHECK_EQ(wr(DEV, 0x04, 2, 0x0003), 0);
	CHECK(!f.refused);
	CHECK_EQ(hw(DEV, 0x04), 0x0003);
}

TEST(place_memory_bars_and_rom)
{
	build_place();
	CHECK_EQ(wr(DEV, 0x10, 4, 0xFEE00000), 0xF);      /* the APIC page */
	CHECK(f.refused && strstr(f.refused, "memory"));
	CHECK_EQ(wr(DEV, 0x10, 4, 0xB0001000), 0xF);      /* ECAM */
	CHECK_EQ(wr(DEV, 0x10, 4, 0xFEB9F000), 0xF);      /* the NIC's */
	CHECK_EQ(hw(DEV, 0x10), 0xFE000000);
	CHECK_EQ(wr(DEV, 0x10, 4, 0xFE001000), 0);
	CHECK_EQ(hw(DEV, 0x10), 0xFE001000);
	/* sizing with decode on: all ones lands at 0xFFFFF000, not kept */
	CHECK_EQ(wr(DEV, 0x10, 4, 0xFFFFFFFF), 0);
	CHECK_EQ(hw(DEV, 0x10), 0xFFFFF000);
	CHECK_EQ(wr(DEV, 0x10, 4, 0xFE000000), 0);
	/* 64-bit: the low half over the NIC with the high half 0 refused
	 * only once the high half is 0 and memory decodes */
	CHECK_EQ(wr(DEV, 0x18, 4, 0xFEB00004), 0);        /* 8_FEB0_0000 */
	CHECK_EQ(wr(DEV, 0x1C, 4, 0), 0xF);               /* FEB0_0000 */
	CHECK_EQ(hw(DEV, 0x1C), 8);
	CHECK_EQ(wr(DEV, 0x04, 2, 0x0001), 0);            /* memory off */
	CHECK_EQ(wr(DEV, 0x1C, 4, 0), 0);
	CHECK_EQ(wr(DEV, 0x04, 2, 0x0003), 0);
	CHECK(f.refused != NULL);
	CHECK_EQ(hw(DEV, 0x04), 0x0001);
	CHECK_EQ(wr(DEV, 0x1C, 4, 8), 0);
	CHECK_EQ(wr(DEV, 0x04, 2, 0x0003), 0);
	CHECK_EQ(hw(DEV, 0x04), 0x0003);
	/* the ROM enabled over the APIC page: refused; elsewhere: fine */
	CHECK_EQ(wr(DEV, 0x30, 4, 0xFEE00001), 0xF);
	CHECK_EQ(hw(DEV, 0x30), 0xFE100000);
	CHECK_EQ(wr(DEV, 0x30, 4, 0xFE100001), 0);
	CHECK_EQ(hw(DEV, 0x30), 0xFE100001);
	/* an 8-byte ECAM write over two registers drops only BAR bytes */
	CHECK_EQ(wr(DEV, 0x0C, 8, 0xFEE00000ULL << 32 | 0x00004000), 0xF0);
	CHECK_EQ(hw(DEV, 0x10), 0xFE000000);
	CHECK_EQ(sim.space[DEV][0x0D], 0x40);             /* latency timer */
}

TEST(place_bridge_windows)
{
	build_place();
	/* I/O window [0, 0x1000) with I/O decode on */
	CHECK_EQ(wr(BRIDGE, 0x1C, 2, 0x0000), 0x3);
	CHECK_EQ(sim.space[BRIDGE][0x1C], 0xD0);
	/* another window: fine; base above limit: none at all */
	CHECK_EQ(wr(BRIDGE, 0x1C, 2, 0xE0E0), 0);
	CHECK_EQ(wr(BRIDGE, 0x1C, 2, 0x00F0), 0);
	/* memory window over ECAM; prefetchable over the APIC page */
	CHECK_EQ(wr(BRIDGE, 0x20, 4, 0xB000B000), 0xF);
	CHECK_EQ(wr(BRIDGE, 0x24, 4, 0xFEE0FEE0), 0xF);
	CHECK_EQ(hw(BRIDGE, 0x24), 0x0000FFF0);
	/* 64-bit prefetchable whose upper halves put it at 1 TiB: fine */
	CHECK_EQ(wr(BRIDGE, 0x28, 4, 0x100), 0);
	CHECK_EQ(wr(BRIDGE, 0x2C, 4, 0x100), 0);
	sim.space[BRIDGE][0x24] = 0x01;           /* hardware: 64-bit kind */
	sim.space[BRIDGE][0x26] = 0x01;
	CHECK_EQ(wr(BRIDGE, 0x24, 4, 0xFEE1FEE1), 0);
	/* VGA enable: its ports and 0xA0000 are not kept here */
	CHECK_EQ(wr(BRIDGE, 0x3E, 2, 0x0008), 0);
	/* decode off, window over COM2, decode on: I/O decode refused */
	CHECK_EQ(wr(BRIDGE, 0x04, 2, 0x0000), 0);
	CHECK_EQ(wr(BRIDGE, 0x1C, 2, 0x0000), 0);
	CHECK_EQ(wr(BRIDGE, 0x04, 2, 0x0001), 0);
	CHECK(f.refused != NULL);
	CHECK_EQ(hw(BRIDGE, 0x04) & 0xFFFF, 0x0000);
}

TEST(place_bridge_bar1_is_32_bit)
{
	build_place();
	/* BAR1 of a bridge with the 64-bit kind: its "upper half" would be
	 * the bus numbers at 0x18; it is a 32-bit BAR at 0x10 + 4 */
	sim.bar_wmask[BRIDGE][1] = 0xFFFFF000;
	cfgsim_put32(&sim, BRIDGE, 0x14, 0xFC000004);
	cfgsim_put32(&sim, BRIDGE, 0x18, 0x00010100);
	CHECK_EQ(wr(BRIDGE, 0x14, 4, 0xFEE00004), 0xF);
	CHECK_EQ(hw(BRIDGE, 0x14), 0xFC000004);
	CHECK_EQ(wr(BRIDGE, 0x14, 4, 0xFC001004), 0);
}

TEST(place_firmware_layout_stays)
{
	build_place();
	/* firmware left the BAR over COM2: rewriting it, or the command
	 * register with the same decode, changes nothing and is allowed */
	cfgsim_put32(&sim, DEV, 0x14, 0x2E1);
	CHECK_EQ(wr(DEV, 0x14, 4, 0x2E1), 0);
	CHECK(!f.refused);
	CHECK_EQ(wr(DEV, 0x04, 2, 0x0003), 0);
	CHECK(!f.refused);
	CHECK_EQ(wr(DEV, 0x04, 2, 0x0007), 0);            /* + bus master */
	CHECK(!f.refused);
	/* and a write elsewhere is not even looked at */
	CHECK(!cfg_place_touches(0x40, 4));
	CHECK(!cfg_place_touches(0x08, 4));
	CHECK(!cfg_place_touches(0x06, 4));              /* status, class */
	CHECK(cfg_place_touches(0x03, 2));               /* ID's top, command */
	CHECK(cfg_place_touches(0x0C, 8));               /* to BAR0 */
	CHECK(cfg_place_touches(0x3E, 2));
	/* nothing checked without f->taken */
	f.taken = NULL;
	CHECK_EQ(wr(DEV, 0x14, 4, 0xCF9), 0);
	CHECK_EQ(hw(DEV, 0x14), 0xCE1);
}

TEST(bridges_to_a_kept_device_are_read_only)
{
	const uint16_t rp = BDF(6, 0), other = BDF(7, 0);

	build(SIM_Q35, NULL, 0);
	/* a root port 00:06.0 to bus 1 (the hypervisor's NIC there), and
	 * one to bus 2 that leads elsewhere; a bridge whose numbers loop
	 * back to bus 0 is no way down */
	for (unsigned i = 0; i < 3; i++) {
		uint16_t b = (uint16_t)BDF(6 + i, 0);

		memset(sim.space[b], 0, CFG_SPACE);
		cfgsim_fn(&sim, 6 + i, 0, 0x1b36, 0x000c, 0x0604, false);
		sim.space[b][0x0E] = 1;
	}
	cfgsim_put32(&sim, rp, 0x18, 0x00010100);
	cfgsim_put32(&sim, other, 0x18, 0x00020200);
	cfgsim_put32(&sim, BDF(8, 0), 0x18, 0x00FF0000);
	cfg_filter_keep_path(&f, 0x0100 | BDF(0, 0), cfgsim_read32, &sim);
	CHECK(!f.overflow);
	CHECK(guarded(rp, 0x04));
	CHECK(guarded(rp, 0x19));
	CHECK(guarded(rp, 0x3E));
	CHECK(guarded(rp, 0xFFF));
	CHECK(!cfg_filter_hidden(&f, rp));
	CHECK(!guarded(other, 0x04));
	CHECK(!guarded(BDF(8, 0), 0x04));
	CHECK_EQ(f.g[f.n - 1].rule, CFG_RULE_PATH);
	/* its command write dropped whole; a read answers */
	CHECK_EQ(wr(rp, 0x04, 2, 0), 0x3);
	CHECK_EQ(rd(rp, 0x18, 4), 0x00010100);
	/* a device on bus 0 has no bridge to keep; a bus nothing leads to
	 * adds nothing */
	{
		size_t n = f.n;

		cfg_filter_keep_path(&f, BDF(5, 0), cfgsim_read32, &sim);
		cfg_filter_keep_path(&f, 0x0900, cfgsim_read32, &sim);
		CHECK_EQ(f.n, n);
	}
}
