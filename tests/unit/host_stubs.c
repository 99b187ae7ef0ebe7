/*
 * tests/unit/host_stubs.c - the kernel services that kernel code expects,
 * for the host build: printk to stdout (silenced unless HV_TEST_VERBOSE is
 * set) and a panic that longjmps back to EXPECT_PANIC.
 */
#include "test.h"

#include <stdarg.h>
#include <stdlib.h>

#include "kernel/kernel.h"

jmp_buf *test_panic_jmp;
char test_panic_msg[1024];
int test_panic_count;

int vprintk(const char *fmt, va_list ap)
{
	static int verbose = -1;

	if (verbose < 0)
		verbose = getenv("HV_TEST_VERBOSE") != NULL;
	if (!verbose)
		return 0;
	return vprintf(fmt, ap);
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

_Noreturn void panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(test_panic_msg, sizeof(test_panic_msg), fmt, ap);
	va_end(ap);
	test_panic_count++;
	if (test_panic_jmp)
		longjmp(*test_panic_jmp, 1);
	fprintf(stderr, "unexpected panic: %s\n", test_panic_msg);
	abort();
}
