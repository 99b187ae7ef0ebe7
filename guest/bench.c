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
 *
 * SMP (`smp bench`, issue 7; driven by guest/smp.c): the boot CPU reads
 * the TSC right before the first STARTUP IPI's ICR write, the AP's
 * trampoline reads it as its first instruction (one host clock for all
 * vCPUs under TCG); then every CPU takes its own idle window (each vCPU
 * can read only its own counters) while the boot CPU idles 1000 PIT ticks:
 *   bench smp cpu I: window U us, L LAPIC ticks, P PIT ticks, E exits, N NPF
 *   bench smp sipi cpu I: T TSC counts, NS ns
 */
#include "guest/guest.h"

#define N_SAMPLES     1000
#define N_WARMUP      16            /* first-use paths, not recorded */
#define LAPIC_TPR     0x080         /* Intel SDM Vol. 3, table 10-1 */
#define BENCH_PIT_HZ  1000
#define IDLE_TICKS    1000          /* 1 s at 1 kHz */
#define TICK_TIMEOUT  (20ull * 1000 * 1000 * 1000)  /* TSC counts */
#define STATS_CAP     32
#define SVM_EXIT_NPF  0x400         /* APM Vol. 2, appendix C: APIC writes */

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

enum bench_op { OP_BASELINE, OP_CPUID, OP_VMMCALL, OP_APIC_WRITE, OP_CFG_READ };

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
	case OP_CFG_READ:               /* Linux's read_pci_config(0, 0, 0, 0) */
		return TIMED("movl $0x80000000, %%eax\n\tmovl $0xcf8, %%edx\n\t"
			     "outl %%eax, %%dx\n\tmovl $0xcfc, %%edx\n\t"
			     "inl %%dx, %%eax", (), ());
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

/* ---- idle windows ----------------------------------------------------------- */

struct stats_snap {
	struct hc_exit_stats h;
	struct hc_exit_stat e[STATS_CAP];
};
_Static_assert(sizeof(struct stats_snap) % 8 == 0, "HC_EXIT_STATS size");

/*
 * One CPU's idle window, filled by that CPU (HC_EXIT_STATS reads the
 * caller's counters only): a, b back to back (what one call adds by
 * itself), c at the start, d at the end; the tick counts and the TSC at
 * c and d. Written by its CPU, read by the boot CPU after the CPU said it
 * is done (ap_cmd in guest/smp.c, release/acquire).
 */
struct idle_win {
	struct stats_snap a, b, c, d;
	uint64_t tsc0, tsc1, lapic0, lapic1, pit0, pit1;
	uint32_t phase;                 /* 0 none, 1 begun, 2 ended */
	bool ok;
};
static struct idle_win wins[GUEST_MAX_CPUS] __aligned(8);

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

void bench_win_snap(void)
{
	struct cpu *c = this_cpu();
	struct idle_win *w = &wins[c->index];

	if (w->phase == 0) {
		w->ok = take_stats(&w->a) && take_stats(&w->b) &&
			take_stats(&w->c);
		w->tsc0 = rdtsc();
		w->lapic0 = c->lapic_ticks;
		w->pit0 = pit_ticks;
		w->phase = 1;
	} else if (w->phase == 1) {
		w->ok = take_stats(&w->d) && w->ok;
		w->tsc1 = rdtsc();
		w->lapic1 = c->lapic_ticks;
		w->pit1 = pit_ticks;
		w->phase = 2;
	}
}

/* Exits of CODE in W's window (all codes for ~0), minus what one
 * HC_EXIT_STATS call adds by itself. */
static uint64_t win_exits(const struct idle_win *w, uint64_t code)
{
	uint64_t n, own;

	if (code == ~0ull) {
		n = w->d.h.total_exits - w->c.h.total_exits;
		own = w->b.h.total_exits - w->a.h.total_exits;
	} else {
		n = count_of(&w->d, code) - count_of(&w->c, code);
		own = count_of(&w->b, code) - count_of(&w->a, code);
	}
	return n > own ? n - own : 0;
}

/* "bench WHAT exit CODE: N" ("bench WHAT CPU exit ..." when CPU >= 0)
 * for every code W's window saw. */
