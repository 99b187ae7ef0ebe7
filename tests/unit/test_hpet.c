/* Host tests for hpet/view.c: the guest's view of an HPET whose last
 * timer the hypervisor keeps, over a simulated register file with the
 * write rules of IA-PC HPET 1.0a, 2.3 (read-only capability bits, a
 * counter that advances on every read while enabled). */
#include "test.h"

#include "hpet/hpet.h"

#define NT 3                       /* QEMU's HPET: three timers */

static uint32_t regs[0x400 / 4];
static unsigned writes[0x400 / 4];
static bool enabled;

static uint32_t sim_rd(void *ctx, uint32_t off)
{
	(void)ctx;
	if (off == HPET_COUNTER && enabled) {
		uint64_t c = (uint64_t)regs[0xF4 / 4] << 32 | regs[0xF0 / 4];

		c += 7;                    /* time passes between reads */
		regs[0xF0 / 4] = (uint32_t)c;
		regs[0xF4 / 4] = (uint32_t)(c >> 32);
	}
	return regs[off / 4];
}

static void sim_wr(void *ctx, uint32_t off, uint32_t val)
{
	(void)ctx;
	writes[off / 4]++;
	if (off == HPET_GEN_CONF)
		enabled = val & 1;
	if (off == HPET_GCAP || off == HPET_GCAP + 4)
		return;
	regs[off / 4] = val;
}

static struct hpet_view v;

static void fresh(void)
{
	memset(regs, 0, sizeof(regs));
	memset(writes, 0, sizeof(writes));
	regs[0] = 0x8086A201u | ((NT - 1) << 8);   /* rev 1, last timer 2 */
	regs[1] = 10000000;                        /* 10 ns */
	for (unsigned t = 0; t < NT; t++)
		regs[(HPET_TIMER(t) + HPET_TN_CONF) / 4] =
			HPET_TN_PER_CAP | HPET_TN_FSB_CAP | BIT(5);
	regs[HPET_GEN_CONF / 4] = 1;
	enabled = true;
	regs[0xF0 / 4] = 1000;
	hpet_view_init(&v, &(struct hpet_hw){ sim_rd, sim_wr, NULL }, NT,
		       false, 55);
}

static uint64_t gread(uint32_t off, unsigned size)
{
	uint64_t val = 0;

	if (hpet_view_read(&v, off, size, &val))
		test_fail(__FILE__, __LINE__, "read at %#x failed", off);
	return val;
}

TEST(hpet_one_timer_fewer_and_the_kept_one_absent)
{
	fresh();
	CHECK_EQ((gread(HPET_GCAP, 4) >> 8) & 0x1F, NT - 2);
	CHECK_EQ(gread(HPET_GCAP, 4) & 0xFF, 0x01);       /* rest kept */
	CHECK_EQ(gread(HPET_GCAP + 4, 4), 10000000);
	CHECK_EQ(gread(HPET_GCAP, 8) >> 32, 10000000);
	regs[(HPET_TIMER(2) + HPET_TN_CMP) / 4] = 0x1234;
	for (uint32_t o = 0; o < 0x20; o += 4) {
		CHECK_EQ(gread(HPET_TIMER(2) + o, 4), 0);
		CHECK_EQ(hpet_view_write(&v, HPET_TIMER(2) + o, 4, ~0u), 0);
		CHECK_EQ(writes[(HPET_TIMER(2) + o) / 4], 0);
	}
	CHECK_EQ(gread(HPET_TIMER(2), 8), 0);
	CHECK_EQ(hpet_view_write(&v, HPET_TIMER(2) + HPET_TN_FSB, 8,
				 0xFEE00000ull << 32), 0);
	CHECK_EQ(writes[(HPET_TIMER(2) + HPET_TN_FSB) / 4], 0);
	CHECK_EQ(regs[(HPET_TIMER(2) + HPET_TN_CMP) / 4], 0x1234);
	CHECK(v.ignored_writes >= 8);
	/* Its interrupt status bit neither reads nor clears. */
	regs[HPET_GINTR_STA / 4] = BIT(2) | BIT(0);
	CHECK_EQ(gread(HPET_GINTR_STA, 4), BIT(0));
	hpet_view_write(&v, HPET_GINTR_STA, 4, BIT(2) | BIT(0));
	CHECK_EQ(regs[HPET_GINTR_STA / 4], BIT(0));    /* sim: plain store */
	/* The guest's timers pass through. */
	hpet_view_write(&v, HPET_TIMER(0) + HPET_TN_CMP, 4, 777);
	CHECK_EQ(regs[(HPET_TIMER(0) + HPET_TN_CMP) / 4], 777);
	CHECK_EQ(gread(HPET_TIMER(1) + HPET_TN_CONF, 4) & HPET_TN_FSB_CAP,
		 HPET_TN_FSB_CAP);
}

