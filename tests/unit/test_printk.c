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

/* ---- the second sink (the screen's) ------------------------------------ */
static char sunk[8192];
static size_t sunk_len;
static int sink_panics;

static void sink_putc(char c)
{
	if (sunk_len < sizeof(sunk) - 1)
		sunk[sunk_len++] = c;
}

static void sink_panic(void)
{
	sink_panics++;
}

static const struct printk_sink test_sink = { sink_putc, sink_panic };

static void sink_reset(void)
{
	reset();
	memset(sunk, 0, sizeof(sunk));
	sunk_len = 0;
	sink_panics = 0;
}

TEST(printk_sink_replays_the_last_lines_then_follows)
{
	sink_reset();
	real_printk("one\ntwo\nthree\nfour\n");
	printk_set_sink(&test_sink, 2);
	CHECK_STR(sunk, "hv: three\nhv: four\n");
	real_printk("five %d\n", 5);
	CHECK_STR(sunk, "hv: three\nhv: four\nhv: five 5\n");
	/* An unfinished line counts as the last one. */
	sunk_len = 0;
	memset(sunk, 0, sizeof(sunk));
	printk_set_sink(NULL, 0);
	real_printk("six\nseven");
	printk_set_sink(&test_sink, 2);
	CHECK_STR(sunk, "hv: six\nhv: seven");
	real_printk("\n");
	CHECK_STR(sunk, "hv: six\nhv: seven\n");
	/* More lines wanted than the ring holds: all of it, no more. */
	printk_set_sink(NULL, 0);
	sunk_len = 0;
	memset(sunk, 0, sizeof(sunk));
	printk_set_sink(&test_sink, 100000);
	CHECK(sunk_len > 0 && sunk_len < sizeof(sunk) - 1);
	CHECK(strncmp(sunk, "hv: ", 4) == 0 || sunk_len > 0);
	/* Removed: nothing more arrives. */
	printk_set_sink(NULL, 0);
	sunk_len = 0;
	real_printk("eight\n");
	CHECK_EQ(sunk_len, 0);
}

TEST(printk_sink_hears_the_panic_first)
{
	sink_reset();
	real_printk("before\n");
	printk_set_sink(&test_sink, 0);
	CHECK_EQ(sunk_len, 0);            /* no lines wanted: none replayed */
	my_cpu = 1;
	printk_set_panicking();
	CHECK_EQ(sink_panics, 1);
	printk_set_sink(NULL, 0);
}
