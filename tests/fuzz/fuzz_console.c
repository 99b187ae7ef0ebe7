/*
 * tests/fuzz/fuzz_console.c - console input as it arrives from the UART:
 * every byte through the line editor, every complete line through the
 * dispatcher with a command table whose commands parse their arguments
 * like the kernel's. Invariants: the line stays within CON_LINE_MAX and
 * NUL-terminated, a refused line runs nothing. A crash or sanitizer
 * report is a finding.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "console/console.h"

static int ran;

static int sink(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kvsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return n;
}

static void run(print_fn pr, int argc, char **argv)
{
	uint64_t v;

	ran++;
	if (argc < 1 || argc > CON_MAX_ARGS)
		abort();
	for (int i = 1; i < argc; i++)
		con_arg_u64(argv[i], 0, ~0ULL >> (i % 64), &v, pr, "arg");
}

static const struct con_cmd cmds[] = {
	{ "help", "", "", 0, 0, run },
	{ "regs", "<cpu>", "", 1, 1, run },
	{ "peek", "<gpa> [len]", "", 1, 2, run },
	{ "x", "[...]", "", 0, 7, run },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct con_line l;

	memset(&l, 0, sizeof(l));
	con_line_reset(&l);
	for (size_t i = 0; i < len; i++) {
		if (!con_line_feed(&l, data[i], (i & 1) ? sink : NULL))
			continue;
		if (l.len > CON_LINE_MAX || strlen(l.buf) != l.len)
			abort();
		if (!l.overflow) {
			int before = ran;

			if (con_exec(cmds, 4, l.buf, sink) != 0 && ran != before)
				abort();
		}
		con_line_reset(&l);
	}
	return 0;
}
