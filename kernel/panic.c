/*
 * kernel/panic.c - the panic path: message, CPU, registers, backtrace,
 * every other CPU stopped, then halt. Also the QEMU exit port.
 */
#include "kernel/kernel.h"
#include "arch/x86.h"
#include "kernel/private.h"

void (*panic_stop_others)(void);
void (*panic_mid_report)(void);
int (*panic_cpu_index)(void);

static int panic_count;

_Noreturn void halt_forever(void)
{
	for (;;) {
		cli();
		hlt();
	}
}

/* QEMU's isa-debug-exit device (-device isa-debug-exit,iobase=0xf4):
 * QEMU exits with status (code << 1) | 1. Harmless elsewhere. */
void isa_debug_exit(uint8_t code)
{
	outb(0xF4, code);
}

/* Reset the machine: the reset control register's full reset (0xCF9,
 * ICH9 datasheet 13.7.5: SYS_RST | RST_CPU), then the keyboard
 * controller's reset pulse (8042 command 0xFE); panic if both fail. */
_Noreturn void machine_reset(const char *why)
{
	printk("resetting the machine: %s\n", why);
	outb(0xCF9, 0x02);
	outb(0xCF9, 0x0E);
	mdelay(50);
	outb(0x64, 0xFE);
	mdelay(50);
	panic("machine reset (%s) did not happen", why);
}

/* Walk saved frame pointers (-fno-omit-frame-pointer everywhere); stop
 * at a null or misaligned frame, one below the direct map, or a null
 * return address. A wild frame pointer may still fault: trap_dispatch
 * then reports the nested exception in one line and halts. */
void backtrace_from(uint64_t rbp)
{
	printk("backtrace:\n");
	for (int depth = 0; depth < 16; depth++) {
		const uint64_t *frame = (const uint64_t *)rbp;

		if (!rbp || (rbp & 7) || rbp < DIRECT_MAP_BASE || !frame[1])
			break;
		printk("  #%d %016llx\n", depth, (unsigned long long)frame[1]);
		rbp = frame[0];
	}
}

_Noreturn void panic(const char *fmt, ...)
{
	va_list ap;
	int cpu = panic_cpu_index ? panic_cpu_index() : 0;

	cli();
	if (__atomic_fetch_add(&panic_count, 1, __ATOMIC_SEQ_CST) > 0) {
		/* Another CPU panics already: its report wins. */
		halt_forever();
	}
	if (panic_stop_others)
		panic_stop_others();
	printk_set_panicking();
	printk("\npanic on cpu %d: ", cpu);
	va_start(ap, fmt);
	vprintk(fmt, ap);
	va_end(ap);
	printk("\n");
	/* Tests only (panic_on_cpu=): an NMI in the middle of the report,
	 * as a console keystroke or a kick would send. */
	if (panic_mid_report)
		panic_mid_report();
	printk("caller %p\n", __builtin_return_address(0));
	backtrace_from((uint64_t)__builtin_frame_address(0));
	printk("system halted\n");
	halt_forever();
}
