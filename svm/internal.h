/* svm/internal.h - shared between the files of svm/ only. */
#ifndef SVM_INTERNAL_H
#define SVM_INTERNAL_H

#include "svm/svm.h"
#include "arch/x86.h"
#include "svm/vmcb.h"
#include "svm/events.h"
#include "mm/mm.h"
#include "smp/smp.h"

/* Guest GPRs the VMCB does not hold (RAX and RSP live in the save area).
 * Layout shared with svm/vmrun.S. */
struct guest_gprs {
	uint64_t rbx, rcx, rdx, rsi, rdi, rbp;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
};
_Static_assert(offsetof(struct guest_gprs, rbx) == 0x00, "vmrun.S");
_Static_assert(offsetof(struct guest_gprs, rdi) == 0x20, "vmrun.S");
_Static_assert(offsetof(struct guest_gprs, r8) == 0x30, "vmrun.S");
_Static_assert(offsetof(struct guest_gprs, r15) == 0x68, "vmrun.S");

/* The assembly fast path (svm/vmrun.S, docs/bench-svm.md): CPUID and
 * VMMCALL HC_VERSION handled without leaving the run stub. Without NRIPS
 * the instruction length comes from a one-entry cache per instruction
 * kind, filled by the C path after a full decode: the site's linear
 * address, CR3 and CR0 (the address space), and a direct-map pointer to
 * the bytes, which the fast path compares with the exact opcode (no
 * prefixes) before it trusts the length. Layout shared with vmrun.S. */
struct vcpu_fast {
	uint64_t cpuid_lin, cpuid_cr3, cpuid_cr0;
	const uint8_t *cpuid_va;
	uint64_t vmmcall_lin, vmmcall_cr3, vmmcall_cr0;
	const uint8_t *vmmcall_va;
	uint64_t cpuid_exits, vmmcall_exits;   /* handled by the fast path */
};
_Static_assert(offsetof(struct vcpu_fast, cpuid_lin) == 0x00, "vmrun.S");
_Static_assert(offsetof(struct vcpu_fast, cpuid_cr3) == 0x08, "vmrun.S");
_Static_assert(offsetof(struct vcpu_fast, cpuid_cr0) == 0x10, "vmrun.S");
_Static_assert(offsetof(struct vcpu_fast, cpuid_va) == 0x18, "vmrun.S");
_Static_assert(offsetof(struct vcpu_fast, vmmcall_lin) == 0x20, "vmrun.S");
_Static_assert(offsetof(struct vcpu_fast, vmmcall_cr3) == 0x28, "vmrun.S");
_Static_assert(offsetof(struct vcpu_fast, vmmcall_cr0) == 0x30, "vmrun.S");
_Static_assert(offsetof(struct vcpu_fast, vmmcall_va) == 0x38, "vmrun.S");
_Static_assert(offsetof(struct vcpu_fast, cpuid_exits) == 0x40, "vmrun.S");
_Static_assert(offsetof(struct vcpu_fast, vmmcall_exits) == 0x48, "vmrun.S");

/* The last MMIO store site the C path decoded (svm/guestmem.c), so a
 * guest writing its APIC in a loop (EOI, timer) skips the fetch, the
 * decode and the operand's page walk: valid while the instruction's
 * linear address, CR3 and CR0 are the same, its bytes unchanged, and the
 * operand's page translates as it did (checked against EXITINFO2). */
struct mmio_site {
	bool valid;
	uint8_t len;
	uint64_t lin, cr3, cr0;
	const uint8_t *va;            /* the instruction bytes, direct map */
	uint64_t bytes8, mask;        /* its bytes (up to 8) and their mask */
	uint64_t op_lin_page, op_gpa_page;
	/* The decoded operand, resolved to where its parts live. */
	const uint64_t *base, *index;     /* guest GPR slots, or NULL */
	const uint64_t *src;              /* source GPR slot, NULL: imm */
	const uint64_t *seg_base;         /* in the VMCB */
	uint64_t amask, scale, imm, vmask;
	int64_t disp;
	uint8_t opsize;
};

enum vcpu_state {
	VCPU_WAIT_SIPI,   /* parked in the hypervisor until a SIPI */
	VCPU_RUNNING,
	VCPU_STOPPED,     /* stopped with a reason; never resumed as is */
};

