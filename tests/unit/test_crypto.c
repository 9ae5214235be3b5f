// SPDX-License-Identifier: MIT
/*
 * Known-answer tests for the crypto layer. Every vector is typed in from
 * its published source, named next to it; the few marked "Python" were
 * computed with CPython's hashlib/hmac, an implementation independent of
 * OpenSSL's BLAKE2s.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/crypto.h>

#include "crypto/aead.h"
#include "crypto/blake2s.h"
#include "crypto/util.h"
#include "crypto/x25519.h"

#include "testutil.h"

static void fill_counting(uint8_t *buf, size_t len)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)i;
}

/* ---- BLAKE2s ---------------------------------------------------------- */

/* RFC 7693 Appendix B. */
static void test_blake2s_rfc7693_abc(void **state)
{
	uint8_t out[BLAKE2S_HASH_LEN];

	(void)state;
	assert_true(blake2s_hash2(out, "abc", 3, NULL, 0));
	tu_assert_hex_equal(out, sizeof(out),
			    "508c5e8c327c14e2e1a72ba34eeb452f"
			    "37458b209ed63a294d999b4c86675982");
}

/* BLAKE2s-256 of the empty string (blake2.net, also Wikipedia's BLAKE2). */
static void test_blake2s_empty(void **state)
{
	uint8_t out[BLAKE2S_HASH_LEN];

	(void)state;
	assert_true(blake2s_hash2(out, NULL, 0, NULL, 0));
	tu_assert_hex_equal(out, sizeof(out),
			    "69217a3079908094e11121d042354a7c"
			    "1f55b6482ca1a51e1b250dfd1ed0eef9");
}

/* hash2 hashes the concatenation, wherever the split falls, including
 * across the 64-byte block boundary. */
static void test_blake2s_hash2_split(void **state)
{
	uint8_t msg[130], whole[BLAKE2S_HASH_LEN], split[BLAKE2S_HASH_LEN];
	static const size_t cuts[] = { 0, 1, 63, 64, 65, 129, 130 };

	(void)state;
	fill_counting(msg, sizeof(msg));
	assert_true(blake2s_hash2(whole, msg, sizeof(msg), NULL, 0));
	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		size_t c = cuts[i];

		assert_true(blake2s_hash2(split, msg, c, msg + c,
					  sizeof(msg) - c));
		assert_memory_equal(split, whole, sizeof(whole));
	}
	/* And "ab" || "c" is RFC 7693's "abc". */
	assert_true(blake2s_hash2(split, "ab", 2, "c", 1));
	tu_assert_hex_equal(split, sizeof(split),
			    "508c5e8c327c14e2e1a72ba34eeb452f"
			    "37458b209ed63a294d999b4c86675982");
}

/*
 * Keyed BLAKE2s-256, key 00..1f, input 00..(n-1): BLAKE2 reference
 * package, testvectors/blake2s-kat.txt (blake2s-test.txt). 63/64/65 cross
 * the block boundary, where the last block is treated specially.
 */
static void test_blake2s_keyed_kat(void **state)
{
	static const struct {
		size_t in_len;
		const char *hash;
	} kat[] = {
		{ 0, "48a8997da407876b3d79c0d92325ad3b"
		     "89cbb754d86ab71aee047ad345fd2c49" },
		{ 1, "40d15fee7c328830166ac3f918650f80"
		     "7e7e01e177258cdc0a39b11f598066f1" },
		{ 2, "6bb71300644cd3991b26ccd4d274acd1"
		     "adeab8b1d7914546c1198bbe9fc9d803" },
		{ 63, "c65382513f07460da39833cb666c5ed8"
		      "2e61b9e998f4b0c4287cee56c3cc9bcd" },
		{ 64, "8975b0577fd35566d750b362b0897a26"
		      "c399136df07bababbde6203ff2954ed4" },
		{ 65, "21fe0ceb0052be7fb0f004187cacd7de"
		      "67fa6eb0938d927677f2398c132317a8" },
	};
	uint8_t key[BLAKE2S_KEY_MAX], in[65], out[BLAKE2S_HASH_LEN];

	(void)state;
	fill_counting(key, sizeof(key));
	fill_counting(in, sizeof(in));
	for (size_t i = 0; i < sizeof(kat) / sizeof(kat[0]); i++) {
		assert_true(blake2s_keyed(out, sizeof(out), key, sizeof(key),
					  in, kat[i].in_len));
		tu_assert_hex_equal(out, sizeof(out), kat[i].hash);
	}
}

/*
 * A 16-byte digest is a different hash, not a truncation: the length is
 * a parameter. Python: hashlib.blake2s(data, key=bytes(range(32)),
 * digest_size=16).
 */
