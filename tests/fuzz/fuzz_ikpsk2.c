// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the Noise_IKpsk2 pattern alone (ikpsk2.h), on
 * plain buffers. The first byte picks a mode:
 *
 *   0  the responder reads a first message from the input, with fixed
 *      keys; if it is accepted, the exchange is completed and both sides
 *      must agree on the session keys;
 *   1  the initiator, having sent the fixed first message, reads a second
 *      message from the input;
 *   2  a whole exchange with keys, prologue and payloads from the input:
 *      it must succeed, both sides must agree, and the same exchange with
 *      one bit of either message flipped must fail.
 *
 * In modes 0 and 1 everything is fixed (ephemerals too), so the genuine
 * messages in the seed corpus get all the way through.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/util.h"
#include "crypto/x25519.h"
#include "wg/ikpsk2.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum {
	KEY = NOISE_PUBLIC_KEY_LEN,
	MAX_PAYLOAD = 64,
	/* WireGuard's payloads: a TAI64N timestamp, then nothing. */
	WG_PAYLOAD1 = NOISE_TIMESTAMP_LEN,
	WG_PAYLOAD2 = 0,
	MAX_MSG1 = IKPSK2_MSG1_LEN(MAX_PAYLOAD),
	MAX_MSG2 = IKPSK2_MSG2_LEN(MAX_PAYLOAD),
};

static const char prologue[] = "WireGuard v1 zx2c4 Jason@zx2c4.com";

/* Private keys are clamped before use; publics derive from them. */
struct keys {
	uint8_t s_i[KEY], s_r[KEY], e_i[KEY], e_r[KEY], psk[KEY];
	uint8_t s_i_pub[KEY], s_r_pub[KEY];
	uint8_t ss[KEY]; /* DH(s_i, s_r), as the device precomputes it */
	uint8_t e_i_pub[KEY];
};

struct input {
	const uint8_t *p;
	size_t len;
};

static struct keys fixed;
static uint8_t ck0[NOISE_HASH_LEN], h0[NOISE_HASH_LEN];
/* The initiator after sending the fixed first message. */
static struct ikpsk2 initiator_sent;
static const uint8_t payload1[WG_PAYLOAD1] = "TAI64N-stamp";

static void die(const char *what)
{
	fprintf(stderr, "fuzz_ikpsk2: %s\n", what);
	abort();
}

static uint8_t take_u8(struct input *in)
{
	if (!in->len)
		return 0;
	in->len--;
	return *in->p++;
}

/* Copies len bytes, zero-filling what the input lacks. */
static void take(struct input *in, uint8_t *out, size_t len)
{
	size_t n = len < in->len ? len : in->len;

	memcpy(out, in->p, n);
	memset(out + n, 0, len - n);
	in->p += n;
	in->len -= n;
}

/* Publics and ss; false when a key is unusable (low-order ss). */
static bool derive(struct keys *k)
{
	x25519_clamp(k->s_i);
	x25519_clamp(k->s_r);
	x25519_clamp(k->e_i);
	x25519_clamp(k->e_r);
	return x25519_public(k->s_i_pub, k->s_i) &&
	       x25519_public(k->s_r_pub, k->s_r) &&
	       x25519_public(k->e_i_pub, k->e_i) &&
	       x25519(k->ss, k->s_i, k->s_r_pub);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const uint8_t seed[5][KEY] = {
		"fuzz ikpsk2 initiator static...",
		"fuzz ikpsk2 responder static...",
		"fuzz ikpsk2 initiator ephemeral",
		"fuzz ikpsk2 responder ephemeral",
		"fuzz ikpsk2 preshared key......",
	};
	uint8_t msg1[IKPSK2_MSG1_LEN(WG_PAYLOAD1)];

	(void)argc;
	(void)argv;
	memcpy(fixed.s_i, seed[0], KEY);
	memcpy(fixed.s_r, seed[1], KEY);
	memcpy(fixed.e_i, seed[2], KEY);
	memcpy(fixed.e_r, seed[3], KEY);
	memcpy(fixed.psk, seed[4], KEY);
	if (!derive(&fixed) ||
	    !ikpsk2_prologue(ck0, h0, prologue, sizeof(prologue) - 1) ||
	    !ikpsk2_init(&initiator_sent, ck0, h0, fixed.s_r_pub) ||
	    !ikpsk2_write_msg1(&initiator_sent, msg1, fixed.e_i,
			       fixed.s_i_pub, fixed.s_r_pub, fixed.ss,
			       payload1, sizeof(payload1)))
		die("cannot set up the fixed handshake");
	return 0;
}

/* Both sides split; the initiator's first key is the responder's first. */
static void check_split(const struct ikpsk2 *i, const struct ikpsk2 *r)
{
	uint8_t i1[KEY], i2[KEY], r1[KEY], r2[KEY];

	if (!ikpsk2_split(i, i1, i2) || !ikpsk2_split(r, r1, r2))
		die("split failed");
	if (memcmp(i1, r1, KEY) || memcmp(i2, r2, KEY) || !memcmp(i1, i2, KEY))
		die("the two sides derived different session keys");
}

/*
 * The responder reads msg1 and, like the device, looks the sender's
 * static key up: only the fixed initiator is known.
 */