/* What an exit handler decided. */
enum exit_action {
	EXIT_RESUME,      /* state updated (RIP advanced if needed): run on */
	EXIT_INJECT,      /* vcpu->ev.inject holds an event for the guest */
	EXIT_STOP,        /* stop this vCPU; vcpu->stop_reason says why */
};

#define VCPU_IO_PORTS 16

struct vcpu {
	struct vmcb *vmcb;
	struct paddr vmcb_pa;
	struct paddr hsave_pa;
	struct paddr host_state_pa;   /* host VMSAVE/VMLOAD area */
	struct guest_gprs regs;
	struct percpu *cpu;
	uint32_t index;
	volatile uint32_t state;      /* enum vcpu_state */
	struct event_state ev;        /* events for the guest (events.h) */
	bool inj_staged;              /* EVENTINJ holds an event that no VMRUN
				       * has taken yet (prepare_events) */
	uint64_t vm_hsave_shadow;     /* the guest's own VM_HSAVE_PA */
	uint64_t debugctl;            /* the guest's DEBUGCTL (a shadow) */
	uint64_t sipi_logged;         /* log_ratelimit counter */
	uint64_t spec_ctrl;           /* the guest's SPEC_CTRL (svm/msr.c) */
	bool tlb_flush;               /* TLB_CONTROL=1 on the next VMRUN */
	const char *stop_reason;
	uint64_t exit_counts[SVM_EXIT_SLOTS];
	uint64_t apic_fast_writes;    /* NPF exits apic_fast_write took */
	uint64_t cfg_reads_joined;    /* config data reads run in their
				       * address write's exit (svm/io.c) */
	/* Where the exits come from (the `exits` report): trapped xAPIC
	 * writes by register (offset >> 4, below 0x400), intercepted I/O by
	 * port (the first VCPU_IO_PORTS ports seen, the rest together). */
	uint32_t apic_writes[64];
	struct { uint16_t port; uint32_t n; } io_ports[VCPU_IO_PORTS];
	uint32_t io_other;
	uint8_t io_last;              /* the slot of the last port counted */
	/* TSC ticks from each exit to the next VMRUN (the hypervisor's
	 * handling, polls, NIC and console work on this CPU; a parked or
	 * HLT-waiting vCPU's waits included) since svm.time_accounting,
	 * and when the last exit was. */
	uint64_t hv_tsc, exit_tsc;
	struct vcpu_fast fast;
	struct mmio_site mmio_site;
	uint64_t npf_hv_hits;         /* accesses to the hypervisor's hole */
	bool a20_warned;
	uint32_t apic_refused;        /* IPIs / LVT writes dropped (logged 4) */
	uint32_t icr_high;            /* the guest's ICR high half (shadow) */
	uint32_t ldr, dfr;            /* the guest's LDR/DFR (for logical IPIs) */

	/* Requests from other vCPUs' emulated IPIs: written by the sender,
	 * then the sender kicks this CPU (smp_kick). */
	volatile uint32_t init_req;
	volatile uint32_t sipi_req;   /* SIPI_VALID | vector */
	volatile uint32_t nmi_req;    /* guest NMI IPIs sent to this vCPU */
	uint32_t nmi_req_seen;
	uint64_t foreign_nmis_seen;
	bool sipi_accepted;           /* a second SIPI is ignored (16.5) */
	volatile bool paused;         /* parked by the console's pause */

	uint64_t inits, sipis;

	/* HLT waited for by the hypervisor (its CPU has a source that can
	 * only be polled, smp.h): the guest sits at its HLT, INTR is
	 * intercepted to learn when an interrupt waits for it. */
	bool hlt_wait;
	uint64_t hlt_next_rip;
	uint64_t hlt_exits;
};
#define SIPI_VALID 0x100

