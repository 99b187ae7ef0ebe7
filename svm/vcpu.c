/*
 * svm/vcpu.c - a vCPU: its VMCB, host save area and host state page (all
 * frames with their own tags), the guest's initial state, and the loop
 * that runs it.
 */
#include "svm/internal.h"
#include "iommu/iommu.h"
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
	v->dfr = 0xFFFFFFFF;   /* reset values (APM Vol. 2, 16.6.2) */
	return v;
no_host:
	frame_free(v->hsave_pa, 0, FRAME_TAG_HSAVE);
no_hsave:
	frame_free(v->vmcb_pa, 0, FRAME_TAG_VMCB);
no_vmcb:
	kfree(v);
	return NULL;
}

/* The intercept policy (docs/design.md, "SVM"; the reasons per item in
 * docs/threat-model.md). Every vCPU gets the same, except HLT on a CPU
 * whose NMI sources can only be polled (an unrouted console): there the
 * guest must not sleep without exits. */
static void vmcb_init_control(struct vcpu *v, struct vmcb *vm)
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
	v->hlt_wait = false;
	if (nmi_sources_poll_only(v->cpu->index))
		vmcb_set_intercept(vm, INTERCEPT_HLT);
}

static void seg(struct vmcb_seg *s, uint16_t sel, uint16_t attrib,
		uint32_t limit, uint64_t base)
{
	*s = (struct vmcb_seg){ sel, attrib, limit, base };
}

/* The machine state of Multiboot2 spec 3.3 (i386): protected mode,
 * paging off, flat 32-bit segments, EAX = magic, EBX = information,
 * IF = 0. Attribute values as QEMU accepts them (docs/qemu-svm.md,
 * "Entering a guest"). */
