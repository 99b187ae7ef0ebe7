/* Host tests for console/cmd.c: the line editor, the dispatcher, the
 * argument parser. */
#include "test.h"

#include <stdarg.h>

#include "console/console.h"

static char out[8192];
static size_t out_len;

static int capture(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(out + out_len, sizeof(out) - out_len, fmt, ap);
	va_end(ap);
	if (n > 0)
		out_len = out_len + (size_t)n < sizeof(out) ? out_len + (size_t)n
							     : sizeof(out) - 1;
	return n;
}

static void clear(void)
{
	out_len = 0;
	out[0] = 0;
}

static char last[CON_LINE_MAX + 1];   /* the last line completed */

/* Feed n bytes; returns how many lines they completed (the last one is
 * copied to last[]; l is reset after each but keeps its CR state). */
static int feed(struct con_line *l, const char *s, size_t n)
{
	int lines = 0;

	for (size_t i = 0; i < n; i++)
		if (con_line_feed(l, (uint8_t)s[i], capture)) {
			lines++;
			snprintf(last, sizeof(last), "%s", l->buf);
			if (i + 1 < n)
				con_line_reset(l);
		}
	return lines;
}

#define FEED(l, lit) feed(l, lit, sizeof(lit) - 1)

TEST(line_editor_keeps_printables_and_echoes)
{
	struct con_line l = { 0 };

	clear();
	con_line_reset(&l);
	CHECK_EQ(FEED(&l, "mem 1\r"), 1);
	CHECK_STR(l.buf, "mem 1");
	CHECK(!l.overflow);
	CHECK_STR(out, "mem 1\n");
}

TEST(line_editor_backspace_and_del)
{
	struct con_line l = { 0 };

	clear();
	con_line_reset(&l);
	CHECK_EQ(FEED(&l, "\x08mex\x7fm\x08m\n"), 1);
	CHECK_STR(last, "mem");
	/* Nothing to erase at the start: no echo for it. */
	CHECK_STR(out, "mex\b \bm\b \bm\n");
}

TEST(line_editor_drops_controls_and_high_bytes)
{
	struct con_line l = { 0 };

	con_line_reset(&l);
	CHECK_EQ(FEED(&l, "\x01\x1b[A\x80\xff" "cpus\x00\t\n"), 1);
	CHECK_STR(last, "[Acpus");
}

TEST(line_editor_crlf_is_one_line)
{
	struct con_line l = { 0 };

	con_line_reset(&l);
	CHECK_EQ(FEED(&l, "a\r\n"), 1);
	CHECK_STR(last, "a");
	con_line_reset(&l);
	CHECK_EQ(FEED(&l, "b\n\n"), 2);        /* LF alone: a line each */
	CHECK_STR(last, "");
	con_line_reset(&l);
	CHECK_EQ(FEED(&l, "\r\r"), 2);          /* two CRs: two lines */
	con_line_reset(&l);
	CHECK_EQ(FEED(&l, "\r\n\r\nc\r\n"), 3);
}

TEST(line_editor_overflow)
{
	struct con_line l = { 0 };
	char s[CON_LINE_MAX + 10];

	con_line_reset(&l);
	memset(s, 'x', sizeof(s));
	CHECK_EQ(feed(&l, s, sizeof(s)), 0);
	CHECK_EQ(l.len, CON_LINE_MAX);
	CHECK(l.overflow);
	CHECK_EQ(feed(&l, "\r", 1), 1);
	CHECK(l.overflow);
	CHECK_EQ(strlen(l.buf), CON_LINE_MAX);
	con_line_reset(&l);
	CHECK(!l.overflow && l.len == 0);
	/* Exactly CON_LINE_MAX is fine. */
	CHECK_EQ(feed(&l, s, CON_LINE_MAX), 0);
	CHECK_EQ(feed(&l, "\n", 1), 1);
	CHECK(!l.overflow);
}

static int ran_argc;
static char ran_argv[CON_MAX_ARGS][CON_LINE_MAX + 1];

static void record(print_fn pr, int argc, char **argv)
{
	ran_argc = argc;
	for (int i = 0; i < argc; i++)
		snprintf(ran_argv[i], sizeof(ran_argv[i]), "%s", argv[i]);
	pr("ran %s\n", argv[0]);
}

