/*
 * tests/unit/test_x2apic.c - the guest's x2APIC (svm/x2apic.c), which
 * QEMU TCG cannot exercise (qemu64 has no x2APIC): ICR validation and
 * destinations (physical, logical cluster, broadcast, shorthands, IDs
 * past 255), the class of every x2APIC MSR write, the MSR map agreeing
 * with it, and the APIC_BASE transitions (Intel SDM Vol. 3, 10.12).
 */
#include "test.h"
#include "svm/events.h"
#include "svm/svm.h"

#define LO(mode, vec) (((uint32_t)(mode) << 8) | ICR_LEVEL_ASSERT | (vec))
#define SH(n)         ((uint32_t)(n) << 18)
#define X2_LOGICAL    ICR_DEST_LOGICAL
#define EN            (1ULL << 11)
#define EXTD          (1ULL << 10)
#define BSP           (1ULL << 8)
#define VALID         (0xFFFFFFFFF000ULL | BSP | EXTD | EN)  /* 48 bits */

TEST(x2apic_icr_reserved_bits)
{
	CHECK(x2apic_icr_valid(LO(ICR_MODE_INIT, 0)));
	CHECK(x2apic_icr_valid((uint64_t)1023 << 32 | LO(ICR_MODE_STARTUP, 8)));
	CHECK(x2apic_icr_valid(LO(ICR_MODE_FIXED, 0x40) | SH(3) | X2_LOGICAL));
	CHECK(!x2apic_icr_valid(LO(ICR_MODE_FIXED, 0x40) | (1u << 12)));
	CHECK(!x2apic_icr_valid(LO(ICR_MODE_FIXED, 0x40) | (1u << 13)));
	CHECK(!x2apic_icr_valid(LO(ICR_MODE_FIXED, 0x40) | (1u << 16)));
	CHECK(!x2apic_icr_valid(LO(ICR_MODE_FIXED, 0x40) | (1u << 20)));
	CHECK(!x2apic_icr_valid(LO(ICR_MODE_FIXED, 0x40) | (1u << 31)));
}

TEST(x2apic_icr_destinations)
{
	uint32_t init = LO(ICR_MODE_INIT, 0);

	/* Physical: the 32-bit ID, past 255 too; 0xFFFFFFFF broadcast. */
	CHECK(icr_targets_x2(init, 300, false, 300));
	CHECK(!icr_targets_x2(init, 300, false, 44));   /* 300 & 0xFF */
	CHECK(icr_targets_x2(init, 1023, false, 1023));
	CHECK(icr_targets_x2(init, 0xFFFFFFFFu, false, 70000));
	CHECK(!icr_targets_x2(init, 0xFF, false, 300)); /* not a broadcast */
	CHECK(icr_targets_x2(init, 0xFF, false, 0xFF));
	/* Logical: cluster ID >> 4 in bits 31:16, member 1 << (ID & 15). */
	CHECK(icr_targets_x2(init | X2_LOGICAL, (18u << 16) | (1u << 12), false, 300));
	CHECK(!icr_targets_x2(init | X2_LOGICAL, (18u << 16) | (1u << 11), false, 300));
	CHECK(!icr_targets_x2(init | X2_LOGICAL, (17u << 16) | (1u << 12), false, 300));
	CHECK(icr_targets_x2(init | X2_LOGICAL, 0xFFFF, false, 15));  /* cluster 0 */
	CHECK(!icr_targets_x2(init | X2_LOGICAL, 0xFFFF, false, 16));
	CHECK(icr_targets_x2(init | X2_LOGICAL, 0xFFFFFFFFu, false, 4000));
	/* Shorthands ignore the destination. */
	CHECK(icr_targets_x2(init | SH(1), 5, true, 9));
	CHECK(!icr_targets_x2(init | SH(1), 9, false, 9));
	CHECK(icr_targets_x2(init | SH(2), 5, false, 9));
	CHECK(icr_targets_x2(init | SH(2), 5, true, 9));
	CHECK(icr_targets_x2(init | SH(3), 5, false, 9));
	CHECK(!icr_targets_x2(init | SH(3), 9, true, 9));
	/* The modes are classified as for the xAPIC. */
	CHECK_EQ(icr_classify(LO(ICR_MODE_STARTUP, 8)), ICR_EMULATE);
	CHECK_EQ(icr_classify(LO(ICR_MODE_NMI, 0)), ICR_EMULATE);
	CHECK_EQ(icr_classify(LO(ICR_MODE_SMI, 0)), ICR_REFUSE);
	CHECK_EQ(icr_classify(LO(ICR_MODE_FIXED, 0x30)), ICR_FORWARD);
}

