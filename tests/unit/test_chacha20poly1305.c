// SPDX-License-Identifier: MIT
/*
 * Our AVX-512 ChaCha20, IFMA Poly1305 and their AEAD, against the
 * published vectors of RFC 8439 and, differentially, against OpenSSL's
 * implementations over every length where the code changes paths: the
 * first sixteen-block pass (960 bytes of text), the IFMA threshold of
 * 16 Poly1305 blocks, odd and even group counts, and partial blocks.
 * On a CPU without AVX-512 IFMA the tests are skipped (the data path
 * then uses OpenSSL, which test_crypto covers).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "crypto/chacha20.h"
#include "crypto/chacha20poly1305.h"
#include "crypto/poly1305.h"
#include "crypto/poly1305_ifma.h"

#include "testutil.h"

enum { MAX_TEXT = 4200, MAX_AD = 70 };

#define SKIP_WITHOUT_SIMD()                           \
	do {                                          \
		if (!chacha20poly1305_simd_usable())  \
			skip();                       \
	} while (0)

/* A deterministic generator, so that a failure names a reproducible case. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rng(void)
{
	return tu_xorshift64(&rng_state);
}

static void fill(uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)rng();
}

static void ossl_seal(uint8_t *dst, const uint8_t *src, size_t len,
		      const uint8_t *ad, size_t ad_len, const uint8_t *nonce,
		      const uint8_t *key)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int out;

	assert_non_null(ctx);
	assert_int_equal(EVP_EncryptInit_ex(ctx, EVP_chacha20_poly1305(), NULL,
					    key, nonce), 1);
	if (ad_len)
		assert_int_equal(EVP_EncryptUpdate(ctx, NULL, &out, ad,
						   (int)ad_len), 1);
	if (len)
		assert_int_equal(EVP_EncryptUpdate(ctx, dst, &out, src,
						   (int)len), 1);
	assert_int_equal(EVP_EncryptFinal_ex(ctx, dst + len, &out), 1);
	assert_int_equal(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, 16,
					     dst + len), 1);
	EVP_CIPHER_CTX_free(ctx);
}

static void ossl_poly1305(uint8_t tag[16], const uint8_t *m, size_t len,
			  const uint8_t key[32])
{
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "POLY1305", NULL);
	EVP_MAC_CTX *ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
	size_t out;

	assert_non_null(ctx);
	assert_int_equal(EVP_MAC_init(ctx, key, 32, NULL), 1);
	assert_int_equal(EVP_MAC_update(ctx, m, len), 1);
	assert_int_equal(EVP_MAC_final(ctx, tag, &out, 16), 1);
	assert_int_equal(out, 16);
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
}

/* RFC 7539 appendix A.2, test vector 1: zero key, nonce and counter. */
static void test_chacha20_rfc7539_a2(void **state)
{
	static uint8_t out[CHACHA20_WIDE_LEN];
	const uint32_t k[8] = { 0 }, n[3] = { 0 };

	(void)state;
	SKIP_WITHOUT_SIMD();
	chacha20_wide_block(out, k, 0, n);
	tu_assert_hex_equal(out, 64,
		"76b8e0ada0f13d90405d6ae55386bd28bdd219b8a08ded1aa836efcc8b770dc7"
		"da41597c5157488d7724e03fb8d84a376a43b8f41518a11cc387b669b2ee6586");
}

