/*
 * guest/nmistorm.c - NMIs as a hostile guest sends them (guest argument
 * `nmistorm`, with `smp`), and an NMI handler that never returns
 * (`nmihold`).
 *
 * The storm: for STORM_MS every AP sends NMI IPIs as fast as its ICR
 * allows, every other one to CPU 0 and the rest to the other APs in
 * turn, in bursts alternately with interrupts on and off; CPU 0 spends
 * the first half with interrupts off, spinning, the second halting.
 * Hardware delivers an NMI that arrives while one is pending, or while
 * the handler of one runs and one is pending, as nothing (one pending
 * and one in service at most), so each CPU must have taken at least one
 * and at most as many as were sent to it. Then the ping: each AP sends
 * PING_ROUNDS NMIs to CPU 0 one at a time, each after the last was
 * taken, and CPU 0 to each AP: hardware delivers every one, so the
 * counts must match exactly. The hypervisor's debug console must answer
 * throughout (tests/qemu/test_nmi.py asks it).
 */
#include "guest/guest.h"

#define STORM_MS     3000
#define STORM_BURST  64
#define PING_ROUNDS  50
#define PING_WAIT_MS 5000             /* generous: a loaded host delays vCPUs */

static volatile uint64_t storm_end;
static volatile uint64_t sent_to[GUEST_MAX_CPUS];
static volatile uint32_t storm_left;
static volatile uint32_t ping_turn;      /* the AP that pings CPU 0 now */
static volatile uint32_t ping_ok[GUEST_MAX_CPUS];
static volatile bool nmi_hold;

static bool spin_until(const volatile uint64_t *p, uint64_t target, uint64_t ms)
{
	uint64_t end = rdtsc() + ms * (tsc_per_ms ? tsc_per_ms : 1000000);

	while (*p < target)
		if (rdtsc() > end)
			return false;
		else
			__asm__ __volatile__("pause");
	return true;
}

static void send_nmi(uint32_t to)
{
	lapic_send(cpus[to].apic_id, ICR_NMI | ICR_ASSERT);
	__atomic_add_fetch(&sent_to[to], 1, __ATOMIC_RELAXED);
}

/* On AP @i of @n, from its mailbox (interrupts off). */
void nmistorm_ap(uint32_t i, uint32_t n)
{
	uint32_t other = i;

	for (uint32_t burst = 0; rdtsc() < storm_end; burst++) {
		if (burst & 1)
			irq_disable();
		else
			irq_enable();
		for (uint32_t k = 0; k < STORM_BURST; k++) {
			if (k & 1 || n < 3) {
				send_nmi(0);
				continue;
			}
			do
				other = other + 1 < n ? other + 1 : 1;
			while (other == i);
			send_nmi(other);
		}
	}
	irq_disable();
	__atomic_sub_fetch(&storm_left, 1, __ATOMIC_RELEASE);
	/* Ping, one AP after the other, each NMI after CPU 0 took the last
	 * one; nothing else is sent to CPU 0 meanwhile. */
	while (__atomic_load_n(&ping_turn, __ATOMIC_ACQUIRE) != i)
		__asm__ __volatile__("pause");
	for (uint32_t r = 0; r < PING_ROUNDS; r++) {
		uint64_t before = cpus[0].nmis;

		lapic_send(cpus[0].apic_id, ICR_NMI | ICR_ASSERT);
		if (!spin_until(&cpus[0].nmis, before + 1, PING_WAIT_MS))
			break;
		ping_ok[i]++;
	}
	__atomic_store_n(&ping_turn, i + 1, __ATOMIC_RELEASE);
}

