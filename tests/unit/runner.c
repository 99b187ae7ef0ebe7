/* tests/unit/runner.c - runs every TEST() linked into this binary. */
#include "test.h"

#include <stdarg.h>
#include <stdlib.h>

#define MAX_TESTS 1024

static const struct unit_test *tests[MAX_TESTS];
static int ntests;
static bool current_failed;

void test_register(const struct unit_test *t)
{
	if (ntests == MAX_TESTS) {
		fprintf(stderr, "too many tests\n");
		exit(2);
	}
	tests[ntests++] = t;
}

void test_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	current_failed = true;
	fprintf(stdout, "  FAIL %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stdout, fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
}

int main(int argc, char **argv)
{
	int passed = 0, failed = 0;
	const char *only = argc > 1 ? argv[1] : NULL;

	for (int i = 0; i < ntests; i++) {
		if (only && !strstr(tests[i]->name, only))
			continue;
		current_failed = false;
		tests[i]->fn();
		if (current_failed) {
			printf("FAIL %s (%s)\n", tests[i]->name, tests[i]->file);
			failed++;
		} else {
			passed++;
		}
	}
	printf("%s: %d passed, %d failed\n", argv[0], passed, failed);
	return failed ? 1 : 0;
}