void vcpu_set_multiboot_state(struct vcpu *v, uint32_t entry, uint32_t mbi,
			      uint64_t gdt_gpa)
{
	struct vmcb *vm = v->vmcb;
	struct vmcb_save *s = &vm->save;

	memset(vm, 0, sizeof(*vm));
	vmcb_init_control(v, vm);
	/* NMIs from before the guest existed are nobody's to deliver. */
	v->nmi_req_seen = READ_ONCE(v->nmi_req);
	v->foreign_nmis_seen = READ_ONCE(v->cpu->foreign_nmis);
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

/* Linux's 32-bit boot protocol (boot.rst, "32-bit boot protocol"): the
 * same flat protected mode with paging and interrupts off, CS = __BOOT_CS
 * (0x10), DS = ES = SS = __BOOT_DS (0x18), ESI = boot_params, EBP, EDI and
 * EBX zero. The GDT holds null, null, code, data (loader/boot.c). */
void vcpu_set_linux32_state(struct vcpu *v, uint32_t boot_params)
{
	struct vmcb_save *s = &v->vmcb->save;

	s->cs.selector = 0x10;
	s->ds.selector = 0x18;
	s->es = s->ss = s->fs = s->gs = s->ds;
	s->gdtr.limit = 0x1F;
	s->rax = 0;
	memset(&v->regs, 0, sizeof(v->regs));
	v->regs.rsi = boot_params;
}

/* Linux's 64-bit boot protocol (boot.rst, "64-bit boot protocol"): long
 * mode with paging on and identity-mapped tables, CS = __BOOT_CS a 64-bit
 * code segment (attribute L set, D clear: APM Vol. 2, 4.8.1), the rest as
 * in 32-bit. EFER.LMA with CR0.PG and CR4.PAE as VMRUN's consistency
 * checks want them (15.5.1). */
void vcpu_set_long_mode(struct vcpu *v, uint64_t pt)
{
	struct vmcb_save *s = &v->vmcb->save;

	s->cs.attrib = 0x0A9B;          /* G, L, P, S, code execute/read */
	s->cr0 = CR0_PE | CR0_ET | CR0_PG;
	s->cr4 = CR4_PAE;
	s->cr3 = pt;
	s->efer = EFER_SVME | EFER_LME | EFER_LMA;
}

/* Real mode at VECTOR << 12 after an emulated STARTUP (16.5; the state
 * INIT leaves, APM Vol. 2, 14.1.3; docs/qemu-svm.md, "Entering a
 * guest"). */
static void vcpu_set_sipi_state(struct vcpu *v, uint8_t vector)
{
	struct vmcb *vm = v->vmcb;
	struct vmcb_save *s = &vm->save;

	memset(vm, 0, sizeof(*vm));
	vmcb_init_control(v, vm);
	seg(&s->cs, (uint16_t)(vector << 8), 0x9B, 0xFFFF, (uint64_t)vector << 12);
	seg(&s->ds, 0, 0x93, 0xFFFF, 0);
	s->es = s->ss = s->fs = s->gs = s->ds;
	seg(&s->gdtr, 0, 0, 0xFFFF, 0);
	seg(&s->idtr, 0, 0, 0xFFFF, 0);
	seg(&s->tr, 0, 0x008B, 0xFFFF, 0);
	seg(&s->ldtr, 0, 0x0082, 0xFFFF, 0);
	s->efer = EFER_SVME;
	s->cr0 = CR0_CD | CR0_NW | CR0_ET;
	s->rflags = 0x2;
	s->rip = 0;
	s->dr6 = 0xFFFF0FF0;
	s->dr7 = 0x400;
	s->g_pat = 0x0007040600070406ULL;
	memset(&v->regs, 0, sizeof(v->regs));
	v->regs.rdx = cpuid(1, 0).eax; /* processor signature after INIT */
	v->tlb_flush = true;
}

/* What an INIT does to this vCPU and to its CPU's local APIC (16.5): the
 * vCPU waits for SIPI; LVTs masked, timer stopped, TPR 0, in-service
 * interrupts acknowledged (Linux offlines and re-onlines CPUs so). */
static void vcpu_do_init(struct vcpu *v)
{
	static const uint32_t lvts[] = { APIC_REG_LVT_TIMER, 0x330, 0x340,
					 APIC_REG_LVT_LINT0, APIC_REG_LVT_LINT1,
					 APIC_REG_LVT_ERROR };

	v->state = VCPU_WAIT_SIPI;
	v->sipi_accepted = false;
	v->stop_reason = NULL;
	events_reset(&v->ev);
	v->inj_staged = false;
	v->vmcb->ctl.event_inj = 0;
	v->ldr = 0;
	v->dfr = 0xFFFFFFFF;
	v->icr_high = 0;
	/* NMIs that arrive while the vCPU waits for SIPI are not kept. */
	v->nmi_req_seen = READ_ONCE(v->nmi_req);
	v->foreign_nmis_seen = READ_ONCE(v->cpu->foreign_nmis);
	v->inits++;
	v->hlt_wait = false;
	for (size_t i = 0; i < ARRAY_SIZE(lvts); i++)
		lapic_write(lvts[i], lapic_read(lvts[i]) | BIT(16));
	lapic_write(APIC_REG_TIMER_ICR, 0);
	lapic_write(APIC_REG_TPR, 0);
	for (int n = 0; n < 256; n++) {
		bool busy = false;

		for (uint32_t r = 0; r < 8; r++)
			busy |= lapic_read(APIC_REG_ISR + r * 0x10) != 0;
		if (!busy)
			break;
		lapic_write(APIC_REG_EOI, 0);
	}
}

/* The console's pause (svm_pause_all): every vCPU that comes through its
 * loop parks in the hypervisor until svm_resume_all. */
static volatile uint32_t pause_all;

/* Park until resumed. Kicks still run cross-CPU calls and, on the boot
 * CPU, the console (which is how resume arrives there); whatever else
 * they announced (an INIT, a guest NMI) is taken in after the pause. */
static void vcpu_pause(struct vcpu *v)
{
	struct percpu *c = v->cpu;

	WRITE_ONCE(v->paused, true);
	while (READ_ONCE(pause_all)) {
		smp_park_until(&c->kick_pending);
		/* Sequentially consistent, before the requests are read
		 * (smp_idle_loop says why). */
		__atomic_store_n(&c->kick_pending, 0, __ATOMIC_SEQ_CST);
		smp_run_pending_call(c);
	}
	WRITE_ONCE(v->paused, false);
	c->kick_pending = 1;   /* look at the requests again before VMRUN */
}

/* Whether a vCPU is out of the guest for the pause's purpose: parked,
 * on the calling CPU (which parks as soon as its command returns), or
 * not running guest code at all. */
static bool vcpu_held(const struct vcpu *v)
{
	return READ_ONCE(v->paused) || v->cpu == this_cpu() ||
	       READ_ONCE(v->state) != VCPU_RUNNING;
}

unsigned svm_pause_all(unsigned timeout_ms, unsigned *total)
{
	unsigned n = 0, all = 0;

	WRITE_ONCE(pause_all, 1);
	for (unsigned i = 0; i < cpus_max; i++) {
		struct vcpu *v = cpus[i] ? cpus[i]->vcpu : NULL;

		if (v && v->cpu != this_cpu())
			smp_kick(v->cpu);
	}
	for (unsigned ms = 0; ; ms++) {
		n = all = 0;
		for (unsigned i = 0; i < cpus_max; i++) {
			const struct vcpu *v = cpus[i] ? cpus[i]->vcpu : NULL;

			all += v != NULL;
			n += v && vcpu_held(v);
		}
		if (n == all || ms >= timeout_ms)
			break;
		mdelay(1);
	}
	*total = all;
	return n;
}

void svm_resume_all(void)
{
	WRITE_ONCE(pause_all, 0);
	for (unsigned i = 0; i < cpus_max; i++) {
		struct vcpu *v = cpus[i] ? cpus[i]->vcpu : NULL;

		if (v && v->cpu != this_cpu())
			smp_kick(v->cpu);
	}
}

bool svm_paused(void)
{
	return READ_ONCE(pause_all);
}

/* Take in what other CPUs asked for. Returns true when the vCPU must
 * leave the guest (INIT). */
static bool vcpu_take_requests(struct vcpu *v)
{
	struct percpu *c = v->cpu;
	uint32_t nmis;
	uint64_t foreign;

	__atomic_store_n(&c->kick_pending, 0, __ATOMIC_SEQ_CST);
	if (__atomic_exchange_n(&v->init_req, 0, __ATOMIC_ACQ_REL)) {
		vcpu_do_init(v);
		/* A SIPI may already be waiting: have the idle loop look
		 * before it parks. */
		c->kick_pending = 1;
		return true;
	}
	nmis = READ_ONCE(v->nmi_req);
	foreign = READ_ONCE(c->foreign_nmis);
	if (nmis != v->nmi_req_seen || foreign != v->foreign_nmis_seen)
		events_queue_nmi(&v->ev);
	v->nmi_req_seen = nmis;
	v->foreign_nmis_seen = foreign;
	smp_run_pending_call(c);
	if (READ_ONCE(pause_all))
		vcpu_pause(v);
	return false;
}

/*
 * The guest's HLT on a CPU that must keep exiting (vmcb_init_control).
 * The exit comes before the HLT executes: the guest is left at it, INTR
 * is intercepted, and every entry from then on either exits at once with
 * INTR (an interrupt waits for the guest: the HLT is over, RIP moves past
 * it, the interrupt is delivered with that return address) or executes
 * the HLT again and exits; in between, the hypervisor waits a little and
 * polls (vcpu_run). The interrupt shadow of an STI right before the HLT
 * ends with the HLT on hardware, so it is cleared here, or the pending
 * interrupt could never be taken at the HLT. The guest's view is a HLT
 * that lasts until its next interrupt or NMI, as on hardware; the cost
 * is that this CPU spins instead of sleeping while the guest idles.
 */
#define HLT_SPIN_US 50

enum exit_action handle_hlt(struct vcpu *v)
{
	struct vmcb *vm = v->vmcb;

	v->hlt_next_rip = (svm.features & SVM_FEAT_NRIPS) && vm->ctl.next_rip ?
			  vm->ctl.next_rip : vm->save.rip + 1;
	v->hlt_wait = true;
	v->hlt_exits++;
	vm->ctl.interrupt_shadow = 0;
	vmcb_set_intercept(vm, INTERCEPT_INTR);
	return EXIT_RESUME;
}

static void hlt_end(struct vcpu *v)
{
	v->vmcb->save.rip = v->hlt_next_rip;
	v->hlt_wait = false;
	vmcb_clear_intercept(v->vmcb, INTERCEPT_INTR);
}

enum exit_action handle_intr(struct vcpu *v)
{
	if (v->hlt_wait)
		hlt_end(v);
	else
		vmcb_clear_intercept(v->vmcb, INTERCEPT_INTR);
	return EXIT_RESUME;
}

/* Between two tries of the guest's HLT: a short wait that a kick ends. */
static void hlt_pause(struct percpu *c)
{
	uint64_t khz = tsc_khz() ? tsc_khz() : 1000000;
	uint64_t end = rdtsc() + khz * HLT_SPIN_US / 1000;

	while (!READ_ONCE(c->kick_pending) && rdtsc() < end)
		cpu_relax();
}

/* EVENTINJ for the next VMRUN (the rules are in svm/events.c). */
static void prepare_events(struct vcpu *v)
{
	struct vmcb *vm = v->vmcb;
	bool iret;

	/* Staged on an earlier pass that a kick sent round the loop before
	 * VMRUN: the event (and what it consumed: EXITINTINFO, a queued NMI)
	 * is still there; preparing again would overwrite it and lose it.
	 * What came since waits for the next exit. */
	if (v->inj_staged)
		return;
	/* The common case, nothing at all to deliver, without a call. */
	if (!(vm->ctl.exit_int_info & EVENT_VALID) && !v->ev.inject &&
	    !v->ev.pending && !v->ev.nmi_queued && !v->ev.awaiting_iret &&
	    !v->ev.stepping) {
		vm->ctl.event_inj = 0;
		return;
	}
	vm->ctl.event_inj = events_prepare(&v->ev, vm->ctl.exit_int_info,
					   vm->save.rip,
					   vm->ctl.interrupt_shadow & 1, &iret);
	vm->ctl.exit_int_info = 0;
	v->inj_staged = (vm->ctl.event_inj & EVENT_VALID) != 0;
	/* An event ends a HLT as on hardware: it returns after the HLT. */
	if (v->hlt_wait && (vm->ctl.event_inj & EVENT_VALID))
		hlt_end(v);
	if (iret)
		vmcb_set_intercept(vm, INTERCEPT_IRET);
	/* The NMI handler's own RFLAGS has TF clear (NMI delivery clears
	 * it) and the IRET replaces RFLAGS, so the TF set here is only ever
	 * seen by the IRET: its single-step trap (#DB, intercepted) comes
	 * right after it retires (events.h). A guest that single-steps its
	 * own handler gets that #DB as its own; the exit still opens the
	 * window (its RIP differs). */
	if (v->ev.step_iret) {
		if (vm->save.rflags & RFLAGS_TF)
			v->ev.stepping = false; /* the guest steps it: its #DB */
		else
			vm->save.rflags |= RFLAGS_TF;
	}
}

/* IRET while the guest handles our NMI: intercepted once per NMI. */
enum exit_action handle_iret(struct vcpu *v)
{
	vmcb_clear_intercept(v->vmcb, INTERCEPT_IRET);
	events_iret(&v->ev, v->vmcb->save.rip);
	return EXIT_RESUME;
}

uint64_t vcpu_exit_count(const struct vcpu *v, unsigned slot)
{
	uint64_t n = v->exit_counts[slot];

	if (slot == VMEXIT_CPUID)
		n += v->fast.cpuid_exits;
	else if (slot == VMEXIT_VMMCALL)
		n += v->fast.vmmcall_exits;
	else if (slot == svm_exit_slot(VMEXIT_NPF))
		n += v->apic_fast_writes;
	return n;
}

/* The sum over every exit code: computed when asked, not counted on the
 * exit path (every instruction there is one the guest waits for). */
uint64_t vcpu_exits_total(const struct vcpu *v)
{
	uint64_t n = v->fast.cpuid_exits + v->fast.vmmcall_exits +
		     v->apic_fast_writes;

	for (unsigned s = 0; s < SVM_EXIT_SLOTS; s++)
		n += v->exit_counts[s];
	return n;
}

void vcpu_run(struct vcpu *v)
{
	struct vmcb *vm = v->vmcb;
	struct percpu *c = v->cpu;

	v->state = VCPU_RUNNING;
	c->state = CPU_IN_GUEST;
	/* The first pass takes in requests too: a pause that arrived while
	 * this vCPU waited for its SIPI holds it before its first VMRUN. */
	c->kick_pending = 1;
	v->exit_tsc = rdtsc();            /* the hypervisor's time from here */
	for (;;) {
		enum exit_action act;
		uint64_t now;

		/* Every request comes with kick_pending set (smp_kick, or
		 * the NMI handler for the guest's own NMIs). */
		if (READ_ONCE(c->kick_pending) && vcpu_take_requests(v))
			break; /* INIT: wait for SIPI in the idle loop */
		prepare_events(v);
		/* QEMU's SMM emulation was seen to clear SVME in the saved
		 * EFER (docs/qemu-svm.md, "SMM"). */
		vm->save.efer |= EFER_SVME;
		/* Every flush here is for the guest's ASID: a changed NPT, a
		 * vCPU (re)started (svm.tlb_flush_kind: by ASID if the CPU
		 * can). */
		vm->ctl.tlb_control = v->tlb_flush ? svm.tlb_flush_kind :
						     TLB_CONTROL_NONE;
		v->tlb_flush = false;
		/* A kick that arrives after this check stays pending (GIF =
		 * 0) and makes VMRUN exit at once: none is ever missed. */
		__asm__ __volatile__("clgi" ::: "memory");
		if (READ_ONCE(c->kick_pending)) {
			__asm__ __volatile__("stgi" ::: "memory");
			continue;
		}
		/* SPEC_CTRL has no VMCB field without V_SPEC_CTRL: the
		 * guest's value only while it runs, the host's (0) else. */
		if (v->spec_ctrl)
			wrmsr(MSR_SPEC_CTRL, v->spec_ctrl);
		if (svm.time_accounting)
			v->hv_tsc += rdtsc() - v->exit_tsc;
		svm_vmrun(&v->regs, v->vmcb_pa.pa, v->host_state_pa.pa, &v->fast);
		/* One TSC read for the exit: the time accounts and the
		 * polls below compare against it. */
		now = v->exit_tsc = rdtsc();
		v->inj_staged = false;   /* delivered, or back in EXITINTINFO */
		if (v->spec_ctrl)
			wrmsr(MSR_SPEC_CTRL, 0);
		/* The trapped APIC write first, counted apart (its NPF slot
		 * is the sum: vcpu_exit_count): the slot lookup is not on the
		 * hottest exit's path. */
		if (vm->ctl.exit_code == VMEXIT_NPF && apic_fast_write(v)) {
			v->apic_fast_writes++;
			act = EXIT_RESUME;
		} else {
			v->exit_counts[svm_exit_slot(vm->ctl.exit_code)]++;
			act = svm_handle_exit(v);
		}
		/* The guest is in the handler of an NMI we injected: on a CPU
		 * without vNMI that delivery may have left the CPU's own NMI
		 * blocking set, and only an IRET clears it. Ours, here (GIF
		 * = 0 still holds NMIs): physical NMIs are then held off only
		 * while the guest runs without exits (docs/interrupts.md). */
		if (v->ev.nmi_blocked)
			smp_nmi_unmask();
		__asm__ __volatile__("stgi" ::: "memory");
		smp_poll_sources(c, now);
		if (v->hlt_wait)
			hlt_pause(c);
		/* Blocked DMA is reported from here (at most every 10 ms). */
		iommu_poll_at(now);
		if (act == EXIT_STOP) {
			v->state = VCPU_STOPPED;
			printk("vcpu %u stopped: %s\n", v->index,
			       v->stop_reason ? v->stop_reason : "(no reason)");
			break;
		}
	}
	c->state = v->state == VCPU_STOPPED ? CPU_STOPPED : CPU_ONLINE;
}

/* A parked CPU was kicked: an INIT for a stopped vCPU re-initialises it;
 * a SIPI starts a waiting one in real mode (a second SIPI is ignored). */
void svm_vcpu_work(struct percpu *c)
{
	struct vcpu *v = c->vcpu;
	uint32_t sipi;

	if (!v)
		return;
	if (__atomic_exchange_n(&v->init_req, 0, __ATOMIC_ACQ_REL))
		vcpu_do_init(v);
	sipi = __atomic_exchange_n(&v->sipi_req, 0, __ATOMIC_ACQ_REL);
	if (!(sipi & SIPI_VALID) || v->state != VCPU_WAIT_SIPI || v->sipi_accepted)
		return;
	v->sipi_accepted = true;
	v->sipis++;
	vcpu_set_sipi_state(v, (uint8_t)sipi);
	/* A guest re-onlining CPUs in a loop must not flood the log. */
	if (log_ratelimit(&v->sipi_logged))
		printk("vcpu %u: SIPI vector 0x%02x: starts in real mode at "
		       "0x%x (SIPI %llu)\n", v->index, sipi & 0xFF,
		       (sipi & 0xFF) << 12, (unsigned long long)v->sipis);
	vcpu_run(v);
}
