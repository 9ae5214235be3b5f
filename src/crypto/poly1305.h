/* SPDX-License-Identifier: MIT */
/*
 * Poly1305 (RFC 8439 §2.5) in radix 2^44, with an AVX-512 IFMA path that
 * runs eight blocks at once on long inputs. The AEAD feeds it whole
 * 16-byte blocks (it pads the associated data and the text itself), so
 * there is no partial-block buffering here.
 *
 * The state holds the one-time key: poly1305_final wipes it.
 */
#ifndef CVPC_CRYPTO_POLY1305_H
#define CVPC_CRYPTO_POLY1305_H

#include <stddef.h>
#include <stdint.h>

enum poly1305_lengths {
	POLY1305_KEY_LEN = 32,
	POLY1305_BLOCK_LEN = 16,
	POLY1305_TAG_LEN = 16,
};

struct poly1305 {
	uint64_t r[3];
	uint64_t h[3];
	uint64_t s[2];
};

void poly1305_init(struct poly1305 *st, const uint8_t key[static POLY1305_KEY_LEN]);
/* Absorbs n full blocks, each with the 2^128 bit set. */
void poly1305_blocks(struct poly1305 *st, const uint8_t *m, size_t n);
void poly1305_final(struct poly1305 *st, uint8_t tag[static POLY1305_TAG_LEN]);

#endif