static void test_blake2s_keyed_16(void **state)
{
	uint8_t key[BLAKE2S_KEY_MAX], in[64], out[16], full[BLAKE2S_HASH_LEN];

	(void)state;
	fill_counting(key, sizeof(key));
	fill_counting(in, sizeof(in));

	assert_true(blake2s_keyed(out, sizeof(out), key, sizeof(key), NULL, 0));
	tu_assert_hex_equal(out, sizeof(out), "9536f9b267655743dee97b8a670f9f53");

	assert_true(blake2s_keyed(out, sizeof(out), key, sizeof(key), in,
				  sizeof(in)));
	tu_assert_hex_equal(out, sizeof(out), "f1efa90d2547036841ecd3627fafbc36");

	assert_true(blake2s_keyed(full, sizeof(full), key, sizeof(key), in,
				  sizeof(in)));
	assert_memory_not_equal(full, out, sizeof(out));
}

static void test_blake2s_keyed_bounds(void **state)
{
	uint8_t key[BLAKE2S_KEY_MAX + 1] = { 1 }, out[BLAKE2S_HASH_LEN + 1];

	(void)state;
	assert_false(blake2s_keyed(out, 0, key, 16, "x", 1));
	assert_false(blake2s_keyed(out, BLAKE2S_HASH_LEN + 1, key, 16, "x", 1));
	assert_false(blake2s_keyed(out, 16, key, 0, "x", 1));
	assert_false(blake2s_keyed(out, 16, key, BLAKE2S_KEY_MAX + 1, "x", 1));
	/* The rejected calls must not have broken the cached context. */
	assert_true(blake2s_keyed(out, 1, key, 1, "x", 1));
	assert_true(blake2s_keyed(out, 32, key, 32, "x", 1));
}

/*
 * HMAC-BLAKE2s. Python: hmac.new(key, msg, hashlib.blake2s). Keys of 3,
 * 64 (one block, used as is), 65 and 100 bytes (hashed first).
 */
static void test_hmac_blake2s(void **state)
{
	static const char fox[] = "The quick brown fox jumps over the lazy dog";
	uint8_t key[100], out[BLAKE2S_HASH_LEN];

	(void)state;
	assert_true(hmac_blake2s(out, (const uint8_t *)"key", 3, fox,
				 sizeof(fox) - 1));
	tu_assert_hex_equal(out, sizeof(out),
			    "f93215bb90d4af4c3061cd932fb169fb"
			    "8bb8a91d0b4022baea1271e1323cd9a0");

	fill_counting(key, sizeof(key));
	assert_true(hmac_blake2s(out, key, 64, "abc", 3));
	tu_assert_hex_equal(out, sizeof(out),
			    "3a0ef09eac123871fb79852ec512086d"
			    "013abff437bd68ca03630932bd6ba81f");
	assert_true(hmac_blake2s(out, key, 65, "abc", 3));
	tu_assert_hex_equal(out, sizeof(out),
			    "44d87b3939dec16bc76cbd83e3982ac0"
			    "a4eafab8a5b87c8c2adbd0da7d5c9695");
	assert_true(hmac_blake2s(out, key, 100, "abc", 3));
	tu_assert_hex_equal(out, sizeof(out),
			    "c1b751501db12b753069a918627b6231"
			    "79be55c8cc7ca5c4e14bdf32274ac656");
}

/*
 * wireguard-go device/kdf_test.go. Its keys are 8, 9 and 0 bytes; HMAC
 * zero-pads any key shorter than the 64-byte block, so the same key
 * zero-padded to the 32 bytes wg_kdf takes gives the same outputs.
 * wireguard-go's t0/t1/t2 are our t1/t2/t3.
 */
static const struct {
	const char *key, *input, *t1, *t2, *t3;
} kdf_vectors[] = {
	{ "746573742d6b6579", "746573742d696e707574",
	  "6f0e5ad38daba1bea8a0d213688736f19763239305e0f58aba697f9ffc41c633",
	  "df1194df20802a4fe594cde27e92991c8cae66c366e8106aaa937a55fa371e8a",
	  "fac6e2745a325f5dc5d11a5b165aad08b0ada28e7b4e666b7c077934a4d76c24" },
	{ "776972656775617264", "776972656775617264",
	  "491d43bbfdaa8750aaf535e334ecbfe5129967cd64635101c566d4caefda96e8",
	  "1e71a379baefd8a79aa4662212fcafe19a23e2b609a3db7d6bcba8f560e3d25f",
	  "31e1ae48bddfbe5de38f295e5452b1909a1b4e38e183926af3780b0c1e1f0160" },
	{ "", "",
	  "8387b46bf43eccfcf349552a095d8315c4055beb90208fb1be23b894bc2ed5d0",
	  "58a0e5f6faefccf4807bff1f05fa8a9217945762040bcec2f4b4a62bdfe0e86e",
	  "0ce6ea98ec548f8e281e93e32db65621c45eb18dc6f0a7ad94178610a2f7338e" },
};

static void kdf_inputs(size_t i, uint8_t ck[static BLAKE2S_HASH_LEN],
		       uint8_t *input, size_t *input_len)
{
	memset(ck, 0, BLAKE2S_HASH_LEN);
	tu_unhex(ck, strlen(kdf_vectors[i].key) / 2, kdf_vectors[i].key);
	*input_len = strlen(kdf_vectors[i].input) / 2;
	tu_unhex(input, *input_len, kdf_vectors[i].input);
}

