/*
 * guest/serial.c - COM1 output for the guest: printk with "guest: " at the
 * start of every line (so the guest's lines stand apart from the
 * hypervisor's "hv: " lines), serialised across CPUs by one lock, and
 * panic. Polled; the guest takes no serial interrupts.
 */
#include "guest/guest.h"

#define COM1      0x3f8
#define LSR_THRE  0x20

static struct spinlock serial_lock = SPINLOCK_INIT;
static bool at_line_start = true;       /* under serial_lock */

void serial_init(void)
{
	outb(COM1 + 1, 0x00);           /* no interrupts */
	outb(COM1 + 3, 0x80);           /* DLAB */
	outb(COM1 + 0, 0x01);           /* 115200 baud */
	outb(COM1 + 1, 0x00);
	outb(COM1 + 3, 0x03);           /* 8N1 */
	outb(COM1 + 2, 0xc7);           /* FIFO on, cleared */
	outb(COM1 + 4, 0x03);           /* DTR, RTS */
}

static void serial_putc(char c)
{
	for (unsigned spins = 0; spins < 100000; spins++)
		if (inb(COM1 + 5) & LSR_THRE)
			break;
	outb(COM1, (uint8_t)c);
}

static void emit(const char *s)
{
	for (; *s; s++) {
		if (at_line_start) {
			for (const char *p = "guest: "; *p; p++)
				serial_putc(*p);
			at_line_start = false;
		}
		if (*s == '\n') {
			serial_putc('\r');
			at_line_start = true;
		}
		serial_putc(*s);
	}
}

int vprintk(const char *fmt, va_list ap)
{
	char buf[256];
	int n = kvsnprintf(buf, sizeof(buf), fmt, ap);

	spin_lock(&serial_lock);
	emit(buf);
	spin_unlock(&serial_lock);
	return n;
}

int printk(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vprintk(fmt, ap);
	va_end(ap);
	return n;
}

/* panic: print without waiting forever for the lock (the CPU may have died
 * holding it), then halt this CPU with interrupts off. */
void panic(const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	irq_disable();
	va_start(ap, fmt);
	kvsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	bool locked = false;
	for (unsigned i = 0; i < 1000000 && !locked; i++)
		locked = spin_trylock(&serial_lock);
	if (!at_line_start)
		emit("\n");
	emit("PANIC: ");
	emit(buf);
	emit("\n");
	if (locked)
		spin_unlock(&serial_lock);
	for (;;)
		__asm__ __volatile__("cli; hlt");
}
