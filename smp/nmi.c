/*
 * smp/nmi.c - NMIs as the hypervisor's only cross-CPU signal.
 *
 * The host NMI handler runs on its own IST stack and only records: it
 * counts, moves a parked CPU off its HLT (closing the check-then-HLT
 * race), and halts the CPU for good when a panic asked all CPUs to stop.
 * It takes no locks and prints nothing (except on the panic path).
 */
#include "smp/internal.h"
#include "arch/x86.h"
#include "kernel/private.h"

extern const char smp_park_hlt[], smp_park_resume[];
static volatile uint32_t stop_all;

bool (*smp_nmi_source)(unsigned cpu_index);

static void nmi_handler(struct trap_frame *f)
{
	struct percpu *c = this_cpu();

	if (stop_all) {
		if (c)
			c->state = CPU_STOPPED;
		halt_forever();
	}
	if (c) {
		c->nmi_count++;
		/* Every kick is announced (kicks_sent) before its NMI is
		 * sent; an NMI with nothing announced is a device's when
		 * smp_nmi_source claims it (the console), else the guest's. */
		if (c->kicks_sent != c->kicks_taken) {
			c->kicks_taken++;            /* one kick per NMI */
		} else if (smp_nmi_source && smp_nmi_source(c->index)) {
			c->device_nmis++;
			c->kick_pending = 1; /* its loop polls the device */
		} else if (!c->kick_pending) {
			c->foreign_nmis++;
			c->kick_pending = 1; /* the vCPU loop queues it */
		}
	}
	if (f->rip == (uint64_t)smp_park_hlt)
		f->rip = (uint64_t)smp_park_resume;
}

static void stop_others(void)
{
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
	__atomic_fetch_add(&target->kicks_sent, 1, __ATOMIC_SEQ_CST);
	__atomic_store_n(&target->kick_pending, 1, __ATOMIC_RELEASE);
	lapic_send_ipi(target->apic_id, ICR_NMI | ICR_ASSERT);
}

unsigned int smp_call_all(smp_fn fn, void *arg, unsigned int timeout_ms)
{
	struct percpu *self = this_cpu();
	unsigned int done = 1;
	uint64_t end;

	for (unsigned int i = 0; i < SMP_MAX_CPUS; i++) {
		struct percpu *c = cpus[i];

		if (!c || c == self || c->state != CPU_ONLINE)
			continue;
		c->call_done = 0;
		c->call_arg = arg;
		__atomic_store_n(&c->call_fn, fn, __ATOMIC_RELEASE);
		smp_kick(c);
	}
	fn(arg);
	end = now_ns() + (uint64_t)timeout_ms * 1000000;
	for (unsigned int i = 0; i < SMP_MAX_CPUS; i++) {
		struct percpu *c = cpus[i];

		if (!c || c == self || c->state != CPU_ONLINE)
			continue;
		while (!__atomic_load_n(&c->call_done, __ATOMIC_ACQUIRE) &&
		       now_ns() < end)
			cpu_relax();
		if (c->call_done)
			done++;
		else
			printk("cpu %u did not finish a cross-CPU call in %u ms\n",
			       c->index, timeout_ms);
	}
	return done;
}
