/*
 * kernel/printk.c - formatted output to the serial console and to the log
 * ring (which the debug console's 'log' command reads back).
 * Every line starts with "hv: " so the hypervisor's lines stand apart
 * from the guest's ("guest: ") on a shared serial port.
 */
#include "kernel/kernel.h"
#include "kernel/private.h"
#include "lib/lib.h"

#define LOG_RING_SIZE (64 * 1024)

static struct spinlock printk_lock = SPINLOCK_INIT;
static char log_ring[LOG_RING_SIZE];
static uint64_t log_head; /* total characters ever logged */
static bool at_line_start = true;
/* The CPU (panic_cpu_index() + 1) that holds printk_lock, 0 for none;
 * and the CPU that panics, 0 for none. */
static volatile int lock_owner;
static volatile int panicking_cpu;
/* A second output (the screen, fb/console.c), or NULL. */
static const struct printk_sink *sink;
/* How long a panicking CPU waits for another CPU's print to end before it
 * prints over it (that CPU may have been halted holding the lock). */
#define PANIC_LOCK_SPINS 20000000

static void emit(char c)
{
	const struct printk_sink *s = READ_ONCE(sink);

	if (at_line_start) {
		for (const char *p = "hv: "; *p; p++) {
			serial_putc(*p);
			if (s)
				s->putc(*p);
			log_ring[log_head++ % LOG_RING_SIZE] = *p;
		}
		at_line_start = false;
	}
	if (c == '\n')
		serial_putc('\r');
	serial_putc(c);
	if (s)
		s->putc(c);
	log_ring[log_head++ % LOG_RING_SIZE] = c;
	if (c == '\n')
		at_line_start = true;
}

static int printk_cpu(void)
{
	return (panic_cpu_index ? panic_cpu_index() : 0) + 1;
}

/*
 * Take the print lock, except where waiting could never end:
 *  - this CPU holds it already: an exception (#MC, #SX) or the panic path
 *    interrupted one of its own prints; the report goes out interleaved
 *    with the interrupted line instead of spinning on its own lock;
 *  - this CPU panics and another CPU does not let go in time (it may have
 *    been halted while printing): the report goes out over it.
 * Only the panicking CPU bypasses a lock another CPU holds; every other
 * CPU waits (they are being halted anyway).
 */
static bool print_lock(int me)
{
	if (spin_trylock(&printk_lock))
		goto mine;
	if (READ_ONCE(lock_owner) == me)
		return false;
	if (READ_ONCE(panicking_cpu) == me) {
		for (long i = 0; i < PANIC_LOCK_SPINS; i++) {
			if (spin_trylock(&printk_lock))
				goto mine;
			cpu_relax();
		}
		return false;
	}
	while (!spin_trylock(&printk_lock)) {
		if (READ_ONCE(lock_owner) == me)
			return false;
		cpu_relax();
	}
mine:
	WRITE_ONCE(lock_owner, me);
	return true;
}

static void print_unlock(bool locked)
{
	if (!locked)
		return;
	WRITE_ONCE(lock_owner, 0);
	spin_unlock(&printk_lock);
}

int vprintk(const char *fmt, va_list ap)
{
	char buf[512];
	int n = kvsnprintf(buf, sizeof(buf), fmt, ap);
	size_t len = MIN((size_t)n, sizeof(buf) - 1);
	bool locked = print_lock(printk_cpu());

	for (size_t i = 0; i < len; i++)
		emit(buf[i]);
	if ((size_t)n > len)
		for (const char *p = "...[truncated]\n"; *p; p++)
			emit(*p);
	print_unlock(locked);
	return n;
}

int printk(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vprintk(fmt, ap);
	va_end(ap);
	return n;
}

void printk_set_panicking(void)
{
	const struct printk_sink *s = READ_ONCE(sink);

	WRITE_ONCE(panicking_cpu, printk_cpu());
	if (s && s->panic)
		s->panic();
}

/* Under the print lock, so that no line is missed or doubled: the tail of
 * the ring (its last @lines lines, the unfinished one included) to the
 * new sink, then every later character. */
void printk_set_sink(const struct printk_sink *s, unsigned lines)
{
	bool locked = print_lock(printk_cpu());
	uint64_t avail = MIN(log_head, (uint64_t)LOG_RING_SIZE);
	uint64_t start = log_head - avail, p = log_head;
	unsigned seen = 0;

	/* Walk back to just after the newline before the last @lines
	 * lines (a final '\n' ends the last line: not counted). */
	if (p > start && log_ring[(p - 1) % LOG_RING_SIZE] == '\n')
		p--;
	if (!lines)
		p = log_head;
	while (s && p > start && lines) {
		if (log_ring[(p - 1) % LOG_RING_SIZE] == '\n' && ++seen == lines)
			break;
		p--;
	}
	for (; s && p < log_head; p++)
		s->putc(log_ring[p % LOG_RING_SIZE]);
	WRITE_ONCE(sink, s);
	print_unlock(locked);
}

void print_gprs(print_fn pr, const uint64_t gpr[PRINTED_GPRS])
{
	static const char names[PRINTED_GPRS][4] = {
		"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "r8 ", "r9 ",
		"r10", "r11", "r12", "r13", "r14", "r15",
	};

	for (unsigned i = 0; i < PRINTED_GPRS; i += 4) {
		char line[4 * 21 + 1];
		size_t n = 0;

		for (unsigned k = i; k < i + 4 && k < PRINTED_GPRS; k++)
			n += ksnprintf(line + n, sizeof(line) - n, "%s%s %016llx",
				       k == i ? "" : " ", names[k],
				       (unsigned long long)gpr[k]);
		pr("%s\n", line);
	}
}

/* Copy the newest up to @len bytes of the log into @out; returns count. */
size_t log_read_tail(char *out, size_t len)
{
	uint64_t head, avail, start;

	bool locked = print_lock(printk_cpu());

	head = log_head;
	avail = MIN(head, (uint64_t)LOG_RING_SIZE);
	if (len > avail)
		len = (size_t)avail;
	start = head - len;
	for (size_t i = 0; i < len; i++)
		out[i] = log_ring[(start + i) % LOG_RING_SIZE];
	print_unlock(locked);
	return len;
}
