/* SPDX-License-Identifier: MIT */
/*
 * ChaCha20-Poly1305 (RFC 8439) through OpenSSL, and XChaCha20-Poly1305
 * (draft-irtf-cfrg-xchacha) built from our HChaCha20 and OpenSSL.
 *
 * Seal writes src_len + AEAD_TAG_LEN bytes; open reads src_len bytes
 * (ciphertext followed by the tag) and writes src_len - AEAD_TAG_LEN.
 * dst may equal src (in place); otherwise they must not overlap.
 * Open returns false on authentication failure, and then dst contents are
 * unspecified. OpenSSL cipher contexts are cached per thread.
 */
#ifndef CVPC_CRYPTO_AEAD_H
#define CVPC_CRYPTO_AEAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum aead_lengths {
	AEAD_KEY_LEN = 32,
	AEAD_TAG_LEN = 16,
	AEAD_NONCE_LEN = 12,
	XAEAD_NONCE_LEN = 24,
	HCHACHA20_NONCE_LEN = 16,
};

bool chacha20poly1305_seal(uint8_t *dst, const uint8_t *src, size_t src_len,
			   const uint8_t *ad, size_t ad_len,
			   const uint8_t nonce[static AEAD_NONCE_LEN],
			   const uint8_t key[static AEAD_KEY_LEN]);
bool chacha20poly1305_open(uint8_t *dst, const uint8_t *src, size_t src_len,
			   const uint8_t *ad, size_t ad_len,
			   const uint8_t nonce[static AEAD_NONCE_LEN],
			   const uint8_t key[static AEAD_KEY_LEN]);

/* WireGuard's nonce: 32 zero bits followed by the little-endian counter. */
void wg_aead_nonce(uint8_t nonce[static AEAD_NONCE_LEN], uint64_t counter);
bool wg_aead_seal(uint8_t *dst, const uint8_t *src, size_t src_len,
		  const uint8_t *ad, size_t ad_len, uint64_t counter,
		  const uint8_t key[static AEAD_KEY_LEN]);
bool wg_aead_open(uint8_t *dst, const uint8_t *src, size_t src_len,
		  const uint8_t *ad, size_t ad_len, uint64_t counter,
		  const uint8_t key[static AEAD_KEY_LEN]);

/*
 * One WireGuard data message of a batch, sealed or opened in place. For
 * seal, len is the text's length and the tag is written after it; for
 * open, len is the sealed length, and ok says whether it authenticated
 * (the text is then data[0 .. len - AEAD_TAG_LEN); otherwise the data
 * is unspecified, as after a failed wg_aead_open).
 */
struct wg_aead_msg {
	uint8_t *data;
	uint32_t len;
	bool ok;
	uint64_t counter;
};

/*
 * The same as wg_aead_seal/open on each message, all under one key and
 * without associated data; faster than one by one, because the messages
 * share ChaCha20 passes.
 */
void wg_aead_seal_batch(struct wg_aead_msg *msgs, unsigned int n,
			const uint8_t key[static AEAD_KEY_LEN]);
void wg_aead_open_batch(struct wg_aead_msg *msgs, unsigned int n,
			const uint8_t key[static AEAD_KEY_LEN]);

bool xchacha20poly1305_seal(uint8_t *dst, const uint8_t *src, size_t src_len,
			    const uint8_t *ad, size_t ad_len,
			    const uint8_t nonce[static XAEAD_NONCE_LEN],
			    const uint8_t key[static AEAD_KEY_LEN]);
bool xchacha20poly1305_open(uint8_t *dst, const uint8_t *src, size_t src_len,
			    const uint8_t *ad, size_t ad_len,
			    const uint8_t nonce[static XAEAD_NONCE_LEN],
			    const uint8_t key[static AEAD_KEY_LEN]);

/* HChaCha20 as defined in the XChaCha draft §2.2 (OpenSSL 3.0 lacks it). */
void hchacha20(uint8_t out[static AEAD_KEY_LEN],
	       const uint8_t nonce[static HCHACHA20_NONCE_LEN],
	       const uint8_t key[static AEAD_KEY_LEN]);

#endif
