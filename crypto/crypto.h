/*
 * crypto/crypto.h - the hypervisor's cryptography: the ChaCha20-Poly1305
 * AEAD of RFC 8439 (from BearSSL 0.6, built freestanding in
 * crypto/bearssl/, the only code that sees BearSSL's headers), random
 * bytes for identifiers (RDSEED, RDRAND, or a documented fallback), and
 * the helpers secrets need (constant-time compare, wiping).
 *
 * Used by the authenticated UDP console (net/ucon*.c,
 * docs/console-protocol.md). Host-built for tests (HOST_BUILD).
 */
#ifndef CRYPTO_CRYPTO_H
#define CRYPTO_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AEAD_KEY_LEN   32      /* RFC 8439 2.8: 256-bit key */
#define AEAD_NONCE_LEN 12      /* 96-bit nonce */
#define AEAD_TAG_LEN   16      /* 128-bit Poly1305 tag */

/* aead_seal - encrypt data (len bytes, in place) under key and nonce,
 * authenticating aad too (RFC 8439 2.8); the tag goes to tag. */
void aead_seal(const uint8_t key[AEAD_KEY_LEN],
	       const uint8_t nonce[AEAD_NONCE_LEN], const void *aad,
	       size_t aad_len, void *data, size_t len,
	       uint8_t tag[AEAD_TAG_LEN]);

/* aead_open - check tag over aad and the ciphertext data and decrypt it
 * in place. Returns true when the tag is right; false otherwise, and then
 * data holds zeros (nothing decrypted from a forgery is left to use). The
 * tag is compared in constant time. */
bool aead_open(const uint8_t key[AEAD_KEY_LEN],
	       const uint8_t nonce[AEAD_NONCE_LEN], const void *aad,
	       size_t aad_len, void *data, size_t len,
	       const uint8_t tag[AEAD_TAG_LEN]);

/* chacha20_xor - the raw ChaCha20 block function over data from block
 * counter ctr (RFC 8439 2.4); returns the next counter. For the RNG's
 * fallback and the test vectors. */
uint32_t chacha20_xor(const uint8_t key[32], const uint8_t nonce[12],
		      uint32_t ctr, void *data, size_t len);

/* ct_equal - a == b over n bytes, in time independent of the contents. */
bool ct_equal(const void *a, const void *b, size_t n);

/* crypto_wipe - zero n bytes at p in a way the compiler cannot drop. */
void crypto_wipe(void *p, size_t n);

/* ---- random bytes (crypto/rng.c) ---------------------------------------- */
#define RNG_RDSEED   1         /* CPUID 7.0:EBX[18] */
#define RNG_RDRAND   2         /* CPUID 1:ECX[30] */
#define RNG_JITTER   3         /* neither: TSC timing jitter, see rng.c */

/* rng_init - pick the source once at boot (boot CPU); returns RNG_*. */
int rng_init(void);

/* rng_bytes - n random bytes from the chosen source (any CPU after
 * rng_init). Never a constant: the fallback mixes the TSC's jitter into
 * a ChaCha20 key. */
void rng_bytes(void *out, size_t n);

/* rng_source_name - "RDSEED", "RDRAND" or "TSC jitter (weak)". */
const char *rng_source_name(void);

#endif
