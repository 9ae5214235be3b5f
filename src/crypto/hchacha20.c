// SPDX-License-Identifier: MIT
/*
 * HChaCha20 from draft-irtf-cfrg-xchacha-03 §2.2: the ChaCha20 block
 * function with the 128-bit nonce where the counter and nonce would be,
 * and without the final addition of the input state, which is what makes
 * the output usable as a key. OpenSSL 3.0 does not expose it.
 */
#include "base/bytes.h"
#include "crypto/aead.h"
#include "crypto/util.h"

static inline uint32_t rotl32(uint32_t v, unsigned int n)
{
	return (v << n) | (v >> (32 - n));
}

static inline void quarter_round(uint32_t x[16], int a, int b, int c, int d)
{
	x[a] += x[b];
	x[d] = rotl32(x[d] ^ x[a], 16);
	x[c] += x[d];
	x[b] = rotl32(x[b] ^ x[c], 12);
	x[a] += x[b];
	x[d] = rotl32(x[d] ^ x[a], 8);
	x[c] += x[d];
	x[b] = rotl32(x[b] ^ x[c], 7);
}

void hchacha20(uint8_t out[static AEAD_KEY_LEN],
	       const uint8_t nonce[static HCHACHA20_NONCE_LEN],
	       const uint8_t key[static AEAD_KEY_LEN])
{
	/* "expand 32-byte k", read as four little-endian words. */
	uint32_t x[16] = { 0x61707865, 0x3320646e, 0x79622d32, 0x6b206574 };
	int i;

	for (i = 0; i < 8; i++)
		x[4 + i] = get_le32(key + 4 * i);
	for (i = 0; i < 4; i++)
		x[12 + i] = get_le32(nonce + 4 * i);

	for (i = 0; i < 10; i++) {
		quarter_round(x, 0, 4, 8, 12);
		quarter_round(x, 1, 5, 9, 13);
		quarter_round(x, 2, 6, 10, 14);
		quarter_round(x, 3, 7, 11, 15);
		quarter_round(x, 0, 5, 10, 15);
		quarter_round(x, 1, 6, 11, 12);
		quarter_round(x, 2, 7, 8, 13);
		quarter_round(x, 3, 4, 9, 14);
	}

	/* Rows 0 and 3 held the public constants and nonce: they are a
	 * ChaCha20 block minus known input, so the subkey is as strong as
	 * ChaCha20 itself (the XSalsa20 argument). */
	for (i = 0; i < 4; i++) {
		put_le32(out + 4 * i, x[i]);
		put_le32(out + 16 + 4 * i, x[12 + i]);
	}
	memzero_explicit(x, sizeof(x));
}