static bool respond(struct ikpsk2 *r, const struct keys *k, const uint8_t *msg1,
		    uint8_t *payload, size_t payload_len, uint8_t re[KEY])
{
	uint8_t rs[KEY];

	if (!ikpsk2_init(r, ck0, h0, k->s_r_pub) ||
	    !ikpsk2_read_msg1_static(r, msg1, k->s_r, re, rs))
		return false;
	if (memcmp(rs, k->s_i_pub, KEY))
		return false;
	return ikpsk2_read_msg1_payload(r, msg1, k->ss, payload, payload_len);
}

static void mode_read_msg1(struct input *in)
{
	uint8_t msg1[IKPSK2_MSG1_LEN(WG_PAYLOAD1)], msg2[IKPSK2_MSG2_LEN(0)];
	uint8_t payload[WG_PAYLOAD1], re[KEY], re2[KEY];
	struct ikpsk2 r, i = initiator_sent;

	take(in, msg1, sizeof(msg1));
	if (!respond(&r, &fixed, msg1, payload, sizeof(payload), re))
		goto out;
	if (!ikpsk2_write_msg2(&r, msg2, fixed.e_r, re, fixed.s_i_pub,
			       fixed.psk, NULL, 0))
		die("responder cannot answer an accepted first message");
	/* Only the fixed initiator holds the ephemeral to read the answer. */
	if (!ikpsk2_read_msg2(&i, msg2, fixed.e_i, fixed.s_i, fixed.psk, re2,
			      NULL, 0)) {
		if (!memcmp(re, fixed.e_i_pub, KEY))
			die("initiator rejects the answer to its own first message");
		goto out;
	}
	check_split(&i, &r);
out:
	ikpsk2_wipe(&r);
	ikpsk2_wipe(&i);
}

static void mode_read_msg2(struct input *in)
{
	uint8_t msg2[IKPSK2_MSG2_LEN(MAX_PAYLOAD)], payload[MAX_PAYLOAD];
	size_t payload_len = take_u8(in) % (MAX_PAYLOAD + 1);
	struct ikpsk2 i = initiator_sent;
	uint8_t re[KEY];

	take(in, msg2, IKPSK2_MSG2_LEN(payload_len));
	ikpsk2_read_msg2(&i, msg2, fixed.e_i, fixed.s_i, fixed.psk, re,
			 payload_len ? payload : NULL, payload_len);
	ikpsk2_wipe(&i);
}

/* One full exchange; flip selects a bit of msg1 or msg2 to corrupt. */
static void mode_round_trip(struct input *in)
{
	uint8_t msg1[MAX_MSG1], msg2[MAX_MSG2], p1[MAX_PAYLOAD], p2[MAX_PAYLOAD];
	uint8_t got1[MAX_PAYLOAD], got2[MAX_PAYLOAD], re[KEY], re2[KEY];
	size_t len1, len2, flip_at;
	struct ikpsk2 i, r;
	struct keys k;
	bool flip1, flip2, ok;
	uint8_t flip;

	take(in, k.s_i, KEY);
	take(in, k.s_r, KEY);
	take(in, k.e_i, KEY);
	take(in, k.e_r, KEY);
	take(in, k.psk, KEY);
	len1 = take_u8(in) % (MAX_PAYLOAD + 1);
	len2 = take_u8(in) % (MAX_PAYLOAD + 1);
	flip = take_u8(in);
	flip_at = (size_t)take_u8(in) << 8;
	flip_at |= take_u8(in);
	take(in, p1, len1);
	take(in, p2, len2);
	/* The bits of e_r and s_i that clamping drops do not matter. */
	if (!derive(&k))
		return;
	flip1 = flip == 1;
	flip2 = flip == 2;

	/* Generic empty payloads come as NULL from the device: so here. */
	if (!ikpsk2_init(&i, ck0, h0, k.s_r_pub) ||
	    !ikpsk2_write_msg1(&i, msg1, k.e_i, k.s_i_pub, k.s_r_pub, k.ss,
			       len1 ? p1 : NULL, len1))
		die("initiator cannot write the first message");
	if (flip1) {
		flip_at %= IKPSK2_MSG1_LEN(len1) * 8;
		msg1[flip_at / 8] ^= (uint8_t)(1U << (flip_at % 8));
	}
	ok = respond(&r, &k, msg1, len1 ? got1 : NULL, len1, re);
	if (flip1) {
		if (ok)
			die("a corrupted first message was accepted");
		goto out;
	}
	if (!ok || memcmp(got1, p1, len1))
		die("responder cannot read a genuine first message");
	if (!ikpsk2_write_msg2(&r, msg2, k.e_r, re, k.s_i_pub, k.psk,
			       len2 ? p2 : NULL, len2))
		die("responder cannot write the second message");
	if (flip2) {
		flip_at %= IKPSK2_MSG2_LEN(len2) * 8;
		msg2[flip_at / 8] ^= (uint8_t)(1U << (flip_at % 8));
	}
	ok = ikpsk2_read_msg2(&i, msg2, k.e_i, k.s_i, k.psk, re2,
			      len2 ? got2 : NULL, len2);
	if (flip2) {
		if (ok)
			die("a corrupted second message was accepted");
		goto out;
	}
	if (!ok || memcmp(got2, p2, len2))
		die("initiator cannot read a genuine second message");
	check_split(&i, &r);
out:
	ikpsk2_wipe(&i);
	ikpsk2_wipe(&r);
	memzero_explicit(&k, sizeof(k));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };

	switch (take_u8(&in) % 3) {
	case 0:
		mode_read_msg1(&in);
		break;
	case 1:
		mode_read_msg2(&in);
		break;
	case 2:
		mode_round_trip(&in);
		break;
	}
	return 0;
}
