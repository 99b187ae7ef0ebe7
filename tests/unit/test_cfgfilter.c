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
