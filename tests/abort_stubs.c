/* tests/abort_stubs.c - kernel services for host builds that must not
 * survive a panic, the fuzz targets and the benchmarks: printk is silent,
 * and a panic prints its message and aborts (for libFuzzer, a finding: it
 * saves the input). The unit tests use tests/unit/host_stubs.c instead,
 * whose panic EXPECT_PANIC can catch. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "kernel/kernel.h"

int vprintk(const char *fmt, va_list ap)
{
	(void)fmt;
	(void)ap;
	return 0;
}

int printk(const char *fmt, ...)
{
	(void)fmt;
	return 0;
}

_Noreturn void panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "panic: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	abort();
}
