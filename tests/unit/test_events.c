/* Host tests for svm/events.c: EXITINTINFO re-injection and merging, the
 * virtual NMI state machine, and ICR routing (modes, destinations,
 * shorthands). */
#include "test.h"

#include "svm/events.h"

#define EXC_PF   (EVENT_VALID | EVENT_TYPE_EXCEPTION | EVENT_ERROR_VALID | 14 | (2ULL << 32))
#define EXTINT_8 (EVENT_VALID | EVENT_TYPE_EXCEPTION | 8)   /* TCG's IRQ0 at base 8 */
#define INTR_40  (EVENT_VALID | EVENT_TYPE_INTR | 0x40)

TEST(events_nothing_to_inject)
{
	struct event_state es = { 0 };
	bool iret;

	CHECK_EQ(events_prepare(&es, 0, 0x1000, false, &iret), 0);
	CHECK(!iret);
}

TEST(events_exitintinfo_reinjected_verbatim)
{
	struct event_state es = { 0 };
	bool iret;

	/* A vector below 32 recorded as an exception without error code
	 * (TCG's external interrupt) goes back exactly as recorded. */
	CHECK_EQ(events_prepare(&es, EXTINT_8, 0x1000, false, &iret), EXTINT_8);
	CHECK_EQ(events_prepare(&es, EXC_PF, 0x1000, false, &iret), EXC_PF);
	CHECK_EQ(events_prepare(&es, INTR_40, 0x1000, false, &iret), INTR_40);
	CHECK_EQ(events_prepare(&es, 0, 0x1000, false, &iret), 0);
}

TEST(events_hypervisor_event_waits_behind_reinjected_one)
{
	struct event_state es = { 0 };
	bool iret;
	uint64_t ud = events_exception(6, false, 0);

	CHECK_EQ(ud, EVENT_VALID | EVENT_TYPE_EXCEPTION | 6);
	es.inject = ud;
	CHECK_EQ(events_prepare(&es, INTR_40, 0x1000, false, &iret), INTR_40);
	CHECK_EQ(es.pending, ud);
	CHECK_EQ(events_prepare(&es, 0, 0x1000, false, &iret), ud);
	CHECK_EQ(es.pending, 0);
	/* A second raise while one waits: counted as dropped, never lost
	 * silently. */
	es.inject = ud;
	events_prepare(&es, INTR_40, 0x1000, false, &iret);
	es.inject = events_exception(13, true, 0);
	events_prepare(&es, INTR_40, 0x1000, false, &iret);
	CHECK_EQ(es.dropped, 1);
	CHECK_EQ(events_exception(13, true, 0x18),
		 EVENT_VALID | EVENT_TYPE_EXCEPTION | EVENT_ERROR_VALID | 13 |
		 (0x18ULL << 32));
}

TEST(events_nmi_blocked_until_iret_retires)
{
	struct event_state es = { 0 };
	bool iret;

	events_queue_nmi(&es);
	CHECK_EQ(events_prepare(&es, 0, 0x1000, false, &iret), EVENT_NMI);
	CHECK(iret && es.nmi_blocked);
	/* A second NMI waits while the guest is in its handler. */
	events_queue_nmi(&es);
	CHECK_EQ(events_prepare(&es, 0, 0x2000, false, &iret), 0);
	/* IRET exits at 0x2100 before retiring: still blocked there. */
	events_iret(&es, 0x2100);
	CHECK_EQ(events_prepare(&es, 0, 0x2100, false, &iret), 0);
	/* The next exit elsewhere: the IRET retired, the NMI goes in. */
	CHECK_EQ(events_prepare(&es, 0, 0x3000, false, &iret), EVENT_NMI);
	CHECK_EQ(es.nmis_injected, 2);
}

TEST(events_nmi_latches_and_respects_shadow_and_busy_eventinj)
{
	struct event_state es = { 0 };
	bool iret;

	events_queue_nmi(&es);
	events_queue_nmi(&es);
	CHECK_EQ(es.nmi_queued, 1);                 /* latched, not counted */
	CHECK_EQ(events_prepare(&es, 0, 0x1000, true, &iret), 0);  /* shadow */
	CHECK_EQ(events_prepare(&es, INTR_40, 0x1000, false, &iret), INTR_40);
	CHECK_EQ(events_prepare(&es, 0, 0x1000, false, &iret), EVENT_NMI);
	CHECK_EQ(events_prepare(&es, 0, 0x1000, false, &iret), 0);
}

