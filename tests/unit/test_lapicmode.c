/*
 * tests/unit/test_lapicmode.c - the hypervisor's own x2APIC choices
 * (smp/lapicmode.c): when it runs the APICs in x2APIC mode, the MSR of
 * each register (ID 0x802, ICR 0x830), the 64-bit ICR with 32-bit
 * destinations (Intel SDM Vol. 3, 10.12).
 */
#include "test.h"
#include "smp/smp.h"

TEST(lapic_mode_choice)
{
	uint64_t xapic = 0xFEE00900ULL, x2 = xapic | (1ULL << 10);

	CHECK(!lapic_want_x2apic(xapic, 0, true));
	CHECK(!lapic_want_x2apic(xapic, 254, true));      /* fits 8 bits */
	CHECK(lapic_want_x2apic(xapic, 255, true));       /* 0xFF is broadcast */
	CHECK(lapic_want_x2apic(xapic, 2198, true));
	CHECK(!lapic_want_x2apic(xapic, 2198, false));    /* no x2APIC: the
							   * CPUs above 254 stay off */
	CHECK(lapic_want_x2apic(x2, 3, true));            /* the firmware's */
	CHECK(lapic_want_x2apic(x2, 3, false));
}

TEST(lapic_x2apic_encodings)
{
	CHECK_EQ(lapic_x2_msr(APIC_REG_ID), 0x802);
	CHECK_EQ(lapic_x2_msr(APIC_REG_ICR_LO), 0x830);
	CHECK_EQ(lapic_x2_msr(APIC_REG_EOI), 0x80B);
	CHECK_EQ(lapic_x2_msr(APIC_REG_SVR), 0x80F);
	CHECK_EQ(lapic_x2_msr(APIC_REG_TIMER_DCR), 0x83E);
	CHECK_EQ(lapic_x2_icr(300, ICR_NMI | ICR_ASSERT), 0x0000012C00004400ULL);
	CHECK_EQ(lapic_x2_icr(0xFFFFFFFFu, ICR_INIT | ICR_ASSERT | ICR_LEVEL),
		 0xFFFFFFFF0000C500ULL);
	CHECK_EQ(lapic_x2_icr(1023, ICR_STARTUP | ICR_ASSERT | 0x9E),
		 ((uint64_t)1023 << 32) | 0x469E);
}