/* All sixteen lanes against OpenSSL's ChaCha20, at a counter that wraps. */
static void test_chacha20_vs_openssl(void **state)
{
	static uint8_t got[CHACHA20_WIDE_LEN], want[CHACHA20_WIDE_LEN];
	static const uint8_t zero[CHACHA20_WIDE_LEN];
	const uint32_t counters[] = { 0, 1, 7, 0xfffffff8 };
	uint8_t key[32], iv[16];
	uint32_t k[8], n[3];
	EVP_CIPHER_CTX *ctx;
	int out;

	(void)state;
	SKIP_WITHOUT_SIMD();
	for (size_t c = 0; c < sizeof(counters) / sizeof(counters[0]); c++) {
		fill(key, sizeof(key));
		fill(iv + 4, 12);
		memcpy(k, key, sizeof(k));
		memcpy(n, iv + 4, sizeof(n));
		chacha20_wide_block(got, k, counters[c], n);
		memcpy(iv, &counters[c], 4);
		ctx = EVP_CIPHER_CTX_new();
		assert_non_null(ctx);
		assert_int_equal(EVP_EncryptInit_ex(ctx, EVP_chacha20(), NULL,
						    key, iv), 1);
		assert_int_equal(EVP_EncryptUpdate(ctx, want, &out, zero,
						   sizeof(zero)), 1);
		EVP_CIPHER_CTX_free(ctx);
		/* OpenSSL carries a wrapping counter into the nonce: compare
		 * only the blocks before the wrap. */
		size_t blocks = counters[c] > 0xfffffff0 ?
					(size_t)(0 - counters[c]) : 16;
		assert_memory_equal(got, want, blocks * CHACHA20_BLOCK_LEN);
	}
}

/*
 * With RFC 8439 §2.5.2's key and the whole blocks of its message (its
 * tag covers a partial block, which the AEAD never feeds), against
 * OpenSSL; and the state is wiped after the tag.
 */
static void test_poly1305_rfc8439_key(void **state)
{
	static const char msg[] = "Cryptographic Forum Research Group";
	struct poly1305 p;
	uint8_t key[32], tag[16], buf[48] = { 0 };

	(void)state;
	tu_unhex(key, sizeof(key),
		 "85d6be7857556d337f4452fe42d506a80103808afb0db2fd4abff6af4149f51b");
	memcpy(buf, msg, 32);
	poly1305_init(&p, key);
	poly1305_blocks(&p, buf, 2);
	poly1305_final(&p, tag);
	{
		uint8_t want[16];

		ossl_poly1305(want, buf, 32, key);
		assert_memory_equal(tag, want, 16);
	}
	/* The state is wiped. */
	for (size_t i = 0; i < sizeof(p); i++)
		assert_int_equal(((uint8_t *)&p)[i], 0);
}

/*
 * Poly1305 over 0..300 whole blocks: random data and keys, then the
 * worst case for the carries (all-ones text, the largest clamped r).
 */
static void test_poly1305_vs_openssl(void **state)
{
	static uint8_t m[300 * 16];
	uint8_t key[32], tag[16], want[16];
	struct poly1305 p;

	(void)state;
	for (int worst = 0; worst < 2; worst++) {
		for (size_t n = 0; n <= 300; n++) {
			if (worst) {
				memset(m, 0xff, n * 16);
				memset(key, 0xff, sizeof(key));
			} else {
				fill(m, n * 16);
				fill(key, sizeof(key));
			}
			poly1305_init(&p, key);
			poly1305_blocks(&p, m, n);
			poly1305_final(&p, tag);
			/* OpenSSL pads the last partial block differently, but
			 * whole blocks are plain Poly1305 blocks. */
			ossl_poly1305(want, m, n * 16, key);
			if (memcmp(tag, want, 16))
				fail_msg("poly1305 differs at %zu blocks (worst %d)",
					 n, worst);
		}
	}
}

/* Blocks split across several calls give the same tag as one call. */
static void test_poly1305_split(void **state)
{
	static uint8_t m[200 * 16];
	uint8_t key[32], a[16], b[16];
	struct poly1305 p;

	(void)state;
	fill(m, sizeof(m));
	fill(key, sizeof(key));
	poly1305_init(&p, key);
	poly1305_blocks(&p, m, 200);
	poly1305_final(&p, a);
	poly1305_init(&p, key);
	poly1305_blocks(&p, m, 3);
	poly1305_blocks(&p, m + 3 * 16, 17);
	poly1305_blocks(&p, m + 20 * 16, 180);
	poly1305_final(&p, b);
	assert_memory_equal(a, b, 16);
}

