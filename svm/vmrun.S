/*
 * svm/vmrun.S - trips into the guest and back (APM Vol. 2, 15.5), with one
 * assembly fast path.
 *
 * void svm_vmrun(struct guest_gprs *regs, u64 vmcb_pa, u64 host_state_pa,
 *                struct vcpu_fast *fast)
 *
 * Called with GIF = 0 (the caller's CLGI closes the kick race: see
 * vcpu_run). Guest GPRs in; VMLOAD guest (FS, GS, TR, LDTR, KernelGSBase,
 * STAR/LSTAR/CSTAR/SFMASK, SYSENTER_*); VMRUN; then either the fast path
 * handles the exit and VMRUNs again at once, or: VMSAVE guest; guest GPRs
 * out; VMLOAD host (this CPU's GS base, TR and so on are back before any C
 * code runs: VMRUN/#VMEXIT do not restore them). Returns with GIF = 0.
 * RAX and RSP of the guest live in the VMCB; #VMEXIT restores the host's
 * RSP and RAX (= vmcb_pa) from the host save area.
 *
 * The fast path (documented in docs/bench-svm.md) handles, and only when
 * no event was being delivered (EXITINTINFO invalid) and the guest is not
 * single-stepping:
 *   - CPUID of a leaf the policy passes through unchanged (not 1,
 *     0x80000001, 0x8000000A, 0x400000xx: those go to C);
 *   - VMMCALL with RAX = HC_VERSION.
 * The next RIP comes from NRIPS when the CPU saves it, else from the
 * per-vCPU site cache (struct vcpu_fast): same linear address, CR3 and CR0
 * as a site the C path decoded, and the exact opcode bytes still there.
 * Anything else takes the full path. GIF stays 0 throughout, so a kick
 * that arrives meanwhile makes the next VMRUN exit at once.
 */
#include "arch/x86.h"
#include "hypercall/hypercall.h"

#define G_RBX 0x00
#define G_RCX 0x08
#define G_RDX 0x10
#define G_RSI 0x18
#define G_RDI 0x20
#define G_RBP 0x28
#define G_R8  0x30
#define G_R9  0x38
#define G_R10 0x40
#define G_R11 0x48
#define G_R12 0x50
#define G_R13 0x58
#define G_R14 0x60
#define G_R15 0x68

/* VMCB offsets (svm/vmcb.h asserts them) */
#define VMCB_TLB_CONTROL 0x05C
#define VMCB_INT_SHADOW  0x068
#define VMCB_EXIT_CODE   0x070
#define VMCB_EXITINTINFO 0x088
#define VMCB_EVENT_INJ   0x0A8
#define VMCB_NEXT_RIP    0x0C8
#define VMCB_CS_BASE     0x418
#define VMCB_CR3         0x550
#define VMCB_CR0         0x558
#define VMCB_RFLAGS      0x570
#define VMCB_RIP         0x578
#define VMCB_RAX         0x5F8
#define VMCB_CPL         0x4CB
#define VMCB_EFER        0x4D0
#define EFER_SVME_BIT    0x1000
/* struct vcpu_fast (svm/internal.h asserts it) */
#define F_CPUID_LIN   0x00
#define F_CPUID_CR3   0x08
#define F_CPUID_CR0   0x10
#define F_CPUID_VA    0x18
#define F_VMMCALL_LIN 0x20
#define F_VMMCALL_CR3 0x28
#define F_VMMCALL_CR0 0x30
#define F_VMMCALL_VA  0x38
#define F_CPUID_N     0x40
#define F_VMMCALL_N   0x48

#define EXIT_CPUID   0x72
#define EXIT_VMMCALL 0x81

/* Frame: [rsp] regs, [rsp+8] host state, [rsp+16] fast, then callee-saved.
 * Inside the fast path three guest registers sit on top (+24). */
#define FR_FAST 16

/* The next RIP of the instruction that exited. NRIPS when the CPU saves
 * it (RSI = next RIP, on to the "2:" in ADVANCE_RIP); else the site cache
 * must match (same linear address, CR3 and CR0) and RSI is left pointing
 * at the cached bytes for the caller to compare before ADVANCE_RIP adds
 * the length. Every mismatch goes to .Lslow. */
.macro NEXT_RIP lin, cr3, cr0, va
	movq VMCB_NEXT_RIP(%rdi), %rsi
	testq %rsi, %rsi
	jnz 2f
	movq VMCB_RIP(%rdi), %rsi
	addq VMCB_CS_BASE(%rdi), %rsi
	cmpq \lin(%rdx), %rsi
	jne .Lslow
	movq VMCB_CR3(%rdi), %rsi
	cmpq \cr3(%rdx), %rsi
	jne .Lslow
	movq VMCB_CR0(%rdi), %rsi
	cmpq \cr0(%rdx), %rsi
	jne .Lslow
	movq \va(%rdx), %rsi
.endm
.macro ADVANCE_RIP len
	movq VMCB_RIP(%rdi), %rsi
	addq $\len, %rsi
2:	movq %rsi, VMCB_RIP(%rdi)
.endm

	.text
	.globl svm_vmrun
