// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for everything the UDP socket hands the device: the
 * four message types through wg_packet_receive_batch() and the handshake
 * queue's work item, on a real device (A) with a real peer (B) and a live
 * session between them. No device has sockets or a TUN: what A sends
 * fails with ENETDOWN and is counted. Each datagram sits in a heap block
 * of its exact size, so ASan catches any read past its end.
 *
 * Random bytes rarely get past mac1 and never past an AEAD, so an input
 * is a small program rather than one datagram. The first byte holds
 * flags (FLAG_*); each later op byte has a kind in its low three bits
 * (OP_*) and modifiers above (MOD_*):
 *
 *   OP_RAW     u16 length, then that many bytes: a datagram as is
 *   OP_INIT    B's (or, under FLAG_STRANGER, C's) genuine initiation to A
 *   OP_RESP    A initiates (by hand), B answers: B's genuine response
 *   OP_COOKIE  a genuine cookie reply to the last mac1 A sent
 *   OP_DATA    selector, u16 length, inner bytes: B encrypts them
 *   OP_FLUSH   hands the pending batch to the device now
 *   OP_BCOOKIE B gets a cookie from A, so MOD_FIXMAC can fill in mac2
 *   OP_SRC     selects the source address of later datagrams
 *
 * Modifiers, in the order they apply to the datagram: MOD_MUTATE
 * (n byte XORs at chosen offsets), MOD_INDEX (the receiver index becomes
 * one of A's live indices), MOD_FIXMAC (mac1, and mac2 when B holds a
 * cookie, recomputed as B would), MOD_FRESH (A forgets the last
 * initiation's timestamp and time, as if it were long ago, so a
 * genuine initiation is not a replay or a flood), MOD_REPEAT (the
 * datagram is queued up to 256 times: cookie replies repeated under
 * FLAG_HOLD fill the handshake queue; initiations and responses are
 * capped, see MAX_HANDSHAKES).
 *
 * Every input starts from the same state, so a crash reproduces from its
 * input alone: both devices are reconfigured (replace_peers) and B
 * handshakes with A. That costs a dozen X25519 operations, so it is
 * skipped when the previous input left every bit of protocol state the
 * receive path can reach (both peers, their keypairs, both cookie
 * checkers) as it found it, B's own bookkeeping put back, and the
 * session is younger than SESSION_MAX_AGE: inputs that die at mac1, at
 * an index or at the AEAD cost no handshake.
 *
 * What is left nondeterministic: indices, ephemerals and cookie secrets
 * are random (their values never select a path, since MOD_INDEX picks
 * live indices by role), and the protocol clocks are real: two genuine
 * initiations in the same ~16 ms TAI64N tick look like a replay unless
 * MOD_FRESH, and a cookie secret rotates every two minutes.
 */
#include <arpa/inet.h>
#include <endian.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/loop.h"
#include "base/strbuf.h"
#include "base/time.h"
#include "crypto/x25519.h"
#include "wg/config.h"
#include "wg/cookie.h"
#include "wg/device.h"
#include "wg/messages.h"
#include "wg/noise.h"
#include "wg/packet.h"
#include "wg/peer.h"
#include "wg/ratelimiter.h"
#include "wg/receive.h"
#include "wg/send.h"
#include "wg/uapi.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum flags {
	FLAG_UNDER_LOAD = 1U << 0, /* A starts in cookie mode */
	FLAG_UP = 1U << 1,         /* A believes it is up: timers, initiations */
	FLAG_HOLD = 1U << 2,       /* drain the handshake queue only at the end */
	FLAG_CONFIRMED = 1U << 3,  /* A's session already confirmed by data */
	FLAG_PSK = 1U << 4,        /* the peers share a preshared key */
	FLAG_ENDPOINT = 1U << 5,   /* A knows B's endpoint: sends are tried */
	FLAG_STRANGER = 1U << 6,   /* OP_INIT comes from C, whom A does not know */
};

enum op_kind {
	OP_RAW,
	OP_INIT,
	OP_RESP,
	OP_COOKIE,
	OP_DATA,
	OP_FLUSH,
	OP_BCOOKIE,
	OP_SRC,
};