static void test_kdf_wireguard_go(void **state)
{
	uint8_t ck[BLAKE2S_HASH_LEN], input[16], t1[32], t2[32], t3[32];
	size_t len;

	(void)state;
	for (size_t i = 0; i < sizeof(kdf_vectors) / sizeof(kdf_vectors[0]);
	     i++) {
		kdf_inputs(i, ck, input, &len);

		/* KDF1 */
		memset(t1, 0xaa, sizeof(t1));
		assert_true(wg_kdf(t1, NULL, NULL, input, len, ck));
		tu_assert_hex_equal(t1, 32, kdf_vectors[i].t1);

		/* KDF2 */
		memset(t1, 0xaa, sizeof(t1));
		assert_true(wg_kdf(t1, t2, NULL, input, len, ck));
		tu_assert_hex_equal(t1, 32, kdf_vectors[i].t1);
		tu_assert_hex_equal(t2, 32, kdf_vectors[i].t2);

		/* KDF3 */
		memset(t1, 0xaa, sizeof(t1));
		memset(t2, 0xaa, sizeof(t2));
		assert_true(wg_kdf(t1, t2, t3, input, len, ck));
		tu_assert_hex_equal(t1, 32, kdf_vectors[i].t1);
		tu_assert_hex_equal(t2, 32, kdf_vectors[i].t2);
		tu_assert_hex_equal(t3, 32, kdf_vectors[i].t3);

		/* t3 alone still chains through t1 and t2. */
		memset(t3, 0xaa, sizeof(t3));
		assert_true(wg_kdf(NULL, NULL, t3, input, len, ck));
		tu_assert_hex_equal(t3, 32, kdf_vectors[i].t3);

		/* Noise's Split() passes no data at all. */
		if (!len) {
			assert_true(wg_kdf(t1, t2, NULL, NULL, 0, ck));
			tu_assert_hex_equal(t1, 32, kdf_vectors[i].t1);
			tu_assert_hex_equal(t2, 32, kdf_vectors[i].t2);
		}
	}
}

/* Noise's MixKey writes the new chaining key over the old one. */
static void test_kdf_output_aliases_ck(void **state)
{
	uint8_t ck[BLAKE2S_HASH_LEN], input[16], key[32];
	size_t len;

	(void)state;
	kdf_inputs(0, ck, input, &len);
	assert_true(wg_kdf(ck, key, NULL, input, len, ck));
	tu_assert_hex_equal(ck, 32, kdf_vectors[0].t1);
	tu_assert_hex_equal(key, 32, kdf_vectors[0].t2);
}

/*
 * WireGuard's protocol constants (wireguard.com/protocol, the kernel's
 * noise.c): Ci = HASH(CONSTRUCTION), Hi = HASH(Ci || IDENTIFIER).
 */
static void test_wireguard_initial_chain(void **state)
{
	static const char construction[] = "Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s";
	static const char identifier[] = "WireGuard v1 zx2c4 Jason@zx2c4.com";
	uint8_t ci[BLAKE2S_HASH_LEN], hi[BLAKE2S_HASH_LEN];

	(void)state;
	assert_true(blake2s_hash2(ci, construction, sizeof(construction) - 1,
				  NULL, 0));
	tu_assert_hex_equal(ci, sizeof(ci),
			    "60e26daef327efc02ec335e2a025d2d0"
			    "16eb4206f87277f52d38d1988b78cd36");
	assert_true(blake2s_hash2(hi, ci, sizeof(ci), identifier,
				  sizeof(identifier) - 1));
	tu_assert_hex_equal(hi, sizeof(hi),
			    "2211b361081ac566691243db458ad532"
			    "2d9c6c662293e8b70ee19c65ba079ef3");
}

/* ---- X25519 ----------------------------------------------------------- */

/* RFC 7748 §5.2, the two single-shot vectors. The second u has its top
 * bit set, which X25519 must ignore. */
static void test_x25519_rfc7748_vectors(void **state)
{
	static const struct {
		const char *scalar, *u, *out;
	} v[] = {
		{ "a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4",
		  "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c",
		  "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552" },
		{ "4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d",
		  "e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493",
		  "95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957" },
	};
	uint8_t k[32], u[32], out[32];

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		tu_unhex(k, 32, v[i].scalar);
		tu_unhex(u, 32, v[i].u);
		assert_true(x25519(out, k, u));
		tu_assert_hex_equal(out, 32, v[i].out);
	}
}

/* RFC 7748 §5.2 iterated: k = u = 9; then k, u = X25519(k, u), k. The
 * 1,000,000-iteration value is left out for time. */
static void test_x25519_rfc7748_iterated(void **state)
{
	uint8_t k[32] = { 9 }, u[32] = { 9 }, r[32];

	(void)state;
	for (int i = 1; i <= 1000; i++) {
		assert_true(x25519(r, k, u));
		memcpy(u, k, 32);
		memcpy(k, r, 32);
		if (i == 1)
			tu_assert_hex_equal(k, 32,
					    "422c8e7a6227d7bca1350b3e2bb7279f"
					    "7897b87bb6854b783c60e80311ae3079");
	}
	tu_assert_hex_equal(k, 32,
			    "684cf59ba83309552800ef566f2f4d3c"
			    "1c3887c49360e3875f2eb94d99532c51");
}