TEST(hpet_counter_never_stops_for_the_guest)
{
	uint64_t a, b;

	fresh();
	/* Disabled as the firmware left it: the counter reads frozen. */
	CHECK_EQ(gread(HPET_GEN_CONF, 4) & 1, 0);
	CHECK_EQ(gread(HPET_COUNTER, 8), 55);
	hpet_view_write(&v, HPET_COUNTER, 4, 0x10);
	hpet_view_write(&v, HPET_COUNTER + 4, 4, 0x2);
	CHECK_EQ(gread(HPET_COUNTER, 8), 0x200000010ull);
	CHECK_EQ(writes[HPET_COUNTER / 4], 0);
	/* Enabled: the hardware's count, which moves. */
	hpet_view_write(&v, HPET_GEN_CONF, 4, 1 | BIT(1));
	CHECK_EQ(gread(HPET_GEN_CONF, 4) & 3, 3);
	a = gread(HPET_COUNTER, 8);
	b = gread(HPET_COUNTER, 8);
	CHECK(b > a);
	/* A write to the running counter is ignored. */
	hpet_view_write(&v, HPET_COUNTER, 4, 0);
	CHECK(gread(HPET_COUNTER, 4) > b);
	/* Disabling keeps the hardware enabled; the count stands. */
	hpet_view_write(&v, HPET_GEN_CONF, 4, 0);
	CHECK(enabled);
	CHECK_EQ(regs[HPET_GEN_CONF / 4] & 1, 1);
	CHECK_EQ(gread(HPET_GEN_CONF, 4) & 1, 0);
	a = gread(HPET_COUNTER, 8);
	CHECK_EQ(gread(HPET_COUNTER, 4), (uint32_t)a);
	CHECK_EQ(gread(HPET_COUNTER + 4, 4), (uint32_t)(a >> 32));
	/* 64-bit writes to GEN_CONF too. */
	hpet_view_write(&v, HPET_GEN_CONF, 8, 0);
	CHECK(enabled);
}

TEST(hpet_fsb_routes_checked)
{
	uint32_t conf = HPET_TIMER(0) + HPET_TN_CONF;
	uint32_t fsb = HPET_TIMER(0) + HPET_TN_FSB;

	fresh();
	CHECK(hpet_route_allowed(0xFEE01000u, 0x4000 | 0x30));
	CHECK(hpet_route_allowed(0xFEE00000u, 0x400));         /* NMI */
	CHECK(hpet_route_allowed(0xFEE00000u, 0x100));         /* lowest */
	CHECK(!hpet_route_allowed(0xFEE00000u, 0x200));        /* SMI */
	CHECK(!hpet_route_allowed(0xFEE00000u, 0x500));        /* INIT */
	CHECK(!hpet_route_allowed(0xFEE00000u, 0x700));        /* ExtINT */
	CHECK(!hpet_route_allowed(0xFEE00000u, 0x300));
	CHECK(!hpet_route_allowed(0xFEE00000u, 0x600));
	CHECK(!hpet_route_allowed(0x00100000u, 0x30));         /* RAM */
	CHECK(!hpet_route_allowed(0xFEF00000u, 0x30));
	/* Route 0:0 as reset: FSB_EN refused, the rest of the write kept. */
	hpet_view_write(&v, conf, 4, HPET_TN_FSB_EN | HPET_TN_INT_ENB);
	CHECK_EQ(regs[conf / 4] & HPET_TN_FSB_EN, 0);
	CHECK_EQ(regs[conf / 4] & HPET_TN_INT_ENB, HPET_TN_INT_ENB);
	CHECK_EQ(v.refused_routes, 1);
	/* With delivery off, any route may be stored; enabling judges it. */
	hpet_view_write(&v, fsb, 8, 0xFEE00000ull << 32 | 0x500);
	CHECK_EQ(regs[fsb / 4], 0x500);
	hpet_view_write(&v, conf, 4, HPET_TN_FSB_EN);
	CHECK_EQ(regs[conf / 4] & HPET_TN_FSB_EN, 0);
	CHECK_EQ(v.refused_routes, 2);
	/* A good route enables; then each half must keep it good. */
	hpet_view_write(&v, fsb, 4, 0x4031);
	hpet_view_write(&v, conf, 4, HPET_TN_FSB_EN);
	CHECK_EQ(regs[conf / 4] & HPET_TN_FSB_EN, HPET_TN_FSB_EN);
	hpet_view_write(&v, fsb, 4, 0x531);                 /* INIT */
	CHECK_EQ(regs[fsb / 4], 0x4031);
	hpet_view_write(&v, fsb + 4, 4, 0x12345000u);        /* not MSI */
	CHECK_EQ(regs[(fsb + 4) / 4], 0xFEE00000u);
	hpet_view_write(&v, fsb, 8, 0x00100000ull << 32 | 0x30);
	CHECK_EQ(regs[(fsb + 4) / 4], 0xFEE00000u);
	CHECK_EQ(v.refused_routes, 5);
	hpet_view_write(&v, fsb, 8, 0xFEE03000ull << 32 | 0x4041);
	CHECK_EQ(regs[(fsb + 4) / 4], 0xFEE03000u);
	CHECK_EQ(regs[fsb / 4], 0x4041);
	CHECK(v.last_refusal != NULL);
}

