/*
 * guest/hpetview.c - the HPET as the guest sees it while the hypervisor
 * keeps a timer of it for its tick (option hpetview=Nk: N timers
 * expected, one fewer than the hardware's) or only checks the FSB routes
 * of its timers (hpetview=Ng: all N timers ours). IA-PC HPET 1.0a, 2.3.
 * Check hpet_view:
 *   - GCAP's NUM_TIM_CAP says N timers;
 *   - (k) the kept timer's block (number N) reads 0, ignores writes;
 *   - with ENABLE_CNF cleared the main counter stands still and takes a
 *     written value; with it set again it runs;
 *   - a timer of ours cannot get FSB delivery with a route outside the
 *     MSI window or with INIT delivery (FSB_EN_CNF reads back clear).
 * Everything is left as found (the counter enabled as before). The test
 * then shows the hypervisor's tick still running: the console answers
 * while we spin with interrupts off (tests/qemu/test_nmi.py).
 */
#include "guest/guest.h"

#define GCAP        0x000
#define GEN_CONF    0x010
#define COUNTER     0x0F0
#define TIMER(n)    (0x100 + 0x20 * (n))
#define TN_CONF     0x00
#define TN_CMP      0x08
#define TN_FSB      0x10
#define FSB_EN      BIT(14)
#define FSB_CAP     BIT(15)

static volatile uint32_t *hpet;

static uint32_t rd(uint32_t off)
{
	return hpet[off / 4];
}

static void wr(uint32_t off, uint32_t v)
{
	hpet[off / 4] = v;
}

/* FSB_EN asked for with route (addr, data): whether it stuck. */
static bool fsb_sticks(unsigned t, uint32_t addr, uint32_t data)
{
	uint32_t conf = rd(TIMER(t) + TN_CONF);
	bool stuck;

	wr(TIMER(t) + TN_CONF, conf & ~(FSB_EN | BIT(2)));
	wr(TIMER(t) + TN_FSB + 4, addr);
	wr(TIMER(t) + TN_FSB, data);
	wr(TIMER(t) + TN_CONF, (conf & ~BIT(2)) | FSB_EN);
	stuck = rd(TIMER(t) + TN_CONF) & FSB_EN;
	wr(TIMER(t) + TN_CONF, conf & ~FSB_EN);
	return stuck;
}

void checks_hpetview(const struct guest_boot *b, const char *arg)
{
	const char *why = "";
	const uint8_t *t = acpi_find_table(b->rsdp, b->rsdp_len, 4 * GiB,
					   "HPET", true, &why);
	unsigned want = (unsigned)(arg[0] - '0'), seen;
	bool kept = arg[1] == 'k';
	uint32_t gen, c1, c2, kept_conf;
	uint64_t base;
	bool frozen, took, runs, init_refused, far_refused;

	if (!t)
		t = acpi_find_table(b->rsdp, b->rsdp_len, 4 * GiB, "HPET",
				    false, &why);

	if (!t) {
		check_report("hpet_view", false, "no HPET table: %s", why);
		return;
	}
	memcpy(&base, t + 44, 8);            /* GAS address (HPET 1.0a, 3.2.4) */
	hpet = (volatile uint32_t *)(uintptr_t)base;
	seen = ((rd(GCAP) >> 8) & 0x1F) + 1;

	/* The kept timer is number `seen`: nothing there. */
	kept_conf = 0;
	if (kept) {
		wr(TIMER(seen) + TN_CONF, BIT(2) | BIT(3));
		wr(TIMER(seen) + TN_CMP, 1);
		kept_conf = rd(TIMER(seen) + TN_CONF) |
			    rd(TIMER(seen) + TN_CMP) |
			    rd(TIMER(seen) + TN_FSB + 4);
	}

	gen = rd(GEN_CONF);
	wr(GEN_CONF, gen & ~1u);
	c1 = rd(COUNTER);
	udelay(2000);
	c2 = rd(COUNTER);
	frozen = c1 == c2;
	wr(COUNTER, 0x1234);
	wr(COUNTER + 4, 0);
	took = rd(COUNTER) == 0x1234;
	wr(GEN_CONF, gen | 1u);
	c1 = rd(COUNTER);
	udelay(2000);
	runs = rd(COUNTER) != c1;
	wr(GEN_CONF, gen);

	init_refused = far_refused = true;
	if (rd(TIMER(0) + TN_CONF) & FSB_CAP) {
		init_refused = !fsb_sticks(0, 0xFEE00000u, 0x500);
		far_refused = !fsb_sticks(0, 0x00100000u, 0x30);
	}
	check_report("hpet_view", seen == want && kept_conf == 0 && frozen &&
		     took && runs && init_refused && far_refused,
		     "%u timers (want %u), kept timer reads %#x, halted counter "
		     "%s and %s a write, enabled %s; FSB INIT route %s, RAM "
		     "route %s", seen, want, kept_conf,
		     frozen ? "stood" : "moved", took ? "took" : "ignored",
		     runs ? "runs" : "stands", init_refused ? "refused" : "taken",
		     far_refused ? "refused" : "taken");
}
