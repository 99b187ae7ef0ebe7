/*
 * guest/smp.c - the guest starts its other CPUs as it would on bare metal
 * (MADT, INIT-SIPI-SIPI through the xAPIC ICR: Intel SDM Vol. 3, 8.4.4.1
 * and 10.6; APM Vol. 2, 16.5), then checks on every CPU: the CPU checks,
 * a periodic LAPIC timer, fixed IPIs and NMI IPIs both ways, and one AP
 * offlined with INIT and brought back with a second INIT-SIPI-SIPI.
 *
 * APs start one at a time (they share ap_boot_stack). An AP idles in
 * "cli; check mailbox; sti; hlt": the STI shadow closes the race between
 * the check and HLT. The boot CPU waits with HLT too (its PIT ticks at
 * 1 kHz), never in a tight spin: spinning vCPUs starve the others under
 * TCG.
 */
#include "guest/guest.h"

#define MAPPED_LIMIT    (4 * GiB)
#define AP_TIMER_HZ     100
#define CMD_NONE        0
#define CMD_IPI_BSP     1
#define CMD_NMI_BSP     2
#define CMD_BENCH_SNAP  3               /* bench_win_snap() on the AP */
#define CMD_NMI_STORM   4               /* nmistorm_ap() on the AP */
#define BENCH_SIPI_ROUNDS 3             /* extra INIT-SIPI rounds per AP */

extern char tramp_start[], tramp_end[], tramp_tsc[];
extern volatile uint64_t ap_boot_stack;         /* guest/entry.S */
static volatile uint32_t ap_boot_index;
static volatile uint32_t ap_cmd[GUEST_MAX_CPUS];
static uint8_t ap_stacks[GUEST_MAX_CPUS][GUEST_STACK_SIZE] __aligned(16);
static uint32_t nr_cpus;
bool smp_bench;
bool smp_nmistorm;

/* Wait up to MS milliseconds for *P >= TARGET, halting in between. */
static bool wait_for(const volatile uint64_t *p, uint64_t target, uint64_t ms)
{
	uint64_t end = rdtsc() + ms * (tsc_per_ms ? tsc_per_ms : 1000000);
	while (*p < target) {
		if (rdtsc() > end)
			return false;
		safe_halt();
	}
	return true;
}

static void delay_ms_halting(uint64_t ms)
{
	uint64_t end = rdtsc() + ms * (tsc_per_ms ? tsc_per_ms : 1000000);
	while (rdtsc() < end)
		safe_halt();
}

void ap_main(void)
{
	uint32_t i = ap_boot_index;
	struct cpu *c = &cpus[i];

	cpu_setup(c, i);                        /* GS base */
	idt_load();
	lapic_init(false);
	if (lapic_id() != c->apic_id)
		check_report("apic_id", false, "LAPIC ID %u, MADT said %u",
			     lapic_id(), c->apic_id);
	checks_cpu();                           /* CPUID, EFER, VMMCALL, VMRUN */
	lapic_timer_start(AP_TIMER_HZ);
	__atomic_add_fetch(&c->online, 1, __ATOMIC_RELEASE);
	for (;;) {
		irq_disable();
		uint32_t cmd = ap_cmd[i];
		if (cmd == CMD_IPI_BSP)
			lapic_send(cpus[0].apic_id, ICR_FIXED | ICR_ASSERT | VEC_IPI);
		else if (cmd == CMD_NMI_BSP)
			lapic_send(cpus[0].apic_id, ICR_NMI | ICR_ASSERT);
		else if (cmd == CMD_BENCH_SNAP)
			bench_win_snap();
		else if (cmd == CMD_NMI_STORM)
			nmistorm_ap(i, nr_cpus);
		/* Clear only the command handled: the BSP may already have
		 * posted the next one (it waits for our IPI, not for this). */
		if (cmd != CMD_NONE)
			__atomic_compare_exchange_n(&ap_cmd[i], &cmd, CMD_NONE, false,
						    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
		else
			safe_halt();
	}
}

/* Wait up to MS milliseconds for cpu I to report in once more than ONLINE
 * (halting); true when it did. */
static bool wait_for_online(uint32_t i, uint32_t online, uint64_t ms)
{
	uint64_t end = rdtsc() + ms * tsc_per_ms;
	while (cpus[i].online == online && rdtsc() < end)
		safe_halt();
	return cpus[i].online != online;
}

/* INIT-SIPI-SIPI (Intel SDM Vol. 3, 8.4.4.1); true when the AP reports in.
 * The first SIPI is timed: the TSC right before its ICR write against the
 * TSC the trampoline reads first (guest/trampoline.S), for the bench.
 * NR_SIPIS: 2 as the SDM's sequence, 1 in the bench's extra rounds. */
static bool start_ap(uint32_t i, int nr_sipis)
{
	struct cpu *c = &cpus[i];
	uint64_t online = c->online;
	uint32_t id = c->apic_id;
	uint32_t vector = TRAMP_BASE >> 12;
	volatile uint64_t *first_insn = (volatile uint64_t *)(uintptr_t)
		(TRAMP_BASE + (uintptr_t)(tramp_tsc - tramp_start));

	ap_boot_stack = (uintptr_t)&ap_stacks[i][GUEST_STACK_SIZE];
	ap_boot_index = i;
	*first_insn = 0;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!lapic_send(id, ICR_INIT | ICR_ASSERT | ICR_LEVEL))
		return false;
	udelay(10000);
	lapic_send(id, ICR_INIT | ICR_LEVEL);   /* de-assert; ICR high = id */
	uint64_t sent = bench_sipi_write(ICR_STARTUP | ICR_ASSERT | vector);
	udelay(200);
	if (nr_sipis > 1) {
		lapic_send(id, ICR_STARTUP | ICR_ASSERT | vector);
		udelay(200);
	}
	if (!wait_for_online(i, online, 5000))
		return false;
	bench_sipi_sample(i, sent, *first_insn);
	return true;
}

