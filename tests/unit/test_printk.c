/* Host tests for the print lock of kernel/printk.c (included below under
 * other names, beside the host stubs' printk): a print that interrupts
 * one of its own CPU's prints (an exception, #MC or #SX, or the panic
 * path) never waits for itself; only the panicking CPU prints over a lock
 * another CPU holds, and only after waiting for it. */
#include "test.h"

#include <pthread.h>
#include <string.h>

#include "kernel/kernel.h"
#include "kernel/private.h"

#define vprintk real_vprintk
#define printk real_printk
int real_vprintk(const char *fmt, va_list ap);
int real_printk(const char *fmt, ...);
#include "kernel/printk.c"
#undef vprintk
#undef printk

int (*panic_cpu_index)(void);
static __thread int my_cpu;
static char out[4096];
static volatile size_t out_len;
static volatile int nest_once;         /* serial_putc prints once, nested */
static volatile int hold;              /* serial_putc blocks while set */

static int fake_cpu(void) { return my_cpu; }

void serial_putc(char c)
{
	if (out_len < sizeof(out) - 1)
		out[out_len++] = c;
	if (nest_once) {
		nest_once = 0;
		real_printk("<nested>");     /* an exception on this CPU */
	}
	while (hold && my_cpu == 2)
		__asm__ __volatile__("pause");
}

static void reset(void)
{
	memset(out, 0, sizeof(out));
	out_len = 0;
	panic_cpu_index = fake_cpu;
	my_cpu = 0;
}

TEST(printk_nested_on_own_cpu_does_not_wait_for_itself)
{
	reset();
	nest_once = 1;
	real_printk("outer\n");               /* would spin for ever */
	CHECK(strstr(out, "<nested>") != NULL);
	CHECK(strstr(out, "outer") != NULL);
	/* The lock is free again afterwards. */
	real_printk("after\n");
	CHECK(strstr(out, "after") != NULL);
}

static void *cpu2_prints(void *arg)
{
	my_cpu = 2;
	real_printk("cpu2 holds the lock\n");
	return NULL;
}

TEST(printk_panicking_cpu_prints_over_a_held_lock_only_after_waiting)
{
	pthread_t t;

	reset();
	hold = 1;
	CHECK_EQ(pthread_create(&t, NULL, cpu2_prints, NULL), 0);
	while (!out_len)                      /* cpu 2 is inside its print */
		__asm__ __volatile__("pause");
	my_cpu = 1;
	printk_set_panicking();
	real_printk("panic report\n");        /* waits, then prints over */
	CHECK(strstr(out, "panic report") != NULL);
	hold = 0;
	pthread_join(t, NULL);
	/* The lock was let go by its owner; a later print takes it. */
	real_printk("done\n");
	CHECK(strstr(out, "done") != NULL);
}