/* On CPU 0; @post(i) hands AP i its storm command. */
void nmistorm_run(uint32_t n, void (*post)(uint32_t i))
{
	uint64_t before[GUEST_MAX_CPUS];
	bool bounds = true, ping = true;

	if (n < 2 || !tsc_per_ms) {
		check_report("nmistorm", false, "needs APs and a calibrated TSC");
		return;
	}
	for (uint32_t i = 0; i < n; i++) {
		before[i] = cpus[i].nmis;
		sent_to[i] = 0;
		ping_ok[i] = 0;
	}
	storm_end = rdtsc() + STORM_MS * tsc_per_ms;
	storm_left = n - 1;
	ping_turn = 0;
	printk("nmistorm: start (%u ms, %u cpus)\n", STORM_MS, n);
	for (uint32_t i = 1; i < n; i++)
		post(i);
	/* First half with interrupts off, spinning; then halting. */
	irq_disable();
	while (rdtsc() < storm_end - STORM_MS / 2 * tsc_per_ms)
		__asm__ __volatile__("pause");
	irq_enable();
	while (__atomic_load_n(&storm_left, __ATOMIC_ACQUIRE))
		safe_halt();
	udelay(50000);                  /* NMIs still on their way land */
	for (uint32_t i = 0; i < n; i++) {
		uint64_t got = cpus[i].nmis - before[i], sent = sent_to[i];

		printk("nmistorm: cpu %u took %lu of the %lu NMIs sent to it\n",
		       i, got, sent);
		if (got > sent || (sent && !got))
			bounds = false;
	}
	/* The APs ping CPU 0 while it spins with interrupts off. */
	uint64_t mine = cpus[0].nmis;
	irq_disable();
	__atomic_store_n(&ping_turn, 1, __ATOMIC_RELEASE);
	uint64_t give_up = rdtsc() + 10000 * tsc_per_ms;
	while (__atomic_load_n(&ping_turn, __ATOMIC_ACQUIRE) != n &&
	       rdtsc() < give_up)
		__asm__ __volatile__("pause");
	irq_enable();
	if (cpus[0].nmis - mine != (uint64_t)(n - 1) * PING_ROUNDS) {
		printk("nmistorm: cpu 0 took %lu NMIs from %u pings\n",
		       cpus[0].nmis - mine, (n - 1) * PING_ROUNDS);
		ping = false;
	}
	check_report("nmistorm_bounds", bounds, "a CPU took more NMIs than "
		     "were sent to it, or none");
	/* CPU 0 pings every AP the same way. */
	for (uint32_t i = 1; i < n && ping; i++) {
		if (ping_ok[i] != PING_ROUNDS) {
			printk("nmistorm: cpu %u -> cpu 0: %u of %u\n", i,
			       ping_ok[i], PING_ROUNDS);
			ping = false;
		}
		for (uint32_t r = 0; r < PING_ROUNDS && ping; r++) {
			uint64_t b = cpus[i].nmis;

			lapic_send(cpus[i].apic_id, ICR_NMI | ICR_ASSERT);
			if (!spin_until(&cpus[i].nmis, b + 1, PING_WAIT_MS)) {
				printk("nmistorm: cpu 0 -> cpu %u: round %u lost\n",
				       i, r);
				ping = false;
			}
		}
	}
	check_report("nmistorm_ping", ping, "an NMI sent after the last one "
		     "was taken did not arrive");
}

/* The NMI handler's hook: true when this NMI must never return. */
bool nmihold_taken(void)
{
	return nmi_hold && this_cpu()->index == 0;
}

/* CPU 0 sends itself an NMI whose handler never executes IRET: it spins
 * with interrupts off, making no exits. Without vNMI a real CPU may keep
 * its own NMIs blocked from then on (docs/interrupts.md). */
_Noreturn void nmihold_run(void)
{
	nmi_hold = true;
	printk("nmihold: sending myself an NMI that never returns\n");
	lapic_send(cpus[0].apic_id, ICR_NMI | ICR_ASSERT);
	for (;;)
		safe_halt();
}

_Noreturn void nmihold_forever(void)
{
	printk("nmihold: in the NMI handler for good\n");
	for (;;)
		__asm__ __volatile__("cli; pause" ::: "memory");
}
