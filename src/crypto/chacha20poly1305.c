// SPDX-License-Identifier: MIT
/*
 * The AEAD construction of RFC 8439 §2.8 over chacha20.h and poly1305.h.
 * One sixteen-block pass yields the Poly1305 key (block 0) and the
 * keystream for the first 960 bytes, which covers most packets; longer
 * texts continue from block 16. Open authenticates before it decrypts,
 * so a forged packet never turns into plaintext.
 */
#include <string.h>

#include "base/bytes.h"
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

/*
 * The key block and the key are secret. Stream that was XORed into a text
 * is not (text and result give it back); stream that was not, because an
 * open failed, is: the genuine message with that nonce may still come.
 */
static void end(struct stream *s, bool used)
{
	memzero_explicit(s->first, used ? CHACHA20_BLOCK_LEN : sizeof(s->first));
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
	end(&s, true);
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
	memzero_explicit(tag, sizeof(tag));
	if (ok)
		crypt(&s, dst, src, len);
	end(&s, ok);
	return ok;
}

/*
 * Batches: the keystream of every message (its Poly1305 key block, then
 * its text blocks) is laid out back to back in a scratch buffer, and
 * chacha20_lanes fills it sixteen blocks at a time, whatever message
 * each block belongs to; only the batch's last pass is partly wasted.
 * A 1420-byte packet needs 24 blocks: 1.5 passes instead of 2.
 */
enum { SCRATCH_BLOCKS = 256 };

struct batch {
	uint32_t key[8];
	uint32_t counter[SCRATCH_BLOCKS];
	uint32_t nonce1[SCRATCH_BLOCKS];
	uint32_t nonce2[SCRATCH_BLOCKS];
	uint8_t stream[SCRATCH_BLOCKS * CHACHA20_BLOCK_LEN]
		__attribute__((aligned(64)));
};

/* The text's length, or -1 for an open too short to hold a tag. */
static long text_len(const struct wg_aead_msg *m, bool seal)
{
	if (seal)
		return m->len;
	return m->len < AEAD_TAG_LEN ? -1 : (long)(m->len - AEAD_TAG_LEN);
}

static unsigned int blocks_for(size_t text)
{
	return 1 + (unsigned int)((text + CHACHA20_BLOCK_LEN - 1) /
				  CHACHA20_BLOCK_LEN);
}

/* Schedules the blocks of a message from scratch block `at` on. */
static void plan(struct batch *b, unsigned int at, unsigned int blocks,
		 uint64_t counter)
{
	for (unsigned int k = 0; k < blocks; k++) {
		b->counter[at + k] = k;
		b->nonce1[at + k] = (uint32_t)counter;
		b->nonce2[at + k] = (uint32_t)(counter >> 32);
	}
}

static void generate(struct batch *b, unsigned int used)
{
	unsigned int end = (used + 15) & ~15u;

	/*
	 * The last pass's spare lanes compute a block no message uses: the
	 * last of the 2^32 of nonce 0, far past any packet's length.
	 */
	for (unsigned int k = used; k < end; k++) {
		b->counter[k] = UINT32_MAX;
		b->nonce1[k] = b->nonce2[k] = 0;
	}
	for (unsigned int p = 0; p < end; p += 16)
		chacha20_lanes(b->stream + p * CHACHA20_BLOCK_LEN, b->key,
			       b->counter + p, 0, b->nonce1 + p, b->nonce2 + p);
}

static void finish(uint8_t *stream, struct wg_aead_msg *m, size_t len,
		   bool seal)
{
	uint8_t tag[AEAD_TAG_LEN];
	struct poly1305 mac;

	poly1305_init(&mac, stream);
	memzero_explicit(stream, CHACHA20_BLOCK_LEN);
	stream += CHACHA20_BLOCK_LEN;
	if (seal) {
		chacha20_xor_stream(m->data, m->data, len, stream);
		authenticate(&mac, NULL, 0, m->data, len, m->data + len);
		m->ok = true;
		return;
	}
	authenticate(&mac, NULL, 0, m->data, len, tag);
	m->ok = crypto_equal(tag, m->data + len, AEAD_TAG_LEN);
	memzero_explicit(tag, sizeof(tag));
	if (m->ok)
		chacha20_xor_stream(m->data, m->data, len, stream);
	else /* unspent: see end() */
		memzero_explicit(stream, len);
}

/* A message too long for the scratch buffer, on its own. */
static void one(struct wg_aead_msg *m, const uint8_t key[AEAD_KEY_LEN],
		bool seal)
{
	uint8_t nonce[AEAD_NONCE_LEN];

	wg_aead_nonce(nonce, m->counter);
	if (seal) {
		chacha20poly1305_simd_seal(m->data, m->data, m->len, NULL, 0,
					   nonce, key);
		m->ok = true;
	} else {
		m->ok = chacha20poly1305_simd_open(m->data, m->data, m->len,
						   NULL, 0, nonce, key);
	}
}

void chacha20poly1305_simd_wg_batch(struct wg_aead_msg *msgs, unsigned int n,
				    const uint8_t key[static AEAD_KEY_LEN],
				    bool seal)
{
	unsigned int first = 0, end, used, at[SCRATCH_BLOCKS];
	struct batch b;
	long len;

	for (int i = 0; i < 8; i++)
		b.key[i] = get_le32(key + 4 * i);
	while (first < n) {
		for (end = first, used = 0;
		     end < n && end - first < SCRATCH_BLOCKS; end++) {
			len = text_len(&msgs[end], seal);
			if (len < 0) {
				at[end - first] = UINT32_MAX;
				continue;
			}
			if (blocks_for((size_t)len) > SCRATCH_BLOCKS - used)
				break;
			at[end - first] = used;
			plan(&b, used, blocks_for((size_t)len), msgs[end].counter);
			used += blocks_for((size_t)len);
		}
		if (end == first) {
			one(&msgs[first++], key, seal);
			continue;
		}
		generate(&b, used);
		for (unsigned int i = first; i < end; i++) {
			if (at[i - first] == UINT32_MAX) {
				msgs[i].ok = false;
				continue;
			}
			finish(b.stream + at[i - first] * CHACHA20_BLOCK_LEN,
			       &msgs[i], (size_t)text_len(&msgs[i], seal), seal);
		}
		first = end;
	}
	memzero_explicit(b.key, sizeof(b.key));
}
