/*
 * tests/unit/test_apicregs.c - the local APIC register table
 * (svm/apicregs.c): in x2APIC mode only registers with an x2APIC MSR
 * (APM Vol. 2, table 16-6) are forwarded, never a reserved offset, an
 * unaligned one or AMD's extended space; ID is never written.
 */
#include "test.h"
#include "svm/svm.h"

/* x2APIC MSRs 0x800 + n that exist (AMD APM Vol. 2, 16.11). */
static bool x2apic_has(unsigned n)
{
	return n == 0x02 || n == 0x03 || n == 0x08 || n == 0x0A || n == 0x0B ||
	       n == 0x0D || n == 0x0F || (n >= 0x10 && n <= 0x28) ||
	       n == 0x30 || (n >= 0x32 && n <= 0x39) || n == 0x3E || n == 0x3F;
}

TEST(x2apic_forwards_only_existing_msrs)
{
	for (uint32_t off = 0; off < 0x1000; off++) {
		unsigned f = apic_reg_flags(off, true);

		if (!f)
			continue;
		CHECK_EQ(off & 0xF, 0);
		CHECK(off < 0x400);
		CHECK(x2apic_has(off >> 4));
	}
	/* Write-only EOI is never read; LDR is not written in x2APIC. */
	CHECK(!(apic_reg_flags(0xB0, true) & APIC_REG_R));
	CHECK(!(apic_reg_flags(0xD0, true) & APIC_REG_W));
	CHECK_EQ(apic_reg_flags(0xE0, true), 0);            /* no DFR */
	CHECK_EQ(apic_reg_flags(0x000, true), 0);           /* MSR 0x800 */
	CHECK_EQ(apic_reg_flags(0x400, false), 0);          /* AMD extended */
	CHECK_EQ(apic_reg_flags(0xFF0, false), 0);
	CHECK_EQ(apic_reg_flags(0x401, false), 0);
}

TEST(writes_forwarded)
{
	static const uint32_t w[] = { 0x80, 0xB0, 0xF0, 0x280, 0x320, 0x330,
				      0x340, 0x350, 0x360, 0x370, 0x380, 0x3E0 };

	for (size_t i = 0; i < ARRAY_SIZE(w); i++) {
		CHECK(apic_reg_flags(w[i], false) & APIC_REG_W);
		CHECK(apic_reg_flags(w[i], true) & APIC_REG_W);
	}
	CHECK(!(apic_reg_flags(0x20, false) & APIC_REG_W));   /* ID */
	CHECK(!(apic_reg_flags(0x300, false) & APIC_REG_W));  /* ICR: emulated */
	CHECK(apic_reg_flags(0xD0, false) & APIC_REG_W);      /* xAPIC LDR */
	CHECK(apic_reg_flags(0xE0, false) & APIC_REG_W);      /* xAPIC DFR */
}
