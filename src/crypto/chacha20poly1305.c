// SPDX-License-Identifier: MIT
/*
 * The AEAD construction of RFC 8439 §2.8 over chacha20.h and poly1305.h.
 * One sixteen-block pass yields the Poly1305 key (block 0) and the
 * keystream for the first 960 bytes, which covers most packets; longer
 * texts continue from block 16. Open authenticates before it decrypts,
 * so a forged packet never turns into plaintext.
 */
#include <string.h>

#include "crypto/chacha20.h"
#include "crypto/chacha20poly1305.h"
#include "crypto/poly1305.h"
#include "crypto/poly1305_ifma.h"
#include "crypto/util.h"

/* Keystream left in the first pass after the Poly1305 key block. */
#define FIRST_STREAM (CHACHA20_WIDE_LEN - CHACHA20_BLOCK_LEN)

struct stream {
	uint32_t key[8];
	uint32_t nonce[3];
	uint8_t first[CHACHA20_WIDE_LEN] __attribute__((aligned(64)));
};

bool chacha20poly1305_simd_usable(void)
{
	return chacha20_simd_usable() && poly1305_ifma_usable();
}

static inline uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static void put_le64(uint8_t *p, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* Sets up the stream and the authenticator from block 0. */
static void begin(struct stream *s, struct poly1305 *mac,
		  const uint8_t nonce[AEAD_NONCE_LEN],
		  const uint8_t key[AEAD_KEY_LEN])
{
	int i;

	for (i = 0; i < 8; i++)
		s->key[i] = get_le32(key + 4 * i);
	for (i = 0; i < 3; i++)
		s->nonce[i] = get_le32(nonce + 4 * i);
	chacha20_wide_block(s->first, s->key, 0, s->nonce);
	poly1305_init(mac, s->first);
}

static void crypt(struct stream *s, uint8_t *dst, const uint8_t *src,
		  size_t len)
{
	size_t first = len < FIRST_STREAM ? len : FIRST_STREAM;

	chacha20_xor_stream(dst, src, first, s->first + CHACHA20_BLOCK_LEN);
	if (len > first)
		chacha20_xor(dst + first, src + first, len - first, s->key, 16,
			     s->nonce);
}

/* Only the key block and the key are secret; the rest is spent stream. */
static void end(struct stream *s)
{
	memzero_explicit(s->first, CHACHA20_BLOCK_LEN);
	memzero_explicit(s->key, sizeof(s->key));
}

/* Absorbs len bytes and zeros up to a block boundary. */
static void absorb_padded(struct poly1305 *mac, const uint8_t *m, size_t len)
{
	uint8_t last[POLY1305_BLOCK_LEN] = { 0 };
	size_t full = len / POLY1305_BLOCK_LEN;

	poly1305_blocks(mac, m, full);
	if (len % POLY1305_BLOCK_LEN) {
		memcpy(last, m + full * POLY1305_BLOCK_LEN,
		       len % POLY1305_BLOCK_LEN);
		poly1305_blocks(mac, last, 1);
	}
}

static void authenticate(struct poly1305 *mac, const uint8_t *ad,
			 size_t ad_len, const uint8_t *text, size_t len,
			 uint8_t tag[AEAD_TAG_LEN])
{
	uint8_t lengths[POLY1305_BLOCK_LEN];

	absorb_padded(mac, ad, ad_len);
	absorb_padded(mac, text, len);
	put_le64(lengths, ad_len);
	put_le64(lengths + 8, len);
	poly1305_blocks(mac, lengths, 1);
	poly1305_final(mac, tag);
}

void chacha20poly1305_simd_seal(uint8_t *dst, const uint8_t *src,
				size_t src_len, const uint8_t *ad,
				size_t ad_len,
				const uint8_t nonce[static AEAD_NONCE_LEN],
				const uint8_t key[static AEAD_KEY_LEN])
{
	struct poly1305 mac;
	struct stream s;

	begin(&s, &mac, nonce, key);
	crypt(&s, dst, src, src_len);
	end(&s);
	authenticate(&mac, ad, ad_len, dst, src_len, dst + src_len);
}

bool chacha20poly1305_simd_open(uint8_t *dst, const uint8_t *src,
				size_t src_len, const uint8_t *ad,
				size_t ad_len,
				const uint8_t nonce[static AEAD_NONCE_LEN],
				const uint8_t key[static AEAD_KEY_LEN])
{
	uint8_t tag[AEAD_TAG_LEN];
	struct poly1305 mac;
	struct stream s;
	size_t len;
	bool ok;

	if (src_len < AEAD_TAG_LEN)
		return false;
	len = src_len - AEAD_TAG_LEN;
	begin(&s, &mac, nonce, key);
	authenticate(&mac, ad, ad_len, src, len, tag);
	ok = crypto_equal(tag, src + len, AEAD_TAG_LEN);
	if (ok)
		crypt(&s, dst, src, len);
	end(&s);
	return ok;
}