static void win_print_codes(const struct idle_win *w, const char *what,
			    int cpu)
{
	char name[32];

	if (cpu >= 0)
		ksnprintf(name, sizeof(name), "%s %d", what, cpu);
	else
		ksnprintf(name, sizeof(name), "%s", what);
	for (uint32_t i = 0; i < w->d.h.nr_written; i++) {
		uint64_t n = win_exits(w, w->d.e[i].code);
		if (n)
			printk("bench %s exit %#lx: %lu\n", name,
			       w->d.e[i].code, n);
	}
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

/* Start the PIT at BENCH_PIT_HZ, idle IDLE_TICKS of its ticks in this
 * CPU's window; false (and a "skipped" line) when the PIT or the
 * hypercall failed. AROUND, when given, runs right before the window
 * starts and right after it ends (the other CPUs' snapshots). */
static bool idle_window(struct idle_win *w, void (*around)(void))
{
	pit_start(BENCH_PIT_HZ);        /* PIC and LINT0 set up by pit_ticks */
	irq_enable();
	if (tsc_per_ms == 0 || !next_tick()) {
		printk("bench idle skipped: the PIT does not tick\n");
		return false;
	}
	if (around)
		around();
	w->phase = 0;
	bench_win_snap();
	while (w->ok && pit_ticks < w->pit0 + IDLE_TICKS) {
		if (!next_tick())
			break;
	}
	bench_win_snap();
	if (around)
		around();
	if (!w->ok)
		printk("bench idle skipped: HC_EXIT_STATS failed\n");
	return w->ok;
}

static void bench_idle(void)
{
	struct idle_win *w = &wins[0];

	if (!idle_window(w, NULL))
		return;
	uint64_t ticks = w->pit1 - w->pit0;
	uint64_t exits = win_exits(w, ~0ull);
	uint64_t total = w->d.h.total_exits - w->c.h.total_exits;

	printk("bench idle period %lu ms (TSC), %lu PIT ticks, %lu exits "
	       "(%lu of them the two HC_EXIT_STATS calls)\n",
	       (w->tsc1 - w->tsc0) / tsc_per_ms, ticks, exits, total - exits);
	win_print_codes(w, "idle", -1);
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
	report("cfg_read", OP_CFG_READ, base);
	if (hv)
		bench_idle();
	else
		printk("bench idle skipped: no hypervisor\n");
	printk("bench done\n");
}

/* ---- SMP: SIPI latency, the idle multi-CPU guest (issue 7) ---------------- */

#define LAPIC_ICR_LO  0x300         /* Intel SDM Vol. 3, table 10-1 */
#define SIPI_SAMPLES  64

static struct { uint32_t cpu; uint64_t tsc; } sipi[SIPI_SAMPLES];
static uint32_t nr_sipi, sipi_early, sipi_lost;

uint64_t bench_sipi_write(uint32_t low)
{
	uintptr_t apic = (uintptr_t)(rdmsr(MSR_APIC_BASE) & GENMASK(31, 12));
	volatile uint32_t *icr = (volatile uint32_t *)(apic + LAPIC_ICR_LO);
	uint32_t lo, hi;

	__asm__ __volatile__("lfence\n\trdtsc\n\tmovl %[v], (%[p])"
			     : "=&a"(lo), "=&d"(hi)
			     : [v] "r"(low), [p] "r"(icr) : "memory");
	return ((uint64_t)hi << 32) | lo;
}

void bench_sipi_sample(uint32_t cpu, uint64_t sent, uint64_t first_insn)
{
	if (first_insn != 0 && first_insn <= sent) {
		sipi_early++;           /* started by something else: not timed */
		return;
	}
	if (first_insn == 0 || nr_sipi == SIPI_SAMPLES) {
		sipi_lost++;            /* no TSC from the trampoline, or full */
		return;
	}
	sipi[nr_sipi].cpu = cpu;
	sipi[nr_sipi].tsc = first_insn - sent;
	nr_sipi++;
}

void bench_smp(uint32_t nr_cpus, void (*snap_aps)(void))
{
	struct idle_win *w0 = &wins[0];

	printk("bench smp: %u cpus, LAPIC timers periodic, PIT at %d Hz on "
	       "cpu 0, %d PIT ticks idle\n", nr_cpus, BENCH_PIT_HZ, IDLE_TICKS);
	if (!hv_present()) {
		printk("bench smp skipped: no hypervisor\n");
		return;
	}
	for (uint32_t i = 0; i < nr_cpus; i++)
		wins[i].phase = 0;
	if (!idle_window(w0, snap_aps))
		return;
	/* The TSC rate over the idle window: the PIT is the clock (see
	 * bench_idle); the boot-time calibration is rough without icount. */
	uint64_t ms = (w0->pit1 - w0->pit0) * 1000 / BENCH_PIT_HZ;
	uint64_t rate = ms ? (w0->tsc1 - w0->tsc0) / ms : 0;
	if (rate == 0)
		return;
	printk("bench smp tsc_per_ms %lu (over %lu ms of PIT time; boot "
	       "calibration said %lu)\n", rate, ms, tsc_per_ms);
	for (uint32_t i = 0; i < nr_cpus; i++) {
		const struct idle_win *w = &wins[i];
		if (w->phase != 2 || !w->ok) {
			printk("bench smp cpu %u: no idle window\n", i);
			continue;
		}
		printk("bench smp cpu %u: window %lu us, %lu LAPIC ticks, %lu "
		       "PIT ticks, %lu exits, %lu NPF\n", i,
		       (w->tsc1 - w->tsc0) * 1000 / rate, w->lapic1 - w->lapic0,
		       w->pit1 - w->pit0, win_exits(w, ~0ull),
		       win_exits(w, SVM_EXIT_NPF));
		win_print_codes(w, "smp cpu", (int)i);
	}
	for (uint32_t s = 0; s < nr_sipi; s++)
		printk("bench smp sipi cpu %u: %lu TSC counts, %lu ns\n",
		       sipi[s].cpu, sipi[s].tsc, sipi[s].tsc * 1000000 / rate);
	printk("bench smp done: %u SIPI samples; %u APs started before the "
	       "SIPI, %u without a trampoline TSC\n", nr_sipi, sipi_early,
	       sipi_lost);
}
