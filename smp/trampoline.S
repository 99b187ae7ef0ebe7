/*
 * smp/trampoline.S - where an AP starts after INIT-SIPI-SIPI: real mode at
 * CS:IP = (vector << 8):0 (APM Vol. 2, 16.5 / Intel MP spec B.4). The blob
 * is copied to a free page below 1 MiB and patched (the tramp_* data at its
 * end) by smp/boot.c; it must be position independent: no relative
 * call or jump leaves it, every address is computed from EBX = its base.
 *
 * real mode -> protected mode (own GDT) -> PAE, the hypervisor's CR3,
 * EFER -> long mode -> hypervisor stack -> ap_entry(percpu) in C.
 */
#include "arch/x86.h"

#define OFF(x) ((x) - trampoline_start)

	.section .rodata
	.balign 16
	.globl trampoline_start, trampoline_end
	.code16
trampoline_start:
	cli
	cld
	movw %cs, %ax
	movw %ax, %ds
	movzwl %ax, %ebx
	shll $4, %ebx                       /* EBX = physical base */
	lgdtl OFF(tramp_gdtr)
	movl %cr0, %eax
	andl $~(CR0_CD | CR0_NW), %eax      /* INIT left the caches off */
	orl $CR0_PE, %eax
	movl %eax, %cr0
	ljmpl *OFF(tramp_pm_ptr)

	.code32
tramp_pm:
	movl $SEL_DATA, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	movl %cr4, %eax
	orl $CR4_PAE, %eax
	movl %eax, %cr4
	movl OFF(tramp_cr3)(%ebx), %eax
	movl %eax, %cr3
	movl $MSR_EFER, %ecx
	movl OFF(tramp_efer)(%ebx), %eax
	xorl %edx, %edx
	wrmsr
	movl %cr0, %eax
	orl $(CR0_PG | CR0_WP), %eax
	movl %eax, %cr0
	ljmpl *OFF(tramp_lm_ptr)(%ebx)

	.code64
tramp_lm:
	movl %ebx, %ebx
	movq OFF(tramp_stack)(%rbx), %rsp
	movq OFF(tramp_percpu)(%rbx), %rdi
	movq OFF(tramp_entry)(%rbx), %rax
	xorl %ebp, %ebp
	pushq $0                            /* ends backtraces */
	jmp *%rax

	.balign 16
tramp_gdt:
	.quad 0
	.quad 0x00AF9A000000FFFF            /* 0x08 64-bit code */
	.quad 0x00CF92000000FFFF            /* 0x10 data */
	.quad 0x00CF9A000000FFFF            /* 0x18 32-bit code */
tramp_gdt_end:
	.globl tramp_gdtr, tramp_pm_ptr, tramp_lm_ptr, tramp_cr3, tramp_efer
	.globl tramp_stack, tramp_percpu, tramp_entry
	.globl tramp_pm, tramp_lm, tramp_gdt
tramp_gdtr:
	.short tramp_gdt_end - tramp_gdt - 1
	.long 0                             /* patched: base + OFF(tramp_gdt) */
	.balign 8
tramp_pm_ptr:
	.long 0                             /* patched: base + OFF(tramp_pm) */
	.short SEL_CODE32
	.balign 8
tramp_lm_ptr:
	.long 0                             /* patched: base + OFF(tramp_lm) */
	.short SEL_CODE64
	.balign 8
tramp_cr3:    .long 0
tramp_efer:   .long 0
tramp_stack:  .quad 0
tramp_percpu: .quad 0
tramp_entry:  .quad 0
trampoline_end:

	.text
	/* smp_park_until(flag): wait in HLT until *flag != 0 (see smp.h).
	 * An NMI anywhere in [smp_park_until_start, smp_park_resume) -- the
	 * load, the test, the branch or the HLT -- resumes at the load
	 * (nmi_park_rip), so the flag is read again after every NMI. */
	.globl smp_park_until, smp_park_until_start, smp_park_resume
smp_park_until:
smp_park_until_start:
1:	movl (%rdi), %eax
	testl %eax, %eax
	jnz 2f
	hlt
smp_park_resume:
	jmp 1b
2:	ret