static const struct con_cmd cmds[] = {
	{ "version", "", "version", 0, 0, record },
	{ "regs", "<cpu>", "registers", 1, 1, record },
	{ "peek", "<gpa> [len]", "dump", 1, 2, record },
	{ "many", "[a...]", "up to seven", 0, 7, record },
};

static int exec(const char *line)
{
	char buf[CON_LINE_MAX + 1];

	snprintf(buf, sizeof(buf), "%s", line);
	clear();
	ran_argc = -1;
	return con_exec(cmds, sizeof(cmds) / sizeof(cmds[0]), buf, capture);
}

TEST(exec_runs_with_arguments)
{
	CHECK_EQ(exec("  peek\t0x1000   32  "), 0);
	CHECK_EQ(ran_argc, 3);
	CHECK_STR(ran_argv[0], "peek");
	CHECK_STR(ran_argv[1], "0x1000");
	CHECK_STR(ran_argv[2], "32");
	CHECK_STR(out, "ran peek\n");
}

TEST(exec_empty_line_is_silent)
{
	CHECK_EQ(exec(""), 0);
	CHECK_EQ(exec(" \t "), 0);
	CHECK_EQ(ran_argc, -1);
	CHECK_STR(out, "");
}

TEST(exec_refuses_before_running)
{
	CHECK_EQ(exec("bogus 1"), -1);
	CHECK_STR(out, "error: unknown command 'bogus' (try 'help')\n");
	CHECK_EQ(exec("vers"), -1);             /* no prefix matching */
	CHECK_EQ(exec("regs"), -1);
	CHECK_STR(out, "error: usage: regs <cpu>\n");
	CHECK_EQ(exec("regs 1 2"), -1);
	CHECK_EQ(exec("version x"), -1);
	CHECK_EQ(exec("many 1 2 3 4 5 6 7 8"), -1);
	CHECK(strstr(out, "more than 8 words") != NULL);
	CHECK_EQ(ran_argc, -1);
	CHECK_EQ(exec("many 1 2 3 4 5 6 7"), 0);
	CHECK_EQ(ran_argc, 8);
}

TEST(exec_long_unknown_name_is_cut)
{
	char line[CON_LINE_MAX + 1];

	memset(line, 'z', CON_LINE_MAX);
	line[CON_LINE_MAX] = 0;
	CHECK_EQ(exec(line), -1);
	CHECK(strlen(out) < 80);
}

TEST(help_lists_every_command)
{
	clear();
	con_help(cmds, sizeof(cmds) / sizeof(cmds[0]), capture);
	CHECK(strstr(out, "  regs <cpu> ") != NULL);
	CHECK(strstr(out, "  peek <gpa> [len] ") != NULL);
	CHECK(strstr(out, "  version ") != NULL);
}

TEST(arg_u64)
{
	uint64_t v = 0;

	clear();
	CHECK_EQ(con_arg_u64("42", 0, 63, &v, capture, "cpu"), 0);
	CHECK_EQ(v, 42);
	CHECK_EQ(con_arg_u64("0x10", 0, 63, &v, capture, "cpu"), 0);
	CHECK_EQ(v, 16);
	CHECK_EQ(con_arg_u64("1M", 0, ~0ULL, &v, capture, "address"), 0);
	CHECK_EQ(v, 1 << 20);
	CHECK_STR(out, "");
	v = 7;
	CHECK_EQ(con_arg_u64("64", 0, 63, &v, capture, "cpu"), -1);
	CHECK_STR(out, "error: bad cpu '64' (0..63)\n");
	CHECK_EQ(v, 7);                      /* untouched */
	CHECK_EQ(con_arg_u64("0", 1, 256, &v, capture, "length"), -1);
	CHECK_EQ(con_arg_u64("-1", 0, 63, &v, capture, "cpu"), -1);
	CHECK_EQ(con_arg_u64("0x", 0, 63, &v, capture, "cpu"), -1);
	CHECK_EQ(con_arg_u64("99999999999999999999999", 0, ~0ULL, &v, capture,
			     "address"), -1);
}