/* INIT (assert, then the legacy de-assert) to cpu K: it waits for SIPI. */
static void offline_ap(uint32_t k)
{
	lapic_send(cpus[k].apic_id, ICR_INIT | ICR_ASSERT | ICR_LEVEL);
	udelay(10000);
	lapic_send(cpus[k].apic_id, ICR_INIT | ICR_LEVEL);
}

static bool trampoline_page_usable(const struct guest_boot *b)
{
	for (size_t i = 0; i < b->nr_ranges; i++) {
		const struct guest_range *r = &b->ranges[i];
		if (r->type == 1 && r->base <= TRAMP_BASE &&
		    TRAMP_BASE + 4096 <= r->base + r->len)
			return true;
	}
	return false;
}

static void test_ipis(void)
{
	bool ok = true;
	for (uint32_t i = 1; i < nr_cpus && ok; i++) {
		struct cpu *c = &cpus[i];
		uint64_t ipis = c->ipis, nmis = c->nmis;
		lapic_send(c->apic_id, ICR_FIXED | ICR_ASSERT | VEC_IPI);
		lapic_send(c->apic_id, ICR_NMI | ICR_ASSERT);
		ok = wait_for(&c->ipis, ipis + 1, 1000) &&
		     wait_for(&c->nmis, nmis + 1, 1000);
		if (!ok)
			check_report("ipi_nmi", false, "cpu %u: %lu IPIs, %lu NMIs",
				     i, c->ipis - ipis, c->nmis - nmis);
		for (uint32_t cmd = CMD_IPI_BSP; ok && cmd <= CMD_NMI_BSP; cmd++) {
			uint64_t mine = cmd == CMD_IPI_BSP ? cpus[0].ipis : cpus[0].nmis;
			ap_cmd[i] = cmd;
			lapic_send(c->apic_id, ICR_FIXED | ICR_ASSERT | VEC_IPI);
			ok = wait_for(cmd == CMD_IPI_BSP ? &cpus[0].ipis :
				      &cpus[0].nmis, mine + 1, 1000);
			if (!ok)
				check_report("ipi_nmi", false, "cpu %u: no %s to cpu 0",
					     i, cmd == CMD_IPI_BSP ? "IPI" : "NMI");
		}
	}
	if (ok)
		check_report("ipi_nmi", true, " ");
}

/* At least 5 ticks per CPU in a window of 300 ms (30 ticks at 100 Hz),
 * 8 ms longer per CPU: under TCG, hundreds of vCPUs share two host
 * cores and each gets a slice of the window only. */
static void test_timers(void)
{
	uint64_t before[GUEST_MAX_CPUS], ms = 300 + 8 * (uint64_t)nr_cpus;
	for (uint32_t i = 0; i < nr_cpus; i++)
		before[i] = cpus[i].lapic_ticks;
	delay_ms_halting(ms);
	for (uint32_t i = 0; i < nr_cpus; i++) {
		uint64_t got = cpus[i].lapic_ticks - before[i];
		if (got < 5) {
			check_report("lapic_timer", false, "cpu %u: %lu ticks in "
				     "%lu ms", i, got, ms);
			return;
		}
	}
	check_report("lapic_timer", true, " ");
}

/* Offline the last AP with INIT, see its timer stop, bring it back. */
static void test_reonline(void)
{
	uint32_t k = nr_cpus - 1;
	struct cpu *c = &cpus[k];

	offline_ap(k);
	delay_ms_halting(20);
	uint64_t t = c->lapic_ticks;
	delay_ms_halting(100);
	if (c->lapic_ticks != t) {
		check_report("reonline", false, "cpu %u still ticks after INIT", k);
		return;
	}
	printk("cpu %u offline (INIT), starting it again\n", k);
	if (!start_ap(k, 2)) {
		check_report("reonline", false, "cpu %u did not come back", k);
		return;
	}
	t = c->lapic_ticks;
	check_report("reonline", wait_for(&c->lapic_ticks, t + 5, 1000),
		     "cpu %u: no timer ticks after re-online", k);
}

