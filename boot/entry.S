/*
 * boot/entry.S - from GRUB's 32-bit protected mode to 64-bit C.
 *
 * Machine state on entry (Multiboot2 spec 3.3): EAX = 0x36d76289, EBX =
 * physical address of the boot information, CS/DS/ES/SS flat 32-bit,
 * paging off, IF = 0, ESP undefined. The same under BIOS and under UEFI
 * (GRUB has called ExitBootServices, since we ask for no EFI tags).
 *
 * The image may be anywhere GRUB chose (relocatable tag), so this code is
 * position independent: EBP holds delta = runtime physical - link-time
 * physical, and every address is (symbol - KERNEL_VMA) + delta.
 *
 * Early page tables (all in .bss, 4 KiB each):
 *   PML4[0]   -> identity map of the first 4 GiB (2 MiB pages), for the
 *                switch itself and early access to boot data;
 *   PML4[256] -> the same 4 GiB at DIRECT_MAP_BASE (the direct map; mm/
 *                later rebuilds it over all of RAM);
 *   PML4[511] -> KERNEL_VMA + KERNEL_LINK_PHYS maps onto the load address.
 */
#include "arch/x86.h"
#include "boot/multiboot2.h"

#define PHYS(sym) ((sym) - KERNEL_VMA)
#define COM1 0x3F8

	.section .text.boot, "ax"
	.code32
	.globl _start32
_start32:
	cli
	cld
	/* The TSC at the first instruction (bench/scale.mk: the set-up
	 * time up to the guest's first instruction): kept in ECX:EDX, the
	 * magic in EDI, until EBP says where boot_tsc0 is. */
	movl %eax, %edi
	rdtsc
	movl %eax, %ecx
	/* ESP is undefined: borrow the 'reserved' word of the boot
	 * information (spec 3.4.1) for the one push that finds EIP, as
	 * Linux borrows boot_params.scratch. */
	movl %ebx, %esi                 /* ESI = boot information (kept) */
	leal 8(%ebx), %esp
	call 1f
1:	popl %ebp
	movl $0, 4(%ebx)
	subl $PHYS(1b), %ebp            /* EBP = delta */
	movl %ecx, PHYS(boot_tsc0)(%ebp)
	movl %edx, PHYS(boot_tsc0) + 4(%ebp)
	movl %edi, %eax

	cmpl $MB2_BOOTLOADER_MAGIC, %eax
	jne .Lno_mb2

	/* Long mode available? (CPUID Fn8000_0001 EDX[29]) */
	movl $0x80000000, %eax
	cpuid
	cmpl $0x80000001, %eax
	jb .Lno_lm
	movl $0x80000001, %eax
	cpuid
	btl $29, %edx
	jnc .Lno_lm

	/* Zero .bss (GRUB zeroes it too; we do not rely on that). */
	leal PHYS(__bss_start)(%ebp), %edi
	leal PHYS(__bss_end)(%ebp), %ecx
	subl %edi, %ecx
	xorl %eax, %eax
	rep stosb

	leal PHYS(boot_stack_top)(%ebp), %esp

	/* Identity + direct map of 0..4 GiB: 2048 2 MiB pages in 4 PDs. */
	leal PHYS(boot_pd_low)(%ebp), %edi
	xorl %ecx, %ecx
2:	movl %ecx, %eax
	shll $21, %eax
	orl $(PTE_P | PTE_RW | PTE_PS), %eax
	movl %eax, (%edi,%ecx,8)
	movl %ecx, %eax
	shrl $11, %eax                  /* bits 32+ of (i << 21) */
	movl %eax, 4(%edi,%ecx,8)
	incl %ecx
	cmpl $2048, %ecx
	jb 2b

	leal PHYS(boot_pdpt_low)(%ebp), %edi
	leal PHYS(boot_pd_low)(%ebp), %eax
	orl $(PTE_P | PTE_RW), %eax
	xorl %ecx, %ecx
3:	movl %eax, (%edi,%ecx,8)
	addl $0x1000, %eax
	incl %ecx
	cmpl $4, %ecx
	jb 3b

	/* The image: PD entries 1.. of the last 1 GiB (KERNEL_VMA). */
	leal PHYS(boot_pd_kernel)(%ebp), %edi
	leal KERNEL_LINK_PHYS(%ebp), %eax   /* load base */
	orl $(PTE_P | PTE_RW | PTE_PS), %eax
	movl $(KERNEL_LINK_PHYS >> 21), %ecx
	movl $__image_2m_pages, %edx
	addl %ecx, %edx
