// SPDX-License-Identifier: MIT
/*
 * Hex and base64 key encodings. The constant-time code is checked against
 * deliberately naive table-driven references over every byte value, plus
 * fixed vectors computed with Python's base64 module.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/hex.h"

static const char b64_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* xorshift64: reproducible keys without pulling in the crypto layer. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static void fill_pseudo_random(uint8_t *buf, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		rng_state ^= rng_state << 13;
		rng_state ^= rng_state >> 7;
		rng_state ^= rng_state << 17;
		buf[i] = (uint8_t)(rng_state >> 24);
	}
}

/* The reference: a lookup with strchr, as obvious as it gets. */
static int naive_hex_value(int c)
{
	static const char lower[] = "0123456789abcdef";
	static const char upper[] = "0123456789ABCDEF";
	const char *p;

	if (c == 0)
		return -1;
	if ((p = strchr(lower, c)))
		return (int)(p - lower);
	if ((p = strchr(upper, c)))
		return (int)(p - upper);
	return -1;
}

static int naive_b64_value(int c)
{
	const char *p = c ? strchr(b64_alphabet, c) : NULL;

	return p ? (int)(p - b64_alphabet) : -1;
}

static void naive_key_to_base64(char out[static KEY_B64_LEN + 1],
				const uint8_t key[static KEY_LEN])
{
	size_t o = 0;

	for (size_t i = 0; i < KEY_LEN; i += 3) {
		uint32_t v = (uint32_t)key[i] << 16;

		if (i + 1 < KEY_LEN)
			v |= (uint32_t)key[i + 1] << 8;
		if (i + 2 < KEY_LEN)
			v |= key[i + 2];
		out[o++] = b64_alphabet[v >> 18];
		out[o++] = b64_alphabet[(v >> 12) & 63];
		out[o++] = b64_alphabet[(v >> 6) & 63];
		out[o++] = i + 2 < KEY_LEN ? b64_alphabet[v & 63] : '=';
	}
	out[o] = '\0';
}

/* ---- hex -------------------------------------------------------------- */

static void test_hex_encode_vector(void **state)
{
	static const uint8_t in[] = { 0x00, 0x01, 0x09, 0x0a, 0x7f, 0x80,
				      0xab, 0xcd, 0xef, 0xff };
	char out[2 * sizeof(in) + 1];

	(void)state;
	memset(out, 'x', sizeof(out));
	hex_encode(out, in, sizeof(in));
	assert_string_equal(out, "0001090a7f80abcdefff");

	hex_encode(out, in, 0);
	assert_string_equal(out, "");
}

static void test_hex_decode_vector(void **state)
{
	static const uint8_t want[] = { 0x00, 0x01, 0x09, 0x0a, 0x7f, 0x80,
					0xab, 0xcd, 0xef, 0xff };
	uint8_t out[sizeof(want)];

	(void)state;
	assert_true(hex_decode(out, sizeof(out), "0001090a7f80abcdefff"));
	assert_memory_equal(out, want, sizeof(want));

	memset(out, 0, sizeof(out));
	assert_true(hex_decode(out, sizeof(out), "0001090A7F80ABCDEFFF"));
	assert_memory_equal(out, want, sizeof(want));

	memset(out, 0, sizeof(out));
	assert_true(hex_decode(out, sizeof(out), "0001090a7F80aBcDeFfF"));
	assert_memory_equal(out, want, sizeof(want));

	assert_true(hex_decode(out, 0, ""));
}

/* Every byte value, in the high and the low nibble position. */
static void test_hex_decode_every_char(void **state)
{
	(void)state;
	for (int c = 1; c < 256; c++) {
		int want = naive_hex_value(c);
		char hi[3] = { (char)c, '0', '\0' }, lo[3] = { '0', (char)c, '\0' };
		uint8_t out;

		if (want < 0) {
			assert_false(hex_decode(&out, 1, hi));
			assert_false(hex_decode(&out, 1, lo));
			continue;
		}
		assert_true(hex_decode(&out, 1, hi));
		assert_int_equal(out, want << 4);
		assert_true(hex_decode(&out, 1, lo));
		assert_int_equal(out, want);
	}
}

