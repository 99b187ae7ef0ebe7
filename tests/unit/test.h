/*
 * tests/unit/test.h - our minimal host unit-test framework.
 *
 * A test file defines tests with TEST(name) { ... } and checks with
 * CHECK(cond), CHECK_EQ(a, b) and EXPECT_PANIC(stmt, "substring").
 * tests/unit/runner.c runs every registered test (each in a fresh state),
 * prints one line per failure and ends with "N passed, N failed".
 *
 * Panics are catchable: host_stubs.c implements panic() by longjmp back
 * into EXPECT_PANIC, recording the message for the substring check.
 */
#ifndef TESTS_UNIT_TEST_H
#define TESTS_UNIT_TEST_H

#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

struct unit_test {
	const char *name;
	const char *file;
	void (*fn)(void);
};

void test_register(const struct unit_test *t);
void test_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Panic catching (host_stubs.c). */
extern jmp_buf *test_panic_jmp;
extern char test_panic_msg[1024];
extern int test_panic_count;

#define TEST(name)                                                          \
	static void test_##name(void);                                      \
	__attribute__((constructor)) static void test_reg_##name(void)      \
	{                                                                   \
		static const struct unit_test t = { #name, __FILE__,        \
						    test_##name };          \
		test_register(&t);                                          \
	}                                                                   \
	static void test_##name(void)

#define CHECK(c)                                                            \
	do {                                                                \
		if (!(c)) {                                                 \
			test_fail(__FILE__, __LINE__, "CHECK(%s)", #c);     \
			return;                                             \
		}                                                           \
	} while (0)

#define CHECK_EQ(a, b)                                                      \
	do {                                                                \
		unsigned long long va_ = (unsigned long long)(a);           \
		unsigned long long vb_ = (unsigned long long)(b);           \
		if (va_ != vb_) {                                           \
			test_fail(__FILE__, __LINE__,                       \
				  "CHECK_EQ(%s, %s): 0x%llx != 0x%llx", #a, \
				  #b, va_, vb_);                            \
			return;                                             \
		}                                                           \
	} while (0)

#define CHECK_STR(a, b)                                                     \
	do {                                                                \
		const char *sa_ = (a), *sb_ = (b);                          \
		if (strcmp(sa_, sb_) != 0) {                                \
			test_fail(__FILE__, __LINE__,                       \
				  "CHECK_STR(%s, %s): \"%s\" != \"%s\"", #a, \
				  #b, sa_, sb_);                            \
			return;                                             \
		}                                                           \
	} while (0)

/* Run stmt; it must panic with a message containing substr. */
#define EXPECT_PANIC(stmt, substr)                                          \
	do {                                                                \
		jmp_buf jb_;                                                \
		jmp_buf *prev_ = test_panic_jmp;                            \
		volatile bool panicked_ = false;                            \
		test_panic_msg[0] = 0;                                      \
		if (setjmp(jb_) == 0) {                                     \
			test_panic_jmp = &jb_;                              \
			stmt;                                               \
		} else {                                                    \
			panicked_ = true;                                   \
		}                                                           \
		test_panic_jmp = prev_;                                     \
		if (!panicked_) {                                           \
			test_fail(__FILE__, __LINE__,                       \
				  "expected panic from: %s", #stmt);        \
			return;                                             \
		}                                                           \
		if (!strstr(test_panic_msg, (substr))) {                    \
			test_fail(__FILE__, __LINE__,                       \
				  "panic message \"%s\" lacks \"%s\"",      \
				  test_panic_msg, (substr));                \
			return;                                             \
		}                                                           \
	} while (0)

#endif
