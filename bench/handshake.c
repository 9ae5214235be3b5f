// SPDX-License-Identifier: MIT
/*
 * bench/handshake: WireGuard handshakes per second on one thread, and in
 * the same run the crypto primitives a handshake is made of, so that the
 * handshake rate can be set against the rate the crypto alone allows.
 *
 * Two devices in memory (no sockets, no TUN, no crypto threads), each
 * the other's only peer, driven by hand as tests/unit/test_noise.c does.
 * Every operation runs for HANDSHAKE_SECONDS (default 0.25) of
 * CLOCK_MONOTONIC after an untimed warm-up, in rounds taken in turn. The
 * output is one table row per operation (its median round, and how far
 * the slowest and fastest rounds lie apart), then for each handshake
 * measurement the cost its primitives predict and how close it came.
 * A failed handshake step is a bug, not a slow run: it stops the
 * benchmark with exit status 1. Nothing here judges the timings.
 *
 *   HANDSHAKE_SECONDS=2 build/bench/handshake   (or bench/handshake.sh)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "base/log.h"
#include "base/loop.h"
#include "base/sockaddr.h"
#include "crypto/aead.h"
#include "crypto/blake2s.h"
#include "crypto/util.h"
#include "crypto/x25519.h"
#include "wg/config.h"
#include "wg/cookie.h"
#include "wg/device.h"
#include "wg/messages.h"
#include "wg/noise.h"
#include "wg/peer.h"

enum {
	/* A calibration batch at least this long keeps clock reads rare. */
	BATCH_MIN_NS = 1000000,
	BATCH_MAX = 1 << 24,
	ROUNDS = 5,
	PSK_BYTE = 0x5a,
	MAC1_MSG_LEN = sizeof(struct message_handshake_initiation) -
		       sizeof(struct message_macs),
};

static const double default_seconds = 0.25;

struct bench {
	struct loop *loop;
	struct wg_device *a, *b;  /* A initiates, B responds */
	struct wg_peer *a_peer;   /* A's peer, which is B */
	struct wg_peer *b_peer;   /* B's peer, which is A */
	union sockaddr_inet a_addr, b_addr;
	struct message_handshake_initiation init;
	struct message_handshake_response resp;
	/* A's transcript right after its initiation, for consume_response. */
	uint8_t a_hash[NOISE_HASH_LEN], a_chaining_key[NOISE_HASH_LEN];

	/* The primitives' inputs; some are fed back from their outputs. */
	uint8_t priv[X25519_KEY_LEN], pub[X25519_KEY_LEN];
	uint8_t shared[X25519_KEY_LEN];
	uint8_t hash[BLAKE2S_HASH_LEN], data[32];
	uint8_t key[AEAD_KEY_LEN], ck[BLAKE2S_HASH_LEN];
	uint8_t msg[MAC1_MSG_LEN], mac[COOKIE_LEN];
	uint8_t sealed[64], nonce[XAEAD_NONCE_LEN];
	uint64_t counter;
};

/* ---- The operations ------------------------------------------------------ */

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static bool fail(const char *step)
{
	fprintf(stderr, "bench/handshake: %s failed\n", step);
	return false;
}

/*
 * B's handshake refuses an initiation less than 20 ms after the last one
 * (INITIATIONS_PER_SECOND) and one whose TAI64N timestamp is not newer
 * than the latest it took; the timestamp moves in steps of 16.8 ms. Both
 * guards would turn all but a few initiations a second into drops, so
 * each measured round clears them, as if the previous initiation were
 * long ago. That costs two stores and skips no crypto.
 */
static void forget_initiations(struct wg_peer *resp_peer)
{
	resp_peer->handshake.last_initiation_consumption = 0;
	memset(resp_peer->handshake.latest_timestamp, 0, NOISE_TIMESTAMP_LEN);
}

static bool make_initiation(struct bench *bn)
{
	if (!wg_noise_handshake_create_initiation(&bn->init,
						  &bn->a_peer->handshake))
		return fail("create_initiation");
	wg_cookie_add_mac_to_packet(&bn->init, sizeof(bn->init), bn->a_peer);
	return true;
}