TEST(x2apic_write_classes)
{
	CHECK_EQ(x2apic_write_class(0x830, (uint64_t)300 << 32 | LO(ICR_MODE_INIT, 0)), X2_ICR);
	CHECK_EQ(x2apic_write_class(0x830, LO(ICR_MODE_FIXED, 0x30) | (1u << 12)), X2_GP);
	CHECK_EQ(x2apic_write_class(0x802, 5), X2_GP);          /* ID: read-only */
	CHECK_EQ(x2apic_write_class(0x803, 0), X2_GP);          /* version */
	CHECK_EQ(x2apic_write_class(0x80D, 0), X2_GP);          /* LDR: read-only */
	CHECK_EQ(x2apic_write_class(0x80E, 0), X2_GP);          /* no DFR */
	CHECK_EQ(x2apic_write_class(0x831, 0), X2_GP);          /* no ICR high */
	CHECK_EQ(x2apic_write_class(0x839, 0), X2_GP);          /* current count */
	CHECK_EQ(x2apic_write_class(0x8FF, 0), X2_GP);
	CHECK_EQ(x2apic_write_class(0x7FF, 0), X2_GP);
	CHECK_EQ(x2apic_write_class(0x80F, 0x1FF), X2_FORWARD); /* SVR */
	CHECK_EQ(x2apic_write_class(0x80F, 1ULL << 32), X2_GP);  /* 32 bits */
	CHECK_EQ(x2apic_write_class(0x832, 0x20030), X2_FORWARD);   /* timer */
	CHECK_EQ(x2apic_write_class(0x835, 0x700), X2_FORWARD);     /* LINT0 ExtINT */
	CHECK_EQ(x2apic_write_class(0x836, 0x400), X2_FORWARD);     /* LINT1 NMI */
	CHECK_EQ(x2apic_write_class(0x835, 0x500), X2_DROP);        /* INIT */
	CHECK_EQ(x2apic_write_class(0x834, 0x200), X2_DROP);        /* SMI */
	CHECK_EQ(x2apic_write_class(0x833, 0x600), X2_DROP);        /* reserved */
	for (uint32_t m = 0x800; m <= 0x8FF; m++)
		if (x2apic_write_passes(m))
			CHECK_EQ(x2apic_write_class(m, 0), X2_FORWARD);
}

/* The MSR map opens exactly the writes x2apic_write_passes names, every
 * read passes (the hardware answers), and the emulated rest exits. */
TEST(x2apic_msr_map)
{
	static uint8_t pm[MSRPM_SIZE];

	msrpm_build(pm);
	for (uint32_t m = 0x800; m <= 0x8FF; m++) {
		const struct msr_rule *r = msr_rule_find(m);
		long bit = msrpm_bit(m);

		CHECK(r != NULL);
		if (!r)
			return;
		CHECK_EQ(r->read, MSR_PASS);
		CHECK_EQ(r->write == MSR_PASS, x2apic_write_passes(m));
		CHECK(r->write == MSR_PASS || r->write == MSR_EMUL);
		CHECK(!(pm[bit / 8] & (1u << (bit % 8))));
		CHECK_EQ(!!(pm[(bit + 1) / 8] & (1u << ((bit + 1) % 8))),
			 !x2apic_write_passes(m));
	}
	CHECK(!x2apic_write_passes(0x830));
}

TEST(x2apic_apic_base_transitions)
{
	uint64_t xapic = 0xFEE00000ULL | EN | BSP, x2 = xapic | EXTD;

	CHECK_EQ(apic_base_write_check(xapic, xapic, true, VALID), APIC_BASE_SAME);
	CHECK_EQ(apic_base_write_check(xapic, x2, true, VALID), APIC_BASE_TO_X2APIC);
	CHECK_EQ(apic_base_write_check(xapic, x2, false, VALID), APIC_BASE_GP);
	CHECK_EQ(apic_base_write_check(x2, x2, true, VALID), APIC_BASE_SAME);
	/* x2APIC back to xAPIC directly: refused by the CPU. */
	CHECK_EQ(apic_base_write_check(x2, xapic, true, VALID), APIC_BASE_GP);
	/* EXTD without EN: an invalid state. */
	CHECK_EQ(apic_base_write_check(xapic, (xapic & ~EN) | EXTD, true, VALID),
		 APIC_BASE_GP);
	/* Disable, relocation, the BSP flag: not offered, dropped. */
	CHECK_EQ(apic_base_write_check(xapic, xapic & ~EN, true, VALID), APIC_BASE_DROP);
	CHECK_EQ(apic_base_write_check(x2, x2 & ~(EN | EXTD), true, VALID), APIC_BASE_DROP);
	CHECK_EQ(apic_base_write_check(xapic, (xapic & 0xFFF) | 0xFED00000ULL, true,
				       VALID), APIC_BASE_DROP);
	CHECK_EQ(apic_base_write_check(xapic, xapic & ~BSP, true, VALID), APIC_BASE_DROP);
	/* To x2APIC and relocated at once: dropped as a whole. */
	CHECK_EQ(apic_base_write_check(xapic, (x2 & 0xFFF) | 0xFED00000ULL, true,
				       VALID), APIC_BASE_DROP);
	/* Reserved bits: #GP. */
	CHECK_EQ(apic_base_write_check(xapic, xapic | (1ULL << 9), true, VALID), APIC_BASE_GP);
	CHECK_EQ(apic_base_write_check(xapic, xapic | (1ULL << 50), true, VALID), APIC_BASE_GP);
	CHECK_EQ(apic_base_write_check(xapic, xapic | 1, true, VALID), APIC_BASE_GP);
}

/* msrpm_intercept: the whole x2APIC range exits (a CPU without one). */
TEST(x2apic_msrpm_intercept)
{
	static uint8_t pm[MSRPM_SIZE];

	msrpm_build(pm);
	msrpm_intercept(pm, 0x800, 0x8FF);
	for (uint32_t m = 0x800; m <= 0x8FF; m++) {
		long bit = msrpm_bit(m);

		CHECK(pm[bit / 8] & (1u << (bit % 8)));
		CHECK(pm[(bit + 1) / 8] & (1u << ((bit + 1) % 8)));
	}
	/* Its neighbours keep their policy. */
	CHECK(!(pm[msrpm_bit(0x277) / 8] & (1u << (msrpm_bit(0x277) % 8))));
	CHECK(msr_rule_find(0x900) == NULL);
	msrpm_intercept(pm, 0xC0000000u, 0xC0000000u);   /* EFER: already */
	msrpm_intercept(pm, 0x40000000u, 0x40000001u);   /* outside the map */
}
