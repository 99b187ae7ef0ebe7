/*
 * guest/trampoline.S - the AP start-up code, copied to TRAMP_BASE (below
 * 1 MiB, page aligned) before INIT-SIPI-SIPI. The AP starts here in real
 * mode with CS = TRAMP_BASE >> 4, IP = 0 (Intel SDM 10.4.4.1, APM Vol. 2,
 * 16.5). Position independent: data is addressed relative to CS, and the
 * only jump out of the copy is an absolute far jump into the image.
 *
 * The first instruction reads the TSC into tramp_tsc (in the copy): the
 * boot CPU subtracts the TSC it read right before the STARTUP IPI's ICR
 * write, which gives the SIPI latency (guest/bench.c, docs/bench-svm.md).
 */
#include "guest/guest.h"

	.section .rodata
	.code16
	.balign 16
	.globl tramp_start, tramp_end, tramp_tsc
tramp_start:
	rdtsc                                   /* first instruction: SIPI bench */
	movl %eax, %cs:(tramp_tsc - tramp_start)
	movl %edx, %cs:(tramp_tsc + 4 - tramp_start)
	cli
	cld
	movw %cs, %ax
	movw %ax, %ds
	lgdtl tramp_gdtr - tramp_start
	movl %cr0, %eax
	orl $1, %eax                            /* CR0.PE */
	movl %eax, %cr0
	ljmpl $GDT_CODE32, $ap_entry32
	.balign 8
tramp_gdtr:
	.short GDT_LIMIT
	.long gdt
	.balign 8
tramp_tsc:                                      /* written by the AP */
	.quad 0
tramp_end:
	.code64
