/*
 * guest/bench.c - the `bench` option: what exits cost as the guest sees
 * them, and how many an idle guest causes (issue 6, "Benchmark"; method
 * and results in docs/bench-svm.md, table by tools/bench-svm.py).
 *
 * Round trips: an RDTSC pair around one operation, N_SAMPLES times each,
 * with interrupts off (a PIT tick inside the window would be counted).
 * Under QEMU `-icount shift=0,sleep=off` the TSC advances by exactly one
 * per instruction the virtual CPU executes, the hypervisor's included, so
 * a delta is the instruction count of the whole round trip. The pair's own
 * cost (the same asm block with no operation, "baseline", its minimum) is
 * subtracted. Printed per operation:
 *   bench NAME min M median D max X        (sorted sample N_SAMPLES / 2)
 *
 * Idle: HC_EXIT_STATS before and after IDLE_TICKS ticks of the PIT at
 * 1 kHz (8259-driven, pass-through), spent in `sti; hlt`; the exits the
 * two hypercalls themselves add are measured back to back and subtracted.
 *   bench idle_exits_per_sec N             (per second of PIT time)
 *   bench exits_per_pit_tick I.FFF
 */
#include "guest/guest.h"

#define N_SAMPLES     1000
#define N_WARMUP      16            /* first-use paths, not recorded */
#define LAPIC_TPR     0x080         /* Intel SDM Vol. 3, table 10-1 */
#define BENCH_PIT_HZ  1000
#define IDLE_TICKS    1000          /* 1 s at 1 kHz */
#define TICK_TIMEOUT  (20ull * 1000 * 1000 * 1000)  /* TSC counts */
#define STATS_CAP     32

/*
 * TIMED(OP, INS, CLOBBERS): TSC delta across the instructions OP (asm
 * text), in one asm block so that the compiler puts nothing between the
 * two RDTSCs. LFENCE before the first RDTSC waits for earlier
 * instructions, LFENCE after it keeps OP from starting early, LFENCE
 * before the second waits for OP (AMD: LFENCE is dispatch-serializing).
 * The start value lives in ESI:EDI; OP may use any register but RAX, RDX,
 * RSI, RDI and those in CLOBBERS (parenthesised, leading comma).
 */
#define TIMED(op, ins, clobbers)                                           \
	({                                                                  \
		uint32_t lo0_, hi0_, lo1_, hi1_;                             \
		__asm__ __volatile__("lfence\n\trdtsc\n\tlfence\n\t"         \
				     "movl %%eax, %%esi\n\t"                 \
				     "movl %%edx, %%edi\n\t"                 \
				     op "\n\t"                               \
				     "lfence\n\trdtsc"                       \
				     : "=&a"(lo1_), "=&d"(hi1_),             \
				       "=&S"(lo0_), "=&D"(hi0_)              \
				     : GUEST_UNPAREN ins                     \
				     : "memory" GUEST_UNPAREN clobbers);     \
		(((uint64_t)hi1_ << 32) | lo1_) -                            \
			(((uint64_t)hi0_ << 32) | lo0_);                     \
	})

enum bench_op { OP_BASELINE, OP_CPUID, OP_VMMCALL, OP_APIC_WRITE };

static uint64_t samples[N_SAMPLES];
static volatile uint32_t *tpr_reg;

static uint64_t time_once(enum bench_op op)
{
	switch (op) {
	case OP_BASELINE:
		return TIMED("", (), ());
	case OP_CPUID:                  /* leaf 0, subleaf 0 */
		return TIMED("xorl %%eax, %%eax\n\txorl %%ecx, %%ecx\n\tcpuid",
			     (), (, "rbx", "rcx"));
	case OP_VMMCALL:                /* HC_VERSION (0); RAX is the result */
		return TIMED("xorl %%eax, %%eax\n\tvmmcall", (), ());
	case OP_APIC_WRITE: {           /* TPR <- its own value: still traps */
		uint32_t v = *tpr_reg;
		return TIMED("movl %[v], (%[p])",
			     ([v] "r"(v), [p] "r"(tpr_reg)), ());
	}
	}
	return 0;
}

static void sort_u64(uint64_t *a, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		uint64_t x = a[i];
		size_t j = i;
		for (; j > 0 && a[j - 1] > x; j--)
			a[j] = a[j - 1];
		a[j] = x;
	}
}

/* Take N_SAMPLES deltas of OP with interrupts off and sort them. */
static void sample(enum bench_op op)
{
	irq_disable();
	for (int i = 0; i < N_WARMUP; i++)
		(void)time_once(op);
	for (int i = 0; i < N_SAMPLES; i++)
		samples[i] = time_once(op);
	irq_enable();
	sort_u64(samples, N_SAMPLES);
}

