// SPDX-License-Identifier: MIT
/*
 * The data message on the way out: how much padding an inner packet gets
 * (the kernel's calculate_skb_padding, table first, then the rule checked
 * over every length), and what wg_packet_encrypt writes: the type, the
 * receiver's index, the little-endian counter and a ciphertext that opens
 * to the padded packet under that counter.
 */
#include <endian.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/aead.h"
#include "wg/messages.h"
#include "wg/noise.h"
#include "wg/packet.h"
#include "wg/send.h"

static const struct {
	uint32_t len, mtu, padding;
} padding_table[] = {
	/* No MTU known: up to the next multiple of 16. */
	{ 0, 0, 0 },
	{ 1, 0, 15 },
	{ 15, 0, 1 },
	{ 16, 0, 0 },
	{ 17, 0, 15 },
	{ 1420, 0, 4 },
	{ 65535, 0, 1 },
	/* MTU 1420 (not a multiple of 16): never beyond it. */
	{ 0, 1420, 0 },
	{ 1, 1420, 15 },
	{ 1404, 1420, 4 },
	{ 1408, 1420, 0 },
	{ 1409, 1420, 11 },
	{ 1419, 1420, 1 },
	{ 1420, 1420, 0 },
	/* Longer than the MTU: padded as if it were len % mtu long. */
	{ 1421, 1420, 15 },
	{ 1436, 1420, 0 },
	{ 2840, 1420, 0 },
	{ 2841, 1420, 15 },
	/* An MTU smaller than the packet, and tiny ones. */
	{ 99, 100, 1 },
	{ 100, 100, 0 },
	{ 250, 100, 14 },
	{ 90, 100, 6 },
	{ 0, 1, 0 },
	{ 1, 1, 0 },
	{ 5, 1, 0 },
	{ 3, 8, 5 },
	{ 9, 8, 7 },
	{ 1280, 1280, 0 },
	{ 1279, 1280, 1 },
	{ 1500, 1500, 0 },
	{ 1490, 1500, 10 },
};

static void test_padding_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(padding_table) / sizeof(padding_table[0]);
	     i++) {
		uint32_t got = wg_packet_padding(padding_table[i].len,
						 padding_table[i].mtu);

		if (got != padding_table[i].padding)
			fail_msg("padding(len %u, mtu %u) = %u, expected %u",
				 padding_table[i].len, padding_table[i].mtu,
				 got, padding_table[i].padding);
	}
}

/* The rule behind the table, for every length up to 3000 and many MTUs. */
static void test_padding_rule(void **state)
{
	static const uint32_t mtus[] = { 0,    1,    15,   16,   17,  68,
					 576,  1280, 1420, 1440, 1500, 9000 };

	(void)state;
	for (size_t m = 0; m < sizeof(mtus) / sizeof(mtus[0]); m++) {
		uint32_t mtu = mtus[m];

		for (uint32_t len = 0; len <= 3000; len++) {
			uint32_t pad = wg_packet_padding(len, mtu);
			uint32_t unit = (mtu && len > mtu) ? len % mtu : len;
			uint32_t aligned = (unit + 15) & ~15U;
			uint32_t want = (mtu && aligned > mtu) ? mtu : aligned;

			if (pad >= MESSAGE_PADDING_MULTIPLE || unit + pad != want)
				fail_msg("padding(len %u, mtu %u) = %u", len,
					 mtu, pad);
		}
	}
}

struct sealed {
	uint8_t head[PKT_HEADROOM + 256 + PKT_TAILROOM]
		__attribute__((aligned(16)));
};

static void make_keypair(struct noise_keypair *kp)
{
	memset(kp, 0, sizeof(*kp));
	for (int i = 0; i < NOISE_SYMMETRIC_KEY_LEN; i++)
		kp->sending.key[i] = (uint8_t)(0x80 + i);
	kp->sending.is_valid = true;
	kp->remote_index = 0x11223344;
}

