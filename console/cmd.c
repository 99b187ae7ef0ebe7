/*
 * console/cmd.c - the console's line editor and command dispatcher. No
 * hardware: the same code runs in the kernel and in the host tests.
 */
#include "console/console.h"
#include "lib/lib.h"

void con_line_reset(struct con_line *l)
{
	l->len = 0;
	l->overflow = false;
	l->buf[0] = 0;
}

bool con_line_feed(struct con_line *l, int c, print_fn echo)
{
	bool after_cr = l->after_cr;

	l->after_cr = c == '\r';
	if (c == '\n' && after_cr)
		return false;
	if (c == '\r' || c == '\n') {
		l->buf[l->len] = 0;
		if (echo)
			echo("\n");
		return true;
	}
	if (c == 0x08 || c == 0x7F) {
		if (l->len) {
			l->len--;
			if (echo)
				echo("\b \b");
		}
		return false;
	}
	if (c < 0x20 || c > 0x7E)
		return false;
	if (l->len == CON_LINE_MAX) {
		l->overflow = true;
		return false;
	}
	l->buf[l->len++] = (char)c;
	if (echo)
		echo("%c", c);
	return false;
}

static bool blank(char c)
{
	return c == ' ' || c == '\t';
}

int con_exec(const struct con_cmd *cmds, size_t n, char *line, print_fn pr)
{
	char *argv[CON_MAX_ARGS];
	const struct con_cmd *cmd = NULL;
	int argc = 0;
	char *p = line;

	while (*p) {
		while (blank(*p))
			*p++ = 0;
		if (!*p)
			break;
		if (argc == CON_MAX_ARGS) {
			pr("error: more than %d words\n", CON_MAX_ARGS);
			return -1;
		}
		argv[argc++] = p;
		while (*p && !blank(*p))
			p++;
	}
	if (!argc)
		return 0;
	for (size_t i = 0; i < n && !cmd; i++)
		if (!strcmp(cmds[i].name, argv[0]))
			cmd = &cmds[i];
	if (!cmd) {
		pr("error: unknown command '%.32s' (try 'help')\n", argv[0]);
		return -1;
	}
	if (argc - 1 < cmd->min_args || argc - 1 > cmd->max_args) {
		pr("error: usage: %s %s\n", cmd->name, cmd->usage);
		return -1;
	}
	cmd->run(pr, argc, argv);
	return 0;
}

void con_help(const struct con_cmd *cmds, size_t n, print_fn pr)
{
	pr("commands:\n");
	for (size_t i = 0; i < n; i++) {
		char head[40];

		ksnprintf(head, sizeof(head), "%s %s", cmds[i].name,
			  cmds[i].usage);
		pr("  %-22s %s\n", head, cmds[i].help);
	}
}

int con_arg_u64(const char *arg, uint64_t min, uint64_t max, uint64_t *out,
		print_fn pr, const char *what)
{
	uint64_t v;

	if (kparse_u64(arg, strlen(arg), &v) != 0 || v < min || v > max) {
		pr("error: bad %s '%.32s' (%llu..%llu)\n", what, arg,
		   (unsigned long long)min, (unsigned long long)max);
		return -1;
	}
	*out = v;
	return 0;
}