static void report(const char *name, enum bench_op op, uint64_t base)
{
	sample(op);
	for (int i = 0; i < N_SAMPLES; i++)
		samples[i] = samples[i] > base ? samples[i] - base : 0;
	printk("bench %s min %lu median %lu max %lu\n", name, samples[0],
	       samples[N_SAMPLES / 2], samples[N_SAMPLES - 1]);
}

/* ---- idle exits ----------------------------------------------------------- */

struct stats_snap {
	struct hc_exit_stats h;
	struct hc_exit_stat e[STATS_CAP];
};
_Static_assert(sizeof(struct stats_snap) % 8 == 0, "HC_EXIT_STATS size");
static struct stats_snap snap[4] __aligned(8);

static bool take_stats(struct stats_snap *s)
{
	return hypercall(HC_EXIT_STATS, (uintptr_t)s, sizeof(*s)) == 0 &&
	       s->h.version == HC_ABI_VERSION && s->h.nr_written <= STATS_CAP;
}

static uint64_t count_of(const struct stats_snap *s, uint64_t code)
{
	for (uint32_t i = 0; i < s->h.nr_written; i++)
		if (s->e[i].code == code)
			return s->e[i].count;
	return 0;
}

/* Wait for the next PIT tick in HLT; false after TICK_TIMEOUT. */
static bool next_tick(void)
{
	uint64_t t = pit_ticks, start = rdtsc();
	while (pit_ticks == t) {
		if (rdtsc() - start > TICK_TIMEOUT)
			return false;
		safe_halt();
	}
	return true;
}

static void bench_idle(void)
{
	struct stats_snap *a = &snap[0], *b = &snap[1], *c = &snap[2],
			  *d = &snap[3];

	pit_start(BENCH_PIT_HZ);        /* PIC and LINT0 set up by pit_ticks */
	irq_enable();
	if (tsc_per_ms == 0 || !next_tick()) {
		printk("bench idle skipped: the PIT does not tick\n");
		return;
	}
	/* a, b back to back: what the two hypercalls add by themselves. */
	if (!take_stats(a) || !take_stats(b)) {
		printk("bench idle skipped: HC_EXIT_STATS failed\n");
		return;
	}
	uint64_t overhead = b->h.total_exits - a->h.total_exits;
	if (!next_tick())
		return;
	uint64_t tick0 = pit_ticks, tsc0 = rdtsc();
	if (!take_stats(c))
		return;
	while (pit_ticks < tick0 + IDLE_TICKS) {
		if (!next_tick())
			break;
	}
	if (!take_stats(d))
		return;
	uint64_t ticks = pit_ticks - tick0, tsc = rdtsc() - tsc0;
	uint64_t total = d->h.total_exits - c->h.total_exits;
	uint64_t exits = total > overhead ? total - overhead : 0;
	uint64_t ms = tsc / tsc_per_ms;     /* for comparison only */

	printk("bench idle period %lu ms (TSC), %lu PIT ticks, %lu exits "
	       "(%lu of them the two HC_EXIT_STATS calls)\n", ms, ticks,
	       exits, total - exits);
	for (uint32_t i = 0; i < d->h.nr_written; i++) {
		uint64_t code = d->e[i].code;
		uint64_t n = d->e[i].count - count_of(c, code);
		uint64_t own = count_of(b, code) - count_of(a, code);
		if (n > own)
			printk("bench idle exit %#lx: %lu\n", code, n - own);
	}
	/* The PIT is the clock: TSC ticks calibrated against it early in
	 * boot are off by tens of percent without icount (TCG is slowest
	 * then and the PIT coalesces ticks), while idle ticks arrive. */
	printk("bench idle_exits_per_sec %lu\n",
	       ticks ? exits * BENCH_PIT_HZ / ticks : 0);
	uint64_t milli = ticks ? (exits * 1000 + ticks / 2) / ticks : 0;
	printk("bench exits_per_pit_tick %lu.%03lu\n", milli / 1000,
	       milli % 1000);
}

void bench_run(void)
{
	uint64_t apic = rdmsr(MSR_APIC_BASE) & GENMASK(31, 12);
	tpr_reg = (volatile uint32_t *)(uintptr_t)(apic + LAPIC_TPR);
	bool hv = hv_present();

	printk("bench: %d samples per operation after %d warm-up, interrupts "
	       "off; deltas minus the baseline minimum\n", N_SAMPLES, N_WARMUP);
	sample(OP_BASELINE);
	uint64_t base = samples[0];
	printk("bench baseline min %lu median %lu max %lu\n", samples[0],
	       samples[N_SAMPLES / 2], samples[N_SAMPLES - 1]);
	report("cpuid", OP_CPUID, base);
	if (hv) {
		report("vmmcall", OP_VMMCALL, base);
	} else {
		printk("bench vmmcall skipped: no hypervisor\n");
	}
	report("apic_write", OP_APIC_WRITE, base);
	if (hv)
		bench_idle();
	else
		printk("bench idle skipped: no hypervisor\n");
	printk("bench done\n");
}
