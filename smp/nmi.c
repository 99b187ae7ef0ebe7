/*
 * smp/nmi.c - NMIs as the hypervisor's only cross-CPU signal.
 *
 * The host NMI handler runs on its own IST stack and only records
 * (docs/interrupts.md, "Every NMI looks at every source"): it takes the
 * kick flag, asks every NMI source of this CPU whether it has work, gives
 * the NMI to the guest when nothing of ours explains it, tells the CPU's
 * loop to look at its requests, and moves a CPU caught anywhere in its
 * park sequence back to the flag test. It halts the CPU for good when a
 * panic on another CPU asked all CPUs to stop. No locks, no printing.
 */
#include "smp/internal.h"
#include "arch/x86.h"
#include "kernel/private.h"

extern const char smp_park_until_start[], smp_park_resume[];
static volatile uint32_t stop_all;
/* The CPU that panics (NULL before per-CPU data exists): exempt from
 * stop_all, so NMIs during its report are recorded, not fatal. */
static struct percpu *volatile panic_owner;

static void nmi_handler(struct trap_frame *f)
{
	struct percpu *c = this_cpu();

	if (stop_all && c != panic_owner) {
		if (c)
			c->state = CPU_STOPPED;
		halt_forever();
	}
	if (c)
		nmi_record(c);
	f->rip = nmi_park_rip(f->rip, (uint64_t)smp_park_until_start,
			      (uint64_t)smp_park_resume);
}

void smp_nmi_unmask(void)
{
	uint64_t sp, sel;

	__asm__ __volatile__(
		"mov %%rsp, %0\n\t"
		"mov %%ss, %k1\n\t"
		"pushq %1\n\t"
		"pushq %0\n\t"
		"pushfq\n\t"
		"mov %%cs, %k1\n\t"
		"pushq %1\n\t"
		"leaq 1f(%%rip), %0\n\t"
		"pushq %0\n\t"
		"iretq\n"
		"1:"
		: "=&r"(sp), "=&r"(sel) : : "memory", "cc");
}

static void stop_others(void)
{
	if (rdmsr(MSR_GS_BASE))
		panic_owner = this_cpu();
	if (cpus_online <= 1)
		return;
	stop_all = 1;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	lapic_send_ipi(0, ICR_NMI | ICR_ASSERT | ICR_ALL_BUT_SELF);
}

static int cpu_index(void)
{
	struct percpu *c;

	if (!(rdmsr(MSR_GS_BASE)))
		return 0;
	c = this_cpu();
	return c ? (int)c->index : 0;
}

void nmi_init_cpu(void)
{
	trap_set_hook(2, nmi_handler);
	trap_set_ist(2, IST_NMI);
	trap_set_ist(8, IST_DF);
	trap_set_ist(18, IST_MC);
	panic_stop_others = stop_others;
	panic_cpu_index = cpu_index;
}

void smp_kick(struct percpu *target)
{
	/* Order (all sequentially consistent): the caller's request, then
	 * kick_pending, then kick_nmi. A sender that finds kick_nmi already
	 * set sends no NMI: the one on its way reaches a handler that has
	 * not taken the flag yet, and that handler sets kick_pending after
	 * taking it, so the loop that runs next sees this request too. */
	if (nmi_kick_mark(target))
		lapic_send_ipi(target->apic_id, ICR_NMI | ICR_ASSERT);
}

int smp_nmi_source_add(struct nmi_source *s)
{
	if (nmi_sources_add(s))
		return -1;
	/* Each CPU works out its polling period again at its next exit. */
	for (unsigned i = 0; i < cpus_max; i++)
		if (cpus[i])
			WRITE_ONCE(cpus[i]->poll_due_tsc, 0);
	return 0;
}

void smp_nmi_source_again(const struct nmi_source *s)
{
	struct percpu *c = this_cpu();

	__atomic_fetch_or(&c->src_pending, nmi_source_bit(s), __ATOMIC_SEQ_CST);
	__atomic_store_n(&c->kick_pending, 1, __ATOMIC_SEQ_CST);
}

void smp_poll_sources_due(struct percpu *c)
{
	uint32_t us = nmi_sources_poll_us(c->index), mask;
	uint64_t khz = tsc_khz() ? tsc_khz() : 1000000;

	if (!us) {
		c->poll_due_tsc = UINT64_MAX;
		return;
	}
	c->poll_due_tsc = rdtsc() + khz * us / 1000;
	mask = nmi_sources_look(c->index, false);
	if (mask) {
		__atomic_fetch_or(&c->src_pending, mask, __ATOMIC_SEQ_CST);
		__atomic_store_n(&c->kick_pending, 1, __ATOMIC_SEQ_CST);
	}
}

unsigned int smp_call_all(smp_fn fn, void *arg, unsigned int timeout_ms)
{
	struct percpu *self = this_cpu();
	unsigned int done = 1;
	uint64_t end;

	for (unsigned int i = 0; i < cpus_max; i++) {
		struct percpu *c = cpus[i];

		if (!c || c == self || c->state != CPU_ONLINE)
			continue;
		c->call_done = 0;
		c->call_arg = arg;
		__atomic_store_n(&c->call_fn, fn, __ATOMIC_SEQ_CST);
		smp_kick(c);
	}
	fn(arg);
	end = now_ns() + (uint64_t)timeout_ms * 1000000;
	for (unsigned int i = 0; i < cpus_max; i++) {
		struct percpu *c = cpus[i];
		smp_fn posted = fn;

		if (!c || c == self || c->state != CPU_ONLINE)
			continue;
		while (!__atomic_load_n(&c->call_done, __ATOMIC_ACQUIRE) &&
		       now_ns() < end)
			cpu_relax();
		if (c->call_done) {
			done++;
			continue;
		}
		/* Withdraw the call so that a late CPU never runs it with an
		 * argument that is gone by then. If the CPU took it already,
		 * it is running it: wait for it as long again. */
		if (smp_call_withdraw(c, posted)) {
			printk("cpu %u did not take a cross-CPU call in %u ms "
			       "(withdrawn)\n", c->index, timeout_ms);
			continue;
		}
		end = now_ns() + (uint64_t)timeout_ms * 1000000;
		while (!__atomic_load_n(&c->call_done, __ATOMIC_ACQUIRE) &&
		       now_ns() < end)
			cpu_relax();
		if (c->call_done)
			done++;
		else
			printk("cpu %u did not finish a cross-CPU call in %u ms\n",
			       c->index, 2 * timeout_ms);
	}
	return done;
}