/* ---- global SVM state (svm/setup.c) ----------------------------------- */
struct svm_global {
	uint32_t features;            /* CPUID Fn8000_000A EDX */
	uint8_t tlb_flush_kind;       /* TLB_CONTROL for a guest flush */
	/* The vCPUs' hypervisor-time accounts run once `exits N` first
	 * asks (two TSC reads an exit otherwise spent for nobody). */
	volatile bool time_accounting;
	uint64_t time_since;          /* TSC when the accounts started */
	uint32_t nasid;
	bool page1gb;
	bool has_vm_cr;
	struct npt npt;
	size_t npt_table_limit;       /* on-demand mappings stop here */
	struct paddr msrpm_pa;        /* order 1 (8 KiB) */
	struct paddr iopm_pa;         /* order 2 (12 KiB used) */
	struct hv_hole holes[HV_MAX_HOLES]; /* image and pool */
	size_t nholes;
	uint64_t guest_top;           /* NPT maps [0, guest_top) */
	uint64_t apic_gpa;            /* the local APIC page (lapic_base_pa) */
	uint16_t reset_port;          /* FADT RESET_REG when in I/O space */
	uint64_t reset_mmio;          /* ... in memory space (its page read-only) */
	uint8_t reset_value;
	uint16_t guard_port;          /* console UART (svm/guard.c), or 0 */
	uint64_t guard_ioapic_pa;     /* its I/O APIC page, or 0 */
	unsigned guard_pin;
	uint64_t ioapic_pa[SVM_MAX_IOAPICS]; /* guarded I/O APIC pages */
	size_t nioapics;
	uint16_t pm1_cnt[SVM_PM1_SLOTS], pm1_sts[SVM_PM1_SLOTS];  /* PM1a/b ports (svm/io.c), 0: none */
	bool cfg_guarded;             /* chipset config registers (guard_cfg.c) */
	bool fch;                     /* AMD FCH PM registers guarded (fch.c) */
	uint64_t rcrb_page;           /* ICH9 RCBA + 0x3000, read-only, or 0 */
	uint64_t fch_mmio;            /* its AcpiMmio page, read-only */
	uint64_t cfg_page[CFG_MAX_DEVS]; /* their ECAM pages */
	bool cfg_page_unmapped[CFG_MAX_DEVS]; /* not mapped (hidden, or BARs
					 * that answer sizing), else
					 * read-only */
	size_t ncfg;
	uint64_t ecam_lo, ecam_hi;    /* segment 0's ECAM window, or 0, 0 */
	bool s5_known;
	uint8_t s5_typ[2];
	uint64_t hidden_page[SVM_MAX_HIDDEN_PAGES]; /* device pages the guest never sees */
	size_t nhidden_page;
	uint64_t trapped_page;        /* a device page emulated for the guest */
	const struct mmio_ops *trapped_ops; /* (the HPET's, hpet/), or 0 */
};
extern struct svm_global svm;

/* ---- devices hidden from the guest (svm/hide.c) ---- */
void hide_init(const struct svm_config *cfg);
/* The hidden ranges as NPT holes; returns the count (<= max). */
size_t hide_npt_holes(struct npt_range *out, size_t max);
/* gpa lies in a hidden range (reads all ones, writes dropped). */
bool hide_gpa(uint64_t gpa);
/* [lo, hi) overlaps a hidden range. */
bool hide_overlaps(uint64_t lo, uint64_t hi);
/* Mechanism #1: the access touches the data port while 0xCF8 addresses a
 * hidden function (call under the configuration lock). */
bool hide_cfg_port(uint16_t port, unsigned size);

/* CPUID Fn8000_000A EDX feature bits (APM Vol. 3, E.4.10) */
#define SVM_FEAT_NPT        BIT(0)
#define SVM_FEAT_LBRV       BIT(1)
#define SVM_FEAT_SVML       BIT(2)
#define SVM_FEAT_NRIPS      BIT(3)
#define SVM_FEAT_TSCRATE    BIT(4)
#define SVM_FEAT_CLEAN      BIT(5)
#define SVM_FEAT_FLUSHASID  BIT(6)
#define SVM_FEAT_DECODE     BIT(7)
#define SVM_FEAT_PAUSEFILT  BIT(10)
#define SVM_FEAT_AVIC       BIT(13)
#define SVM_FEAT_VGIF       BIT(16)
#define SVM_FEAT_VNMI       BIT(25)     /* APM Vol. 2, 15.21.4 */