enum op_mods {
	MOD_FIXMAC = 1U << 0,
	MOD_INDEX = 1U << 1,
	MOD_MUTATE = 1U << 2,
	MOD_FRESH = 1U << 3,
	MOD_REPEAT = 1U << 4,
};

/* OP_DATA's selector byte. */
enum data_sel {
	DATA_KEYPAIR = 3U << 0,   /* B's current, previous, next, any */
	DATA_NONCE = 1U << 2,     /* a u64 nonce follows, else the counter */
	DATA_FIX_INNER = 1U << 3, /* honest IP header from an allowed source */
	DATA_IPV6 = 1U << 4,
	DATA_KEEPALIVE = 1U << 5,
};

/* What reset() builds the session from; the rest is per input. */
#define SETUP_FLAGS (FLAG_CONFIRMED | FLAG_PSK | FLAG_ENDPOINT)

enum limits_fuzz {
	/* Far below any protocol deadline (REKEY_TIMEOUT is the first). */
	SESSION_MAX_AGE = 2,
	MAX_RAW = 2048,
	MAX_INNER = 1500,
	/* A little more than the handshake queue holds. */
	MAX_DATAGRAMS = MAX_QUEUED_INCOMING_HANDSHAKES + 2 * PKT_BATCH_MAX,
	/*
	 * Initiations and responses that may pass mac1 cost A an X25519 each,
	 * and generating one costs several: past these caps more of them
	 * only slow the fuzzer down. Cookie replies, as cheap as garbage,
	 * are what fill the queue.
	 */
	MAX_HANDSHAKES = 64,
	MAX_GENERATED = 16,
	/* A raw datagram, or a data message around MAX_INNER bytes. */
	MAX_DATAGRAM = MAX_RAW > PKT_HEADROOM + MAX_INNER + PKT_TAILROOM ?
			       MAX_RAW :
			       PKT_HEADROOM + MAX_INNER + PKT_TAILROOM,
};

static const uint8_t private_a[WG_KEY_LEN] = {
	0x08, 0x1f, 0x3c, 0x51, 0x6e, 0x7d, 0x92, 0xa3, 0xb4, 0xc5, 0xd6,
	0xe7, 0xf8, 0x09, 0x1a, 0x2b, 0x3c, 0x4d, 0x5e, 0x6f, 0x70, 0x81,
	0x92, 0xa3, 0xb4, 0xc5, 0xd6, 0xe7, 0xf8, 0x09, 0x1a, 0x4b,
};
static const uint8_t private_b[WG_KEY_LEN] = {
	0x10, 0x21, 0x32, 0x43, 0x54, 0x65, 0x76, 0x87, 0x98, 0xa9, 0xba,
	0xcb, 0xdc, 0xed, 0xfe, 0x0f, 0x1e, 0x2d, 0x3c, 0x4b, 0x5a, 0x69,
	0x78, 0x87, 0x96, 0xa5, 0xb4, 0xc3, 0xd2, 0xe1, 0xf0, 0x4f,
};
static const uint8_t private_c[WG_KEY_LEN] = {
	0x20, 0x31, 0x42, 0x53, 0x64, 0x75, 0x86, 0x97, 0xa8, 0xb9, 0xca,
	0xdb, 0xec, 0xfd, 0x0e, 0x1f, 0x2e, 0x3d, 0x4c, 0x5b, 0x6a, 0x79,
	0x88, 0x97, 0xa6, 0xb5, 0xc4, 0xd3, 0xe2, 0xf1, 0x00, 0x5f,
};
static const uint8_t psk[WG_KEY_LEN] = {
	0x50, 0x53, 0x4b, 0x20, 0x66, 0x6f, 0x72, 0x20, 0x66, 0x75, 0x7a,
	0x7a, 0x69, 0x6e, 0x67, 0x20, 0x6f, 0x6e, 0x6c, 0x79, 0x2c, 0x20,
	0x6e, 0x6f, 0x74, 0x20, 0x73, 0x65, 0x63, 0x72, 0x65, 0x74,
};

