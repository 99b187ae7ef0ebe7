/* tests/fuzz/fuzz_stubs.c - kernel services for fuzz targets: printk is
 * silent, and a panic is a finding (abort, so libFuzzer saves the input). */
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