/* RFC 7748 §6.1: both public keys and the shared secret, both ways. */
static void test_x25519_rfc7748_dh(void **state)
{
	uint8_t a[32], b[32], a_pub[32], b_pub[32], s1[32], s2[32];

	(void)state;
	tu_unhex(a, 32, "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
	tu_unhex(b, 32, "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
	assert_true(x25519_public(a_pub, a));
	tu_assert_hex_equal(a_pub, 32, "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
	assert_true(x25519_public(b_pub, b));
	tu_assert_hex_equal(b_pub, 32, "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
	assert_true(x25519(s1, a, b_pub));
	assert_true(x25519(s2, b, a_pub));
	tu_assert_hex_equal(s1, 32, "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
	assert_memory_equal(s1, s2, 32);
}

/* Every point of small order, those with bit 255 set too. */
static void test_x25519_low_order(void **state)
{
	uint8_t priv[32], pt[32], out[32];

	(void)state;
	assert_true(x25519_generate(priv));
	for (size_t i = 0; i < TU_LOW_ORDER_POINTS; i++) {
		tu_unhex(pt, 32, tu_low_order_points[i]);
		memset(out, 0xaa, sizeof(out));
		assert_false(x25519(out, priv, pt));
		assert_true(crypto_is_zero(out, sizeof(out)));
		assert_true(x25519_is_low_order(pt));
	}
}

static void test_x25519_not_low_order(void **state)
{
	uint8_t pt[32] = { 9 };

	(void)state;
	assert_false(x25519_is_low_order(pt));
	tu_unhex(pt, 32, "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
	assert_false(x25519_is_low_order(pt));
}

static void test_x25519_generate_and_clamp(void **state)
{
	uint8_t a[32], b[32], a_pub[32], b_pub[32], s1[32], s2[32];
	uint8_t ones[32];

	(void)state;
	memset(ones, 0xff, sizeof(ones));
	x25519_clamp(ones);
	assert_int_equal(ones[0], 0xf8);
	assert_int_equal(ones[31], 0x7f);
	memset(ones, 0, sizeof(ones));
	x25519_clamp(ones);
	assert_int_equal(ones[31], 0x40);

	assert_true(x25519_generate(a));
	assert_true(x25519_generate(b));
	assert_memory_not_equal(a, b, 32);
	assert_int_equal(a[0] & 7, 0);
	assert_int_equal(a[31] & 0xc0, 0x40);
	assert_true(x25519_public(a_pub, a));
	assert_true(x25519_public(b_pub, b));
	assert_true(x25519(s1, a, b_pub));
	assert_true(x25519(s2, b, a_pub));
	assert_memory_equal(s1, s2, 32);
}

/* ---- ChaCha20-Poly1305 ------------------------------------------------ */

static const char sunscreen[] =
	"Ladies and Gentlemen of the class of '99: If I could offer you only "
	"one tip for the future, sunscreen would be it.";
enum { SUNSCREEN_LEN = sizeof(sunscreen) - 1 };

/* RFC 8439 §2.8.2. */
static const char rfc8439_key[] =
	"808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f";
static const char rfc8439_nonce[] = "070000004041424344454647";
static const char rfc8439_ad[] = "50515253c0c1c2c3c4c5c6c7";
static const char rfc8439_sealed[] =
	"d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6"
	"3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36"
	"92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc"
	"3ff4def08e4b7a9de576d26586cec64b6116"
	"1ae10b594f09e26a7e902ecbd0600691";

struct aead_vector {
	uint8_t key[AEAD_KEY_LEN], nonce[AEAD_NONCE_LEN], ad[12];
	uint8_t sealed[SUNSCREEN_LEN + AEAD_TAG_LEN];
};

static void rfc8439_vector(struct aead_vector *v)
{
	assert_int_equal(SUNSCREEN_LEN, 114);
	tu_unhex(v->key, sizeof(v->key), rfc8439_key);
	tu_unhex(v->nonce, sizeof(v->nonce), rfc8439_nonce);
	tu_unhex(v->ad, sizeof(v->ad), rfc8439_ad);
	tu_unhex(v->sealed, sizeof(v->sealed), rfc8439_sealed);
}

static void test_aead_rfc8439_seal(void **state)
{
	struct aead_vector v;
	uint8_t out[SUNSCREEN_LEN + AEAD_TAG_LEN];

	(void)state;
	rfc8439_vector(&v);
	assert_true(chacha20poly1305_seal(out, (const uint8_t *)sunscreen,
					  SUNSCREEN_LEN, v.ad, sizeof(v.ad),
					  v.nonce, v.key));
	assert_memory_equal(out, v.sealed, sizeof(out));
}

static void test_aead_rfc8439_open(void **state)
{
	struct aead_vector v;
	uint8_t out[SUNSCREEN_LEN];

	(void)state;
	rfc8439_vector(&v);
	assert_true(chacha20poly1305_open(out, v.sealed, sizeof(v.sealed),
					  v.ad, sizeof(v.ad), v.nonce, v.key));
	assert_memory_equal(out, sunscreen, SUNSCREEN_LEN);
}

/* RFC 8439 Appendix A.5: a 265-byte decryption with its own key, nonce,
 * AD and tag. */
static void test_aead_rfc8439_a5(void **state)
{
	static const char plain[] =
		"Internet-Drafts are draft documents valid for a maximum of six "
		"months and may be updated, replaced, or obsoleted by other "
		"documents at any time. It is inappropriate to use "
		"Internet-Drafts as reference material or to cite them other "
		"than as /\xe2\x80\x9cwork in progress./\xe2\x80\x9d";
	uint8_t key[32], nonce[12], ad[12], sealed[265 + 16], out[265];

	(void)state;
	assert_int_equal(sizeof(plain) - 1, 265);
	tu_unhex(key, 32, "1c9240a5eb55d38af333888604f6b5f0473917c1402b80099dca5cbc207075c0");
	tu_unhex(nonce, 12, "000000000102030405060708");
	tu_unhex(ad, 12, "f33388860000000000004e91");
	tu_unhex(sealed, sizeof(sealed),
		 "64a0861575861af460f062c79be643bd5e805cfd345cf389f108670ac76c8cb2"
		 "4c6cfc18755d43eea09ee94e382d26b0bdb7b73c321b0100d4f03b7f355894cf"
		 "332f830e710b97ce98c8a84abd0b948114ad176e008d33bd60f982b1ff37c855"
		 "9797a06ef4f0ef61c186324e2b3506383606907b6a7c02b0f9f6157b53c867e4"
		 "b9166c767b804d46a59b5216cde7a4e99040c5a40433225ee282a1b0a06c523e"
		 "af4534d7f83fa1155b0047718cbc546a0d072b04b3564eea1b422273f548271a"
		 "0bb2316053fa76991955ebd63159434ecebb4e466dae5a1073a6727627097a10"
		 "49e617d91d361094fa68f0ff77987130305beaba2eda04df997b714d6c6f2c29"
		 "a6ad5cb4022b02709b"
		 "eead9d67890cbb22392336fea1851f38");
	assert_true(chacha20poly1305_open(out, sealed, sizeof(sealed), ad,
					  sizeof(ad), nonce, key));
	assert_memory_equal(out, plain, sizeof(out));
}

/* Any change to what the tag covers, or to the tag, must be refused. */
static void test_aead_tampering(void **state)
{
	struct aead_vector v;
	uint8_t out[SUNSCREEN_LEN];

	(void)state;
	rfc8439_vector(&v);

	v.sealed[0] ^= 1;
	assert_false(chacha20poly1305_open(out, v.sealed, sizeof(v.sealed),
					   v.ad, sizeof(v.ad), v.nonce, v.key));
	v.sealed[0] ^= 1;

	v.sealed[sizeof(v.sealed) - 1] ^= 0x80;
	assert_false(chacha20poly1305_open(out, v.sealed, sizeof(v.sealed),
					   v.ad, sizeof(v.ad), v.nonce, v.key));
	v.sealed[sizeof(v.sealed) - 1] ^= 0x80;

	v.ad[5] ^= 0x10;
	assert_false(chacha20poly1305_open(out, v.sealed, sizeof(v.sealed),
					   v.ad, sizeof(v.ad), v.nonce, v.key));
	v.ad[5] ^= 0x10;

	assert_false(chacha20poly1305_open(out, v.sealed, sizeof(v.sealed),
					   NULL, 0, v.nonce, v.key));
	assert_false(chacha20poly1305_open(out, v.sealed, sizeof(v.sealed) - 1,
					   v.ad, sizeof(v.ad), v.nonce, v.key));

	v.nonce[11] ^= 1;
	assert_false(chacha20poly1305_open(out, v.sealed, sizeof(v.sealed),
					   v.ad, sizeof(v.ad), v.nonce, v.key));
	v.nonce[11] ^= 1;

	v.key[31] ^= 1;
	assert_false(chacha20poly1305_open(out, v.sealed, sizeof(v.sealed),
					   v.ad, sizeof(v.ad), v.nonce, v.key));
	v.key[31] ^= 1;

	/* Shorter than a tag: nothing to authenticate. */
	for (size_t len = 0; len < AEAD_TAG_LEN; len++)
		assert_false(chacha20poly1305_open(out, v.sealed, len, v.ad,
						   sizeof(v.ad), v.nonce,
						   v.key));

	/* Everything restored: the failures left no state behind. */
	assert_true(chacha20poly1305_open(out, v.sealed, sizeof(v.sealed),
					  v.ad, sizeof(v.ad), v.nonce, v.key));
	assert_memory_equal(out, sunscreen, SUNSCREEN_LEN);
}

/* The data path seals and opens packets where they lie. */
static void test_aead_in_place(void **state)
{
	uint8_t key[32], nonce[12], ad[7] = "header";
	uint8_t buf[1500 + AEAD_TAG_LEN], plain[1500], copy[1500 + AEAD_TAG_LEN];
	static const size_t lens[] = { 0, 1, 15, 16, 63, 64, 65, 1500 };

	(void)state;
	assert_true(random_bytes(key, sizeof(key)));
	assert_true(random_bytes(nonce, sizeof(nonce)));
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		size_t len = lens[i];

		assert_true(random_bytes(plain, sizeof(plain)));
		assert_true(chacha20poly1305_seal(copy, plain, len, ad,
						  sizeof(ad), nonce, key));
		memcpy(buf, plain, len);
		assert_true(chacha20poly1305_seal(buf, buf, len, ad, sizeof(ad),
						  nonce, key));
		assert_memory_equal(buf, copy, len + AEAD_TAG_LEN);
		assert_true(chacha20poly1305_open(buf, buf, len + AEAD_TAG_LEN,
						  ad, sizeof(ad), nonce, key));
		if (len)
			assert_memory_equal(buf, plain, len);
	}
}

/* A keepalive is an empty plaintext: only the tag travels. */
static void test_aead_empty(void **state)
{
	uint8_t key[32] = { 1 }, tag[AEAD_TAG_LEN], out[1];

	(void)state;
	assert_true(wg_aead_seal(tag, NULL, 0, NULL, 0, 7, key));
	assert_false(crypto_is_zero(tag, sizeof(tag)));
	assert_true(wg_aead_open(out, tag, sizeof(tag), NULL, 0, 7, key));
	assert_false(wg_aead_open(out, tag, sizeof(tag), NULL, 0, 8, key));
	tag[0] ^= 1;
	assert_false(wg_aead_open(out, tag, sizeof(tag), NULL, 0, 7, key));
}

/* WireGuard's nonce is 4 zero bytes then the little-endian counter. */
static void test_wg_aead_nonce(void **state)
{
	uint8_t key[32], nonce[12] = { 0 }, a[64 + 16], b[64 + 16], out[64];
	uint8_t plain[64];

	(void)state;
	fill_counting(key, sizeof(key));
	fill_counting(plain, sizeof(plain));

	assert_true(wg_aead_seal(a, plain, sizeof(plain), NULL, 0, 0, key));
	assert_true(chacha20poly1305_seal(b, plain, sizeof(plain), NULL, 0,
					  nonce, key));
	assert_memory_equal(a, b, sizeof(a));

	tu_unhex(nonce, 12, "000000000807060504030201");
	assert_true(wg_aead_seal(a, plain, sizeof(plain), NULL, 0,
				 0x0102030405060708ULL, key));
	assert_true(chacha20poly1305_seal(b, plain, sizeof(plain), NULL, 0,
					  nonce, key));
	assert_memory_equal(a, b, sizeof(a));

	assert_true(wg_aead_open(out, a, sizeof(a), NULL, 0,
				 0x0102030405060708ULL, key));
	assert_memory_equal(out, plain, sizeof(plain));
	assert_false(wg_aead_open(out, a, sizeof(a), NULL, 0,
				  0x0102030405060709ULL, key));
}

/*
 * A batch seals as wg_aead_seal does each message, and opens each with its
 * own verdict: a forged one and one too short for a tag fail alone.
 */
static void test_wg_aead_batch(void **state)
{
	static const uint32_t lens[] = { 0, 1420, 15, 64, 1420, 300 };
	enum { N = sizeof(lens) / sizeof(lens[0]) };
	static uint8_t plain[1420], buf[N][1420 + 16], want[1420 + 16];
	struct wg_aead_msg m[N];
	uint8_t key[32];

	(void)state;
	fill_counting(key, sizeof(key));
	fill_counting(plain, sizeof(plain));
	for (unsigned int i = 0; i < N; i++) {
		memcpy(buf[i], plain, lens[i]);
		m[i] = (struct wg_aead_msg){ .data = buf[i], .len = lens[i],
					     .counter = 1000 + i };
	}
	wg_aead_seal_batch(m, N, key);
	for (unsigned int i = 0; i < N; i++) {
		assert_true(m[i].ok);
		assert_true(wg_aead_seal(want, plain, lens[i], NULL, 0,
					 1000 + i, key));
		assert_memory_equal(buf[i], want, lens[i] + 16);
		m[i].len = lens[i] + 16;
	}
	buf[1][700] ^= 1;
	m[3].len = 15;
	wg_aead_open_batch(m, N, key);
	for (unsigned int i = 0; i < N; i++) {
		assert_int_equal(m[i].ok, i != 1 && i != 3);
		if (m[i].ok)
			assert_memory_equal(buf[i], plain, lens[i]);
	}
}

/* ---- XChaCha20-Poly1305 ----------------------------------------------- */

/* draft-irtf-cfrg-xchacha-03 §2.2.1. */
static void test_hchacha20_draft(void **state)
{
	uint8_t key[32], nonce[16], out[32];

	(void)state;
	fill_counting(key, sizeof(key));
	tu_unhex(nonce, 16, "000000090000004a0000000031415927");
	hchacha20(out, nonce, key);
	tu_assert_hex_equal(out, 32,
			    "82413b4227b27bfed30e42508a877d73"
			    "a0f9e4d58a74a853c12ec41326d3ecdc");
}

/* draft-irtf-cfrg-xchacha-03 §A.3.1: RFC 8439's plaintext, AD and key,
 * with a 24-byte nonce. */
static void test_xchacha_draft(void **state)
{
	struct aead_vector v;
	uint8_t nonce[XAEAD_NONCE_LEN], sealed[SUNSCREEN_LEN + AEAD_TAG_LEN];
	uint8_t out[SUNSCREEN_LEN + AEAD_TAG_LEN];

	(void)state;
	rfc8439_vector(&v);
	tu_unhex(nonce, sizeof(nonce),
		 "404142434445464748494a4b4c4d4e4f5051525354555657");
	tu_unhex(sealed, sizeof(sealed),
		 "bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb"
		 "731c7f1b0b4aa6440bf3a82f4eda7e39ae64c6708c54c216cb96b72e1213b452"
		 "2f8c9ba40db5d945b11b69b982c1bb9e3f3fac2bc369488f76b2383565d3fff9"
		 "21f9664c97637da9768812f615c68b13b52e"
		 "c0875924c1c7987947deafd8780acf49");

	assert_true(xchacha20poly1305_seal(out, (const uint8_t *)sunscreen,
					   SUNSCREEN_LEN, v.ad, sizeof(v.ad),
					   nonce, v.key));
	assert_memory_equal(out, sealed, sizeof(sealed));

	assert_true(xchacha20poly1305_open(out, sealed, sizeof(sealed), v.ad,
					   sizeof(v.ad), nonce, v.key));
	assert_memory_equal(out, sunscreen, SUNSCREEN_LEN);

	/* The subkey depends on the first 16 nonce bytes, the inner nonce
	 * on the last 8: a change in either is refused. */
	nonce[0] ^= 1;
	assert_false(xchacha20poly1305_open(out, sealed, sizeof(sealed), v.ad,
					    sizeof(v.ad), nonce, v.key));
	nonce[0] ^= 1;
	nonce[23] ^= 1;
	assert_false(xchacha20poly1305_open(out, sealed, sizeof(sealed), v.ad,
					    sizeof(v.ad), nonce, v.key));
	nonce[23] ^= 1;
	sealed[sizeof(sealed) - 1] ^= 1;
	assert_false(xchacha20poly1305_open(out, sealed, sizeof(sealed), v.ad,
					    sizeof(v.ad), nonce, v.key));
}

/* ---- util ------------------------------------------------------------- */

static void test_util(void **state)
{
	uint8_t a[33] = { 0 }, b[33] = { 0 };

	(void)state;
	assert_true(crypto_is_zero(a, sizeof(a)));
	assert_true(crypto_is_zero(a, 0));
	assert_true(crypto_equal(a, b, sizeof(a)));
	/* A fresh buffer per bit: GCC 12.2 at -O1 drops a store that would
	 * reset a[i] after the calls (tree-dse wrong code). */
	for (size_t i = 0; i < sizeof(a); i++) {
		for (int bit = 0; bit < 8; bit++) {
			uint8_t one_bit[sizeof(a)] = { 0 };

			one_bit[i] = (uint8_t)(1 << bit);
			assert_false(crypto_is_zero(one_bit, sizeof(one_bit)));
			assert_false(crypto_equal(one_bit, b, sizeof(b)));
			assert_false(crypto_equal(b, one_bit, sizeof(b)));
		}
	}

	memset(a, 0x5a, sizeof(a));
	memzero_explicit(a, sizeof(a));
	assert_true(crypto_is_zero(a, sizeof(a)));

	/* Two 264-bit draws agree with probability 2^-264. */
	assert_true(random_bytes(a, sizeof(a)));
	assert_true(random_bytes(b, sizeof(b)));
	assert_false(crypto_equal(a, b, sizeof(a)));
	assert_true(random_u32() != random_u32() ||
		    random_u32() != random_u32());
}

/* ---- allocations on the hot paths ------------------------------------ */

static size_t allocations;

static void *count_malloc(size_t n, const char *file, int line)
{
	(void)file;
	(void)line;
	__atomic_add_fetch(&allocations, 1, __ATOMIC_RELAXED);
	return malloc(n);
}

static void *count_realloc(void *p, size_t n, const char *file, int line)
{
	(void)file;
	(void)line;
	__atomic_add_fetch(&allocations, 1, __ATOMIC_RELAXED);
	return realloc(p, n);
}

static void count_free(void *p, const char *file, int line)
{
	(void)file;
	(void)line;
	free(p);
}

/* What the data path and the MAC checks do for every message. */
static void keyed_round(void)
{
	uint8_t key[32] = { 3 }, xnonce[24] = { 4 }, buf[128 + 16] = { 0 };
	uint8_t mac[16];

	assert_true(blake2s_keyed(mac, 16, key, sizeof(key), buf, 100));
	assert_true(wg_aead_seal(buf, buf, 128, NULL, 0, 1, key));
	assert_true(wg_aead_open(buf, buf, sizeof(buf), NULL, 0, 1, key));
	assert_false(wg_aead_open(buf, buf, sizeof(buf), NULL, 0, 1, key));
	assert_true(xchacha20poly1305_seal(buf, buf, 32, mac, 16, xnonce, key));
	assert_true(xchacha20poly1305_open(buf, buf, 48, mac, 16, xnonce, key));
}

static void test_keyed_path_does_not_allocate(void **state)
{
	size_t before;

	(void)state;
	keyed_round();
	before = __atomic_load_n(&allocations, __ATOMIC_RELAXED);
	for (int i = 0; i < 100; i++)
		keyed_round();
	assert_int_equal(__atomic_load_n(&allocations, __ATOMIC_RELAXED),
			 before);
}

/*
 * The plain hash reuses its EVP_MD_CTX, but OpenSSL 3.0 frees and
 * reallocates the provider's digest state on every init (later releases
 * keep it). So: at most one allocation per digest, never the context too.
 * A round is 9 digests: HASH, HMAC (2) and KDF2 (3 HMACs).
 */
static void test_hash_path_allocations_bounded(void **state)
{
	uint8_t key[32] = { 5 }, h[32], t1[32], t2[32];
	size_t before;

	(void)state;
	assert_true(wg_kdf(t1, t2, NULL, key, sizeof(key), key));
	before = __atomic_load_n(&allocations, __ATOMIC_RELAXED);
	for (int i = 0; i < 100; i++) {
		assert_true(blake2s_hash2(h, key, sizeof(key), "x", 1));
		assert_true(hmac_blake2s(h, key, sizeof(key), h, sizeof(h)));
		assert_true(wg_kdf(t1, t2, NULL, h, sizeof(h), key));
	}
	assert_in_range(__atomic_load_n(&allocations, __ATOMIC_RELAXED) - before,
			0, 100 * 9);
}

/* ---- threads ---------------------------------------------------------- */

/* Each thread gets its own contexts; interleaved use must not mix them.
 * Under ASan the thread-exit destructors are checked for leaks too. */
static void *thread_main(void *arg)
{
	struct aead_vector *v = arg;
	uint8_t out[SUNSCREEN_LEN + AEAD_TAG_LEN], h[32], abc[32];
	bool ok = true;

	tu_unhex(abc, 32, "508c5e8c327c14e2e1a72ba34eeb452f"
			  "37458b209ed63a294d999b4c86675982");
	for (int i = 0; i < 200 && ok; i++) {
		ok = chacha20poly1305_seal(out, (const uint8_t *)sunscreen,
					   SUNSCREEN_LEN, v->ad, sizeof(v->ad),
					   v->nonce, v->key) &&
		     !memcmp(out, v->sealed, sizeof(out)) &&
		     blake2s_hash2(h, "abc", 3, NULL, 0) &&
		     !memcmp(h, abc, sizeof(h));
	}
	return ok ? v : NULL;
}

static void test_threads(void **state)
{
	struct aead_vector v;
	pthread_t threads[4];
	void *ret;

	(void)state;
	rfc8439_vector(&v);
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&threads[i], NULL, thread_main,
						&v), 0);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(threads[i], &ret), 0);
		assert_ptr_equal(ret, &v);
	}
}

int main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_blake2s_rfc7693_abc),
		cmocka_unit_test(test_blake2s_empty),
		cmocka_unit_test(test_blake2s_hash2_split),
		cmocka_unit_test(test_blake2s_keyed_kat),
		cmocka_unit_test(test_blake2s_keyed_16),
		cmocka_unit_test(test_blake2s_keyed_bounds),
		cmocka_unit_test(test_hmac_blake2s),
		cmocka_unit_test(test_kdf_wireguard_go),
		cmocka_unit_test(test_kdf_output_aliases_ck),
		cmocka_unit_test(test_wireguard_initial_chain),
		cmocka_unit_test(test_x25519_rfc7748_vectors),
		cmocka_unit_test(test_x25519_rfc7748_iterated),
		cmocka_unit_test(test_x25519_rfc7748_dh),
		cmocka_unit_test(test_x25519_low_order),
		cmocka_unit_test(test_x25519_not_low_order),
		cmocka_unit_test(test_x25519_generate_and_clamp),
		cmocka_unit_test(test_aead_rfc8439_seal),
		cmocka_unit_test(test_aead_rfc8439_open),
		cmocka_unit_test(test_aead_rfc8439_a5),
		cmocka_unit_test(test_aead_tampering),
		cmocka_unit_test(test_aead_in_place),
		cmocka_unit_test(test_aead_empty),
		cmocka_unit_test(test_wg_aead_nonce),
		cmocka_unit_test(test_wg_aead_batch),
		cmocka_unit_test(test_hchacha20_draft),
		cmocka_unit_test(test_xchacha_draft),
		cmocka_unit_test(test_util),
		cmocka_unit_test(test_keyed_path_does_not_allocate),
		cmocka_unit_test(test_hash_path_allocations_bounded),
		cmocka_unit_test(test_threads),
	};

	/* Must precede OpenSSL's first allocation, hence before any test. */
	if (!CRYPTO_set_mem_functions(count_malloc, count_realloc,
				      count_free)) {
		fprintf(stderr, "CRYPTO_set_mem_functions failed\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
