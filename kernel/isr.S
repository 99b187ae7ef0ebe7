/*
 * kernel/isr.S - exception entry stubs. Each stub pushes a dummy error
 * code where the CPU pushes none (APM Vol. 2, 8.2), then the vector,
 * then the GPRs in struct trap_frame order (kernel/private.h), and calls
 * trap_dispatch(frame). Vectors 32..255 share one stub that reports a
 * stray interrupt: the hypervisor takes no fixed-vector interrupts.
 */
#include "arch/x86.h"

.macro ISR_NOERR vec
	.balign 16
isr_\vec:
	pushq $0
	pushq $\vec
	jmp isr_common
.endm
.macro ISR_ERR vec
	.balign 16
isr_\vec:
	pushq $\vec
	jmp isr_common
.endm

	.text
ISR_NOERR 0
ISR_NOERR 1
ISR_NOERR 2
ISR_NOERR 3
ISR_NOERR 4
ISR_NOERR 5
ISR_NOERR 6
ISR_NOERR 7
ISR_ERR   8
ISR_NOERR 9
ISR_ERR   10
ISR_ERR   11
ISR_ERR   12
ISR_ERR   13
ISR_ERR   14
ISR_NOERR 15
ISR_NOERR 16
ISR_ERR   17
ISR_NOERR 18
ISR_NOERR 19
ISR_NOERR 20
ISR_ERR   21
ISR_NOERR 22
ISR_NOERR 23
ISR_NOERR 24
ISR_NOERR 25
ISR_NOERR 26
ISR_NOERR 27
ISR_NOERR 28
ISR_ERR   29
ISR_ERR   30
ISR_NOERR 31
ISR_NOERR 32   /* shared stub for 32..255: vector unknown, reported as 32+ */

isr_common:
	PUSH_GPRS
	movq %rsp, %rdi
	cld
	call trap_dispatch
	POP_GPRS
	addq $16, %rsp
	iretq

	.section .rodata
	.balign 8
	.globl isr_table
isr_table:
	.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32
	.quad isr_\v
	.endr