/* B's allowed IPs on A: what DATA_FIX_INNER uses as inner source. */
static const uint8_t allowed_ip4[4] = { 10, 0, 0, 2 };
static const uint8_t allowed_ip6[16] = { 0xfd, 0, 0, 0, 0, 0, 0, 0,
					 0, 0, 0, 0, 0, 0, 0, 2 };

static struct loop *loop;
static struct wg_device *wg;   /* A: the device under test */
static struct wg_device *wg_b; /* B: only ever driven by hand */
static struct wg_device *wg_c; /* C: knows A, unknown to A */
static struct wg_peer *peer_a; /* A's view of B */
static struct wg_peer *peer_b; /* B's view of A */
static struct wg_peer *peer_c; /* C's view of A */
static uint8_t public_a[WG_KEY_LEN], public_b[WG_KEY_LEN];
static union sockaddr_inet sources[4];
static unsigned int source;

/* The state reset() left, to tell whether an input changed it. */
struct snapshot {
	bool valid;
	uint8_t setup;
	uint64_t taken;
	struct wg_peer peer_a, peer_b;
	struct noise_keypair keypairs_a[3], keypairs_b[3];
	struct cookie_checker checker_a, checker_b;
};

static struct snapshot fresh, now_state;

/* Datagrams waiting for the next flush, each in a buffer of its size. */
static uint8_t *pending[PKT_BATCH_MAX];
static unsigned int datagrams, handshakes, generated;
static uint8_t flags;
static bool show_stats;

struct input {
	const uint8_t *p;
	size_t len;
};

static uint8_t take_u8(struct input *in)
{
	if (!in->len)
		return 0;
	in->len--;
	return *in->p++;
}

static uint16_t take_u16(struct input *in)
{
	uint16_t hi = take_u8(in);

	return (uint16_t)(hi << 8 | take_u8(in));
}

static uint64_t take_u64(struct input *in)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | take_u8(in);
	return v;
}

/* Copies up to len bytes; what the input lacks stays as it was. */
static void take_bytes(struct input *in, uint8_t *out, size_t len)
{
	size_t n = len < in->len ? len : in->len;

	memcpy(out, in->p, n);
	in->p += n;
	in->len -= n;
}

static void die(const char *what)
{
	fprintf(stderr, "fuzz_receive: %s\n", what);
	abort();
}

static void set_source(union sockaddr_inet *a, int family, const char *ip,
		       uint16_t port)
{
	memset(a, 0, sizeof(*a));
	if (family == AF_INET) {
		a->in.sin_family = AF_INET;
		a->in.sin_port = htons(port);
		inet_pton(AF_INET, ip, &a->in.sin_addr);
	} else {
		a->in6.sin6_family = AF_INET6;
		a->in6.sin6_port = htons(port);
		inet_pton(AF_INET6, ip, &a->in6.sin6_addr);
	}
}

/* One peer, configured the way a set request would. */
static void configure(struct wg_device *dev, const uint8_t private_key[WG_KEY_LEN],
		      const uint8_t peer_key[WG_KEY_LEN], bool with_psk,
		      bool with_endpoint)
{
	struct wg_allowedip ips[3] = {
		{ .family = AF_INET, .cidr = 32 },
		{ .family = AF_INET6, .cidr = 128 },
		{ .family = AF_INET, .cidr = 16 },
	};
	struct wg_peer_config pc;
	struct wg_config cfg;

	memcpy(&ips[0].ip4, allowed_ip4, sizeof(allowed_ip4));
	memcpy(&ips[1].ip6, allowed_ip6, sizeof(allowed_ip6));
	inet_pton(AF_INET, "10.9.0.0", &ips[2].ip4);
	memset(&pc, 0, sizeof(pc));
	memcpy(pc.public_key, peer_key, WG_KEY_LEN);
	pc.flags = WGPEER_HAS_PRESHARED_KEY | WGPEER_REPLACE_ALLOWEDIPS;
	if (with_psk)
		memcpy(pc.preshared_key, psk, WG_KEY_LEN);
	if (with_endpoint) {
		pc.flags |= WGPEER_HAS_ENDPOINT;
		pc.endpoint = sources[0];
	}
	pc.allowedips = ips;
	pc.allowedips_len = pc.allowedips_cap = 3;
	/* The arrays live on the stack: no wg_config_free(). */
	wg_config_init(&cfg);
	cfg.flags = WGDEVICE_HAS_PRIVATE_KEY | WGDEVICE_REPLACE_PEERS;
	memcpy(cfg.private_key, private_key, WG_KEY_LEN);
	cfg.peers = &pc;
	cfg.peers_len = cfg.peers_cap = 1;
	cfg.allowedips_total = pc.allowedips_len;
	if (wg_device_apply_config(dev, &cfg) < 0)
		die("cannot configure a device");
}