4:	movl %eax, (%edi,%ecx,8)
	addl $0x200000, %eax
	incl %ecx
	cmpl %edx, %ecx
	jb 4b

	leal PHYS(boot_pdpt_high)(%ebp), %edi
	leal PHYS(boot_pd_kernel)(%ebp), %eax
	orl $(PTE_P | PTE_RW), %eax
	movl %eax, (510 * 8)(%edi)

	leal PHYS(boot_pml4)(%ebp), %edi
	leal PHYS(boot_pdpt_low)(%ebp), %eax
	orl $(PTE_P | PTE_RW), %eax
	movl %eax, (%edi)
	movl %eax, (256 * 8)(%edi)
	leal PHYS(boot_pdpt_high)(%ebp), %eax
	orl $(PTE_P | PTE_RW), %eax
	movl %eax, (511 * 8)(%edi)

	/* PAE, then CR3, EFER.LME (+NXE when offered), then paging. */
	movl %cr4, %eax
	orl $CR4_PAE, %eax
	movl %eax, %cr4
	movl %edi, %cr3
	movl $0x80000001, %eax
	cpuid
	movl %edx, %edi                 /* EDX[20]: NX offered */
	movl $MSR_EFER, %ecx
	rdmsr
	orl $EFER_LME, %eax
	btl $20, %edi
	jnc 5f
	orl $EFER_NXE, %eax
5:	wrmsr
	movl %cr0, %eax
	orl $(CR0_PG | CR0_PE | CR0_WP), %eax
	movl %eax, %cr0

	/* Load a 64-bit GDT (its pointer patched with the runtime base)
	 * and far-return into 64-bit code. */
	leal PHYS(boot_gdt)(%ebp), %eax
	movl %eax, PHYS(boot_gdtr32 + 2)(%ebp)
	lgdt PHYS(boot_gdtr32)(%ebp)
	pushl $SEL_CODE64
	leal PHYS(.Llong)(%ebp), %eax
	pushl %eax
	lret

.Lno_mb2:
	leal PHYS(msg_no_mb2)(%ebp), %esi
	jmp .Lfail32
.Lno_lm:
	leal PHYS(msg_no_lm)(%ebp), %esi
.Lfail32:
	/* Minimal polled COM1 output; firmware or GRUB set the port up. */
6:	movb (%esi), %al
	testb %al, %al
	jz 8f
	movw $(COM1 + 5), %dx
7:	inb %dx, %al
	testb $0x20, %al
	jz 7b
	movb (%esi), %al
	movw $COM1, %dx
	outb %al, %dx
	incl %esi
	jmp 6b
8:	hlt
	jmp 8b

	.code64
.Llong:
	/* Upper halves of registers are undefined after the switch. */
	movl %ebp, %ebp
	movl %esi, %esi
	/* Still at the physical address: jump to the linked one. */
	movabsq $.Lhigh, %rax
	jmp *%rax
.Lhigh:
	lgdt boot_gdtr64(%rip)
	movl $SEL_DATA, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	xorl %eax, %eax
	movl %eax, %fs
	movl %eax, %gs
	movabsq $boot_stack_top, %rsp
	pushq $SEL_CODE64
	leaq 9f(%rip), %rax
	pushq %rax
	lretq
9:
	/* kmain(boot information physical, image load base physical) */
	movq %rsi, %rdi
	leaq KERNEL_LINK_PHYS(%rbp), %rsi
	xorl %ebp, %ebp                 /* ends backtraces */
	call kmain
10:	cli
	hlt
	jmp 10b

	.section .rodata
msg_no_mb2: .asciz "hv: panic: not started by a Multiboot2 boot loader\r\n"
msg_no_lm:  .asciz "hv: panic: this CPU has no long mode\r\n"

	.section .data
	.balign 8
	.globl boot_tsc0
boot_tsc0:      .quad 0                 /* TSC at _start32 (not .bss: zeroed later) */
	.balign 16
	.globl boot_gdt
boot_gdt:
	.quad 0                         /* null */
	.quad 0x00AF9A000000FFFF        /* 0x08: 64-bit code, DPL 0 */
	.quad 0x00CF92000000FFFF        /* 0x10: data */
	.quad 0x00CF9A000000FFFF        /* 0x18: 32-bit code */
boot_gdt_end:
	.balign 8
boot_gdtr32:
	.short boot_gdt_end - boot_gdt - 1
	.long 0
	.balign 8
	.short 0, 0, 0
boot_gdtr64:
	.short boot_gdt_end - boot_gdt - 1
	.quad boot_gdt

	.section .bss
	.balign 4096
	.globl boot_pml4
boot_pml4:      .skip 4096
boot_pdpt_low:  .skip 4096
boot_pd_low:    .skip 4 * 4096
boot_pdpt_high: .skip 4096
boot_pd_kernel: .skip 4096
	.balign 16
	.globl boot_stack_top
boot_stack:     .skip 16384
boot_stack_top:
