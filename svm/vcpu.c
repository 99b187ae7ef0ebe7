/*
 * svm/vcpu.c - a vCPU: its VMCB, host save area and host state page (all
 * frames with their own tags), the guest's initial state, and the loop
 * that runs it.
 */
#include "svm/internal.h"
#include "arch/x86.h"
#include "kernel/private.h"
#include "lib/lib.h"

static int alloc_page(enum frame_tag tag, struct paddr *pa)
{
	return frame_alloc(0, tag, FRAME_ZERO, pa);
}

struct vcpu *vcpu_create(struct percpu *cpu)
{
	struct vcpu *v = knew(struct vcpu);

	if (!v)
		return NULL;
	if (alloc_page(FRAME_TAG_VMCB, &v->vmcb_pa) != MM_OK)
		goto no_vmcb;
	if (alloc_page(FRAME_TAG_HSAVE, &v->hsave_pa) != MM_OK)
		goto no_hsave;
	if (alloc_page(FRAME_TAG_HOST_STATE, &v->host_state_pa) != MM_OK)
		goto no_host;
	v->vmcb = phys_to_virt(v->vmcb_pa);
	v->cpu = cpu;
	v->index = cpu->index;
	v->state = VCPU_WAIT_SIPI;
	return v;
no_host:
	frame_free(v->hsave_pa, 0, FRAME_TAG_HSAVE);
no_hsave:
	frame_free(v->vmcb_pa, 0, FRAME_TAG_VMCB);
no_vmcb:
	kfree(v);
	return NULL;
}

/* The intercept policy (design.md, "SVM"; reasons in
 * svm-under-qemu-tcg.md). Every vCPU gets the same. */
static void vmcb_init_control(struct vmcb *vm)
{
	static const unsigned policy[] = {
		INTERCEPT_NMI,       /* the hypervisor's only signal */
		INTERCEPT_INIT,      /* never let a real INIT through */
		INTERCEPT_CPUID, INTERCEPT_INVD, INTERCEPT_INVLPGA,
		INTERCEPT_IOIO_PROT, INTERCEPT_MSR_PROT, INTERCEPT_SHUTDOWN,
		INTERCEPT_VMRUN, INTERCEPT_VMMCALL, INTERCEPT_VMLOAD,
		INTERCEPT_VMSAVE, INTERCEPT_STGI, INTERCEPT_CLGI,
		INTERCEPT_SKINIT,
		INTERCEPT_EXC(1),    /* #DB: CVE-2015-8104 */
		INTERCEPT_EXC(17),   /* #AC: CVE-2015-5307 */
	};

	for (size_t i = 0; i < ARRAY_SIZE(policy); i++)
		vmcb_set_intercept(vm, policy[i]);
	vm->ctl.iopm_base_pa = svm.iopm_pa.pa;
	vm->ctl.msrpm_base_pa = svm.msrpm_pa.pa;
	vm->ctl.asid = 1;               /* one guest: one ASID everywhere */
	vm->ctl.tlb_control = TLB_CONTROL_FLUSH_ALL;
	vm->ctl.vintr = 0;              /* V_INTR_MASKING = 0: pass-through */
	vm->ctl.np_enable = NP_ENABLE;
	vm->ctl.n_cr3 = svm.npt.root_pa;
}

static void seg(struct vmcb_seg *s, uint16_t sel, uint16_t attrib,
		uint32_t limit, uint64_t base)
{
	*s = (struct vmcb_seg){ sel, attrib, limit, base };
}

/* The machine state of Multiboot2 spec 3.3 (i386): protected mode,
 * paging off, flat 32-bit segments, EAX = magic, EBX = information,
 * IF = 0. Attribute values as measured (svm-under-qemu-tcg.md). */
void vcpu_set_multiboot_state(struct vcpu *v, uint32_t entry, uint32_t mbi,
			      uint64_t gdt_gpa)
{
	struct vmcb *vm = v->vmcb;
	struct vmcb_save *s = &vm->save;

	memset(vm, 0, sizeof(*vm));
	vmcb_init_control(vm);
	seg(&s->cs, 0x08, 0x0C9B, 0xFFFFFFFF, 0);
	seg(&s->ds, 0x10, 0x0C93, 0xFFFFFFFF, 0);
	s->es = s->ss = s->fs = s->gs = s->ds;
	seg(&s->gdtr, 0, 0, 0x17, gdt_gpa);
	seg(&s->idtr, 0, 0, 0x3FF, 0);
	seg(&s->tr, 0, 0x008B, 0xFFFF, 0);
	seg(&s->ldtr, 0, 0x0082, 0xFFFF, 0);
	s->cpl = 0;
	s->efer = EFER_SVME;
	s->cr0 = CR0_PE | CR0_ET;
	s->cr4 = 0;
	s->cr3 = 0;
	s->rflags = 0x2;
	s->rip = entry;
	s->rsp = 0;
	s->rax = 0x36D76289;            /* MB2_BOOTLOADER_MAGIC */
	s->dr6 = 0xFFFF0FF0;
	s->dr7 = 0x400;
	s->g_pat = 0x0007040600070406ULL;
	memset(&v->regs, 0, sizeof(v->regs));
	v->regs.rbx = mbi;
	v->tlb_flush = true;
}

/* Queue/merge events: a re-injected EXITINTINFO event goes first (it was
 * being delivered when the exit happened, APM Vol. 2, 15.7.2); an event
 * the hypervisor injects waits for the next VMRUN with EVENTINJ free. */
static void prepare_events(struct vcpu *v)
{
	struct vmcb *vm = v->vmcb;
	uint64_t exitint = vm->ctl.exit_int_info;

	vm->ctl.event_inj = 0;
	if (exitint & EVENT_VALID) {
		/* Re-inject verbatim: type, vector and error-code bit as the
		 * CPU recorded them (docs/interrupts.md on vectors < 32). */
		vm->ctl.event_inj = exitint;
		vm->ctl.exit_int_info = 0;
		if (v->inject)
			v->pending_event = v->inject;
	} else if (v->pending_event) {
		vm->ctl.event_inj = v->pending_event;
		v->pending_event = v->inject;
	} else {
		vm->ctl.event_inj = v->inject;
	}
	v->inject = 0;
}

_Noreturn void vcpu_run_loop(struct vcpu *v)
{
	struct vmcb *vm = v->vmcb;

	v->state = VCPU_RUNNING;
	v->cpu->state = CPU_IN_GUEST;
	for (;;) {
		enum exit_action act;

		prepare_events(v);
		/* QEMU's SMM emulation clears SVME in the saved EFER
		 * (svm-under-qemu-tcg.md, "Other traps"). */
		vm->save.efer |= EFER_SVME;
		vm->ctl.tlb_control = v->tlb_flush ? TLB_CONTROL_FLUSH_ALL :
						     TLB_CONTROL_NONE;
		v->tlb_flush = false;
		svm_vmrun(&v->regs, v->vmcb_pa.pa, v->host_state_pa.pa);
		v->exits_total++;
		v->exit_counts[svm_exit_slot(vm->ctl.exit_code)]++;
		act = svm_handle_exit(v);
		__asm__ __volatile__("stgi" ::: "memory");
		if (act == EXIT_STOP)
			break;
	}
	v->state = VCPU_STOPPED;
	v->cpu->state = CPU_STOPPED;
	printk("vcpu %u stopped: %s\n", v->index,
	       v->stop_reason ? v->stop_reason : "(no reason)");
	/* The hypervisor stays up: this CPU parks for good, NMIs still
	 * answered (a later console can inspect the stopped vCPU). */
	for (;;) {
		static volatile uint32_t never;

		smp_park_until(&never);
	}
}