static void test_hex_rejects_bad_input(void **state)
{
	uint8_t key[KEY_LEN];
	char hex[KEY_HEX_LEN + 2];

	(void)state;
	memset(hex, 'a', KEY_HEX_LEN);
	hex[KEY_HEX_LEN] = '\0';
	assert_true(hex_decode(key, KEY_LEN, hex));

	/* Too short, odd, too long. */
	hex[KEY_HEX_LEN - 2] = '\0';
	assert_false(hex_decode(key, KEY_LEN, hex));
	hex[KEY_HEX_LEN - 2] = 'a';
	hex[KEY_HEX_LEN - 1] = '\0';
	assert_false(hex_decode(key, KEY_LEN, hex));
	hex[KEY_HEX_LEN - 1] = 'a';
	hex[KEY_HEX_LEN] = 'a';
	hex[KEY_HEX_LEN + 1] = '\0';
	assert_false(hex_decode(key, KEY_LEN, hex));
	hex[KEY_HEX_LEN] = '\0';
	assert_false(hex_decode(key, KEY_LEN, ""));

	/* One bad character anywhere spoils the whole string. */
	for (size_t i = 0; i < KEY_HEX_LEN; i += 7) {
		char bad[KEY_HEX_LEN + 1];

		memcpy(bad, hex, sizeof(bad));
		bad[i] = 'g';
		assert_false(hex_decode(key, KEY_LEN, bad));
		bad[i] = ' ';
		assert_false(hex_decode(key, KEY_LEN, bad));
	}
	assert_false(hex_decode(key, 2, "0x12"));
	assert_false(hex_decode(key, 2, "+123"));
}

static void test_hex_round_trip(void **state)
{
	uint8_t key[KEY_LEN], back[KEY_LEN];
	char hex[KEY_HEX_LEN + 1];

	(void)state;
	for (int i = 0; i < 1000; i++) {
		fill_pseudo_random(key, sizeof(key));
		hex_encode(hex, key, sizeof(key));
		assert_int_equal(strlen(hex), KEY_HEX_LEN);
		for (size_t j = 0; j < KEY_LEN; j++) {
			assert_int_equal(naive_hex_value(hex[2 * j]), key[j] >> 4);
			assert_int_equal(naive_hex_value(hex[2 * j + 1]),
					 key[j] & 15);
		}
		assert_true(hex_decode(back, sizeof(back), hex));
		assert_memory_equal(back, key, sizeof(key));
	}
}

/* ---- base64 ----------------------------------------------------------- */

/* Python: base64.b64encode(key). The last is the example private key
 * of wg(8). */
static const struct {
	const char *hex, *b64;
} b64_vectors[] = {
	{ "0000000000000000000000000000000000000000000000000000000000000000",
	  "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" },
	{ "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
	  "//////////////////////////////////////////8=" },
	{ "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
	  "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=" },
	{ "c809f3e5317e9575c9b5ed78b638b7ce530dabe85ddab614220241801ddf0669",
	  "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=" },
};

static void test_base64_vectors(void **state)
{
	uint8_t key[KEY_LEN], back[KEY_LEN];
	char b64[KEY_B64_LEN + 1];

	(void)state;
	for (size_t i = 0; i < sizeof(b64_vectors) / sizeof(b64_vectors[0]);
	     i++) {
		assert_true(hex_decode(key, KEY_LEN, b64_vectors[i].hex));
		key_to_base64(b64, key);
		assert_string_equal(b64, b64_vectors[i].b64);
		assert_true(key_from_base64(back, b64_vectors[i].b64));
		assert_memory_equal(back, key, KEY_LEN);
	}
}

/* Every byte value in the first position: accepted exactly when it is in
 * the alphabet, and then decoded to its index. */