static void test_encrypt_layout_and_open(void **state)
{
	static const uint8_t counter_le[8] = { 0x08, 0x07, 0x06, 0x05,
					       0x04, 0x03, 0x02, 0x01 };
	static const uint8_t header[8] = { 4, 0, 0, 0, 0x44, 0x33, 0x22, 0x11 };
	const uint64_t nonce = 0x0102030405060708ULL;
	struct noise_keypair kp;
	struct sealed s;
	uint8_t inner[27], opened[64];
	size_t n;

	(void)state;
	make_keypair(&kp);
	for (size_t i = 0; i < sizeof(inner); i++)
		inner[i] = (uint8_t)(i * 7 + 1);
	/* Garbage behind the packet must not leak into the padding. */
	memset(s.head, 0xaa, sizeof(s.head));
	memcpy(s.head + PKT_HEADROOM, inner, sizeof(inner));

	n = wg_packet_encrypt(s.head, sizeof(inner), &kp, nonce, 1420);
	/* 27 bytes padded to 32, a 16-byte header and a 16-byte tag. */
	assert_int_equal(n, 16 + 32 + 16);
	assert_int_equal(n, message_data_len(32));
	assert_memory_equal(s.head, header, 8);
	assert_memory_equal(s.head + 8, counter_le, 8);
	/* The counter field is what the receiver opens with. */
	{
		uint64_t c;

		memcpy(&c, s.head + 8, 8);
		assert_int_equal(le64toh(c), nonce);
	}

	assert_true(wg_aead_open(opened, s.head + 16, n - 16, NULL, 0, nonce,
				 kp.sending.key));
	assert_memory_equal(opened, inner, sizeof(inner));
	for (size_t i = sizeof(inner); i < 32; i++)
		assert_int_equal(opened[i], 0);
	/* Another counter, associated data or key does not authenticate. */
	assert_false(wg_aead_open(opened, s.head + 16, n - 16, NULL, 0,
				  nonce + 1, kp.sending.key));
	assert_false(wg_aead_open(opened, s.head + 16, n - 16, header, 8, nonce,
				  kp.sending.key));
	kp.sending.key[31] ^= 1;
	assert_false(wg_aead_open(opened, s.head + 16, n - 16, NULL, 0, nonce,
				  kp.sending.key));
}

static void test_encrypt_keepalive_and_mtu(void **state)
{
	struct noise_keypair kp;
	struct sealed s;
	uint8_t opened[256];
	size_t n;

	(void)state;
	make_keypair(&kp);

	/* A keepalive: header and tag only, counter 0. */
	memset(s.head, 0xaa, sizeof(s.head));
	n = wg_packet_encrypt(s.head, 0, &kp, 0, 1420);
	assert_int_equal(n, 32);
	assert_int_equal(s.head[0], MESSAGE_DATA);
	for (int i = 8; i < 16; i++)
		assert_int_equal(s.head[i], 0);
	assert_true(wg_aead_open(opened, s.head + 16, 16, NULL, 0, 0,
				 kp.sending.key));

	/* MTU 100 caps 99 bytes at 100; without an MTU they pad to 112. */
	memset(s.head, 0xaa, sizeof(s.head));
	memset(s.head + PKT_HEADROOM, 0x55, 99);
	n = wg_packet_encrypt(s.head, 99, &kp, 5, 100);
	assert_int_equal(n, message_data_len(100));
	assert_true(wg_aead_open(opened, s.head + 16, n - 16, NULL, 0, 5,
				 kp.sending.key));
	assert_int_equal(opened[98], 0x55);
	assert_int_equal(opened[99], 0);

	memset(s.head, 0xaa, sizeof(s.head));
	memset(s.head + PKT_HEADROOM, 0x55, 99);
	n = wg_packet_encrypt(s.head, 99, &kp, 6, 0);
	assert_int_equal(n, message_data_len(112));
	assert_true(wg_aead_open(opened, s.head + 16, n - 16, NULL, 0, 6,
				 kp.sending.key));
	for (int i = 99; i < 112; i++)
		assert_int_equal(opened[i], 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_padding_table),
		cmocka_unit_test(test_padding_rule),
		cmocka_unit_test(test_encrypt_layout_and_open),
		cmocka_unit_test(test_encrypt_keepalive_and_mtu),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