/* B's side of an initiation as the receive path does it: mac1, then Noise. */
static bool take_initiation(struct bench *bn)
{
	if (wg_cookie_validate_packet(&bn->b->cookie_checker, &bn->init,
				      sizeof(bn->init), &bn->a_addr,
				      false) != VALID_MAC_BUT_NO_COOKIE)
		return fail("mac1 of the initiation");
	if (wg_noise_handshake_consume_initiation(&bn->init, bn->b) !=
	    bn->b_peer)
		return fail("consume_initiation");
	return true;
}

static bool make_response(struct bench *bn)
{
	if (!wg_noise_handshake_create_response(&bn->resp,
						&bn->b_peer->handshake))
		return fail("create_response");
	wg_cookie_add_mac_to_packet(&bn->resp, sizeof(bn->resp), bn->b_peer);
	return true;
}

static bool take_response(struct bench *bn)
{
	if (wg_cookie_validate_packet(&bn->a->cookie_checker, &bn->resp,
				      sizeof(bn->resp), &bn->b_addr,
				      false) != VALID_MAC_BUT_NO_COOKIE)
		return fail("mac1 of the response");
	if (wg_noise_handshake_consume_response(&bn->resp, bn->a) !=
	    bn->a_peer)
		return fail("consume_response");
	return true;
}

/*
 * A whole exchange: both messages made, checked and consumed, and both
 * sessions begun, so each round also allocates a keypair on each side and
 * retires the one it replaces, as a rekey does.
 */
static bool run_handshake_full(struct bench *bn, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++) {
		forget_initiations(bn->b_peer);
		if (!make_initiation(bn) || !take_initiation(bn) ||
		    !make_response(bn))
			return false;
		if (!wg_noise_handshake_begin_session(&bn->b_peer->handshake,
						      &bn->b_peer->keypairs))
			return fail("responder begin_session");
		if (!take_response(bn))
			return false;
		if (!wg_noise_handshake_begin_session(&bn->a_peer->handshake,
						      &bn->a_peer->keypairs))
			return fail("initiator begin_session");
	}
	return true;
}

/*
 * What a flood of valid initiations costs the responder: the same
 * message, accepted again and again (nothing in consume caches across
 * calls, so each one pays the full price).
 */
static bool run_consume_initiation(struct bench *bn, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++) {
		forget_initiations(bn->b_peer);
		if (!take_initiation(bn))
			return false;
	}
	return true;
}

/*
 * consume_response moves A's handshake on and overwrites its transcript;
 * putting back the state and the two hashes saved after the initiation
 * lets the same response be consumed again. The rest it writes
 * (remote ephemeral and index) comes out the same every time.
 */
static bool run_consume_response(struct bench *bn, uint64_t n)
{
	struct noise_handshake *hs = &bn->a_peer->handshake;

	for (uint64_t i = 0; i < n; i++) {
		if (!take_response(bn))
			return false;
		memcpy(hs->hash, bn->a_hash, NOISE_HASH_LEN);
		memcpy(hs->chaining_key, bn->a_chaining_key, NOISE_HASH_LEN);
		hs->state = HANDSHAKE_CREATED_INITIATION;
	}
	return true;
}

/* Leaves A waiting for bn->resp, its state saved for the rounds above. */
static bool prepare_response(struct bench *bn)
{
	forget_initiations(bn->b_peer);
	if (!make_initiation(bn) || !take_initiation(bn) || !make_response(bn))
		return false;
	memcpy(bn->a_hash, bn->a_peer->handshake.hash, NOISE_HASH_LEN);
	memcpy(bn->a_chaining_key, bn->a_peer->handshake.chaining_key,
	       NOISE_HASH_LEN);
	return true;
}

/* The DH of the handshake tokens es, ee and se. */
static bool run_x25519_shared(struct bench *bn, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)
		if (!x25519(bn->shared, bn->priv, bn->pub))
			return fail("x25519");
	return true;
}

/* An ephemeral key as create_initiation/create_response make one. */
static bool run_x25519_keygen(struct bench *bn, uint64_t n)
{
	uint8_t priv[X25519_KEY_LEN];
	bool ok = true;

	for (uint64_t i = 0; i < n && ok; i++)
		ok = x25519_generate(priv) && x25519_public(bn->pub, priv);
	memzero_explicit(priv, sizeof(priv));
	return ok || fail("x25519_generate/x25519_public");
}

