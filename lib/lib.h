/*
 * lib/lib.h - the freestanding C library: string and memory functions and
 * the formatting engine behind printk. Also built on the host for tests
 * (the mem and str functions then come from the host libc; only the k
 * functions are ours there).
 */
#ifndef LIB_LIB_H
#define LIB_LIB_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);

/* kvsnprintf: C99 vsnprintf semantics (always NUL-terminates when size >
 * 0, returns the length the full output would have had) for the formats
 * %d %i %u %x %X %o %p %s %c %% with flags '-', '0', '+', ' ', '#', field
 * width and precision (numbers or '*'), length modifiers hh h l ll z t j.
 * Unknown conversions are printed literally. %s of NULL prints "(null)". */
int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int ksnprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Parsing helpers for command lines: parse an unsigned number in decimal
 * or 0x-hex with an optional K/M/G suffix. Returns 0 and stores the value,
 * or -1 on malformed input or overflow (nothing stored). */
int kparse_u64(const char *s, size_t len, uint64_t *out);

#endif