#define VM_CR_DPD     BIT(0)
#define VM_CR_R_INIT  BIT(1)
#define VM_CR_DIS_A20M BIT(2)
#define VM_CR_LOCK    BIT(3)
#define VM_CR_SVMDIS  BIT(4)

/* vmrun.S: VMLOAD guest; VMRUN (again at once for fast-path exits);
 * VMSAVE guest; VMLOAD host. Called and returning with GIF = 0; the
 * caller handles the exit, then STGI. */
void svm_vmrun(struct guest_gprs *regs, uint64_t vmcb_pa,
	       uint64_t host_state_pa, struct vcpu_fast *fast);


/* A vCPU's guest state (registers, control registers, segments) as its
 * VMCB and GPR save area hold it (svm/report.c): vmcb_dump, regs. */
void vcpu_report_state(print_fn pr, const struct vcpu *v);

/* Exit counts including the fast path's. */
uint64_t vcpu_exit_count(const struct vcpu *v, unsigned slot);
uint64_t vcpu_exits_total(const struct vcpu *v);

/* exit.c */
enum exit_action svm_handle_exit(struct vcpu *v);
void vcpu_stop(struct vcpu *v, const char *reason);
void vmcb_dump(const struct vcpu *v);
void vcpu_inject_exception(struct vcpu *v, unsigned vector, bool has_error,
			   uint32_t error);
#define vcpu_inject_ud(v) vcpu_inject_exception((v), 6, false, 0)
#define vcpu_inject_gp(v) vcpu_inject_exception((v), 13, true, 0)

/* After the hypervisor completed a guest instruction for it (RIP moved
 * past it): the STI/MOV SS shadow ends with that instruction, and a guest
 * single-stepping with RFLAGS.TF gets its #DB (DR6.BS), as on hardware
 * (KVM's skip_emulated_instruction does the same). */
static inline void vcpu_insn_done(struct vcpu *v)
{
	struct vmcb *vm = v->vmcb;

	vm->ctl.interrupt_shadow &= ~1ULL;
	if (unlikely(vm->save.rflags & RFLAGS_TF)) {
		vm->save.dr6 |= BIT(14);
		vcpu_inject_exception(v, 1, false, 0);
	}
}


/* Whether [gpa, gpa + len) touches the hypervisor's memory. */
/* A page of a device that is the hypervisor's (the IOMMU's registers
 * and configuration page): not mapped; reads all-ones, writes dropped. */
static inline bool in_hidden_page(uint64_t gpa)
{
	for (size_t i = 0; i < svm.nhidden_page; i++)
		if ((gpa & ~0xFFFull) == svm.hidden_page[i])
			return true;
	return false;
}

static inline bool in_hv_hole(uint64_t gpa, uint64_t len)
{
	for (size_t i = 0; i < svm.nholes; i++)
		if (gpa < svm.holes[i].end && svm.holes[i].base < gpa + len)
			return true;
	return false;
}

/* guestmem.c: guest memory and instruction decoding for exit handlers. */
/* A pointer to [gpa, gpa+len) of guest RAM, or NULL when any byte lies in
 * the hypervisor's hole or outside the direct map. */
void *guest_ptr(uint64_t gpa, uint64_t len);
struct insn;
/* Decode the instruction at the guest's RIP (through its page tables):
 * its length (1..15) or a negative DEC_E* status. */
int vcpu_decode(struct vcpu *v, struct insn *out);
/* Advance RIP past the intercepted instruction (next-RIP when the CPU has
 * NRIPS, else the decoder); false (and the vCPU stopped) when it cannot. */
bool vcpu_skip_insn(struct vcpu *v);

/* Run the few set-up instructions and the IN that follow the I/O
 * instruction just completed (RIP already past it), when they are
 * decode/follow.c's white list and the IN reads within [lo, hi): @in
 * performs that read (the port's policy), its result lands in RAX, RIP
 * moves past the IN. Only in 64-bit mode, at CPL <= IOPL (no TSS bitmap),
 * without TF or enabled debug breakpoints, with the bytes in one page of
 * guest RAM. True when done; false leaves the vCPU untouched. */