/* Every text length to 1100 bytes, then random ones to MAX_TEXT. */
static void test_aead_vs_openssl(void **state)
{
	static uint8_t src[MAX_TEXT], want[MAX_TEXT + 16], got[MAX_TEXT + 16];
	uint8_t ad[MAX_AD], key[32], nonce[12];

	(void)state;
	SKIP_WITHOUT_SIMD();
	for (size_t i = 0; i < 3000; i++) {
		size_t len = i <= 1100 ? i : rng() % (MAX_TEXT + 1);
		size_t ad_len = rng() % (MAX_AD + 1);

		fill(src, len);
		fill(ad, ad_len);
		fill(key, sizeof(key));
		fill(nonce, sizeof(nonce));
		ossl_seal(want, src, len, ad, ad_len, nonce, key);
		chacha20poly1305_simd_seal(got, src, len, ad, ad_len, nonce, key);
		if (memcmp(got, want, len + 16))
			fail_msg("seal differs: text %zu, ad %zu", len, ad_len);
		/* In place, as the data path opens. */
		assert_true(chacha20poly1305_simd_open(got, got, len + 16, ad,
						       ad_len, nonce, key));
		assert_memory_equal(got, src, len);
	}
}

/*
 * Any flipped bit in the text, tag or associated data, or the wrong
 * nonce, fails; and a failed open leaves dst as it was.
 */
static void test_aead_rejects_and_leaves_dst(void **state)
{
	static uint8_t src[1420], sealed[1436], bad[1436], dst[1420], before[1420];
	uint8_t ad[32], key[32], nonce[12];
	size_t len = sizeof(src);

	(void)state;
	SKIP_WITHOUT_SIMD();
	fill(src, len);
	fill(ad, sizeof(ad));
	fill(key, sizeof(key));
	fill(nonce, sizeof(nonce));
	chacha20poly1305_simd_seal(sealed, src, len, ad, sizeof(ad), nonce, key);
	for (size_t bit = 0; bit < (len + 16) * 8; bit += 97) {
		memcpy(bad, sealed, sizeof(bad));
		bad[bit / 8] ^= (uint8_t)(1 << (bit % 8));
		fill(dst, len);
		memcpy(before, dst, len);
		assert_false(chacha20poly1305_simd_open(dst, bad, len + 16, ad,
							sizeof(ad), nonce, key));
		assert_memory_equal(dst, before, len);
	}
	ad[5] ^= 1;
	assert_false(chacha20poly1305_simd_open(dst, sealed, len + 16, ad,
						sizeof(ad), nonce, key));
	ad[5] ^= 1;
	nonce[11] ^= 0x80;
	assert_false(chacha20poly1305_simd_open(dst, sealed, len + 16, ad,
						sizeof(ad), nonce, key));
	nonce[11] ^= 0x80;
	assert_false(chacha20poly1305_simd_open(dst, sealed, 15, ad, sizeof(ad),
						nonce, key));
	assert_true(chacha20poly1305_simd_open(dst, sealed, len + 16, ad,
					       sizeof(ad), nonce, key));
	assert_memory_equal(dst, src, len);
}

/* The keystream of a long text continues across passes without a gap. */
static void test_chacha20_xor_continues(void **state)
{
	static uint8_t zero[3 * CHACHA20_WIDE_LEN + 100], a[sizeof(zero)];
	static uint8_t b[CHACHA20_WIDE_LEN];
	uint32_t k[8], n[3];

	(void)state;
	SKIP_WITHOUT_SIMD();
	fill((uint8_t *)k, sizeof(k));
	fill((uint8_t *)n, sizeof(n));
	chacha20_xor(a, zero, sizeof(zero), k, 5, n);
	for (uint32_t pass = 0; pass < 3; pass++) {
		chacha20_wide_block(b, k, 5 + 16 * pass, n);
		assert_memory_equal(a + pass * CHACHA20_WIDE_LEN, b, sizeof(b));
	}
	chacha20_wide_block(b, k, 5 + 48, n);
	assert_memory_equal(a + 3 * CHACHA20_WIDE_LEN, b, 100);
}