svm_vmrun:
	pushq %rbp
	movq %rsp, %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	pushq %rcx                  /* fast-path state */
	pushq %rdx                  /* host state page */
	pushq %rdi                  /* regs */

	movq %rsi, %rax             /* guest VMCB */
	movq G_RBX(%rdi), %rbx
	movq G_RCX(%rdi), %rcx
	movq G_RDX(%rdi), %rdx
	movq G_RSI(%rdi), %rsi
	movq G_RBP(%rdi), %rbp
	movq G_R8(%rdi), %r8
	movq G_R9(%rdi), %r9
	movq G_R10(%rdi), %r10
	movq G_R11(%rdi), %r11
	movq G_R12(%rdi), %r12
	movq G_R13(%rdi), %r13
	movq G_R14(%rdi), %r14
	movq G_R15(%rdi), %r15
	movq G_RDI(%rdi), %rdi

	vmload %rax
.Lrun:
	vmrun %rax

	/* ---- fast path: guest RDI, RSI, RDX parked on the stack ---- */
	pushq %rdi
	movabsq $DIRECT_MAP_BASE, %rdi
	addq %rax, %rdi                     /* RDI = VMCB (direct map) */
	cmpl $EXIT_VMMCALL, VMCB_EXIT_CODE(%rdi)
	je 3f
	cmpl $EXIT_CPUID, VMCB_EXIT_CODE(%rdi)
	jne .Lslow1                         /* most exits leave here */
3:	pushq %rsi
	pushq %rdx
	movq FR_FAST+24(%rsp), %rdx         /* RDX = struct vcpu_fast */
	testl $0x80000000, VMCB_EXITINTINFO(%rdi)
	jnz .Lslow
	testl $RFLAGS_TF, VMCB_RFLAGS(%rdi)
	jnz .Lslow
	cmpl $EXIT_VMMCALL, VMCB_EXIT_CODE(%rdi)
	je .Lvmmcall

	/* CPUID: leaves the policy changes go to C. */
	movl VMCB_RAX(%rdi), %esi
	cmpl $1, %esi
	je .Lslow
	cmpl $0x80000001, %esi
	je .Lslow
	cmpl $0x8000000A, %esi
	je .Lslow
	andl $0xFFFFFF00, %esi
	cmpl $0x40000000, %esi
	je .Lslow
	NEXT_RIP F_CPUID_LIN, F_CPUID_CR3, F_CPUID_CR0, F_CPUID_VA
	cmpw $0xA20F, (%rsi)                /* 0F A2, nothing before it */
	jne .Lslow
	ADVANCE_RIP 2
	andq $~1, VMCB_INT_SHADOW(%rdi)     /* the shadow ends with it */
	incq F_CPUID_N(%rdx)
	movq $0, VMCB_EVENT_INJ(%rdi)       /* delivered, if there was one */
	movb $0, VMCB_TLB_CONTROL(%rdi)
	orl $EFER_SVME_BIT, VMCB_EFER(%rdi) /* QEMU's SMM may clear it */
	pushq %rax
	movl VMCB_RAX(%rdi), %eax           /* leaf; ECX (subleaf) is live */
	cpuid                               /* EBX, ECX, EDX: the guest's */
	movq %rax, VMCB_RAX(%rdi)           /* zero-extended, as CPUID does */
	popq %rax
	addq $8, %rsp                       /* guest RDX is now the result */
	popq %rsi
	popq %rdi
	jmp .Lrun

.Lvmmcall:
	cmpq $HC_VERSION, VMCB_RAX(%rdi)
	jne .Lslow
	cmpb $0, VMCB_CPL(%rdi)             /* hypercalls are CPL 0's */
	jne .Lslow
	NEXT_RIP F_VMMCALL_LIN, F_VMMCALL_CR3, F_VMMCALL_CR0, F_VMMCALL_VA
	cmpw $0x010F, (%rsi)                /* 0F 01 D9 */
	jne .Lslow
	cmpb $0xD9, 2(%rsi)
	jne .Lslow
	ADVANCE_RIP 3
	andq $~1, VMCB_INT_SHADOW(%rdi)
	incq F_VMMCALL_N(%rdx)
	movq $HC_ABI_VERSION, VMCB_RAX(%rdi)
	movq $0, VMCB_EVENT_INJ(%rdi)
	movb $0, VMCB_TLB_CONTROL(%rdi)
	orl $EFER_SVME_BIT, VMCB_EFER(%rdi) /* QEMU's SMM may clear it */
	popq %rdx
	popq %rsi
	popq %rdi
	jmp .Lrun

.Lslow:
	popq %rdx
	popq %rsi
.Lslow1:
	popq %rdi
	vmsave %rax

	pushq %rdi                  /* guest RDI */
	movq 8(%rsp), %rdi          /* regs */
	movq %rbx, G_RBX(%rdi)
	movq %rcx, G_RCX(%rdi)
	movq %rdx, G_RDX(%rdi)
	movq %rsi, G_RSI(%rdi)
	movq %rbp, G_RBP(%rdi)
	movq %r8, G_R8(%rdi)
	movq %r9, G_R9(%rdi)
	movq %r10, G_R10(%rdi)
	movq %r11, G_R11(%rdi)
	movq %r12, G_R12(%rdi)
	movq %r13, G_R13(%rdi)
	movq %r14, G_R14(%rdi)
	movq %r15, G_R15(%rdi)
	popq %rax
	movq %rax, G_RDI(%rdi)
	popq %rdi                   /* regs (discarded) */
	popq %rax                   /* host state page */
	vmload %rax
	popq %rax                   /* fast-path state (discarded) */

	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	ret
