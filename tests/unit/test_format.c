/* Host tests for lib/format.c (printk's engine) and lib/parse.c, compared
 * with the host C library's vsnprintf where C defines the result. */
#include "test.h"

#include <stdarg.h>
#include <stdio.h>

#include "lib/lib.h"

static int both(char *ours, char *ref, size_t size, const char *fmt, ...)
{
	va_list ap;
	int a, b;

	va_start(ap, fmt);
	a = kvsnprintf(ours, size, fmt, ap);
	va_end(ap);
	va_start(ap, fmt);
	b = vsnprintf(ref, size, fmt, ap);
	va_end(ap);
	return a == b ? 0 : -1;
}

#define SAME(fmt, ...)                                                      \
	do {                                                                \
		char o_[128], r_[128];                                      \
		CHECK(both(o_, r_, sizeof(o_), fmt, __VA_ARGS__) == 0);     \
		CHECK_STR(o_, r_);                                          \
	} while (0)

TEST(format_integers)
{
	SAME("%d|%i|%u", -42, 7, 3000000000u);
	SAME("%5d|%-5d|%05d|%+d|% d", 42, 42, -42, 42, 42);
	SAME("%x|%X|%#x|%#X|%08x|%#010x", 0xbeef, 0xbeef, 0xbeef, 0, 0x12, 0x12);
	SAME("%llx|%lld|%llu", 0xffffffffffffffffULL, -9223372036854775807LL - 1,
	     18446744073709551615ULL);
	SAME("%lx|%ld|%zu|%zx", 0x1234567890abcdefUL, -5L, (size_t)99, (size_t)255);
	SAME("%hhx|%hx|%hhd|%hd", 0x1ff, 0x1ffff, 200, 40000);
	SAME("%.3d|%.0d|%5.3d|%-8.3x|%o|%#o", 7, 0, 7, 0xa, 8, 8);
	SAME("%*d|%-*d|%.*d", 6, 1, 6, 2, 4, 3);
}

TEST(format_strings_and_chars)
{
	SAME("%s|%10s|%-10s|%.2s|%c|%3c|%-3c|%%", "abc", "abc", "abc", "abc", 'x',
	     'y', 'z');
	SAME("%p", (void *)0x1234);
}

/* No format attribute: these formats are deliberately invalid. */
static int unchecked(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kvsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

TEST(format_null_and_unknown)
{
	char buf[64];
	const char *volatile nul = NULL;

	unchecked(buf, sizeof(buf), "%s", nul);
	CHECK_STR(buf, "(null)");
	unchecked(buf, sizeof(buf), "a%qb");
	CHECK_STR(buf, "a%qb");
	unchecked(buf, sizeof(buf), "end%");
	CHECK_STR(buf, "end%");
}

TEST(format_truncation)
{
	char buf[8];
	int n = ksnprintf(buf, sizeof(buf), "%s", "0123456789");

	CHECK_EQ(n, 10);
	CHECK_STR(buf, "0123456");
	n = ksnprintf(buf, 1, "%d", 12345);
	CHECK_EQ(n, 5);
	CHECK_EQ(buf[0], 0);
	CHECK_EQ(ksnprintf(NULL, 0, "%d", 123), 3);
}

TEST(parse_numbers)
{
	uint64_t v = 99;

	CHECK(kparse_u64("123", 3, &v) == 0 && v == 123);
	CHECK(kparse_u64("0x1F", 4, &v) == 0 && v == 31);
	CHECK(kparse_u64("32M", 3, &v) == 0 && v == 32ULL << 20);
	CHECK(kparse_u64("4G", 2, &v) == 0 && v == 4ULL << 30);
	CHECK(kparse_u64("8k", 2, &v) == 0 && v == 8192);
	v = 5;
	CHECK(kparse_u64("", 0, &v) == -1 && v == 5);
	CHECK(kparse_u64("0x", 2, &v) == -1);
	CHECK(kparse_u64("M", 1, &v) == -1);
	CHECK(kparse_u64("12a", 3, &v) == -1);
	CHECK(kparse_u64("18446744073709551616", 20, &v) == -1);
	CHECK(kparse_u64("18446744073709551615", 20, &v) == 0 && v == UINT64_MAX);
	CHECK(kparse_u64("17179869184G", 12, &v) == -1);
}