bool vcpu_follow_in(struct vcpu *v, uint16_t lo, uint16_t hi,
		    uint32_t (*in)(struct vcpu *v, uint16_t port, unsigned size));

struct mmio_ops;
/* Emulate the MMIO access that faulted at @gpa (decoded at RIP, operand
 * checked against @gpa); registers and RIP updated on success. Returns a
 * decode status (DEC_OK = 0). */
int vcpu_emulate_mmio(struct vcpu *v, uint64_t gpa, const struct mmio_ops *ops,
		      void *ctx, struct insn *in);

/* The cached path of vcpu_emulate_mmio: true when the store at RIP is
 * the remembered site and was performed (RIP advanced). */
bool vcpu_mmio_site_store(struct vcpu *v, uint64_t gpa,
			  const struct mmio_ops *ops, void *ctx);

/* Its two halves, inline so that a hot caller (apic_fast_write) can put
 * its own store between them without an indirect call. Match: whether
 * the instruction at RIP is the remembered site, unchanged (linear
 * address, CR3, CR0, bytes), and its operand, recomputed from the live
 * registers, is @gpa within one page; then *size and *val are the store.
 * Done: RIP past it, once the store was performed. */
static inline bool vcpu_mmio_site_match(struct vcpu *v, uint64_t gpa,
					unsigned *size, uint64_t *val)
{
	const struct mmio_site *m = &v->mmio_site;
	const struct vmcb_save *s = &v->vmcb->save;
	uint64_t ea;

	if (!m->valid || m->lin != s->cs.base + s->rip || m->cr3 != s->cr3 ||
	    m->cr0 != s->cr0 ||
	    (*(const volatile uint64_t *)m->va & m->mask) != m->bytes8)
		return false;
	ea = (uint64_t)m->disp;
	if (m->base)
		ea += *m->base;
	if (m->index)
		ea += *m->index * m->scale;
	ea = (ea & m->amask) + *m->seg_base;
	if ((ea & ~0xFFFULL) != m->op_lin_page ||
	    (m->op_gpa_page | (ea & 0xFFF)) != gpa ||
	    (ea & 0xFFF) > 0x1000u - m->opsize)
		return false;
	*size = m->opsize;
	*val = (m->src ? *m->src : m->imm) & m->vmask;
	return true;
}

static inline void vcpu_mmio_site_done(struct vcpu *v)
{
	v->vmcb->save.rip += v->mmio_site.len;
	vcpu_insn_done(v);
}

/* guard.c: the console's UART ports, the I/O APICs. */
void guard_init(const struct svm_config *cfg);
/* Whether an access of size bytes at port touches the console's UART. */
bool guard_port(uint16_t port, unsigned size);
/* Which guarded I/O APIC page gpa is in, or -1. */
int guard_ioapic_index(uint64_t gpa);
/* A guest write to guarded I/O APIC page index (NPF). */
enum exit_action guard_ioapic_write(struct vcpu *v, uint64_t gpa, int index);
/* Which page of pages[n] gpa is in, or -1. */
int guard_page_index(const uint64_t *pages, size_t n, uint64_t gpa);
/* Emulate the guest's access to a guarded page under lock; one the
 * decoder cannot take stops the vCPU (what: the page's kind). */
enum exit_action guard_emulate_locked(struct vcpu *v, uint64_t gpa,
				      const struct mmio_ops *ops, void *ctx,
				      struct spinlock *lock, const char *what);
/* Chipset configuration registers (guard_cfg.c, the filter of svm.h): set
 * up at svm_init; guard_cfg_io performs a guest access to 0xCF8-0xCFF
 * (under one lock) through the filter; ECAM page faults come through
 * guard_cfg_access. */
void guard_cfg_init(const struct svm_config *cfg);
void guard_cfg_io(struct vcpu *v, uint16_t port, unsigned size, bool in,
		  uint32_t *val);
int guard_cfg_index(uint64_t gpa);
enum exit_action guard_cfg_access(struct vcpu *v, uint64_t gpa, int index);
/* gpa lies in segment 0's ECAM window (read-only in the NPT); a write
 * fault there on a page guard_cfg_index does not know. */
