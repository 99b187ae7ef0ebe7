/*
 * hpet/tick.c - the hypervisor's tick on the HPET's last timer (hpet.h).
 *
 * Set-up (IA-PC HPET 1.0a): the main counter halted (2.3.5) while the
 * timer is programmed: FSB route first (2.3.9: address = the boot CPU's
 * MSI address, APM Vol. 2 16.5; data = delivery mode NMI, edge), then
 * Tn_CONF with periodic mode, 32-bit mode, FSB delivery and VAL_SET, then
 * the comparator twice: the first write is the first expiry, the second
 * (VAL_SET cleared by then) the period (2.3.9.2.2; some HPETs need that
 * second write, as Linux notes for AMD's). Then the counter runs, and
 * never stops again: the guest's enable bit is virtual (hpet/view.c).
 *
 * Which NMI is the tick's: in periodic mode the hardware advances the
 * comparator by the period each time it fires (2.3.9.2.2), before the
 * interrupt goes out. So an NMI finding the comparator moved since the
 * last look is claimed, one claim per expiry; the tick is never polled
 * (a poll could take the expiry before its NMI arrives, which would then
 * look like the guest's). An expiry whose NMI coalesced with another one
 * in the CPU's latch is lost like any coalesced NMI: the next period
 * brings the next one; nothing has to be re-armed.
 */
#include "hpet/hpet.h"
#include "decode/decode.h"
#include "smp/smp.h"

#define GEN_ENABLE    BIT(0)
#define FEMTO_PER_US  1000000000ull
#define MAX_PERIOD_FS 100000000u    /* 1.0a, 2.3.4: at most 100 ns */

static struct {
	volatile uint32_t *regs;
	uint64_t page;               /* guest-physical = physical */
	unsigned timer;
	uint32_t seen_cmp;           /* the comparator at the last claim */
	uint32_t period_ticks;
	uint32_t period_us;
	volatile uint64_t ticks;     /* NMIs claimed */
	bool ticking;                /* else the page is trapped for routes */
	struct hpet_view view;
} tick;

static uint32_t hw_rd(void *ctx, uint32_t off)
{
	return ((volatile uint32_t *)ctx)[off / 4];
}

static void hw_wr(void *ctx, uint32_t off, uint32_t val)
{
	((volatile uint32_t *)ctx)[off / 4] = val;
}

static uint32_t rd(uint32_t off)
{
	return hw_rd((void *)tick.regs, off);
}

static void wr(uint32_t off, uint32_t val)
{
	hw_wr((void *)tick.regs, off, val);
}

/* NMI context (smp.h rules): one register read. */
static bool tick_pending(bool from_nmi)
{
	uint32_t cmp = rd(HPET_TIMER(tick.timer) + HPET_TN_CMP);

	(void)from_nmi;
	if (cmp == tick.seen_cmp)
		return false;
	tick.seen_cmp = cmp;
	tick.ticks++;
	return true;
}

/* The exit the NMI caused is the point: the vCPU loop polls the sources
 * that are due (the console) after every exit. */
static void tick_service(struct percpu *c)
{
	(void)c;
}

static struct nmi_source tick_source = {
	.name = "tick",
	.cpu = 0,
	.pending = tick_pending,
	.service = tick_service,
};

/* The HPET at @base mapped and sane: its timer count, else 0 (said). */
static unsigned probe(uint64_t base, uint32_t *period_fs)
{
	uint32_t cap;

	if ((base & 0xFFF) || base >> 52) {
		printk("hpet: base %#llx not a page address: left alone\n",
		       (unsigned long long)base);
		return 0;
	}
	tick.regs = ioremap(base, HPET_REGS_SIZE);
	if (!tick.regs) {
		printk("hpet: cannot map %#llx: left alone\n",
		       (unsigned long long)base);
		return 0;
	}
	cap = rd(HPET_GCAP);
	*period_fs = rd(HPET_GCAP + 4);
	if (cap == 0xFFFFFFFFu || (cap & 0xFF) == 0 || *period_fs == 0 ||
	    *period_fs > MAX_PERIOD_FS) {
		printk("hpet: at %#llx implausible (GCAP %#x, period %u fs): "
		       "left alone\n", (unsigned long long)base, cap,
		       *period_fs);
		return 0;
	}
	return ((cap >> 8) & 0x1F) + 1;
}