TEST(events_init_resets)
{
	struct event_state es = { 0 };
	bool iret;

	events_queue_nmi(&es);
	events_prepare(&es, 0, 0x1000, false, &iret);
	events_queue_nmi(&es);
	es.inject = events_exception(6, false, 0);
	events_reset(&es);
	CHECK(!es.nmi_blocked && !es.nmi_queued && !es.inject && !es.pending);
	CHECK_EQ(es.nmis_injected, 1);
	CHECK_EQ(events_prepare(&es, 0, 0x1000, false, &iret), 0);
}

#define LO(mode, flags) (((uint32_t)(mode) << 8) | (flags))
#define HI(dest) ((uint32_t)(dest) << 24)

TEST(icr_classify_modes)
{
	CHECK_EQ(icr_classify(LO(0, 0x40)), ICR_FORWARD);            /* fixed */
	CHECK_EQ(icr_classify(LO(1, 0)), ICR_FORWARD);               /* lowest */
	CHECK_EQ(icr_classify(LO(ICR_MODE_SMI, 0)), ICR_REFUSE);
	CHECK_EQ(icr_classify(LO(3, 0)), ICR_REFUSE);                /* reserved */
	CHECK_EQ(icr_classify(LO(7, 0)), ICR_REFUSE);                /* reserved */
	CHECK_EQ(icr_classify(LO(ICR_MODE_NMI, ICR_LEVEL_ASSERT)), ICR_EMULATE);
	CHECK_EQ(icr_classify(LO(ICR_MODE_INIT, ICR_LEVEL_ASSERT)), ICR_EMULATE);
	CHECK_EQ(icr_classify(LO(ICR_MODE_INIT, BIT(15))), ICR_IGNORE); /* de-assert */
	CHECK_EQ(icr_classify(LO(ICR_MODE_STARTUP, 0x08)), ICR_EMULATE);
}

TEST(lvt_delivery_modes)
{
	/* LINT0/1: fixed, NMI, ExtINT only. */
	CHECK(!lvt_refused(0x350, LO(ICR_MODE_EXTINT, 0)));
	CHECK(!lvt_refused(0x360, LO(ICR_MODE_NMI, 0)));
	CHECK(!lvt_refused(0x350, LO(ICR_MODE_FIXED, 0x30) | BIT(16)));
	CHECK(lvt_refused(0x350, LO(ICR_MODE_INIT, 0)));
	CHECK(lvt_refused(0x360, LO(ICR_MODE_SMI, 0)));
	CHECK(lvt_refused(0x360, LO(ICR_MODE_SMI, 0) | BIT(16))); /* even masked */
	/* Thermal, performance counters, CMCI: fixed, NMI. */
	CHECK(!lvt_refused(0x340, LO(ICR_MODE_NMI, 0)));
	CHECK(lvt_refused(0x340, LO(ICR_MODE_SMI, 0)));
	CHECK(lvt_refused(0x330, LO(ICR_MODE_EXTINT, 0)));
	CHECK(lvt_refused(0x2F0, LO(ICR_MODE_INIT, 0)));
	/* Timer and error: no delivery mode field. */
	CHECK(!lvt_refused(0x320, 0x700));
	CHECK(!lvt_refused(0x370, 0x700));
}

TEST(icr_physical_destinations)
{
	uint32_t lo = LO(ICR_MODE_INIT, ICR_LEVEL_ASSERT);

	CHECK(icr_targets(lo, HI(3), false, 3, 0, ~0u));
	CHECK(!icr_targets(lo, HI(3), false, 2, 0, ~0u));
	CHECK(icr_targets(lo, HI(0xFF), false, 7, 0, ~0u));  /* broadcast */
	CHECK(icr_targets(lo, HI(3), true, 3, 0, ~0u));      /* to itself */
}

