/* Host tests for smp/handshake.c, with two threads racing the decisions
 * two CPUs race for in the hypervisor:
 *  - the late-AP handshake: an AP that answers as the boot CPU gives up
 *    is either accepted (and the boot CPU keeps it) or refused (and it
 *    halts before taking any lock); never both, never neither;
 *  - smp_call_all's withdrawal: a call that timed out is either taken
 *    (and runs once) or withdrawn (and never runs);
 *  - the kick flag's order: a request written before nmi_kick_mark is
 *    seen by a loop that clears kick_pending (smp_kick_take) before it
 *    reads the request fields, or the flag is still set: no request is
 *    lost, round after round. */
#include "test.h"

#include <pthread.h>
#include <time.h>

#include "smp/smp.h"

#define ROUNDS 20000

static struct percpu cpu;
static volatile uint32_t go, round_no;

/* Both threads start each round together (a spin barrier per round). */
static void wait_round(uint32_t r)
{
	while (__atomic_load_n(&go, __ATOMIC_ACQUIRE) != r)
		__asm__ __volatile__("pause");
}

/* ---- late-AP handshake ------------------------------------------------- */
static volatile uint32_t ap_won, ap_lock_taken;

static void *ap_thread(void *arg)
{
	(void)arg;
	for (uint32_t r = 1; r <= ROUNDS; r++) {
		wait_round(r);
		if (smp_ap_accept(&cpu)) {
			ap_won++;
			ap_lock_taken++;   /* ap_entry's printk: only when accepted */
		}
		__atomic_store_n(&round_no, r, __ATOMIC_RELEASE);
	}
	return NULL;
}

TEST(smprace_late_ap_is_accepted_or_refused_never_both)
{
	pthread_t t;
	uint32_t bsp_gave_up = 0;

	/* One at a time first: give-up before the AP answers. */
	cpu.state = CPU_STARTING;
	CHECK(smp_ap_give_up(&cpu));
	CHECK(!smp_ap_accept(&cpu));        /* halts, takes no lock */
	CHECK_EQ(cpu.state, CPU_ABSENT);
	cpu.state = CPU_STARTING;
	CHECK(smp_ap_accept(&cpu));
	CHECK(!smp_ap_give_up(&cpu));       /* kept: the boot CPU counts it */
	CHECK_EQ(cpu.state, CPU_ONLINE);

	ap_won = ap_lock_taken = 0;
	go = round_no = 0;
	CHECK(pthread_create(&t, NULL, ap_thread, NULL) == 0);
	for (uint32_t r = 1; r <= ROUNDS; r++) {
		bool gave_up;

		cpu.state = CPU_STARTING;
		__atomic_store_n(&go, r, __ATOMIC_RELEASE);
		gave_up = smp_ap_give_up(&cpu);
		while (__atomic_load_n(&round_no, __ATOMIC_ACQUIRE) != r)
			__asm__ __volatile__("pause");
		bsp_gave_up += gave_up;
		/* Exactly one side won this round. */
		CHECK_EQ(bsp_gave_up + ap_won, r);
		CHECK_EQ(cpu.state, gave_up ? CPU_ABSENT : CPU_ONLINE);
	}
	pthread_join(t, NULL);
	CHECK_EQ(ap_lock_taken, ap_won);
	printf("    late AP: accepted %u, refused %u of %u rounds\n",
	       ap_won, bsp_gave_up, ROUNDS);
}

/* ---- smp_call_all's withdrawal ----------------------------------------- */
static volatile uint32_t ran, taken;
static void the_call(void *arg) { (void)arg; ran++; }

static void *target_thread(void *arg)
{
	(void)arg;
	for (uint32_t r = 1; r <= ROUNDS; r++) {
		smp_fn fn;

		wait_round(r);
		fn = smp_call_take(&cpu);
		if (fn) {
			taken++;
			fn(cpu.call_arg);
		}
		__atomic_store_n(&round_no, r, __ATOMIC_RELEASE);
	}
	return NULL;
}

TEST(smprace_timed_out_call_is_taken_or_withdrawn_never_both)
{
	pthread_t t;
	uint32_t withdrawn = 0;

	cpu.call_fn = the_call;
	CHECK(smp_call_withdraw(&cpu, the_call));
	CHECK(smp_call_take(&cpu) == NULL);   /* a late CPU runs nothing */
	cpu.call_fn = the_call;
	CHECK(smp_call_take(&cpu) == the_call);
	CHECK(!smp_call_withdraw(&cpu, the_call));  /* running: wait for it */

	ran = taken = 0;
	go = round_no = 0;
	CHECK(pthread_create(&t, NULL, target_thread, NULL) == 0);
	for (uint32_t r = 1; r <= ROUNDS; r++) {
		bool w;

		__atomic_store_n(&cpu.call_fn, the_call, __ATOMIC_SEQ_CST);
		__atomic_store_n(&go, r, __ATOMIC_RELEASE);
		w = smp_call_withdraw(&cpu, the_call);
		while (__atomic_load_n(&round_no, __ATOMIC_ACQUIRE) != r)
			__asm__ __volatile__("pause");
		withdrawn += w;
		CHECK_EQ(withdrawn + taken, r);
		CHECK_EQ(ran, taken);
		CHECK(cpu.call_fn == NULL);
	}
	pthread_join(t, NULL);
	printf("    timed-out call: taken %u, withdrawn %u of %u rounds\n",
	       taken, withdrawn, ROUNDS);
}

/* ---- the kick flag's order --------------------------------------------- */
static volatile uint32_t request, seen, stop;

/* The target's loop as smp_idle_loop runs it: wait for the flag, clear
 * it, then read the request fields. */
static void *loop_thread(void *arg)
{
	(void)arg;
	while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE)) {
		uint32_t r;

		if (!__atomic_load_n(&cpu.kick_pending, __ATOMIC_ACQUIRE))
			continue;
		smp_kick_take(&cpu);
		r = __atomic_load_n(&request, __ATOMIC_RELAXED);
		if (r > seen)
			__atomic_store_n(&seen, r, __ATOMIC_RELEASE);
		/* The NMI's handler ran meanwhile, or will: take kick_nmi as
		 * nmi_record does. */
		__atomic_exchange_n(&cpu.kick_nmi, 0, __ATOMIC_SEQ_CST);
	}
	return NULL;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

TEST(smprace_kick_is_never_lost)
{
	pthread_t t;
	uint32_t lost = 0;

	memset(&cpu, 0, sizeof(cpu));
	request = seen = stop = 0;
	CHECK(pthread_create(&t, NULL, loop_thread, NULL) == 0);
	for (uint32_t r = 1; r <= ROUNDS; r++) {
		uint64_t end = now_ms() + 2000;

		/* The sender: the request, then the flags (smp_kick). */
		__atomic_store_n(&request, r, __ATOMIC_RELAXED);
		(void)nmi_kick_mark(&cpu);
		while (__atomic_load_n(&seen, __ATOMIC_ACQUIRE) < r &&
		       now_ms() < end)
			__asm__ __volatile__("pause");
		if (seen < r) {
			lost++;
			break;
		}
	}
	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
	CHECK_EQ(lost, 0);
	CHECK_EQ(seen, ROUNDS);
}