static void wg_nonce(uint8_t nonce[12], uint64_t counter)
{
	memset(nonce, 0, 4);
	for (int i = 0; i < 8; i++)
		nonce[4 + i] = (uint8_t)(counter >> (8 * i));
}

/*
 * Batches of random sizes and lengths (empty texts, full packets, and now
 * and then one longer than the scratch buffer) against OpenSSL one by
 * one; then opened, with some messages forged or too short to hold a
 * tag: exactly those fail, and are left as they were.
 */
static void test_wg_batch_vs_openssl(void **state)
{
	enum { MAX_N = 40, MAX_LEN = 17000 };
	static uint8_t text[MAX_N][MAX_LEN + 16], buf[MAX_N][MAX_LEN + 16];
	static uint8_t want[MAX_LEN + 16], before[MAX_LEN + 16];
	struct wg_aead_msg m[MAX_N];
	bool forged[MAX_N];
	uint8_t key[32], nonce[12];

	(void)state;
	SKIP_WITHOUT_SIMD();
	for (int round = 0; round < 200; round++) {
		unsigned int n = 1 + (unsigned int)(rng() % MAX_N);

		fill(key, sizeof(key));
		for (unsigned int i = 0; i < n; i++) {
			uint64_t r = rng() % 100;
			uint32_t len = r < 10 ? 0 : r < 60 ? 1420 :
				       r < 98 ? (uint32_t)(rng() % 2000) :
						(uint32_t)(16000 + rng() % 1000);

			fill(text[i], len);
			memcpy(buf[i], text[i], len);
			m[i] = (struct wg_aead_msg){ .data = buf[i], .len = len,
						     .counter = rng() };
		}
		chacha20poly1305_simd_wg_batch(m, n, key, true);
		for (unsigned int i = 0; i < n; i++) {
			assert_true(m[i].ok);
			wg_nonce(nonce, m[i].counter);
			ossl_seal(want, text[i], m[i].len, NULL, 0, nonce, key);
			if (memcmp(buf[i], want, m[i].len + 16))
				fail_msg("batch seal differs: round %d msg %u len %u",
					 round, i, m[i].len);
		}
		for (unsigned int i = 0; i < n; i++) {
			forged[i] = rng() % 4 == 0;
			m[i].len += 16;
			if (forged[i] && rng() % 2)
				m[i].len = (uint32_t)(rng() % 16);
			else if (forged[i])
				buf[i][rng() % m[i].len] ^= 0x20;
		}
		memcpy(before, buf[0], m[0].len);
		chacha20poly1305_simd_wg_batch(m, n, key, false);
		for (unsigned int i = 0; i < n; i++) {
			assert_int_equal(m[i].ok, !forged[i]);
			if (!forged[i])
				assert_memory_equal(buf[i], text[i], m[i].len - 16);
		}
		if (forged[0])
			assert_memory_equal(buf[0], before, m[0].len);
	}
}

/* x = l0 + l1 2^44 + l2 2^88, limbs of any size below 2^64. */
static void bn_from_limbs(BIGNUM *x, const uint64_t l[3], BN_CTX *ctx)
{
	BIGNUM *t = BN_CTX_get(ctx);

	assert_non_null(t);
	assert_int_equal(BN_set_word(x, l[2]), 1);
	assert_int_equal(BN_lshift(x, x, 44), 1);
	assert_int_equal(BN_set_word(t, l[1]), 1);
	assert_int_equal(BN_add(x, x, t), 1);
	assert_int_equal(BN_lshift(x, x, 44), 1);
	assert_int_equal(BN_set_word(t, l[0]), 1);
	assert_int_equal(BN_add(x, x, t), 1);
}

/* Limbs of x < 2^130: 44, 44 and 42 bits. */
static void limbs_from_bn(uint64_t l[3], const BIGNUM *x)
{
	uint8_t b[17];
	uint64_t lo, hi;

	assert_int_equal(BN_bn2lebinpad(x, b, sizeof(b)), sizeof(b));
	memcpy(&lo, b, 8);
	memcpy(&hi, b + 8, 8);
	l[0] = lo & 0xfffffffffffULL;
	l[1] = (lo >> 44 | hi << 20) & 0xfffffffffffULL;
	l[2] = hi >> 24 | (uint64_t)b[16] << 40;
}