static void post_storm(uint32_t i)
{
	__atomic_store_n(&ap_cmd[i], CMD_NMI_STORM, __ATOMIC_RELEASE);
	lapic_send(cpus[i].apic_id, ICR_FIXED | ICR_ASSERT | VEC_IPI);
}

/* Every AP calls bench_win_snap() (at its next LAPIC tick, when it looks
 * at its mailbox); returns when all did or after a second each. */
static void bench_snap_aps(void)
{
	for (uint32_t i = 1; i < nr_cpus; i++)
		__atomic_store_n(&ap_cmd[i], CMD_BENCH_SNAP, __ATOMIC_RELEASE);
	for (uint32_t i = 1; i < nr_cpus; i++) {
		uint64_t end = rdtsc() + 1000 * tsc_per_ms;
		while (__atomic_load_n(&ap_cmd[i], __ATOMIC_ACQUIRE) != CMD_NONE &&
		       rdtsc() < end)
			safe_halt();
	}
}

/* The `bench` step (docs/bench-svm.md): BENCH_SIPI_ROUNDS more INIT-SIPI
 * rounds on every AP (SIPI latency samples), then the idle window.
 * A round sends one SIPI, after two INITs and a pause: today's hypervisor
 * keeps a SIPI that arrived while the vCPU ran (the ignored second one)
 * and starts the vCPU with it at the first kick after its next INIT, i.e.
 * before our SIPI. The pause lets such a start finish (the AP reports
 * in), so the INIT of start_ap finds the AP idle, not inside printk. */
static void bench_step(void)
{
	uint32_t early = 0;

	for (int r = 0; r < BENCH_SIPI_ROUNDS; r++) {
		for (uint32_t k = 1; k < nr_cpus; k++) {
			uint32_t online = cpus[k].online;

			ap_boot_stack = (uintptr_t)&ap_stacks[k][GUEST_STACK_SIZE];
			ap_boot_index = k;
			offline_ap(k);
			offline_ap(k);
			if (wait_for_online(k, online, 100))
				early++;
			if (!start_ap(k, 1)) {
				check_report("bench_restart", false, "cpu %u did "
					     "not come back", k);
				return;
			}
		}
	}
	printk("bench smp: %u of the APs' restarts began before their SIPI "
	       "(a SIPI kept from an earlier round)\n", early);
	bench_smp(nr_cpus, bench_snap_aps);
}

int smp_run(const struct guest_boot *b)
{
	struct guest_madt madt;
	uint32_t failed_before = cpus[0].checks_failed;
	const char *why = acpi_read_madt(b->rsdp, b->rsdp_len, MAPPED_LIMIT, &madt);

	check_report("madt", why == NULL, "%s", why);
	if (why)
		return (int)cpus[0].checks_failed;
	check_report("trampoline", trampoline_page_usable(b) &&
		     (uintptr_t)_start_image >= TRAMP_BASE + 4096,
		     "page %#x not usable RAM", TRAMP_BASE);
	if (cpus[0].checks_failed != failed_before)
		return (int)cpus[0].checks_failed;
	memcpy((void *)(uintptr_t)TRAMP_BASE, tramp_start,
	       (size_t)(tramp_end - tramp_start));
	cpus[0].apic_id = lapic_id();
	printk("%zu cpus in the MADT%s\n", madt.nr_cpus,
	       madt.truncated ? " (more ignored)" : "");
	lapic_timer_calibrate();
	lapic_timer_start(AP_TIMER_HZ);

	nr_cpus = 1;
	for (size_t m = 0; m < madt.nr_cpus; m++) {
		if (madt.apic_ids[m] == cpus[0].apic_id)
			continue;
		uint32_t i = nr_cpus;
		cpus[i].apic_id = madt.apic_ids[m];
		bool up = start_ap(i, 2);
		check_report("ap_start", up, "cpu %u (APIC ID %u) did not start",
			     i, cpus[i].apic_id);
		if (!up)
			break;
		printk("cpu %u (APIC ID %u) online\n", i, cpus[i].apic_id);
		nr_cpus++;
	}
	test_timers();
	if (nr_cpus > 1) {
		test_ipis();
		test_reonline();
	}
	if (smp_nmistorm)
		nmistorm_run(nr_cpus, post_storm);
	if (smp_bench)
		bench_step();
	uint32_t failed = cpus[0].checks_failed;  /* boot checks included */
	for (uint32_t i = 0; i < nr_cpus; i++) {
		const struct cpu *c = &cpus[i];
		printk("cpu %u: APIC ID %u, started %u times, %lu timer ticks, "
		       "%lu IPIs, %lu NMIs, %u failed checks\n", i, c->apic_id,
		       i ? c->online : 1, c->lapic_ticks, c->ipis, c->nmis,
		       c->checks_failed);
		if (i)
			failed += c->checks_failed;
	}
	if (failed == 0)
		printk("all %u cpus ok\n", nr_cpus);
	else
		printk("smp FAILED %u checks on %u cpus\n", failed, nr_cpus);
	return (int)failed;
}
