/*
 * smp/handshake.c - the decisions two CPUs race for, each made by one
 * atomic operation so that exactly one side wins (smp.h, "Races"). No
 * hardware access, so the host tests race them with threads
 * (tests/unit/test_smprace.c).
 */
#include "smp/smp.h"

bool smp_ap_accept(struct percpu *c)
{
	uint32_t starting = CPU_STARTING;

	return __atomic_compare_exchange_n(&c->state, &starting, CPU_ONLINE,
					   false, __ATOMIC_SEQ_CST,
					   __ATOMIC_SEQ_CST);
}

bool smp_ap_give_up(struct percpu *c)
{
	uint32_t starting = CPU_STARTING;

	return __atomic_compare_exchange_n(&c->state, &starting, CPU_ABSENT,
					   false, __ATOMIC_SEQ_CST,
					   __ATOMIC_SEQ_CST);
}

smp_fn smp_call_take(struct percpu *c)
{
	return __atomic_exchange_n(&c->call_fn, NULL, __ATOMIC_SEQ_CST);
}

bool smp_call_withdraw(struct percpu *c, smp_fn fn)
{
	smp_fn posted = fn;

	return __atomic_compare_exchange_n(&c->call_fn, &posted, NULL, false,
					   __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}

void smp_kick_take(struct percpu *c)
{
	/* Sequentially consistent: a plain store could pass the loads of
	 * the request fields that follow (x86 store buffer, APM Vol. 2,
	 * 7.2 "Multiprocessor Memory Access Ordering"), and a request
	 * written and announced in between would be lost. */
	__atomic_store_n(&c->kick_pending, 0, __ATOMIC_SEQ_CST);
}
