/* crypto/bearssl/shim/limits.h - the <limits.h> values BearSSL's inner.h
 * may use (x86-64, LP64); the compiler's own limits.h wants a C
 * library's behind it. */
#ifndef CRYPTO_BEARSSL_SHIM_LIMITS_H
#define CRYPTO_BEARSSL_SHIM_LIMITS_H
#define CHAR_BIT   8
#define INT_MAX    __INT_MAX__
#define UINT_MAX   (__INT_MAX__ * 2U + 1U)
#define LONG_MAX   __LONG_MAX__
#define ULONG_MAX  (__LONG_MAX__ * 2UL + 1UL)
#define SIZE_MAX   __SIZE_MAX__
#endif
