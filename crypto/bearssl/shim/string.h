/* crypto/bearssl/shim/string.h - BearSSL includes <string.h>; the
 * freestanding build has none: lib/ provides these. Only BearSSL's
 * compilation (and crypto/bearssl/) sees this folder. */
#ifndef CRYPTO_BEARSSL_SHIM_STRING_H
#define CRYPTO_BEARSSL_SHIM_STRING_H
#include <stddef.h>
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
#endif
