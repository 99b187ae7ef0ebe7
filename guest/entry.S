/*
 * guest/entry.S - Multiboot2 header, 32-bit entry (boot CPU and APs),
 * identity-mapped page tables (4 GiB, 2 MiB pages), long mode, and the
 * interrupt stubs.
 *
 * Entry state (Multiboot2 spec 3.3): EAX = 0x36d76289, EBX = physical
 * address of the information, 32-bit protected mode, paging off, flat
 * segments, no valid GDT or stack.
 */
#include "guest/guest.h"

/* CR0_*, CR4_*, EFER_*, PTE_*: arch/x86.h (through guest/guest.h). */
#define PTE_P_W       (PTE_P | PTE_RW)
#define PTE_PWT_PCD   (PTE_PWT | PTE_PCD)

/* ---- Multiboot2 header (Multiboot2 spec 3.1) ------------------------------ */
	.section .multiboot2, "a"
	.balign 8
mb2_header:
	.long MB2_HEADER_MAGIC                   /* magic */
	.long 0                                 /* i386 */
	.long mb2_header_end - mb2_header
	.long -(MB2_HEADER_MAGIC + (mb2_header_end - mb2_header))
	.short 0, 0                             /* end tag */
	.long 8
mb2_header_end:

/* ---- boot CPU entry --------------------------------------------------------- */
	.section .text.entry, "ax"
	.code32
	.globl _start
_start:
	cli
	cld
	movl %eax, boot_magic
	movl %ebx, boot_info
	lgdt gdt_ptr
	ljmp $GDT_CODE32, $1f
1:	movl $GDT_DATA, %eax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movw %ax, %fs
	movw %ax, %gs
	movl $bsp_stack + GUEST_STACK_SIZE, %esp

	/* PML4[0] -> PDPT; PDPT[0..3] -> 4 page directories of 2 MiB pages. */
	movl $pdpt + PTE_P_W, pml4
	xorl %ecx, %ecx
2:	movl %ecx, %eax
	shll $12, %eax
	addl $pd + PTE_P_W, %eax
	movl %eax, pdpt(, %ecx, 8)
	incl %ecx
	cmpl $4, %ecx
	jb 2b
	xorl %ecx, %ecx                         /* 2048 PD entries */
3:	movl %ecx, %eax
	shll $21, %eax
	orl $PTE_P_W + PTE_PS, %eax
	cmpl $1536, %ecx                        /* 3..4 GiB: MMIO, uncached */
	jb 4f
	orl $PTE_PWT_PCD, %eax
4:	movl %eax, pd(, %ecx, 8)
	movl %ecx, %eax
	shrl $11, %eax                          /* bits 32+ of the address */
	movl %eax, pd + 4(, %ecx, 8)
	incl %ecx
	cmpl $2048, %ecx
	jb 3b
	xorl %esi, %esi                         /* boot CPU */
	jmp long_mode_enter

/* ---- AP entry: the trampoline jumps here in 32-bit protected mode -------- */
	.globl ap_entry32
ap_entry32:
	movl $GDT_DATA, %eax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movw %ax, %fs
	movw %ax, %gs
	movl $1, %esi                           /* application processor */
	/* fall through */

/* Shared: page tables are built; ESI = 0 boot CPU, 1 AP. Uses no stack. */
long_mode_enter:
	movl %cr0, %eax                         /* INIT leaves CD and NW set */
	andl $~(CR0_CD | CR0_NW), %eax
	movl %eax, %cr0
	movl $pml4, %eax
	movl %eax, %cr3
	movl %cr4, %eax
	orl $CR4_PAE, %eax
	movl %eax, %cr4
	movl $MSR_EFER, %ecx
	rdmsr
	orl $EFER_LME, %eax
	wrmsr
	movl %cr0, %eax
	orl $(CR0_PG | CR0_PE), %eax
	movl %eax, %cr0
	ljmp $GDT_CODE64, $long_mode_64

	.code64
long_mode_64:
	movl $GDT_DATA, %eax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	xorl %eax, %eax
	movw %ax, %fs
	movw %ax, %gs
	testl %esi, %esi
	jnz 5f
	movq $bsp_stack + GUEST_STACK_SIZE, %rsp
	xorl %ebp, %ebp
	movl boot_magic, %edi
	movl boot_info, %esi
	call guest_main
	jmp halt_forever
5:	movq ap_boot_stack, %rsp
	xorl %ebp, %ebp
	call ap_main
halt_forever:
	cli
	hlt
	jmp halt_forever

/* triple_fault: an empty IDT turns the breakpoint into #GP, #DF, shutdown. */
	.globl triple_fault
triple_fault:
	cli
	lidt empty_idt_ptr
	int3
	jmp halt_forever

/* ---- interrupt stubs ------------------------------------------------------ */
/* Vectors with an error code (APM Vol. 2, 8.2): 8, 10-14, 17, 21, 29, 30. */
#define HAS_ERR(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || \
		    (v) == 21 || (v) == 29 || (v) == 30)

	.balign 16
	.globl isr_stubs_start
isr_stubs_start:
.irp hi, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
.irp lo, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
	.balign 16
	.if !HAS_ERR(\hi * 16 + \lo)
	pushq $0
	.endif
	pushq $(\hi * 16 + \lo)
	jmp isr_common
.endr
.endr

isr_common:
	PUSH_GPRS
	cld
	movq %rsp, %rdi
	call trap_dispatch
	POP_GPRS
	addq $16, %rsp
	iretq

/* ---- data ---------------------------------------------------------------- */
	.section .data
	.balign 16
	.globl gdt, gdt_end
gdt:
	.quad 0
	.quad 0x00af9a000000ffff                /* 0x08: 64-bit code */
	.quad 0x00cf92000000ffff                /* 0x10: flat data */
	.quad 0x00cf9a000000ffff                /* 0x18: 32-bit code */
gdt_end:
	.if gdt_end - gdt != GDT_LIMIT + 1
	.error "GDT_LIMIT does not match the GDT"
	.endif
	.balign 8
gdt_ptr:
	.short GDT_LIMIT
	.quad gdt
empty_idt_ptr:
	.short 0
	.quad 0
boot_magic:
	.long 0
boot_info:
	.long 0
	.balign 8
	.globl ap_boot_stack
ap_boot_stack:
	.quad 0

	.section .bss
	.balign 4096
pml4:	.skip 4096
pdpt:	.skip 4096
pd:	.skip 4 * 4096
	.balign 16
bsp_stack:
	.skip GUEST_STACK_SIZE