static int start_tick(uint64_t base, unsigned ntimers, uint32_t period_fs,
		      uint32_t period_us, uint32_t apic_id)
{
	unsigned t = ntimers - 1;
	uint32_t conf = rd(HPET_TIMER(t) + HPET_TN_CONF), gen;
	uint64_t ticks, counter;

	if (apic_id > 0xFF || ntimers < 2 || !(conf & HPET_TN_FSB_CAP) ||
	    !(conf & HPET_TN_PER_CAP)) {
		printk("hpet: %u timers, the last %s FSB delivery and %s "
		       "periodic mode%s: no tick (the console is polled on "
		       "exits only)\n", ntimers,
		       conf & HPET_TN_FSB_CAP ? "with" : "without",
		       conf & HPET_TN_PER_CAP ? "with" : "without",
		       apic_id > 0xFF ? ", boot CPU past xAPIC reach" : "");
		return -1;
	}
	ticks = (uint64_t)period_us * FEMTO_PER_US / period_fs;
	if (ticks == 0 || ticks > 0x7FFFFFFFull) {
		printk("hpet: a %u us period is %llu ticks: no tick\n",
		       period_us, (unsigned long long)ticks);
		return -1;
	}
	tick.timer = t;
	tick.period_ticks = (uint32_t)ticks;
	tick.period_us = period_us;

	/* The counter halted while the timer is set (2.3.5, 2.3.9.2.2). */
	gen = rd(HPET_GEN_CONF);
	wr(HPET_GEN_CONF, gen & ~GEN_ENABLE);
	counter = (uint64_t)rd(HPET_COUNTER + 4) << 32 | rd(HPET_COUNTER);
	wr(HPET_TIMER(t) + HPET_TN_CONF, 0);
	wr(HPET_TIMER(t) + HPET_TN_FSB + 4, HPET_MSI_BASE | apic_id << 12);
	wr(HPET_TIMER(t) + HPET_TN_FSB, 4u << 8);          /* NMI, edge */
	wr(HPET_TIMER(t) + HPET_TN_CONF, HPET_TN_PERIODIC | HPET_TN_VAL_SET |
	   HPET_TN_32MODE | HPET_TN_FSB_EN | HPET_TN_INT_ENB);
	wr(HPET_TIMER(t) + HPET_TN_CMP, (uint32_t)counter + tick.period_ticks);
	wr(HPET_TIMER(t) + HPET_TN_CMP, tick.period_ticks);
	tick.seen_cmp = rd(HPET_TIMER(t) + HPET_TN_CMP);

	/* The view first, the source next, the counter last: the first NMI
	 * finds its claimant. */
	hpet_view_init(&tick.view, &(struct hpet_hw){ hw_rd, hw_wr,
			(void *)tick.regs }, ntimers, gen & GEN_ENABLE, counter);
	if (smp_nmi_source_add(&tick_source)) {
		wr(HPET_TIMER(t) + HPET_TN_CONF, 0);
		wr(HPET_GEN_CONF, gen);
		printk("hpet: the NMI source table is full: no tick\n");
		return -1;
	}
	wr(HPET_GEN_CONF, gen | GEN_ENABLE);
	tick.page = base;
	tick.ticking = true;
	printk("hpet: tick on timer %u of %u (at %#llx, %u fs a tick): NMI "
	       "to APIC ID %u every %u us; the guest sees %u timers\n", t,
	       ntimers, (unsigned long long)base, period_fs, apic_id,
	       period_us, ntimers - 1);
	return 0;
}

int hpet_bringup(uint64_t base, bool want_tick, uint32_t period_us,
		 uint32_t apic_id)
{
	uint32_t period_fs = 0;
	unsigned ntimers, fsb = 0;

	if (!base) {
		printk("hpet: none in ACPI%s\n", want_tick ? ": no tick" : "");
		return -1;
	}
	ntimers = probe(base, &period_fs);
	if (!ntimers)
		return -1;
	if (want_tick && start_tick(base, ntimers, period_fs, period_us,
				    apic_id) == 0)
		return 0;
	/* No tick: the HPET is the guest's, but a timer with FSB delivery
	 * would let it write anywhere in physical memory: its page is
	 * trapped all the same, routes checked. */
	for (unsigned t = 0; t < ntimers; t++)
		if (rd(HPET_TIMER(t) + HPET_TN_CONF) & HPET_TN_FSB_CAP)
			fsb++;
	if (!fsb)
		return want_tick ? -1 : 0;
	hpet_view_init_guard(&tick.view, &(struct hpet_hw){ hw_rd, hw_wr,
			      (void *)tick.regs }, ntimers);
	tick.page = base;
	printk("hpet: %u of %u timers can deliver through the FSB: the "
	       "guest's HPET page is trapped, its FSB routes checked\n", fsb,
	       ntimers);
	return want_tick ? -1 : 0;
}

uint64_t hpet_guest_page(void)
{
	return tick.page;
}

static int guest_read(void *ctx, uint64_t gpa, unsigned size, uint64_t *val)
{
	(void)ctx;
	hpet_view_read(&tick.view, (uint32_t)(gpa - tick.page), size, val);
	return 0;
}

static int guest_write(void *ctx, uint64_t gpa, unsigned size, uint64_t val)
{
	uint64_t refused = tick.view.refused_routes;

	(void)ctx;
	hpet_view_write(&tick.view, (uint32_t)(gpa - tick.page), size, val);
	if (tick.view.refused_routes != refused && refused < 4)
		printk("hpet: guest write at +%#llx refused: %s\n",
		       (unsigned long long)(gpa - tick.page),
		       tick.view.last_refusal);
	return 0;
}

const struct mmio_ops hpet_guest_ops = { guest_read, guest_write };

void hpet_tick_report(print_fn out)
{
	if (!tick.page)
		return;              /* the HPET is the guest's, untouched */
	if (!tick.ticking) {
		out("tick: none; the guest's HPET: %llu FSB routes refused\n",
		    (unsigned long long)tick.view.refused_routes);
		return;
	}
	out("tick: HPET timer %u, every %u us, %llu NMIs; guest: %llu "
	    "routes refused, %llu writes ignored, %llu bad accesses\n",
	    tick.timer, tick.period_us, (unsigned long long)tick.ticks,
	    (unsigned long long)tick.view.refused_routes,
	    (unsigned long long)tick.view.ignored_writes,
	    (unsigned long long)tick.view.bad_accesses);
}
