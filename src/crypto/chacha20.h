/* SPDX-License-Identifier: MIT */
/*
 * ChaCha20 (RFC 8439 §2.3–2.4) sixteen blocks at a time with AVX-512, for
 * the data path's AEAD. Callers check chacha20_simd_usable() first; the
 * functions must not run on a CPU without AVX-512F.
 *
 * A key is 8 little-endian words, a nonce 3, as RFC 8439 lays out the
 * state; the 32-bit block counter wraps as in RFC 8439.
 */
#ifndef CVPC_CRYPTO_CHACHA20_H
#define CVPC_CRYPTO_CHACHA20_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum chacha20_lengths {
	CHACHA20_BLOCK_LEN = 64,
	/* What one pass of the sixteen-way function produces. */
	CHACHA20_WIDE_LEN = 16 * CHACHA20_BLOCK_LEN,
};

bool chacha20_simd_usable(void);

/* The keystream of blocks counter .. counter + 15. */
void chacha20_wide_block(uint8_t out[static CHACHA20_WIDE_LEN],
			 const uint32_t key[static 8], uint32_t counter,
			 const uint32_t nonce[static 3]);

/*
 * Sixteen blocks of independent streams under one key: block j is that of
 * counter[j] with nonce (nonce0, nonce1[j], nonce2[j]). This is what lets
 * a batch of packets share passes instead of each rounding up to its own.
 */
void chacha20_lanes(uint8_t out[static CHACHA20_WIDE_LEN],
		    const uint32_t key[static 8],
		    const uint32_t counter[static 16], uint32_t nonce0,
		    const uint32_t nonce1[static 16],
		    const uint32_t nonce2[static 16]);

/* dst = src XOR the keystream from block counter on; dst may equal src. */
void chacha20_xor(uint8_t *dst, const uint8_t *src, size_t len,
		  const uint32_t key[static 8], uint32_t counter,
		  const uint32_t nonce[static 3]);

/* dst = src XOR stream for len bytes; dst may equal src. */
void chacha20_xor_stream(uint8_t *dst, const uint8_t *src, size_t len,
			 const uint8_t *stream);

#endif