TEST(hpet_bad_accesses_and_reserved)
{
	uint64_t val = 0;

	fresh();
	CHECK_EQ(hpet_view_read(&v, HPET_GCAP, 2, &val), -1);
	CHECK_EQ(val, 0xFFFF);
	CHECK_EQ(hpet_view_read(&v, HPET_GCAP + 2, 4, &val), -1);
	CHECK_EQ(val, 0xFFFFFFFFu);
	CHECK_EQ(hpet_view_read(&v, HPET_COUNTER + 4, 8, &val), -1);
	CHECK_EQ(hpet_view_read(&v, 4096, 4, &val), -1);
	CHECK_EQ(hpet_view_write(&v, HPET_GEN_CONF, 1, 0), -1);
	CHECK_EQ(hpet_view_write(&v, HPET_GEN_CONF + 1, 4, 0), -1);
	CHECK_EQ(v.bad_accesses, 6);
	CHECK_EQ(writes[HPET_GEN_CONF / 4], 0);
	/* Reserved registers and past the register set: writes dropped. */
	hpet_view_write(&v, 0x008, 4, 1);
	hpet_view_write(&v, 0x0A0, 4, 1);
	hpet_view_write(&v, HPET_TIMER(NT), 4, 1);
	hpet_view_write(&v, HPET_TIMER(0) + 0x18, 4, 1);
	hpet_view_write(&v, 0x800, 8, 1);
	hpet_view_write(&v, HPET_GCAP, 4, 0);
	CHECK_EQ(writes[0x008 / 4] + writes[0x0A0 / 4] +
		 writes[HPET_TIMER(NT) / 4] + writes[(HPET_TIMER(0) + 0x18) / 4] +
		 writes[0], 0);
	CHECK_EQ(gread(0x800, 4), 0);
	CHECK_EQ(gread(0xFFC, 4), 0);
}

TEST(hpet_guard_view_checks_routes_only)
{
	uint32_t conf = HPET_TIMER(2) + HPET_TN_CONF;

	fresh();
	hpet_view_init_guard(&v, &(struct hpet_hw){ sim_rd, sim_wr, NULL },
			     NT);
	CHECK_EQ((gread(HPET_GCAP, 4) >> 8) & 0x1F, NT - 1);
	CHECK_EQ(gread(conf, 4) & HPET_TN_FSB_CAP, HPET_TN_FSB_CAP);
	/* The counter and the enable bit are the hardware's. */
	hpet_view_write(&v, HPET_GEN_CONF, 4, 0);
	CHECK(!enabled);
	hpet_view_write(&v, HPET_COUNTER, 4, 99);
	CHECK_EQ(gread(HPET_COUNTER, 4), 99);
	hpet_view_write(&v, HPET_GEN_CONF, 4, 1);
	CHECK(enabled);
	CHECK(gread(HPET_COUNTER, 8) > 99);
	regs[HPET_GINTR_STA / 4] = BIT(2);
	CHECK_EQ(gread(HPET_GINTR_STA, 4), BIT(2));
	/* Every timer is the guest's, and every route is checked. */
	hpet_view_write(&v, HPET_TIMER(2) + HPET_TN_FSB, 8,
			0xFEE00000ull << 32 | 0x500);
	hpet_view_write(&v, conf, 4, HPET_TN_FSB_EN);
	CHECK_EQ(regs[conf / 4] & HPET_TN_FSB_EN, 0);
	hpet_view_write(&v, HPET_TIMER(2) + HPET_TN_FSB, 4, 0x400);
	hpet_view_write(&v, conf, 4, HPET_TN_FSB_EN);
	CHECK_EQ(regs[conf / 4] & HPET_TN_FSB_EN, HPET_TN_FSB_EN);
	CHECK_EQ(v.refused_routes, 1);
	hpet_view_write(&v, 0x0A0, 4, 1);
	CHECK_EQ(writes[0x0A0 / 4], 0);
}
