/*
 * svm/vmrun.S - one trip into the guest and back (APM Vol. 2, 15.5).
 *
 * void svm_vmrun(struct guest_gprs *regs, u64 vmcb_pa, u64 host_state_pa)
 *
 * Called with GIF = 0 (the caller's CLGI closes the kick race: see
 * vcpu_run). Guest GPRs in; VMLOAD guest (FS, GS, TR, LDTR, KernelGSBase,
 * STAR/LSTAR/CSTAR/SFMASK, SYSENTER_*); VMRUN; VMSAVE guest; guest GPRs
 * out; VMLOAD host (restores this CPU's GS base, TR and so on before any C
 * code runs: VMRUN/#VMEXIT do not). Returns with GIF = 0: the caller
 * handles the exit and then executes STGI, where a pending NMI is taken.
 * RAX and RSP of the guest live in the VMCB; #VMEXIT restores the host's
 * RSP and RAX (= vmcb_pa) from the host save area.
 */
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
	vmrun %rax
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

	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	ret