/* MixHash: h = BLAKE2s(h || 32 bytes). */
static bool run_blake2s_hash(struct bench *bn, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)
		if (!blake2s_hash2(bn->hash, bn->hash, sizeof(bn->hash),
				   bn->data, sizeof(bn->data)))
			return fail("blake2s_hash2");
	return true;
}

/* mac1 of an initiation: keyed BLAKE2s-128 of its first 116 bytes. */
static bool run_mac1(struct bench *bn, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++) {
		if (!blake2s_keyed(bn->mac, sizeof(bn->mac), bn->key,
				   sizeof(bn->key), bn->msg, sizeof(bn->msg)))
			return fail("blake2s_keyed");
		bn->msg[0] ^= bn->mac[0];
	}
	return true;
}

/* MixKey and friends: KDF1/2/3 of 32 bytes, the chaining key fed back. */
static bool run_kdf(struct bench *bn, uint64_t n, int outputs)
{
	uint8_t t2[BLAKE2S_HASH_LEN], t3[BLAKE2S_HASH_LEN];
	bool ok = true;

	for (uint64_t i = 0; i < n && ok; i++)
		ok = wg_kdf(bn->ck, outputs >= 2 ? t2 : NULL,
			    outputs >= 3 ? t3 : NULL, bn->data,
			    sizeof(bn->data), bn->ck);
	memzero_explicit(t2, sizeof(t2));
	memzero_explicit(t3, sizeof(t3));
	return ok || fail("wg_kdf");
}

static bool run_kdf1(struct bench *bn, uint64_t n)
{
	return run_kdf(bn, n, 1);
}

static bool run_kdf2(struct bench *bn, uint64_t n)
{
	return run_kdf(bn, n, 2);
}

static bool run_kdf3(struct bench *bn, uint64_t n)
{
	return run_kdf(bn, n, 3);
}

/* encrypted_static: 32 bytes sealed with the transcript hash as AD. */
static bool run_aead_seal(struct bench *bn, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)
		if (!wg_aead_seal(bn->sealed, bn->data, sizeof(bn->data),
				  bn->hash, sizeof(bn->hash), bn->counter++,
				  bn->key))
			return fail("wg_aead_seal");
	return true;
}

/* A cookie reply: the 16-byte cookie sealed with mac1 as AD. */
static bool run_xaead_seal(struct bench *bn, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++) {
		if (!xchacha20poly1305_seal(bn->sealed, bn->mac, COOKIE_LEN,
					    bn->msg, COOKIE_LEN, bn->nonce,
					    bn->key))
			return fail("xchacha20poly1305_seal");
		bn->nonce[0]++;
	}
	return true;
}

enum op_id {
	OP_HANDSHAKE_FULL,
	OP_CONSUME_INITIATION,
	OP_CONSUME_RESPONSE,
	OP_X25519_SHARED,
	OP_X25519_KEYGEN,
	OP_BLAKE2S_HASH,
	OP_MAC1,
	OP_KDF1,
	OP_KDF2,
	OP_KDF3,
	OP_AEAD_SEAL,
	OP_XAEAD_SEAL,
	OP_COUNT,
};

/* Names are single words: a script reads a row with awk '$1 == name'. */
static const struct op {
	const char *name;
	bool (*run)(struct bench *bn, uint64_t n);
	bool (*prepare)(struct bench *bn); /* untimed, once before */
} ops[OP_COUNT] = {
	[OP_HANDSHAKE_FULL] = { "handshake_full", run_handshake_full, NULL },
	[OP_CONSUME_INITIATION] = { "handshake_consume_initiation",
				    run_consume_initiation, make_initiation },
	[OP_CONSUME_RESPONSE] = { "handshake_consume_response",
				  run_consume_response, prepare_response },
	[OP_X25519_SHARED] = { "x25519_shared", run_x25519_shared, NULL },
	[OP_X25519_KEYGEN] = { "x25519_keygen", run_x25519_keygen, NULL },
	[OP_BLAKE2S_HASH] = { "blake2s_hash_32_32", run_blake2s_hash, NULL },
	[OP_MAC1] = { "blake2s_mac1_116", run_mac1, NULL },
	[OP_KDF1] = { "hmac_blake2s_kdf1", run_kdf1, NULL },
	[OP_KDF2] = { "hmac_blake2s_kdf2", run_kdf2, NULL },
	[OP_KDF3] = { "hmac_blake2s_kdf3", run_kdf3, NULL },
	[OP_AEAD_SEAL] = { "chacha20poly1305_seal_32_ad32", run_aead_seal,
			   NULL },
	[OP_XAEAD_SEAL] = { "xchacha20poly1305_seal_16_ad16", run_xaead_seal,
			    NULL },
};