/* The last initiation consumed is forgotten, as if it came long ago. */
static void forget_initiation(struct noise_handshake *hs)
{
	hs->last_initiation_consumption = 0;
	memset(hs->latest_timestamp, 0, NOISE_TIMESTAMP_LEN);
}

/* B initiates, A answers, both derive keys: what the wire would do. */
static void handshake_b_to_a(void)
{
	struct message_handshake_initiation init;
	struct message_handshake_response resp;

	forget_initiation(&peer_a->handshake);
	if (!wg_noise_handshake_create_initiation(&init, &peer_b->handshake))
		die("B cannot create an initiation");
	wg_cookie_add_mac_to_packet(&init, sizeof(init), peer_b);
	if (wg_noise_handshake_consume_initiation(&init, wg) != peer_a)
		die("A rejects B's initiation");
	if (!wg_noise_handshake_create_response(&resp, &peer_a->handshake))
		die("A cannot create a response");
	wg_cookie_add_mac_to_packet(&resp, sizeof(resp), peer_a);
	if (!wg_noise_handshake_begin_session(&peer_a->handshake,
					      &peer_a->keypairs))
		die("A cannot derive keys");
	if (wg_noise_handshake_consume_response(&resp, wg_b) != peer_b)
		die("B rejects A's response");
	if (!wg_noise_handshake_begin_session(&peer_b->handshake,
					      &peer_b->keypairs))
		die("B cannot derive keys");
	/* A fresh replay of that initiation should still get through. */
	forget_initiation(&peer_a->handshake);
}

static void copy_keypairs(struct noise_keypair out[3],
			  const struct noise_keypairs *kp)
{
	const struct noise_keypair *slots[3] = { kp->current_keypair,
						 kp->previous_keypair,
						 kp->next_keypair };

	memset(out, 0, 3 * sizeof(*out));
	for (int i = 0; i < 3; i++) {
		if (slots[i])
			memcpy(&out[i], slots[i], sizeof(*out));
	}
}

/*
 * Byte copies, padding included, so that equal means untouched. Pointers
 * compare too: a keypair rotated out and one allocated at the same place
 * still differ in their internal_id.
 */
static void take_snapshot(struct snapshot *s)
{
	memset(s, 0, sizeof(*s));
	memcpy(&s->peer_a, peer_a, sizeof(*peer_a));
	memcpy(&s->peer_b, peer_b, sizeof(*peer_b));
	copy_keypairs(s->keypairs_a, &peer_a->keypairs);
	copy_keypairs(s->keypairs_b, &peer_b->keypairs);
	memcpy(&s->checker_a, &wg->cookie_checker, sizeof(s->checker_a));
	memcpy(&s->checker_b, &wg_b->cookie_checker, sizeof(s->checker_b));
	s->setup = flags & SETUP_FLAGS;
	s->valid = true;
}

/*
 * B is the harness's puppet: what generating messages changed on its side
 * (a pending initiation, counters, the cookie) is put back, so that only
 * what A accepted costs a new session.
 */
