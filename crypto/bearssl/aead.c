/*
 * crypto/bearssl/aead.c - the AEAD of crypto/crypto.h on BearSSL 0.6's
 * constant-time ChaCha20 (chacha20_ct.c) and Poly1305 with 32-bit
 * multiplications (poly1305_ctmul.c): the portable implementations, no
 * vector registers (the kernel is built -mgeneral-regs-only). The only
 * file that includes BearSSL's headers.
 */
#include "crypto/crypto.h"
#include <bearssl_block.h>

void aead_seal(const uint8_t key[AEAD_KEY_LEN],
	       const uint8_t nonce[AEAD_NONCE_LEN], const void *aad,
	       size_t aad_len, void *data, size_t len,
	       uint8_t tag[AEAD_TAG_LEN])
{
	br_poly1305_ctmul_run(key, nonce, data, len, aad, aad_len, tag,
			      br_chacha20_ct_run, 1);
}

bool aead_open(const uint8_t key[AEAD_KEY_LEN],
	       const uint8_t nonce[AEAD_NONCE_LEN], const void *aad,
	       size_t aad_len, void *data, size_t len,
	       const uint8_t tag[AEAD_TAG_LEN])
{
	uint8_t want[AEAD_TAG_LEN];
	bool ok;

	/* BearSSL computes the tag over the ciphertext and decrypts in the
	 * same call; the caller's tag is compared afterwards (bearssl_block.h,
	 * br_poly1305_run: "the caller is responsible for checking"). */
	br_poly1305_ctmul_run(key, nonce, data, len, aad, aad_len, want,
			      br_chacha20_ct_run, 0);
	ok = ct_equal(want, tag, AEAD_TAG_LEN);
	if (!ok)
		crypto_wipe(data, len);
	crypto_wipe(want, sizeof(want));
	return ok;
}

uint32_t chacha20_xor(const uint8_t key[32], const uint8_t nonce[12],
		      uint32_t ctr, void *data, size_t len)
{
	return br_chacha20_ct_run(key, nonce, ctr, data, len);
}
