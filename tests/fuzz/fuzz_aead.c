// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: our ChaCha20-Poly1305 (chacha20poly1305.h) against
 * OpenSSL's on the same key, nonce, associated data and text, all taken
 * from the input. Sealing must agree byte for byte, opening the result
 * must give the text back in place, and opening the input itself as a
 * sealed message (nearly always forged) must agree with OpenSSL on the
 * verdict and, when both accept, on the plaintext. Then the text, cut in
 * two at a point its first byte picks, goes through the WireGuard batch
 * API (wg_aead_seal_batch's engine) as two messages: each must match its
 * own single seal, and open again, unless a bit of it was flipped.
 *
 * Layout: key[32] nonce[12] ad_len[1] ad[ad_len] text[rest].
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "crypto/chacha20poly1305.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { MAX_TEXT = 1 << 16 };

static uint8_t ours[MAX_TEXT + AEAD_TAG_LEN], theirs[MAX_TEXT + AEAD_TAG_LEN];
static uint8_t part[2][MAX_TEXT + AEAD_TAG_LEN];

static uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* The text as a batch of two WireGuard messages. */
static void batch(const uint8_t *text, size_t len, const uint8_t *nonce,
		  const uint8_t *key)
{
	size_t cut = len ? text[0] % (len + 1) : 0;
	size_t lens[2] = { cut, len - cut };
	uint8_t wg_nonce[AEAD_NONCE_LEN] = { 0 };
	struct wg_aead_msg m[2];
	bool flip = len & 1;

	for (int i = 0; i < 2; i++) {
		memcpy(part[i], text + (i ? cut : 0), lens[i]);
		m[i] = (struct wg_aead_msg){ .data = part[i],
					     .len = (uint32_t)lens[i],
					     .counter = le64(nonce + 4) + (uint64_t)i };
	}
	chacha20poly1305_simd_wg_batch(m, 2, key, true);
	for (int i = 0; i < 2; i++) {
		for (int b = 0; b < 8; b++)
			wg_nonce[4 + b] = (uint8_t)(m[i].counter >> (8 * b));
		chacha20poly1305_simd_seal(ours, text + (i ? cut : 0), lens[i],
					   NULL, 0, wg_nonce, key);
		if (!m[i].ok || memcmp(ours, part[i], lens[i] + AEAD_TAG_LEN))
			abort();
		m[i].len += AEAD_TAG_LEN;
	}
	if (flip)
		part[1][lens[1] / 2] ^= 0x80;
	chacha20poly1305_simd_wg_batch(m, 2, key, false);
	if (!m[0].ok || memcmp(part[0], text, lens[0]) || m[1].ok == flip)
		abort();
	if (!flip && memcmp(part[1], text + cut, lens[1]))
		abort();
}

static bool ossl(bool seal, uint8_t *dst, const uint8_t *src, size_t len,
		 const uint8_t *ad, size_t ad_len, const uint8_t *nonce,
		 const uint8_t *key)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	size_t text = seal ? len : len - AEAD_TAG_LEN;
	uint8_t tag[AEAD_TAG_LEN];
	bool ok = false;
	int out;

	if (!ctx)
		abort();
	if (!EVP_CipherInit_ex(ctx, EVP_chacha20_poly1305(), NULL, key, nonce,
			       seal))
		goto out;
	if (!seal) {
		memcpy(tag, src + text, sizeof(tag));
		if (!EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, sizeof(tag),
					 tag))
			goto out;
	}
	if (ad_len && !EVP_CipherUpdate(ctx, NULL, &out, ad, (int)ad_len))
		goto out;
	if (text && !EVP_CipherUpdate(ctx, dst, &out, src, (int)text))
		goto out;
	if (!EVP_CipherFinal_ex(ctx, dst + text, &out))
		goto out;
	ok = !seal || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG,
					  AEAD_TAG_LEN, dst + text);
out:
	EVP_CIPHER_CTX_free(ctx);
	return ok;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *key, *nonce, *ad, *text;
	size_t ad_len, len;
	bool a, b;

	if (!chacha20poly1305_simd_usable())
		return 0;
	if (size < AEAD_KEY_LEN + AEAD_NONCE_LEN + 1)
		return 0;
	key = data;
	nonce = key + AEAD_KEY_LEN;
	ad_len = nonce[AEAD_NONCE_LEN];
	ad = nonce + AEAD_NONCE_LEN + 1;
	size -= AEAD_KEY_LEN + AEAD_NONCE_LEN + 1;
	if (ad_len > size)
		return 0;
	text = ad + ad_len;
	len = size - ad_len;
	if (len > MAX_TEXT)
		return 0;

	chacha20poly1305_simd_seal(ours, text, len, ad, ad_len, nonce, key);
	if (!ossl(true, theirs, text, len, ad, ad_len, nonce, key))
		abort();
	if (memcmp(ours, theirs, len + AEAD_TAG_LEN))
		abort();
	if (!chacha20poly1305_simd_open(ours, ours, len + AEAD_TAG_LEN, ad,
					ad_len, nonce, key) ||
	    memcmp(ours, text, len))
		abort();

	batch(text, len, nonce, key);
	if (len < AEAD_TAG_LEN) {
		if (chacha20poly1305_simd_open(ours, text, len, ad, ad_len,
					       nonce, key))
			abort();
		return 0;
	}
	a = chacha20poly1305_simd_open(ours, text, len, ad, ad_len, nonce, key);
	b = ossl(false, theirs, text, len, ad, ad_len, nonce, key);
	if (a != b || (a && memcmp(ours, theirs, len - AEAD_TAG_LEN)))
		abort();
	return 0;
}