static void rewind_b(void)
{
	struct noise_keypairs *kp = &peer_b->keypairs;
	struct noise_keypair *slots[3] = { kp->current_keypair,
					   kp->previous_keypair,
					   kp->next_keypair };
	const struct noise_keypairs *old = &fresh.peer_b.keypairs;
	const struct noise_keypair *old_slots[3] = { old->current_keypair,
						     old->previous_keypair,
						     old->next_keypair };

	wg_noise_handshake_clear(&peer_b->handshake);
	peer_b->handshake.entry.index = fresh.peer_b.handshake.entry.index;
	peer_b->latest_cookie = fresh.peer_b.latest_cookie;
	for (int i = 0; i < 3; i++) {
		if (slots[i] && slots[i] == old_slots[i])
			slots[i]->sending_counter = fresh.keypairs_b[i].sending_counter;
	}
}

static bool session_is_fresh(void)
{
	if (!fresh.valid || fresh.setup != (flags & SETUP_FLAGS) ||
	    birthdate_has_expired(fresh.taken, SESSION_MAX_AGE, now_ns()))
		return false;
	rewind_b();
	take_snapshot(&now_state);
	now_state.taken = fresh.taken;
	return !memcmp(&now_state, &fresh, sizeof(fresh));
}

/* The state every input starts from. */
static void reset(void)
{
	configure(wg, private_a, public_b, flags & FLAG_PSK,
		  flags & FLAG_ENDPOINT);
	configure(wg_b, private_b, public_a, flags & FLAG_PSK, true);
	peer_a = wg_peer_lookup(wg, public_b);
	peer_b = wg_peer_lookup(wg_b, public_a);
	if (!peer_a || !peer_b)
		die("peers missing after configuration");
	handshake_b_to_a();
	if (flags & FLAG_CONFIRMED)
		wg_noise_received_with_keypair(&peer_a->keypairs,
					       peer_a->keypairs.next_keypair);
	take_snapshot(&fresh);
	fresh.taken = now_ns();
}

/* What every input may change without it mattering to the next. */
static void start_input(void)
{
	if (!session_is_fresh())
		reset();
	/* Buckets idle for more than a second go: all of them, this way. */
	if (ratelimiter_entries(wg->ratelimiter))
		ratelimiter_gc(wg->ratelimiter, now_ns() + 2 * NSEC_PER_SEC);
	memset(&wg->stats, 0, sizeof(wg->stats));
	wg->last_under_load = (flags & FLAG_UNDER_LOAD) ? now_ns() : 0;
	wg->up = flags & FLAG_UP;
	source = 0;
	datagrams = handshakes = generated = 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *level = getenv("LOG_LEVEL");
	enum log_level l = LOGL_SILENT;

	(void)argc;
	(void)argv;
	if (level)
		log_level_parse(level, &l);
	log_set_level(l);
	show_stats = getenv("FUZZ_STATS");
	set_source(&sources[0], AF_INET, "192.0.2.1", 51820);
	set_source(&sources[1], AF_INET, "192.0.2.77", 1234);
	set_source(&sources[2], AF_INET6, "2001:db8::1", 51820);
	set_source(&sources[3], AF_INET6, "2001:db8:0:1::9", 443);
	if (!x25519_public(public_a, private_a) ||
	    !x25519_public(public_b, private_b))
		die("cannot derive public keys");
	if (loop_new(&loop) < 0 || wg_device_new(loop, "fuzz0", &wg) < 0 ||
	    wg_device_new(loop, "fuzz1", &wg_b) < 0 ||
	    wg_device_new(loop, "fuzz2", &wg_c) < 0)
		die("cannot create the devices");
	/* Nothing C does reaches A's state, so C is set up once. */
	configure(wg_c, private_c, public_a, false, true);
	peer_c = wg_peer_lookup(wg_c, public_a);
	if (!peer_c)
		die("C has no peer");
	return 0;
}

