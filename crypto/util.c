/*
 * crypto/util.c - constant-time compare and wiping (crypto/crypto.h).
 */
#include "crypto/crypto.h"

bool ct_equal(const void *a, const void *b, size_t n)
{
	const volatile uint8_t *x = a, *y = b;
	uint8_t d = 0;

	for (size_t i = 0; i < n; i++)
		d |= x[i] ^ y[i];
	return d == 0;
}

void crypto_wipe(void *p, size_t n)
{
	volatile uint8_t *v = p;

	for (size_t i = 0; i < n; i++)
		v[i] = 0;
	__asm__ __volatile__("" : : "r"(p) : "memory");
}