TEST(icr_shorthands)
{
	uint32_t nmi = LO(ICR_MODE_NMI, ICR_LEVEL_ASSERT);

	CHECK(icr_targets(nmi | (1u << 18), HI(9), true, 0, 0, ~0u));   /* self */
	CHECK(!icr_targets(nmi | (1u << 18), HI(0), false, 0, 0, ~0u));
	CHECK(icr_targets(nmi | (2u << 18), 0, true, 0, 0, ~0u));        /* all */
	CHECK(icr_targets(nmi | (2u << 18), 0, false, 5, 0, ~0u));
	CHECK(!icr_targets(nmi | (3u << 18), 0, true, 0, 0, ~0u));       /* all but */
	CHECK(icr_targets(nmi | (3u << 18), 0, false, 5, 0, ~0u));
}

TEST(icr_logical_flat_and_cluster)
{
	uint32_t lo = LO(ICR_MODE_STARTUP, ICR_DEST_LOGICAL | 0x08);
	uint32_t flat = 0xFFFFFFFF, cluster = 0x0FFFFFFF;

	/* Flat: LDR bit set in the 8-bit MDA. */
	CHECK(icr_targets(lo, HI(0x06), false, 1, 0x04u << 24, flat));
	CHECK(!icr_targets(lo, HI(0x06), false, 1, 0x08u << 24, flat));
	CHECK(icr_targets(lo, HI(0xFF), false, 1, 0, flat));     /* broadcast */
	/* Cluster: cluster nibble equal, member bits intersect. */
	CHECK(icr_targets(lo, HI(0x21), false, 1, 0x23u << 24, cluster));
	CHECK(!icr_targets(lo, HI(0x11), false, 1, 0x21u << 24, cluster));
	CHECK(!icr_targets(lo, HI(0x24), false, 1, 0x23u << 24, cluster));
	/* A vCPU whose LDR was never written matches no logical target. */
	CHECK(!icr_targets(lo, HI(0x0F), false, 1, 0, flat));
}

/* An NMI that arrives while the guest handles one waits for its IRET;
 * the entry after the IRET exit single-steps the IRET, and the #DB after
 * it opens the window at once (the guest may run on without exits). */
TEST(events_nmi_behind_iret_is_stepped_over)
{
	struct event_state es = { 0 };
	bool iret;

	events_queue_nmi(&es);
	CHECK_EQ(events_prepare(&es, 0, 0x1000, false, &iret), EVENT_NMI);
	CHECK(iret);
	CHECK(!es.step_iret);
	events_queue_nmi(&es);                     /* one pending */
	CHECK_EQ(events_prepare(&es, 0, 0x2000, false, &iret), 0);
	CHECK(!es.step_iret);                      /* IRET not reached yet */
	events_iret(&es, 0x2010);                  /* IRET exit */
	CHECK_EQ(events_prepare(&es, 0, 0x2010, false, &iret), 0);
	CHECK(es.step_iret);                       /* TF for this entry */
	CHECK_EQ(es.iret_steps, 1);
	/* An unrelated exit before the IRET ran: no second step. */
	CHECK_EQ(events_prepare(&es, 0, 0x2010, false, &iret), 0);
	CHECK(!es.step_iret);
	/* The #DB after the IRET: ours, and the window is open. */
	CHECK(events_step_db(&es, 0x3000));
	CHECK(!es.nmi_blocked);
	CHECK_EQ(events_prepare(&es, 0, 0x3000, false, &iret), EVENT_NMI);
	/* A #DB that is not our step is the guest's. */
	CHECK(!events_step_db(&es, 0x3000));
}

/* No NMI waiting: the IRET is not stepped (no #DB for the guest's
 * ordinary NMI returns). */
TEST(events_iret_without_pending_nmi_not_stepped)
{
	struct event_state es = { 0 };
	bool iret;

	events_queue_nmi(&es);
	events_prepare(&es, 0, 0x1000, false, &iret);
	events_iret(&es, 0x2010);
	CHECK_EQ(events_prepare(&es, 0, 0x2010, false, &iret), 0);
	CHECK(!es.step_iret);
	CHECK_EQ(events_prepare(&es, 0, 0x2012, false, &iret), 0);
	CHECK(!es.nmi_blocked);
}