/*
 * The IFMA loop alone, for 1 to 6 groups (odd and even, and the single
 * group the AEAD never sends it), from a nonzero h, against the Poly1305
 * recurrence h = (h + m) r mod 2^130 - 5 computed with OpenSSL's BIGNUM.
 */
static void test_poly1305_ifma_groups(void **state)
{
	static uint8_t m[6 * 128];
	BN_CTX *ctx = BN_CTX_new();
	BIGNUM *p, *r, *h, *want, *blk, *got;
	uint64_t pw[4][3], h_limbs[3];
	uint8_t key[16], le[17];

	(void)state;
	if (!poly1305_ifma_usable())
		skip();
	assert_non_null(ctx);
	BN_CTX_start(ctx);
	p = BN_CTX_get(ctx);
	r = BN_CTX_get(ctx);
	h = BN_CTX_get(ctx);
	want = BN_CTX_get(ctx);
	blk = BN_CTX_get(ctx);
	got = BN_CTX_get(ctx);
	assert_non_null(got);
	assert_int_equal(BN_set_word(p, 5), 1);
	assert_int_equal(BN_one(h), 1);
	assert_int_equal(BN_lshift(h, h, 130), 1);
	assert_int_equal(BN_sub(p, h, p), 1); /* 2^130 - 5 */

	for (int round = 0; round < 200; round++) {
		size_t groups = 1 + (size_t)round % 6;

		fill(key, sizeof(key));
		/* The clamp of RFC 8439 §2.5, on little-endian bytes. */
		key[3] &= 15, key[7] &= 15, key[11] &= 15, key[15] &= 15;
		key[4] &= 252, key[8] &= 252, key[12] &= 252;
		assert_non_null(BN_lebin2bn(key, 16, r));
		for (int k = 0; k < 4; k++) {
			BIGNUM *e = BN_CTX_get(ctx);

			assert_non_null(e);
			assert_int_equal(BN_set_word(e, (BN_ULONG)k + 1), 1);
			assert_int_equal(BN_mod_exp(e, r, e, p, ctx), 1);
			limbs_from_bn(pw[k], e);
		}
		fill(m, groups * 128);
		for (int i = 0; i < 3; i++)
			h_limbs[i] = rng() & 0xfffffffffffULL;
		h_limbs[2] &= 0x3ffffffffffULL;
		bn_from_limbs(want, h_limbs, ctx);
		for (size_t b = 0; b < groups * 8; b++) {
			memcpy(le, m + 16 * b, 16);
			le[16] = 1;
			assert_non_null(BN_lebin2bn(le, 17, blk));
			assert_int_equal(BN_add(want, want, blk), 1);
			assert_int_equal(BN_mod_mul(want, want, r, p, ctx), 1);
		}
		poly1305_ifma_blocks(h_limbs, (const uint64_t(*)[3])pw, m, groups);
		bn_from_limbs(got, h_limbs, ctx);
		assert_int_equal(BN_mod(got, got, p, ctx), 1);
		if (BN_cmp(got, want))
			fail_msg("IFMA Poly1305 differs at %zu groups (round %d)",
				 groups, round);
	}
	BN_CTX_end(ctx);
	BN_CTX_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chacha20_rfc7539_a2),
		cmocka_unit_test(test_chacha20_vs_openssl),
		cmocka_unit_test(test_chacha20_xor_continues),
		cmocka_unit_test(test_poly1305_rfc8439_key),
		cmocka_unit_test(test_poly1305_vs_openssl),
		cmocka_unit_test(test_poly1305_split),
		cmocka_unit_test(test_poly1305_ifma_groups),
		cmocka_unit_test(test_aead_vs_openssl),
		cmocka_unit_test(test_aead_rejects_and_leaves_dst),
		cmocka_unit_test(test_wg_batch_vs_openssl),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