bool guard_cfg_in_window(uint64_t gpa);
enum exit_action guard_cfg_window_write(struct vcpu *v, uint64_t gpa);
/* A guest write to the ICH9 root complex block's page with OIC and GCS. */
enum exit_action guard_rcrb_write(struct vcpu *v, uint64_t gpa);

/* handlers in insn.c, msr.c, io.c, npf.c */
enum exit_action handle_cpuid(struct vcpu *v);
enum exit_action handle_vmmcall(struct vcpu *v);
enum exit_action handle_svm_insn(struct vcpu *v);
enum exit_action handle_invd(struct vcpu *v);
enum exit_action handle_msr(struct vcpu *v);
enum exit_action handle_ioio(struct vcpu *v);
enum exit_action handle_npf(struct vcpu *v);
enum exit_action apic_write_fault(struct vcpu *v, uint64_t gpa);
bool apic_fast_write(struct vcpu *v);
void apic_policy_init(void);
/* The guest's x2APIC ICR (MSR 0x830), validated (x2apic_write_class):
 * INIT, SIPI and NMI emulated for their targets, fixed and lowest
 * priority sent by the real APIC, SMI and reserved modes dropped. */
void apic_x2_icr_write(struct vcpu *v, uint64_t icr);

/* Nested page fault error code (EXITINFO1, APM Vol. 2, 15.25.6). */
#define NPF_ERR_P      BIT(0)
#define NPF_ERR_WRITE  BIT(1)
#define NPF_ERR_FETCH  BIT(4)
#define NPF_ERR_FINAL  BIT(32)   /* on the final guest-physical access */
#define NPF_ERR_WALK   BIT(33)   /* on a guest page-table access */
#define APIC_PAGE_GPA  (svm.apic_gpa)   /* read-only for the guest */
void msrpm_setup(uint8_t *msrpm);
/* fch.c: an AMD FCH's PM registers. fch_init (from guard_cfg_init when
 * the FCH is there) maps its AcpiMmio page; fch_io performs a guest
 * access to 0xCD6-0xCD7; fch_mmio_write a write fault on that page. */
void fch_init(uint64_t acpimmio_pa);
void fch_io(struct vcpu *v, uint16_t port, unsigned size, bool in,
	    uint32_t *val);
enum exit_action fch_mmio_write(struct vcpu *v, uint64_t gpa);
/* io.c: report that the guest resets the machine (how), then reset it. */
_Noreturn void guest_reset(struct vcpu *v, const char *how);
/* guard.c: a guest write to the page of the FADT's memory-space
 * RESET_REG (read-only in the NPT): performed, but the reset value at the
 * register is reported and done by the hypervisor. */
enum exit_action guard_reset_mmio_write(struct vcpu *v, uint64_t gpa);
/* io.c: one port access of size 1, 2 or 4 bytes. */
uint32_t io_port_in(uint16_t port, unsigned size);
void io_port_out(uint16_t port, unsigned size, uint32_t val);
void iopm_setup(uint8_t *iopm);

/* vcpu.c */
struct vcpu *vcpu_create(struct percpu *cpu);
/* After vcpu_set_multiboot_state: Linux's 32-bit entry instead (selectors
 * 0x10/0x18 of the same flat descriptors, ESI = boot_params). */
void vcpu_set_linux32_state(struct vcpu *v, uint32_t boot_params);
/* Then long mode for Linux's 64-bit entry: paging on with CR3 = pt. */
void vcpu_set_long_mode(struct vcpu *v, uint64_t pt);
void vcpu_set_multiboot_state(struct vcpu *v, uint32_t entry, uint32_t mbi,
			      uint64_t gdt_gpa);
/* Run the vCPU until it waits for SIPI again (INIT) or stops. */
void vcpu_run(struct vcpu *v);
/* smp_vcpu_work: start a vCPU that received its SIPI (svm/vcpu.c). */
void svm_vcpu_work(struct percpu *c);

/* apic.c: deliver an INIT, STARTUP or NMI from @from to @to. */
void vcpu_post_ipi(struct vcpu *from, struct vcpu *to, unsigned mode,
		   uint8_t vector);
enum exit_action handle_iret(struct vcpu *v);
enum exit_action handle_hlt(struct vcpu *v);
enum exit_action handle_intr(struct vcpu *v);

#endif
