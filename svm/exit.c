/*
 * svm/exit.c - VM-exit dispatch: one table from exit code to handler
 * (designated initializers, KVM's svm_exit_handlers[] style). An exit
 * nobody handles dumps the VMCB and stops that vCPU with a reason; the
 * hypervisor keeps running.
 */
#include "svm/internal.h"
#include "arch/x86.h"
#include "kernel/private.h"

typedef enum exit_action (*exit_handler)(struct vcpu *v);

static enum exit_action handle_nmi(struct vcpu *v)
{
	/* The NMI stays pending (GIF = 0) and is taken by the host handler
	 * at STGI right after this; kicks are acted on there and in the
	 * vCPU loop. */
	return EXIT_RESUME;
}

static enum exit_action handle_init(struct vcpu *v)
{
	/* With R_INIT set the INIT became #SX in the host instead; either
	 * way it never resets this core (docs/qemu-svm.md, "INIT"). */
	static uint64_t inits;
	uint64_t n = log_ratelimit(&inits);

	if (n)
		printk("vcpu %u: INIT intercepted and dropped (%llu so far)\n",
		       v->index, (unsigned long long)n);
	return EXIT_RESUME;
}

static enum exit_action handle_shutdown(struct vcpu *v)
{
	/* A triple fault. The VMCB is undefined now (APM Vol. 2, 15.13). */
	printk("vcpu %u: guest triple fault (SHUTDOWN); state below is undefined\n",
	       v->index);
	vmcb_dump(v);
	vcpu_stop(v, "guest triple fault (shutdown)");
	return EXIT_STOP;
}

/* #DB and #AC: reflect exactly what happened (DR6 included), so a guest
 * cannot wedge the core on a benign-exception loop (CVE-2015-8104,
 * CVE-2015-5307) and still sees its own exceptions. */
static enum exit_action handle_db(struct vcpu *v)
{
	/* The end of our single step over the guest's IRET (events.h):
	 * ours unless the guest's own breakpoints hit too (DR6.B0-B3). */
	if (events_step_db(&v->ev, v->vmcb->save.rip) &&
	    !(v->vmcb->save.dr6 & 0xF)) {
		v->vmcb->save.dr6 &= ~(uint64_t)BIT(14);        /* DR6.BS */
		return EXIT_RESUME;
	}
	vcpu_inject_exception(v, 1, false, 0);
	return EXIT_INJECT;
}

static enum exit_action handle_ac(struct vcpu *v)
{
	vcpu_inject_exception(v, 17, true, (uint32_t)v->vmcb->ctl.exit_info1);
	return EXIT_INJECT;
}

static enum exit_action handle_invalid(struct vcpu *v)
{
	vmcb_dump(v);
	vcpu_stop(v, "VMRUN failed: invalid guest state (VMEXIT_INVALID)");
	return EXIT_STOP;
}

static const exit_handler exit_handlers[SVM_EXIT_SLOTS] = {
	[VMEXIT_EXCP_BASE + 1] = handle_db,
	[VMEXIT_EXCP_BASE + 17] = handle_ac,
	[VMEXIT_NMI] = handle_nmi,
	[VMEXIT_INIT] = handle_init,
	[VMEXIT_IRET] = handle_iret,
	[VMEXIT_HLT] = handle_hlt,
	[VMEXIT_INTR] = handle_intr,
	[VMEXIT_CPUID] = handle_cpuid,
	[VMEXIT_INVD] = handle_invd,
	[VMEXIT_INVLPGA] = handle_svm_insn,
	[VMEXIT_IOIO] = handle_ioio,
	[VMEXIT_MSR] = handle_msr,
	[VMEXIT_SHUTDOWN] = handle_shutdown,
	[VMEXIT_VMRUN] = handle_svm_insn,
	[VMEXIT_VMMCALL] = handle_vmmcall,
	[VMEXIT_VMLOAD] = handle_svm_insn,
	[VMEXIT_VMSAVE] = handle_svm_insn,
	[VMEXIT_STGI] = handle_svm_insn,
	[VMEXIT_CLGI] = handle_svm_insn,
	[VMEXIT_SKINIT] = handle_svm_insn,
	[0xA5 + (VMEXIT_NPF - VMEXIT_NPF)] = handle_npf,
};

enum exit_action svm_handle_exit(struct vcpu *v)
{
	uint64_t code = v->vmcb->ctl.exit_code;
	exit_handler h;

	if ((uint32_t)code == 0xFFFFFFFFu) /* TCG reports 0x00000000FFFFFFFF */
		return handle_invalid(v);
	h = exit_handlers[svm_exit_slot(code)];
	if (!h) {
		printk("vcpu %u: unhandled exit 0x%llx (info1 %llx info2 %llx)\n",
		       v->index, (unsigned long long)code,
		       (unsigned long long)v->vmcb->ctl.exit_info1,
		       (unsigned long long)v->vmcb->ctl.exit_info2);
		vmcb_dump(v);
		vcpu_stop(v, "unhandled VM exit");
		return EXIT_STOP;
	}
	return h(v);
}

void vcpu_stop(struct vcpu *v, const char *reason)
{
	v->stop_reason = reason;
}

/* EVENTINJ for an exception (APM Vol. 2, 15.20). */
void vcpu_inject_exception(struct vcpu *v, unsigned vector, bool has_error,
			   uint32_t error)
{
	v->ev.inject = events_exception(vector, has_error, error);
}

/* Print what a VMCB holds (KVM's dump_vmcb). */
void vmcb_dump(const struct vcpu *v)
{
	const struct vmcb *vm = v->vmcb;
	const struct vmcb_control *c = &vm->ctl;

	printk("vmcb of vcpu %u at %016llx:\n", v->index,
	       (unsigned long long)v->vmcb_pa.pa);
	printk("  intercepts %08x %08x %08x %08x %08x %08x\n",
	       c->intercepts[0], c->intercepts[1], c->intercepts[2],
	       c->intercepts[3], c->intercepts[4], c->intercepts[5]);
	printk("  exit %llx info1 %llx info2 %llx exitintinfo %llx eventinj %llx\n",
	       (unsigned long long)c->exit_code, (unsigned long long)c->exit_info1,
	       (unsigned long long)c->exit_info2,
	       (unsigned long long)c->exit_int_info,
	       (unsigned long long)c->event_inj);
	printk("  asid %u np %llx ncr3 %llx vintr %llx shadow %llx\n", c->asid,
	       (unsigned long long)c->np_enable, (unsigned long long)c->n_cr3,
	       (unsigned long long)c->vintr,
	       (unsigned long long)c->interrupt_shadow);
	vcpu_report_state(printk, v);
}
