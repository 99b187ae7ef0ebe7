/*
 * tests/unit/test_msrtable.c - the MSR policy table (svm/msrtable.c) and
 * the permission map built from it: exactly the pass-through accesses
 * run without an exit, everything else is intercepted.
 */
#include "test.h"
#include "svm/svm.h"

static uint8_t pm[MSRPM_SIZE];

static bool intercepted(uint32_t msr, bool write)
{
	long bit = msrpm_bit(msr);

	if (bit < 0)
		return true;             /* outside the map: always exits */
	bit += write;
	return pm[bit / 8] & (1u << (bit % 8));
}

static const uint32_t range_lo[] = { 0, 0xC0000000u, 0xC0010000u };
static const uint32_t range_hi[] = { 0x1FFF, 0xC0001FFFu, 0xC0011FFFu };

TEST(bitmap_matches_table)
{
	msrpm_build(pm);
	for (size_t k = 0; k < 3; k++)
		for (uint32_t m = range_lo[k]; m <= range_hi[k]; m++) {
			const struct msr_rule *r = msr_rule_find(m);
			bool rp = r && r->read == MSR_PASS;
			bool wp = r && r->write == MSR_PASS;

			if (intercepted(m, false) == rp ||
			    intercepted(m, true) == wp) {
				test_fail(__FILE__, __LINE__, "MSR %#x: map "
					  "disagrees with the table", m);
				return;
			}
		}
	/* The reserved quarter of the map stays all-intercept. */
	for (size_t i = 0x1800; i < MSRPM_SIZE; i++)
		CHECK_EQ(pm[i], 0xFF);
}

TEST(default_deny)
{
	msrpm_build(pm);
	/* Examples from the review: none of these reaches the hardware. */
	static const uint32_t denied_write[] = {
		0xC0010020, 0xC0010064, 0xC0011020, 0xC0011029, 0x17B, 0x400,
		0x404 + 0 /* MC1_CTL */, 0xC0010116, 0x1D9, 0x48, 0xC0010010,
		0xC0010058, 0xC001001F, 0x1B, 0xC0000080, 0xC0010117,
		0x12345, 0xC0011FFF, 0x1FFF, 0x800, 0x830,
	};
	for (size_t i = 0; i < ARRAY_SIZE(denied_write); i++)
		CHECK(intercepted(denied_write[i], true));
	/* Unknown MSRs: in no row (#GP), read or written. */
	CHECK(msr_rule_find(0xC0010054) == NULL);   /* IOTRAP_ADDR0: SMI on I/O trap */
	CHECK(intercepted(0xC0010055, true));        /* INT_PENDING: writes dropped */
	CHECK(msr_rule_find(0xC0010056) == NULL);
	CHECK(msr_rule_find(0xC0000104) == NULL);   /* TSC_RATIO */
	CHECK(intercepted(0xC0010056, false) && intercepted(0xC0010056, true));
	/* MCi_CTL dropped, MCi_STATUS the guest's. */
	CHECK_EQ(msr_rule_find(0x408)->write, MSR_DROP);
	CHECK_EQ(msr_rule_find(0x409)->write, MSR_PASS);
	CHECK(!intercepted(0x409, true));
	/* What the guest needs at full speed. */
	CHECK(!intercepted(0xC0000100, true) && !intercepted(0xC0000102, false));
	CHECK(!intercepted(0xC0000082, true));
	CHECK(!intercepted(0x277, true));
	CHECK(!intercepted(0x10, false) && intercepted(0x10, true));
}

TEST(rows_are_sane)
{
	for (size_t i = 0; i < msr_nrules; i++) {
		const struct msr_rule *a = &msr_rules[i];

		CHECK(a->first <= a->last);
		CHECK(a->why && a->why[0]);
		CHECK(a->read != MSR_DROP);           /* DROP is for writes */
		CHECK(a->write != MSR_ZERO);
		/* Pass-through needs the map to cover the MSRs. */
		if (a->read == MSR_PASS || a->write == MSR_PASS)
			CHECK(msrpm_bit(a->first) >= 0 && msrpm_bit(a->last) >= 0);
		for (size_t k = i + 1; k < msr_nrules; k++) {
			const struct msr_rule *b = &msr_rules[k];

			CHECK(a->last < b->first || b->last < a->first);
		}
	}
}