/*
 * The primitives each handshake measurement performs, counted from
 * src/wg/ikpsk2.c, noise.c and cookie.c:
 *   create_initiation:  1 keygen, 1 DH (es; ss is precomputed), 4 hashes,
 *			 KDF1 + 2 KDF2, 2 seals, mac1;
 *   consume_initiation: mac1, 1 DH (es), 4 hashes, KDF1 + 2 KDF2, 2 opens;
 *   create_response:    1 keygen, 2 DH (ee, se), 3 hashes,
 *			 KDF1 + 2 KDF2 + KDF3 (psk), 1 seal, mac1;
 *   consume_response:   mac1, 2 DH, 3 hashes, KDF1 + 2 KDF2 + KDF3, 1 open;
 *   begin_session:      KDF2 (the split), on each side.
 * A keygen is x25519_generate + x25519_public. Opens are priced as seals
 * of 32 bytes, every hash as 32 + 32 bytes and every mac1 as 116 bytes;
 * the real inputs run from 0 to 48 bytes (60 for the response's mac1),
 * so the prediction is a close, not an exact, lower bound.
 */
static const struct cost_model {
	enum op_id op;
	unsigned int count[OP_COUNT];
} models[] = {
	{ OP_HANDSHAKE_FULL,
	  { [OP_X25519_KEYGEN] = 2, [OP_X25519_SHARED] = 6,
	    [OP_BLAKE2S_HASH] = 14, [OP_KDF1] = 4, [OP_KDF2] = 10,
	    [OP_KDF3] = 2, [OP_AEAD_SEAL] = 6, [OP_MAC1] = 4 } },
	{ OP_CONSUME_INITIATION,
	  { [OP_X25519_SHARED] = 1, [OP_BLAKE2S_HASH] = 4, [OP_KDF1] = 1,
	    [OP_KDF2] = 2, [OP_AEAD_SEAL] = 2, [OP_MAC1] = 1 } },
	{ OP_CONSUME_RESPONSE,
	  { [OP_X25519_SHARED] = 2, [OP_BLAKE2S_HASH] = 3, [OP_KDF1] = 1,
	    [OP_KDF2] = 2, [OP_KDF3] = 1, [OP_AEAD_SEAL] = 1,
	    [OP_MAC1] = 1 } },
};

/* The order terms are printed in: the expensive ones first. */
static const enum op_id term_order[] = {
	OP_X25519_KEYGEN, OP_X25519_SHARED, OP_BLAKE2S_HASH, OP_KDF1,
	OP_KDF2,	  OP_KDF3,	    OP_AEAD_SEAL,    OP_MAC1,
};

/* ---- Measuring ----------------------------------------------------------- */

struct result {
	uint64_t batch; /* operations between two clock reads */
	double round_ns_per_op[ROUNDS];
	double ns_per_op, ops_per_s;
	double spread; /* slowest minus fastest round, over the median */
};

/*
 * Doubles the batch until one takes BATCH_MIN_NS. Untimed: it also warms
 * the caches and creates OpenSSL's per-thread contexts.
 */
static bool calibrate(struct bench *bn, const struct op *op, struct result *r)
{
	uint64_t start;

	if (op->prepare && !op->prepare(bn))
		return false;
	for (r->batch = 1;; r->batch *= 2) {
		start = mono_ns();
		if (!op->run(bn, r->batch))
			return false;
		if (mono_ns() - start >= BATCH_MIN_NS || r->batch >= BATCH_MAX)
			return true;
	}
}

