/* SPDX-License-Identifier: MIT */
/*
 * ChaCha20-Poly1305 (RFC 8439 §2.8) from our AVX-512 ChaCha20 and IFMA
 * Poly1305: the data path's AEAD on CPUs that have both. aead.c chooses
 * between this and OpenSSL once per process; the lengths and in-place
 * rules are those of aead.h, and aead.c keeps lengths below INT_MAX as
 * for OpenSSL (far below the 2^32 blocks after which the counter would
 * wrap onto the Poly1305 key block).
 */
#ifndef CVPC_CRYPTO_CHACHA20POLY1305_H
#define CVPC_CRYPTO_CHACHA20POLY1305_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/aead.h"

bool chacha20poly1305_simd_usable(void);

void chacha20poly1305_simd_seal(uint8_t *dst, const uint8_t *src,
				size_t src_len, const uint8_t *ad,
				size_t ad_len,
				const uint8_t nonce[static AEAD_NONCE_LEN],
				const uint8_t key[static AEAD_KEY_LEN]);
/* False on a short input or a wrong tag; dst is then left untouched. */
bool chacha20poly1305_simd_open(uint8_t *dst, const uint8_t *src,
				size_t src_len, const uint8_t *ad,
				size_t ad_len,
				const uint8_t nonce[static AEAD_NONCE_LEN],
				const uint8_t key[static AEAD_KEY_LEN]);

/* wg_aead_seal_batch and wg_aead_open_batch (aead.h). */
void chacha20poly1305_simd_wg_batch(struct wg_aead_msg *msgs, unsigned int n,
				    const uint8_t key[static AEAD_KEY_LEN],
				    bool seal);

#endif
