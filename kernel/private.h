/*
 * kernel/private.h - interfaces between the files of kernel/ that the rest
 * of the tree does not use. (The public interface is kernel/kernel.h.)
 */
#ifndef KERNEL_PRIVATE_H
#define KERNEL_PRIVATE_H

#include "kernel/kernel.h"

/* A 16550 UART at port: 115200 8N1, FIFOs on; with rx_interrupt its IRQ
 * line rises while received data waits (IER.ERBFI, MCR.OUT2). False when
 * no UART answers there. */
bool uart_init(uint16_t port, bool rx_interrupt);
void uart_putc(uint16_t port, char c);
bool uart_rx_ready(uint16_t port);
int uart_getc(uint16_t port);          /* -1 when nothing was received */
bool serial_init(uint16_t port);
uint16_t serial_current_port(void);
void serial_putc(char c);
int serial_getc(void);

void idt_init(void);
void idt_load(void);

/* Exception frame built by kernel/isr.S; shared with assembly. */
struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;
};
_Static_assert(offsetof(struct trap_frame, vector) == 15 * 8, "isr.S layout");
_Static_assert(offsetof(struct trap_frame, rip) == 17 * 8, "isr.S layout");

void trap_dispatch(struct trap_frame *f);
void trap_set_hook(unsigned vec, void (*fn)(struct trap_frame *));
void trap_set_ist(unsigned vec, unsigned ist);
void dump_trap_frame(const struct trap_frame *f);
void backtrace_from(uint64_t rbp);
_Noreturn void halt_forever(void);

/* Set by smp/ once other CPUs run: stop them all (NMI) for a panic. */
/* The TSC at the hypervisor's first instruction (boot/entry.S). */
extern uint64_t boot_tsc0;
extern void (*panic_stop_others)(void);
/* Called by panic() after its first line (panic_on_cpu= sets it). */
extern void (*panic_mid_report)(void);
/* Set by smp/: the current CPU's index for messages, or -1. */
extern int (*panic_cpu_index)(void);

/* kernel/mb2_fb.c, for mb2_parse: tag 8 at @t (@size bytes, inside the
 * block) into bi->fb / fb_status / fb_why; then, once every tag (the
 * memory maps included) is read, the range against usable RAM. */
void mb2_parse_framebuffer(const uint8_t *t, uint32_t size, struct bootinfo *bi);
void mb2_check_framebuffer(struct bootinfo *bi);

void isa_debug_exit(uint8_t code);
/* machine_reset: say why, reset through 0xCF9, then the 8042; panics if
 * the machine is still running. */
_Noreturn void machine_reset(const char *why);
void printk_set_panicking(void);
size_t log_read_tail(char *out, size_t len);

#endif