/* FUZZ_STATS=1: what each input did, to check a seed reaches its path. */
static void print_stats(void)
{
	struct strbuf sb = STRBUF_INIT;
	struct uapi_session *s = uapi_session_new(wg);

	if (s)
		uapi_session_feed(s, "stats=1\n\n", 10, &sb);
	uapi_session_free(s);
	fprintf(stderr, "%s", sb.buf ? sb.buf : "");
	fprintf(stderr, "keypairs: current %d previous %d next %d\n",
		!!peer_a->keypairs.current_keypair,
		!!peer_a->keypairs.previous_keypair,
		!!peer_a->keypairs.next_keypair);
	strbuf_free(&sb);
}

static void drain_handshakes(void)
{
	while (wg->handshake_queue.len)
		wg_packet_handshake_receive_work(&wg->handshake_work);
}

static void flush(bool drain)
{
	struct pkt_batch *batch = &wg->rx_batch;

	if (batch->len)
		wg_packet_receive_batch(wg, batch);
	for (unsigned int i = 0; i < batch->len; i++) {
		free(pending[i]);
		pending[i] = NULL;
		batch->pkts[i].data = batch->pkts[i].head;
		batch->pkts[i].len = 0;
	}
	batch->len = 0;
	if (drain)
		drain_handshakes();
}

/*
 * Queues a copy of msg. The copy is exactly len bytes on the heap, not
 * in the batch arena, so that ASan sees any read past the datagram.
 */
static void queue_datagram(const uint8_t *msg, size_t len)
{
	struct pkt_batch *batch = &wg->rx_batch;
	struct pkt *pkt;
	uint8_t *copy;

	if (datagrams >= MAX_DATAGRAMS)
		return;
	if ((len == sizeof(struct message_handshake_initiation) ||
	     len == sizeof(struct message_handshake_response)) &&
	    (msg[0] == MESSAGE_HANDSHAKE_INITIATION ||
	     msg[0] == MESSAGE_HANDSHAKE_RESPONSE) &&
	    handshakes++ >= MAX_HANDSHAKES)
		return;
	if (batch->len == PKT_BATCH_MAX)
		flush(!(flags & FLAG_HOLD));
	copy = malloc(len ? len : 1);
	if (!copy)
		die("out of memory");
	memcpy(copy, msg, len);
	pkt = &batch->pkts[batch->len];
	pending[batch->len++] = copy;
	pkt->data = copy;
	pkt->len = (uint32_t)len;
	pkt->addr = sources[source];
	datagrams++;
}

/* A's live indices by role: the handshake, then each keypair slot. */
static const struct index_entry *live_entry(unsigned int which)
{
	const struct noise_keypairs *kp = &peer_a->keypairs;
	const struct index_entry *entries[4] = {
		&peer_a->handshake.entry,
		kp->current_keypair ? &kp->current_keypair->entry : NULL,
		kp->previous_keypair ? &kp->previous_keypair->entry : NULL,
		kp->next_keypair ? &kp->next_keypair->entry : NULL,
	};

	for (unsigned int i = 0; i < 4; i++) {
		const struct index_entry *e = entries[(which + i) % 4];

		if (e && e->hashed)
			return e;
	}
	return NULL;
}

static void patch_index(uint8_t *msg, size_t len, uint8_t which)
{
	const struct index_entry *e = live_entry(which);
	size_t off;
	uint32_t index;

	if (!e || len < 4)
		return;
	switch (msg[0]) {
	case MESSAGE_HANDSHAKE_RESPONSE:
		off = offsetof(struct message_handshake_response, receiver_index);
		break;
	case MESSAGE_HANDSHAKE_COOKIE:
		off = offsetof(struct message_handshake_cookie, receiver_index);
		break;
	case MESSAGE_DATA:
		off = offsetof(struct message_data, key_idx);
		break;
	default:
		return;
	}
	if (len < off + sizeof(index))
		return;
	index = htole32(e->index);
	memcpy(msg + off, &index, sizeof(index));
}

/* mac1, and mac2 if B holds a cookie: what B's sending path computes. */
static void fix_macs(uint8_t *msg, size_t len)
{
	if ((msg[0] == MESSAGE_HANDSHAKE_INITIATION &&
	     len == sizeof(struct message_handshake_initiation)) ||
	    (msg[0] == MESSAGE_HANDSHAKE_RESPONSE &&
	     len == sizeof(struct message_handshake_response)))
		wg_cookie_add_mac_to_packet(msg, len, peer_b);
}

