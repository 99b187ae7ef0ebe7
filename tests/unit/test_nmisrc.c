/* Host tests for smp/nmisrc.c: every NMI looks at every source, kicks are
 * flags (never counts), the guest gets exactly the NMIs nothing of ours
 * explains, and an NMI anywhere in the park sequence goes back to the
 * flag test. */
#include "test.h"

#include "smp/smp.h"

static bool console_has, nic_has;
static unsigned console_served, nic_served;

static bool console_pending(bool from_nmi) { (void)from_nmi; return console_has; }
static bool nic_pending(bool from_nmi) { (void)from_nmi; return nic_has; }
static void console_service(struct percpu *c) { (void)c; console_served++; }
static void nic_service(struct percpu *c) { (void)c; nic_served++; }

static struct nmi_source console = {
	.name = "console", .cpu = 0, .poll_us = 1000,
	.pending = console_pending, .service = console_service,
};
static struct nmi_source nic = {
	.name = "nic", .cpu = NMI_ANY_CPU,
	.pending = nic_pending, .service = nic_service,
};

static void fresh(void)
{
	nmi_sources_reset();
	console_has = nic_has = false;
	console_served = nic_served = 0;
	console.nmis = console.polls = nic.nmis = nic.polls = 0;
}

/* The CPU's loop: clear the flag, service what the NMIs found. */
static void loop_pass(struct percpu *c)
{
	uint32_t m;

	c->kick_pending = 0;
	m = c->src_pending;
	c->src_pending = 0;
	nmi_sources_service(c, m);
}

TEST(nmisrc_table_registration)
{
	static struct nmi_source many[NMI_MAX_SOURCES];
	struct nmi_source bad = { .name = "bad" };

	fresh();
	CHECK_EQ(nmi_sources_add(&bad), -1);         /* no pending/service */
	for (unsigned i = 0; i < NMI_MAX_SOURCES; i++) {
		many[i] = nic;
		CHECK_EQ(nmi_sources_add(&many[i]), 0);
	}
	CHECK_EQ(nmi_sources_add(&console), -1);     /* full */
	CHECK_EQ(nmi_source_bit(&console), 0);
	CHECK_EQ(nmi_source_bit(&many[3]), 1U << 3);
	fresh();
}

TEST(nmisrc_every_source_of_the_cpu_is_asked)
{
	fresh();
	CHECK_EQ(nmi_sources_add(&console), 0);
	CHECK_EQ(nmi_sources_add(&nic), 0);
	console_has = nic_has = true;
	CHECK_EQ(nmi_sources_look(0, true), 3);      /* both: no first-wins */
	CHECK_EQ(nmi_sources_look(1, true), 2);      /* the console is cpu 0's */
	CHECK_EQ(console.nmis, 1);
	CHECK_EQ(nic.nmis, 2);
	nic_has = false;
	CHECK_EQ(nmi_sources_look(0, true), 1);
	console_has = false;
	CHECK_EQ(nmi_sources_look(0, true), 0);
	/* An exit-time poll asks only polled sources and counts polls. */
	console_has = nic_has = true;
	CHECK_EQ(nmi_sources_look(0, false), 1);
	CHECK_EQ(console.polls, 1);
	CHECK_EQ(nic.polls, 0);
	CHECK_EQ(nmi_sources_poll_us(0), 1000);
	CHECK_EQ(nmi_sources_poll_us(1), 0);
	CHECK(!nmi_sources_poll_only(0));            /* routed: NMIs too */
	console.poll_only = true;
	CHECK(nmi_sources_poll_only(0));
	CHECK(!nmi_sources_poll_only(1));
	console.poll_only = false;
	nmi_sources_service(NULL, 3);
	CHECK_EQ(console_served, 1);
	CHECK_EQ(nic_served, 1);
	fresh();
}

TEST(nmisrc_guest_gets_what_nothing_explains)
{
	CHECK(nmi_for_guest(false, 0));
	CHECK(!nmi_for_guest(true, 0));
	CHECK(!nmi_for_guest(false, 1));
	CHECK(!nmi_for_guest(true, 4));
}