static void test_base64_every_char(void **state)
{
	char b64[KEY_B64_LEN + 1] = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
	uint8_t key[KEY_LEN];

	(void)state;
	for (int c = 1; c < 256; c++) {
		int want = naive_b64_value(c);

		b64[0] = (char)c;
		if (want < 0) {
			assert_false(key_from_base64(key, b64));
			continue;
		}
		assert_true(key_from_base64(key, b64));
		assert_int_equal(key[0], want << 2);
	}
}

static void test_base64_rejects_bad_input(void **state)
{
	static const char good[] = "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=";
	char b64[KEY_B64_LEN + 2];
	uint8_t key[KEY_LEN];

	(void)state;
	memcpy(b64, good, sizeof(good));
	assert_true(key_from_base64(key, b64));

	/* Wrong lengths. */
	assert_false(key_from_base64(key, ""));
	assert_false(key_from_base64(key, "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk"));
	assert_false(key_from_base64(key, "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBm="));
	assert_false(key_from_base64(key, "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=="));
	assert_false(key_from_base64(key, "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmkA="));

	/* Padding: the last character must be '=' and the one before it
	 * must leave its two unused bits zero ('k' = 36, 'l' = 37). */
	b64[KEY_B64_LEN - 1] = 'A';
	assert_false(key_from_base64(key, b64));
	b64[KEY_B64_LEN - 1] = '=';
	b64[KEY_B64_LEN - 2] = 'l';
	assert_false(key_from_base64(key, b64));
	b64[KEY_B64_LEN - 2] = 'm';
	assert_false(key_from_base64(key, b64));
	b64[KEY_B64_LEN - 2] = 'n';
	assert_false(key_from_base64(key, b64));
	b64[KEY_B64_LEN - 2] = 'o';
	assert_true(key_from_base64(key, b64));
	b64[KEY_B64_LEN - 2] = '=';
	assert_false(key_from_base64(key, b64));

	/* Characters outside the alphabet, anywhere before the padding,
	 * including the URL-safe variants and whitespace. */
	for (size_t i = 0; i < KEY_B64_LEN - 1; i++) {
		static const char bad[] = "-_ =.\n";

		for (size_t j = 0; j < sizeof(bad) - 1; j++) {
			memcpy(b64, good, sizeof(good));
			b64[i] = bad[j];
			assert_false(key_from_base64(key, b64));
		}
	}
}

/* A failed decode leaves the caller's key as it was. */
static void test_base64_failure_keeps_key(void **state)
{
	uint8_t key[KEY_LEN], before[KEY_LEN];

	(void)state;
	fill_pseudo_random(key, sizeof(key));
	memcpy(before, key, sizeof(key));
	assert_false(key_from_base64(key, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA*="));
	assert_memory_equal(key, before, sizeof(key));
}

static void test_base64_round_trip(void **state)
{
	uint8_t key[KEY_LEN], back[KEY_LEN];
	char b64[KEY_B64_LEN + 1], ref[KEY_B64_LEN + 1];

	(void)state;
	for (int i = 0; i < 1000; i++) {
		fill_pseudo_random(key, sizeof(key));
		key_to_base64(b64, key);
		naive_key_to_base64(ref, key);
		assert_string_equal(b64, ref);
		assert_true(key_from_base64(back, b64));
		assert_memory_equal(back, key, sizeof(key));
	}
}

int main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hex_encode_vector),
		cmocka_unit_test(test_hex_decode_vector),
		cmocka_unit_test(test_hex_decode_every_char),
		cmocka_unit_test(test_hex_rejects_bad_input),
		cmocka_unit_test(test_hex_round_trip),
		cmocka_unit_test(test_base64_vectors),
		cmocka_unit_test(test_base64_every_char),
		cmocka_unit_test(test_base64_rejects_bad_input),
		cmocka_unit_test(test_base64_failure_keeps_key),
		cmocka_unit_test(test_base64_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