static void mutate(struct input *in, uint8_t *msg, size_t len)
{
	unsigned int n = (take_u8(in) & 7) + 1;

	while (n--) {
		uint16_t at = take_u16(in);
		uint8_t x = take_u8(in);

		if (len)
			msg[at % len] ^= x;
	}
}

/* Applies the modifiers and queues the datagram (repeated). */
static void emit(struct input *in, unsigned int mods, uint8_t *msg, size_t len)
{
	unsigned int repeat = 1;

	if (mods & MOD_MUTATE)
		mutate(in, msg, len);
	if (mods & MOD_INDEX)
		patch_index(msg, len, take_u8(in));
	if ((mods & MOD_FIXMAC) && len)
		fix_macs(msg, len);
	if (mods & MOD_FRESH)
		forget_initiation(&peer_a->handshake);
	if (mods & MOD_REPEAT)
		repeat += take_u8(in);
	while (repeat--)
		queue_datagram(msg, len);
}

static void op_init(uint8_t *msg, size_t *len)
{
	struct message_handshake_initiation *m = (void *)msg;
	struct wg_peer *from = (flags & FLAG_STRANGER) ? peer_c : peer_b;

	if (!wg_noise_handshake_create_initiation(m, &from->handshake))
		return;
	wg_cookie_add_mac_to_packet(m, sizeof(*m), from);
	*len = sizeof(*m);
}

/*
 * A initiates (the timer would, had the device been up long enough), B
 * consumes it and answers; A gets B's genuine response. A's initiation
 * also leaves the mac1 that OP_COOKIE answers.
 */
static void op_resp(uint8_t *msg, size_t *len)
{
	struct message_handshake_response *m = (void *)msg;
	struct message_handshake_initiation init;

	if (!wg_noise_handshake_create_initiation(&init, &peer_a->handshake))
		return;
	wg_cookie_add_mac_to_packet(&init, sizeof(init), peer_a);
	forget_initiation(&peer_b->handshake);
	if (wg_noise_handshake_consume_initiation(&init, wg_b) != peer_b ||
	    !wg_noise_handshake_create_response(m, &peer_b->handshake))
		return;
	wg_cookie_add_mac_to_packet(m, sizeof(*m), peer_b);
	wg_noise_handshake_begin_session(&peer_b->handshake, &peer_b->keypairs);
	*len = sizeof(*m);
}

/* The cookie reply B's checker would send to A's last handshake. */
static void op_cookie(struct input *in, uint8_t *msg, size_t *len)
{
	struct message_handshake_cookie *m = (void *)msg;
	struct message_handshake_initiation fake;
	const struct index_entry *e = live_entry(take_u8(in));

	memset(&fake, 0, sizeof(fake));
	memcpy(fake.macs.mac1, peer_a->latest_cookie.last_mac1_sent, COOKIE_LEN);
	wg_cookie_message_create(m, &fake, sizeof(fake), e ? e->index : 0,
				 &wg_b->cookie_checker, &sources[source]);
	*len = sizeof(*m);
}

/* B obtains A's cookie for the current source, for mac2 under load. */
static void op_bcookie(void)
{
	const struct noise_keypair *kp = peer_b->keypairs.current_keypair;
	struct message_handshake_initiation fake;
	struct message_handshake_cookie m;
	const struct index_entry *e = kp ? &kp->entry : &peer_b->handshake.entry;

	if (!e->hashed || !peer_b->latest_cookie.have_sent_mac1)
		return;
	memset(&fake, 0, sizeof(fake));
	memcpy(fake.macs.mac1, peer_b->latest_cookie.last_mac1_sent, COOKIE_LEN);
	wg_cookie_message_create(&m, &fake, sizeof(fake), e->index,
				 &wg->cookie_checker, &sources[source]);
	wg_cookie_message_consume(&m, wg_b);
}