/* The run that silenced the console: kicks that arrive while NMIs are
 * blocked become one NMI. With counts, the difference never went back to
 * zero and every later NMI was taken for a kick. With the flag, the one
 * NMI takes every kick, and the next NMI is the console's. */
TEST(nmisrc_coalesced_kicks_leave_nothing_behind)
{
	struct percpu c = { .index = 0 };

	fresh();
	CHECK_EQ(nmi_sources_add(&console), 0);
	CHECK(nmi_kick_mark(&c));             /* first kick: NMI sent */
	CHECK(!nmi_kick_mark(&c));            /* on its way: none sent */
	CHECK(!nmi_kick_mark(&c));
	nmi_record(&c);                       /* the one NMI */
	CHECK_EQ(c.kicks_taken, 1);
	CHECK_EQ(c.foreign_nmis, 0);
	CHECK_EQ(c.kick_nmi, 0);
	CHECK_EQ(c.kick_pending, 1);
	loop_pass(&c);
	/* A storm: every kick marked while one is in flight sends nothing;
	 * the handler after it leaves the flag clear. */
	for (int round = 0; round < 300; round++) {
		bool sent = nmi_kick_mark(&c);

		CHECK(sent);
		CHECK(!nmi_kick_mark(&c));
		nmi_record(&c);
		loop_pass(&c);
	}
	CHECK_EQ(c.kicks_taken, 301);
	CHECK_EQ(c.foreign_nmis, 0);
	/* The console's NMI after the storm: claimed and serviced. */
	console_has = true;
	nmi_record(&c);
	CHECK_EQ(c.device_nmis, 1);
	CHECK_EQ(c.foreign_nmis, 0);
	CHECK_EQ(c.kick_pending, 1);
	loop_pass(&c);
	CHECK_EQ(console_served, 1);
	console_has = false;
	/* And the guest's own NMI after that: the guest's. */
	nmi_record(&c);
	CHECK_EQ(c.foreign_nmis, 1);
	CHECK_EQ(c.src_pending, 0);
	fresh();
}

/* A guest NMI that arrives on its own while a kick request is still
 * unhandled (kick_pending set, its NMI taken) is the guest's: the old
 * code dropped it. */
TEST(nmisrc_guest_nmi_beside_pending_kick_kept)
{
	struct percpu c = { .index = 1 };

	fresh();
	CHECK(nmi_kick_mark(&c));
	nmi_record(&c);                       /* the kick's NMI */
	CHECK_EQ(c.kick_pending, 1);          /* loop has not run yet */
	nmi_record(&c);                       /* the guest's */
	CHECK_EQ(c.foreign_nmis, 1);
	CHECK_EQ(c.kicks_taken, 1);
	fresh();
}

/* A kick whose NMI was taken early by an unrelated NMI's handler: the
 * attribution swaps (the unrelated one counts as the kick, the kick's as
 * the guest's), the totals stay right: one guest NMI. */
TEST(nmisrc_kick_taken_by_an_earlier_nmi)
{
	struct percpu c = { .index = 1 };

	fresh();
	CHECK(nmi_kick_mark(&c));
	nmi_record(&c);                       /* the guest's NMI, first */
	nmi_record(&c);                       /* the kick's, after */
	CHECK_EQ(c.kicks_taken, 1);
	CHECK_EQ(c.foreign_nmis, 1);
	fresh();
}

TEST(nmisrc_park_rewind_range)
{
	const uint64_t begin = 0x1000, end = 0x1009; /* load .. hlt */

	CHECK_EQ(nmi_park_rip(begin, begin, end), begin);
	for (uint64_t rip = begin; rip < end; rip++)
		CHECK_EQ(nmi_park_rip(rip, begin, end), begin);
	CHECK_EQ(nmi_park_rip(end, begin, end), end);       /* after HLT */
	CHECK_EQ(nmi_park_rip(begin - 1, begin, end), begin - 1);
	CHECK_EQ(nmi_park_rip(0, begin, end), 0);
	CHECK_EQ(nmi_park_rip(~0ULL, begin, end), ~0ULL);
}
