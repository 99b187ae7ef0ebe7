/*
 * lib/string.c - memory and string functions for the freestanding kernel.
 * Not built on the host (the host libc provides them). GCC may emit calls
 * to memcpy/memset/memmove/memcmp itself, so the names are the C ones.
 */
#include "lib/lib.h"

/* Eight bytes per iteration, then the tail: a string instruction's
 * iterations are what QEMU's TCG executes one by one (a 128-byte copy was
 * 128 of them), and forward 8-byte steps keep memmove's d < s case
 * correct (every write lands below what is still to be read). */
void *memcpy(void *dst, const void *src, size_t n)
{
	void *ret = dst;
	size_t q = n / 8, r = n % 8;

	__asm__ __volatile__("rep movsq\n\tmovq %[r], %%rcx\n\trep movsb"
			     : "+D"(dst), "+S"(src), "+c"(q)
			     : [r] "r"(r)
			     : "memory");
	return ret;
}

void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if (d == s || n == 0)
		return dst;
	if (d < s || d >= s + n)
		return memcpy(dst, src, n);
	while (n--)
		d[n] = s[n];
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	void *ret = dst;
	size_t q = n / 8, r = n % 8;
	uint64_t v = (uint64_t)(uint8_t)c * 0x0101010101010101ull;

	__asm__ __volatile__("rep stosq\n\tmovq %[r], %%rcx\n\trep stosb"
			     : "+D"(dst), "+c"(q)
			     : "a"(v), [r] "r"(r)
			     : "memory");
	return ret;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (size_t i = 0; i < n; i++)
		if (x[i] != y[i])
			return x[i] < y[i] ? -1 : 1;
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

size_t strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b)
			return (unsigned char)*a - (unsigned char)*b;
		if (!*a)
			return 0;
	}
	return 0;
}

char *strchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return (char *)s;
		if (!*s)
			return NULL;
	}
}