static struct noise_keypair *b_keypair(unsigned int which)
{
	struct noise_keypairs *kp = &peer_b->keypairs;
	struct noise_keypair *slots[3] = { kp->current_keypair,
					   kp->previous_keypair,
					   kp->next_keypair };

	/*
	 * B sends with next only once A's keepalive confirmed it: do what
	 * receiving that keepalive would.
	 */
	if (which == 2 && kp->next_keypair) {
		wg_noise_received_with_keypair(kp, kp->next_keypair);
		return kp->current_keypair;
	}
	for (unsigned int i = 0; i < 3; i++) {
		if (slots[(which + i) % 3])
			return slots[(which + i) % 3];
	}
	return NULL;
}

/* An IPv4/IPv6 header that tells the truth and comes from B's prefix. */
static uint32_t fix_inner(uint8_t *p, uint32_t len, bool v6)
{
	if (v6) {
		if (len < 40)
			len = 40;
		p[0] = (uint8_t)(0x60 | (p[0] & 0x0f));
		p[4] = (uint8_t)((len - 40) >> 8);
		p[5] = (uint8_t)(len - 40);
		memcpy(p + 8, allowed_ip6, sizeof(allowed_ip6));
	} else {
		if (len < 20)
			len = 20;
		p[0] = 0x45;
		p[2] = (uint8_t)(len >> 8);
		p[3] = (uint8_t)len;
		memcpy(p + 12, allowed_ip4, sizeof(allowed_ip4));
	}
	return len;
}

static void op_data(struct input *in, uint8_t *msg, size_t *len)
{
	uint8_t sel = take_u8(in);
	struct noise_keypair *kp = b_keypair(sel & DATA_KEYPAIR);
	uint8_t *inner = msg + PKT_HEADROOM;
	uint32_t inner_len = 0;
	uint64_t nonce;

	nonce = (sel & DATA_NONCE) ? take_u64(in) : 0;
	if (!(sel & DATA_KEEPALIVE)) {
		inner_len = take_u16(in) % (MAX_INNER + 1);
		memset(inner, 0, inner_len < 40 ? 40 : inner_len);
		take_bytes(in, inner, inner_len);
		if (sel & DATA_FIX_INNER)
			inner_len = fix_inner(inner, inner_len, sel & DATA_IPV6);
	}
	if (!kp)
		return;
	if (!(sel & DATA_NONCE))
		nonce = kp->sending_counter++;
	*len = wg_packet_encrypt(msg, inner_len, kp, nonce, wg_b->mtu);
}

static void run_op(struct input *in, uint8_t op)
{
	/* Room for any generated message, or a raw one, with padding. */
	static uint8_t msg[MAX_DATAGRAM] __attribute__((aligned(16)));
	unsigned int mods = op >> 3;
	size_t len = 0;

	switch (op & 7) {
	case OP_RAW:
		len = take_u16(in) % (MAX_RAW + 1);
		memset(msg, 0, len);
		take_bytes(in, msg, len);
		break;
	case OP_INIT:
		if (generated++ < MAX_GENERATED)
			op_init(msg, &len);
		break;
	case OP_RESP:
		if (generated++ < MAX_GENERATED)
			op_resp(msg, &len);
		break;
	case OP_COOKIE:
		op_cookie(in, msg, &len);
		break;
	case OP_DATA:
		op_data(in, msg, &len);
		break;
	case OP_FLUSH:
		flush(!(flags & FLAG_HOLD));
		return;
	case OP_BCOOKIE:
		op_bcookie();
		return;
	case OP_SRC:
		source = take_u8(in) % 4;
		return;
	}
	/* A generator that failed (no keypair left, say) emits nothing. */
	if (len || (op & 7) == OP_RAW)
		emit(in, mods, msg, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };

	flags = take_u8(&in);
	start_input();
	while (in.len && datagrams < MAX_DATAGRAMS)
		run_op(&in, take_u8(&in));
	flush(true);
	drain_handshakes();
	wg->up = false;
	if (show_stats)
		print_stats();
	return 0;
}