/* Runs whole batches until budget_ns have passed. */
static bool run_round(struct bench *bn, const struct op *op,
		      uint64_t budget_ns, struct result *r, int round)
{
	uint64_t done = 0, ns, start;

	/* Other rounds ran in between and moved the devices' state on. */
	if (op->prepare && !op->prepare(bn))
		return false;
	start = mono_ns();
	do {
		if (!op->run(bn, r->batch))
			return false;
		done += r->batch;
		ns = mono_ns() - start;
	} while (ns < budget_ns);
	r->round_ns_per_op[round] = (double)ns / (double)done;
	return true;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void summarize(struct result *r)
{
	double sorted[ROUNDS];

	memcpy(sorted, r->round_ns_per_op, sizeof(sorted));
	qsort(sorted, ROUNDS, sizeof(sorted[0]), cmp_double);
	r->ns_per_op = sorted[ROUNDS / 2];
	r->ops_per_s = 1e9 / r->ns_per_op;
	r->spread = (sorted[ROUNDS - 1] - sorted[0]) / r->ns_per_op;
}

static void print_model(const struct cost_model *m,
			const struct result res[OP_COUNT])
{
	const char *name = ops[m->op].name;
	double total = 0, bound;
	const char *sep = "";
	size_t i;

	for (i = 0; i < sizeof(term_order) / sizeof(term_order[0]); i++)
		total += m->count[term_order[i]] * res[term_order[i]].ns_per_op;
	bound = 1e9 / total;

	printf("\n# %s predicted from the primitives\n", name);
	printf("%-34s %6s %14s %14s %7s\n", "term", "count", "ns/op",
	       "ns", "share");
	for (i = 0; i < sizeof(term_order) / sizeof(term_order[0]); i++) {
		enum op_id t = term_order[i];
		double ns = m->count[t] * res[t].ns_per_op;

		if (!m->count[t])
			continue;
		printf("%-34s %6u %14.1f %14.1f %6.1f%%\n", ops[t].name,
		       m->count[t], res[t].ns_per_op, ns, 100 * ns / total);
	}
	printf("%-34s %6s %14s %14.1f %6.1f%%\n", "total", "", "", total,
	       100.0);

	printf("%s cost =", name);
	for (i = 0; i < sizeof(term_order) / sizeof(term_order[0]); i++) {
		enum op_id t = term_order[i];

		if (!m->count[t])
			continue;
		printf("%s %u x %s", sep, m->count[t], ops[t].name);
		sep = " +";
	}
	printf(" = %.1f ns\n", total);
	printf("%s bound = %.1f ops/s, measured = %.1f ops/s, "
	       "measured/bound = %.3f\n",
	       name, bound, res[m->op].ops_per_s,
	       res[m->op].ops_per_s / bound);
}

/* ---- Setup --------------------------------------------------------------- */

/* Gives dev the private key and one peer, with a PSK as most setups use. */
static int configure(struct wg_device *dev, const uint8_t priv[WG_KEY_LEN],
		     const uint8_t peer_pub[WG_KEY_LEN])
{
	struct wg_peer_config pc = { .flags = WGPEER_HAS_PRESHARED_KEY };
	struct wg_config cfg = {
		.flags = WGDEVICE_HAS_PRIVATE_KEY,
		.peers = &pc,
		.peers_len = 1,
	};
	int ret;

	memcpy(cfg.private_key, priv, WG_KEY_LEN);
	memcpy(pc.public_key, peer_pub, WG_KEY_LEN);
	memset(pc.preshared_key, PSK_BYTE, WG_KEY_LEN);
	ret = wg_device_apply_config(dev, &cfg);
	memzero_explicit(&cfg, sizeof(cfg));
	memzero_explicit(&pc, sizeof(pc));
	return ret;
}

static void sockaddr_v4(union sockaddr_inet *sa, uint32_t addr, uint16_t port)
{
	memset(sa, 0, sizeof(*sa));
	sa->in.sin_family = AF_INET;
	sa->in.sin_addr.s_addr = htonl(addr);
	sa->in.sin_port = htons(port);
}

static int bench_init(struct bench *bn)
{
	uint8_t a_priv[32], b_priv[32], a_pub[32], b_pub[32];
	int ret = -EINVAL;

	memset(bn, 0, sizeof(*bn));
	if (!x25519_generate(a_priv) || !x25519_generate(b_priv) ||
	    !x25519_public(a_pub, a_priv) || !x25519_public(b_pub, b_priv))
		goto out;
	ret = loop_new(&bn->loop);
	if (ret < 0)
		goto out;
	ret = wg_device_new(bn->loop, "wgA", &bn->a);
	if (ret < 0)
		goto out;
	ret = wg_device_new(bn->loop, "wgB", &bn->b);
	if (ret < 0)
		goto out;
	ret = configure(bn->a, a_priv, b_pub);
	if (ret < 0)
		goto out;
	ret = configure(bn->b, b_priv, a_pub);
	if (ret < 0)
		goto out;
	bn->a_peer = wg_peer_lookup(bn->a, b_pub);
	bn->b_peer = wg_peer_lookup(bn->b, a_pub);
	ret = bn->a_peer && bn->b_peer ? 0 : -ENOENT;
	if (ret < 0)
		goto out;
	/* Documentation addresses (RFC 5737); nothing is sent. */
	sockaddr_v4(&bn->a_addr, 0xc0000201, 51820);
	sockaddr_v4(&bn->b_addr, 0xc0000202, 51820);

	/* The primitives' inputs: random, and a point that is not low order. */
	ret = -EINVAL;
	if (!x25519_generate(bn->priv) || !x25519_public(bn->pub, a_priv) ||
	    !random_bytes(bn->data, sizeof(bn->data)) ||
	    !random_bytes(bn->key, sizeof(bn->key)) ||
	    !random_bytes(bn->msg, sizeof(bn->msg)) ||
	    !random_bytes(bn->nonce, sizeof(bn->nonce)))
		goto out;
	ret = 0;
out:
	memzero_explicit(a_priv, sizeof(a_priv));
	memzero_explicit(b_priv, sizeof(b_priv));
	return ret;
}

/* Frees both devices, then the loop; bn may be partly made. */
static void bench_free(struct bench *bn)
{
	wg_device_free(bn->a);
	wg_device_free(bn->b);
	if (bn->loop)
		loop_free(bn->loop);
	memzero_explicit(bn, sizeof(*bn));
}

static bool parse_seconds(const char *text, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(text, &end);
	if (errno || end == text || *end || !isfinite(v) || v <= 0 ||
	    v > 3600) {
		fprintf(stderr,
			"bench/handshake: HANDSHAKE_SECONDS is not a number of "
			"seconds in (0, 3600]: `%s'\n",
			text);
		return false;
	}
	*out = v;
	return true;
}

int main(void)
{
	static struct bench bn;
	struct result res[OP_COUNT];
	const char *env = getenv("HANDSHAKE_SECONDS");
	double seconds = default_seconds;
	cpu_set_t allowed;
	int ret = 1, round;
	size_t i;

	if (env && *env && !parse_seconds(env, &seconds))
		return 2;
	/* One thread: the device's crypto pool would start idle threads. */
	setenv("CVPC_THREADS", "1", 1);
	log_set_level(LOGL_SILENT);
	if (sched_getaffinity(0, sizeof(allowed), &allowed) < 0)
		CPU_ZERO(&allowed);
	if (bench_init(&bn) < 0) {
		fprintf(stderr, "bench/handshake: cannot set up two devices\n");
		goto out;
	}

	/*
	 * Each operation's time is cut into ROUNDS rounds taken in turn with
	 * the others', and each is reported by its median round: a burst of
	 * load elsewhere on the machine or a change of clock speed then
	 * spoils one round of several operations, not one operation whole,
	 * and the primitives and the handshakes they predict are measured
	 * under the same conditions.
	 */
	for (i = 0; i < OP_COUNT; i++)
		if (!calibrate(&bn, &ops[i], &res[i]))
			goto out;
	for (round = 0; round < ROUNDS; round++)
		for (i = 0; i < OP_COUNT; i++)
			if (!run_round(&bn, &ops[i],
				       (uint64_t)(seconds * 1e9 / ROUNDS),
				       &res[i], round))
				goto out;

	printf("# cvpc bench/handshake: 1 thread, cpu %d (%d allowed), "
	       "%.2f s per operation in %d rounds, %s\n",
	       sched_getcpu(), CPU_COUNT(&allowed), seconds, ROUNDS,
	       OpenSSL_version(OPENSSL_VERSION));
	printf("%-34s %14s %14s %8s\n", "operation", "ops/s", "ns/op",
	       "spread");
	for (i = 0; i < OP_COUNT; i++) {
		summarize(&res[i]);
		printf("%-34s %14.1f %14.1f %7.1f%%\n", ops[i].name,
		       res[i].ops_per_s, res[i].ns_per_op,
		       100 * res[i].spread);
	}
	for (i = 0; i < sizeof(models) / sizeof(models[0]); i++)
		print_model(&models[i], res);
	ret = 0;
out:
	bench_free(&bn);
	return ret;
}
