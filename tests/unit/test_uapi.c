// SPDX-License-Identifier: MIT
/*
 * The UAPI session (get, set, stats) against a real device without
 * sockets or TUN, fed the way a client connection would feed it. Every
 * rejected request checks the errno line and that the device did not
 * change at all: the full get output before and after must be identical.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/hex.h"
#include "base/log.h"
#include "base/loop.h"
#include "base/strbuf.h"
#include "crypto/util.h"
#include "crypto/x25519.h"
#include "wg/cookie.h"
#include "wg/device.h"
#include "wg/noise.h"
#include "wg/peer.h"
#include "wg/uapi.h"

/* Already clamped, so get returns them unchanged. */
#define PRIV_A "404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f"
#define PRIV_B "48494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f6061626364656667"
/* Not clamped: bits 0-2 of byte 0 and bit 7 of byte 31 set, bit 6 clear. */
#define PRIV_RAW "47000000000000000000000000000000000000000000000000000000000000bf"
#define PRIV_RAW_CLAMPED "40000000000000000000000000000000000000000000000000000000000000" "7f"
#define PEER_1 "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20"
#define PEER_2 "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
#define PEER_3 "c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf"
#define PSK_1 "e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff"
#define ZERO_KEY "0000000000000000000000000000000000000000000000000000000000000000"
/* A point of order 8: X25519 with it is zero whatever the scalar. */
#define LOW_ORDER "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800"

/* A peer's get lines with nothing but the key (and maybe a PSK) set. */
#define BARE_PEER(pub, psk)                                                    \
	"public_key=" pub "\n"                                                 \
	"preshared_key=" psk "\n"                                              \
	"protocol_version=1\n"                                                 \
	"last_handshake_time_sec=0\n"                                          \
	"last_handshake_time_nsec=0\n"                                         \
	"tx_bytes=0\n"                                                         \
	"rx_bytes=0\n"                                                         \
	"persistent_keepalive_interval=0\n"

#define OK "errno=0\n\n"
#define EINVAL_REPLY "errno=-22\n\n"
#define EPROTO_REPLY "errno=-71\n\n"

struct fixture {
	struct loop *loop;
	struct wg_device *wg;
	struct uapi_session *s;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f || loop_new(&f->loop) < 0 ||
	    wg_device_new(f->loop, "wgtest", &f->wg) < 0)
		return -1;
	f->s = uapi_session_new(f->wg);
	if (!f->s)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	uapi_session_free(f->s);
	wg_device_free(f->wg);
	loop_free(f->loop);
	free(f);
	return 0;
}

/* Feeds req in one piece; returns the replies (caller frees). */
static char *feed_ret(struct fixture *f, const char *req, bool *ok)
{
	struct strbuf out = STRBUF_INIT;
	char *copy;

	*ok = uapi_session_feed(f->s, req, strlen(req), &out);
	assert_false(out.oom);
	copy = strdup(out.buf ? out.buf : "");
	assert_non_null(copy);
	strbuf_free(&out);
	return copy;
}

static char *feed(struct fixture *f, const char *req)
{
	bool ok;
	char *out = feed_ret(f, req, &ok);

	assert_true(ok);
	return out;
}

static void expect(struct fixture *f, const char *req, const char *reply)
{
	char *out = feed(f, req);

	assert_string_equal(out, reply);
	free(out);
}

static char *get(struct fixture *f)
{
	return feed(f, "get=1\n\n");
}

static void expect_get(struct fixture *f, const char *reply)
{
	expect(f, "get=1\n\n", reply);
}

/* req is refused with reply, and the device is exactly as before. */
static void expect_refused(struct fixture *f, const char *req,
			   const char *reply)
{
	char *before = get(f), *after;

	expect(f, req, reply);
	after = get(f);
	if (strcmp(before, after))
		fail_msg("refused request changed the device:\n%s\nbefore:\n%s"
			 "after:\n%s",
			 req, before, after);
	free(before);
	free(after);
}

/* Two peers, a key, a port, a mark: a device worth comparing. */
#define POPULATE_REQ                                                           \
	"set=1\n"                                                              \
	"private_key=" PRIV_A "\n"                                             \
	"listen_port=51820\n"                                                  \
	"fwmark=7\n"                                                           \
	"public_key=" PEER_1 "\n"                                              \
	"preshared_key=" PSK_1 "\n"                                            \
	"endpoint=192.0.2.1:51821\n"                                           \
	"persistent_keepalive_interval=25\n"                                   \
	"allowed_ip=10.1.0.0/16\n"                                             \
	"allowed_ip=fd00:1::/64\n"                                             \
	"public_key=" PEER_2 "\n"                                              \
	"allowed_ip=10.2.0.1/32\n"                                             \
	"\n"

static void populate(struct fixture *f)
{
	expect(f, POPULATE_REQ, OK);
}

#define POPULATED_GET                                                          \
	"private_key=" PRIV_A "\n"                                             \
	"listen_port=51820\n"                                                  \
	"fwmark=7\n"                                                           \
	"public_key=" PEER_1 "\n"                                              \
	"preshared_key=" PSK_1 "\n"                                            \
	"protocol_version=1\n"                                                 \
	"endpoint=192.0.2.1:51821\n"                                           \
	"last_handshake_time_sec=0\n"                                          \
	"last_handshake_time_nsec=0\n"                                         \
	"tx_bytes=0\n"                                                         \
	"rx_bytes=0\n"                                                         \
	"persistent_keepalive_interval=25\n"                                   \
	"allowed_ip=10.1.0.0/16\n"                                             \
	"allowed_ip=fd00:1::/64\n"                                             \
	BARE_PEER(PEER_2, ZERO_KEY)                                            \
	"allowed_ip=10.2.0.1/32\n"                                             \
	OK

static void test_get_empty(void **state)
{
	struct fixture *f = *state;

	/* No key, port or mark yet: only the errno line. */
	expect_get(f, OK);
	/* wireguard-go wants the blank line right after get=1. */
	expect(f, "get=1\nprivate_key=x\n", EINVAL_REPLY);
	expect(f, "get=1\n\n", OK);
}

static void test_set_get_round_trip(void **state)
{
	struct fixture *f = *state;

	populate(f);
	expect_get(f, POPULATED_GET);
	assert_int_equal(f->wg->num_peers, 2);
	assert_int_equal(f->wg->incoming_port, 51820);
	assert_int_equal(f->wg->fwmark, 7);
}

static void test_get_counters_and_handshake_time(void **state)
{
	struct fixture *f = *state;
	struct wg_peer *peer;
	uint8_t key[32];
	char *out;

	expect(f,
	       "set=1\npublic_key=" PEER_1 "\n"
	       "endpoint=[2001:db8::1]:443\nallowed_ip=10.0.0.5/24\n\n",
	       OK);
	assert_true(hex_decode(key, 32, PEER_1));
	peer = wg_peer_lookup(f->wg, key);
	assert_non_null(peer);
	peer->tx_bytes = 1234567890123ULL;
	peer->rx_bytes = 42;
	peer->walltime_last_handshake.tv_sec = 1700000000;
	peer->walltime_last_handshake.tv_nsec = 999999999;
	out = get(f);
	assert_string_equal(out,
			    "public_key=" PEER_1 "\n"
			    "preshared_key=" ZERO_KEY "\n"
			    "protocol_version=1\n"
			    "endpoint=[2001:db8::1]:443\n"
			    "last_handshake_time_sec=1700000000\n"
			    "last_handshake_time_nsec=999999999\n"
			    "tx_bytes=1234567890123\n"
			    "rx_bytes=42\n"
			    "persistent_keepalive_interval=0\n"
			    /* host bits are masked by the table */
			    "allowed_ip=10.0.0.0/24\n" OK);
	free(out);
}

static void test_private_key_clamped_and_removed(void **state)
{
	struct fixture *f = *state;

	expect(f, "set=1\nprivate_key=" PRIV_RAW "\n\n", OK);
	expect_get(f, "private_key=" PRIV_RAW_CLAMPED "\n" OK);
	/* All zeros removes the key, and get then omits it. */
	expect(f, "set=1\nprivate_key=" ZERO_KEY "\n\n", OK);
	expect_get(f, OK);
	assert_false(f->wg->static_identity.has_identity);
}

static void test_port_and_fwmark_zero_omitted(void **state)
{
	struct fixture *f = *state;

	expect(f, "set=1\nlisten_port=1\nfwmark=4294967295\n\n", OK);
	expect_get(f, "listen_port=1\nfwmark=4294967295\n" OK);
	expect(f, "set=1\nfwmark=0\n\n", OK);
	expect_get(f, "listen_port=1\n" OK);
	expect(f, "set=1\nlisten_port=0\n\n", OK);
	expect_get(f, OK);
}

static const struct {
	const char *req, *reply;
} refused[] = {
	{ "set=1\nprivate_key=zz\n\n", EINVAL_REPLY },
	{ "set=1\nprivate_key=" PRIV_B "00\n\n", EINVAL_REPLY },
	{ "set=1\nlisten_port=65536\n\n", EINVAL_REPLY },
	{ "set=1\nlisten_port=-1\n\n", EINVAL_REPLY },
	{ "set=1\nfwmark=4294967296\n\n", EINVAL_REPLY },
	{ "set=1\nfwmark=0x10\n\n", EINVAL_REPLY },
	{ "set=1\nreplace_peers=false\n\n", EINVAL_REPLY },
	{ "set=1\nno_such_key=1\n\n", EINVAL_REPLY },
	{ "set=1\nprivate_key " PRIV_B "\n\n", EPROTO_REPLY },
	{ "set=1\nlisten_port=1\njunk\n\n", EPROTO_REPLY },
	{ "set=1\npublic_key=0102\n\n", EINVAL_REPLY },
	/* A peer key with no peer, a device key inside a peer. */
	{ "set=1\nendpoint=192.0.2.9:1\n\n", EINVAL_REPLY },
	{ "set=1\npublic_key=" PEER_3 "\nlisten_port=9\n\n", EINVAL_REPLY },
	{ "set=1\npublic_key=" PEER_3 "\nprotocol_version=2\n\n",
	  EINVAL_REPLY },
	{ "set=1\npublic_key=" PEER_3 "\nallowed_ip=10.0.0.0/33\n\n",
	  EINVAL_REPLY },
	{ "set=1\npublic_key=" PEER_3 "\nallowed_ip=10.0.0.0\n\n",
	  EINVAL_REPLY },
	{ "set=1\npublic_key=" PEER_3 "\nendpoint=192.0.2.1\n\n",
	  EINVAL_REPLY },
	{ "set=1\npublic_key=" PEER_3 "\npersistent_keepalive_interval=65536\n\n",
	  EINVAL_REPLY },
	{ "set=1\npublic_key=" PEER_3 "\nremove=yes\n\n", EINVAL_REPLY },
	{ "set=1\npublic_key=" PEER_3 "\npreshared_key=" PEER_1 "0\n\n",
	  EINVAL_REPLY },
	/* Low-order public keys are refused by the device, not the parser. */
	{ "set=1\npublic_key=" LOW_ORDER "\n\n", EINVAL_REPLY },
	{ "set=1\npublic_key=" ZERO_KEY "\n\n", EINVAL_REPLY },
	{ "set=1\nprivate_key=" PRIV_B "\nreplace_peers=true\n"
	  "public_key=" PEER_3 "\npublic_key=" LOW_ORDER "\n\n",
	  EINVAL_REPLY },
	/* Bad last line after valid peers: none of them is applied. */
	{ "set=1\nprivate_key=" PRIV_B "\nfwmark=9\nreplace_peers=true\n"
	  "public_key=" PEER_1 "\nremove=true\n"
	  "public_key=" PEER_3 "\nallowed_ip=10.3.0.0/16\n"
	  "public_key=" PEER_2 "\nendpoint=192.0.2.300:1\n\n",
	  EINVAL_REPLY },
	{ "set=1\npublic_key=" PEER_3 "\nallowed_ip=10.3.0.0/16\n"
	  "bad line\n\n",
	  EPROTO_REPLY },
	/* The first error wins; what follows is only read to the end. */
	{ "set=1\nwhat\nlisten_port=70000\n\n", EPROTO_REPLY },
	{ "set=1\nlisten_port=70000\nwhat\n\n", EINVAL_REPLY },
};

static void test_refused_requests(void **state)
{
	struct fixture *f = *state;

	populate(f);
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		expect_refused(f, refused[i].req, refused[i].reply);
	expect_get(f, POPULATED_GET);
	/* Each refusal ended its request: the session still works. */
	expect(f, "set=1\nfwmark=8\n\n", OK);
	assert_int_equal(f->wg->fwmark, 8);
}

/* An empty device refuses the same way (nothing to compare but errno). */
static void test_refused_on_empty_device(void **state)
{
	struct fixture *f = *state;

	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		expect_refused(f, refused[i].req, refused[i].reply);
	expect_get(f, OK);
}

static void test_allowed_ip_removal(void **state)
{
	struct fixture *f = *state;

	populate(f);
	expect(f,
	       "set=1\npublic_key=" PEER_1 "\n"
	       "allowed_ip=-10.1.0.0/16\n"
	       /* not held by this peer: ignored, PEER_2 keeps it */
	       "allowed_ip=-10.2.0.1/32\n"
	       /* not held by anyone */
	       "allowed_ip=-192.168.0.0/16\n"
	       "allowed_ip=10.4.0.0/16\n\n",
	       OK);
	expect_get(f,
		   "private_key=" PRIV_A "\n"
		   "listen_port=51820\n"
		   "fwmark=7\n"
		   "public_key=" PEER_1 "\n"
		   "preshared_key=" PSK_1 "\n"
		   "protocol_version=1\n"
		   "endpoint=192.0.2.1:51821\n"
		   "last_handshake_time_sec=0\n"
		   "last_handshake_time_nsec=0\n"
		   "tx_bytes=0\n"
		   "rx_bytes=0\n"
		   "persistent_keepalive_interval=25\n"
		   "allowed_ip=fd00:1::/64\n"
		   "allowed_ip=10.4.0.0/16\n"
		   BARE_PEER(PEER_2, ZERO_KEY)
		   "allowed_ip=10.2.0.1/32\n" OK);
	/* An IPv6 removal, with host bits given. */
	expect(f, "set=1\npublic_key=" PEER_1 "\nallowed_ip=-fd00:1::5/64\n\n",
	       OK);
	{
		char *out = get(f);

		assert_null(strstr(out, "fd00:1::"));
		assert_non_null(strstr(out, "allowed_ip=10.4.0.0/16\n"));
		free(out);
	}
}

static void test_update_only(void **state)
{
	struct fixture *f = *state;

	populate(f);
	/* Unknown peer: nothing is created. */
	expect(f,
	       "set=1\npublic_key=" PEER_3 "\nupdate_only=true\n"
	       "allowed_ip=10.3.0.0/16\n\n",
	       OK);
	expect_get(f, POPULATED_GET);
	assert_int_equal(f->wg->num_peers, 2);
	/* Known peer: updated. */
	expect(f,
	       "set=1\npublic_key=" PEER_2 "\nupdate_only=true\n"
	       "persistent_keepalive_interval=5\n\n",
	       OK);
	{
		char *out = get(f);
		const char *p2 = strstr(out, "public_key=" PEER_2);

		assert_non_null(p2);
		assert_non_null(strstr(p2, "persistent_keepalive_interval=5\n"));
		free(out);
	}
}

static void test_remove_and_replace_peers(void **state)
{
	struct fixture *f = *state;

	populate(f);
	expect(f, "set=1\npublic_key=" PEER_1 "\nremove=true\n\n", OK);
	expect_get(f,
		   "private_key=" PRIV_A "\nlisten_port=51820\nfwmark=7\n"
		   BARE_PEER(PEER_2, ZERO_KEY)
		   "allowed_ip=10.2.0.1/32\n" OK);
	assert_int_equal(f->wg->num_peers, 1);
	/* Its prefixes went with it. */
	{
		struct in_addr a;

		inet_pton(AF_INET, "10.1.2.3", &a);
		assert_null(allowedips_lookup(f->wg->peer_allowedips, AF_INET,
					      &a));
	}
	/* Removing a peer that does not exist is no error. */
	expect(f, "set=1\npublic_key=" PEER_3 "\nremove=true\n\n", OK);
	assert_int_equal(f->wg->num_peers, 1);

	/* replace_peers keeps only what the request lists. */
	expect(f,
	       "set=1\nreplace_peers=true\npublic_key=" PEER_3 "\n"
	       "allowed_ip=10.3.0.0/16\n\n",
	       OK);
	expect_get(f,
		   "private_key=" PRIV_A "\nlisten_port=51820\nfwmark=7\n"
		   BARE_PEER(PEER_3, ZERO_KEY)
		   "allowed_ip=10.3.0.0/16\n" OK);
	/* And with none listed, removes them all. */
	expect(f, "set=1\nreplace_peers=true\n\n", OK);
	expect_get(f, "private_key=" PRIV_A "\nlisten_port=51820\nfwmark=7\n" OK);
	assert_int_equal(f->wg->num_peers, 0);
}

static void test_replace_allowed_ips(void **state)
{
	struct fixture *f = *state;
	char *out;

	populate(f);
	expect(f,
	       "set=1\npublic_key=" PEER_1 "\n"
	       "allowed_ip=10.9.0.0/16\n" /* dropped by the next line */
	       "replace_allowed_ips=true\n"
	       "allowed_ip=10.5.0.0/16\n\n",
	       OK);
	out = get(f);
	assert_null(strstr(out, "10.1.0.0"));
	assert_null(strstr(out, "fd00:1::"));
	assert_null(strstr(out, "10.9.0.0"));
	assert_non_null(strstr(out, "persistent_keepalive_interval=25\n"
				    "allowed_ip=10.5.0.0/16\n"
				    "public_key=" PEER_2));
	free(out);
	/* With nothing after it, the peer is left without prefixes. */
	expect(f,
	       "set=1\npublic_key=" PEER_1 "\nreplace_allowed_ips=true\n\n",
	       OK);
	out = get(f);
	assert_non_null(strstr(out, "persistent_keepalive_interval=25\n"
				    "public_key=" PEER_2));
	free(out);
}

static void hex_public_of(char out[KEY_HEX_LEN + 1], const char *priv_hex)
{
	uint8_t priv[32], pub[32];

	assert_true(hex_decode(priv, 32, priv_hex));
	assert_true(x25519_public(pub, priv));
	hex_encode(out, pub, 32);
	memzero_explicit(priv, sizeof(priv));
}

static void test_own_public_key_ignored(void **state)
{
	struct fixture *f = *state;
	char own[KEY_HEX_LEN + 1], req[512];

	hex_public_of(own, PRIV_A);
	snprintf(req, sizeof(req),
		 "set=1\nprivate_key=" PRIV_A "\npublic_key=%s\n"
		 "allowed_ip=10.7.0.0/16\npublic_key=" PEER_1 "\n\n",
		 own);
	expect(f, req, OK);
	expect_get(f, "private_key=" PRIV_A "\n" BARE_PEER(PEER_1, ZERO_KEY) OK);

	/* Taking a private key whose public key is a peer's drops the peer. */
	hex_public_of(own, PRIV_B);
	snprintf(req, sizeof(req), "set=1\npublic_key=%s\n\n", own);
	expect(f, req, OK);
	assert_int_equal(f->wg->num_peers, 2);
	expect(f, "set=1\nprivate_key=" PRIV_B "\n\n", OK);
	expect_get(f, "private_key=" PRIV_B "\n" BARE_PEER(PEER_1, ZERO_KEY) OK);
}

/*
 * A real session between this device and a second one, so that key
 * changes can be seen to keep or drop it.
 */
static void make_session(struct fixture *f, struct wg_device *b,
			 struct wg_peer **a_peer_out)
{
	char a_pub[KEY_HEX_LEN + 1], b_pub[KEY_HEX_LEN + 1], req[512];
	struct uapi_session *bs = uapi_session_new(b);
	struct strbuf out = STRBUF_INIT;
	struct message_handshake_initiation init;
	struct message_handshake_response resp;
	struct wg_peer *a_peer, *b_peer;
	uint8_t key[32];

	assert_non_null(bs);
	hex_public_of(a_pub, PRIV_A);
	hex_public_of(b_pub, PRIV_B);
	snprintf(req, sizeof(req),
		 "set=1\nprivate_key=" PRIV_A "\npublic_key=%s\n\n", b_pub);
	expect(f, req, OK);
	snprintf(req, sizeof(req),
		 "set=1\nprivate_key=" PRIV_B "\npublic_key=%s\n\n", a_pub);
	assert_true(uapi_session_feed(bs, req, strlen(req), &out));
	assert_string_equal(out.buf, OK);
	strbuf_free(&out);
	uapi_session_free(bs);

	assert_true(hex_decode(key, 32, b_pub));
	a_peer = wg_peer_lookup(f->wg, key);
	assert_true(hex_decode(key, 32, a_pub));
	b_peer = wg_peer_lookup(b, key);
	assert_non_null(a_peer);
	assert_non_null(b_peer);
	assert_true(wg_noise_handshake_create_initiation(&init,
							 &a_peer->handshake));
	assert_ptr_equal(wg_noise_handshake_consume_initiation(&init, b),
			 b_peer);
	assert_true(wg_noise_handshake_create_response(&resp,
						       &b_peer->handshake));
	assert_true(wg_noise_handshake_begin_session(&b_peer->handshake,
						     &b_peer->keypairs));
	assert_ptr_equal(wg_noise_handshake_consume_response(&resp, f->wg),
			 a_peer);
	assert_true(wg_noise_handshake_begin_session(&a_peer->handshake,
						     &a_peer->keypairs));
	assert_non_null(a_peer->keypairs.current_keypair);
	*a_peer_out = a_peer;
}

static void test_same_private_key_keeps_sessions(void **state)
{
	struct fixture *f = *state;
	struct wg_device *b;
	struct wg_peer *peer;
	struct noise_keypair *kp;
	struct message_handshake_initiation init;
	uint8_t ss[32];

	assert_int_equal(wg_device_new(f->loop, "wgB", &b), 0);
	make_session(f, b, &peer);
	kp = peer->keypairs.current_keypair;
	memcpy(ss, peer->handshake.precomputed_static_static, 32);
	/* An initiation in flight, too: it must survive as well. */
	assert_true(wg_noise_handshake_create_initiation(&init,
							 &peer->handshake));

	expect(f, "set=1\nprivate_key=" PRIV_A "\n\n", OK);
	assert_ptr_equal(peer->keypairs.current_keypair, kp);
	assert_true(kp->sending.is_valid);
	assert_int_equal(peer->handshake.state, HANDSHAKE_CREATED_INITIATION);
	assert_memory_equal(peer->handshake.precomputed_static_static, ss, 32);

	/* A different key ends them: nothing may be sent with the old one. */
	expect(f, "set=1\nprivate_key=" PRIV_RAW "\n\n", OK);
	assert_false(kp->sending.is_valid);
	assert_int_equal(peer->handshake.state, HANDSHAKE_ZEROED);
	assert_memory_not_equal(peer->handshake.precomputed_static_static, ss,
				32);
	wg_device_free(b);
}

/* A port that is taken: -EADDRINUSE, and nothing else of the request. */
static void test_listen_port_in_use(void **state)
{
	struct fixture *f = *state;
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	char req[512], *before, *after;
	uint16_t port, taken;
	int fd;

	/* No endpoints: bringing the device up sends nothing anywhere. */
	expect(f,
	       "set=1\nprivate_key=" PRIV_A "\nfwmark=0\n"
	       "public_key=" PEER_1 "\nallowed_ip=10.1.0.0/16\n"
	       "public_key=" PEER_2 "\npersistent_keepalive_interval=0\n\n",
	       OK);
	assert_int_equal(wg_device_set_up(f->wg, true), 0);
	port = f->wg->incoming_port;
	assert_true(port != 0);

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	taken = ntohs(sin.sin_port);

	before = get(f);
	snprintf(req, sizeof(req),
		 "set=1\nprivate_key=" PRIV_B "\nlisten_port=%u\n"
		 "public_key=" PEER_3 "\n\n",
		 taken);
	expect(f, req, "errno=-98\n\n");
	after = get(f);
	assert_string_equal(before, after);
	assert_int_equal(f->wg->incoming_port, port);
	assert_int_equal(f->wg->sock.port, port);
	free(before);
	free(after);
	close(fd);

	/* A free port is taken up at once, the rest applied with it. */
	expect(f, "set=1\nlisten_port=0\npublic_key=" PEER_3 "\n\n", OK);
	assert_int_equal(f->wg->num_peers, 3);
	assert_true(f->wg->incoming_port != 0);
	assert_int_equal(f->wg->sock.port, f->wg->incoming_port);
	assert_int_equal(wg_device_set_up(f->wg, false), 0);
}

static void test_unknown_operation(void **state)
{
	struct fixture *f = *state;
	static const char *const bad[] = {
		"foo=1\n", "get=2\n", "get=1 \n", "GET=1\n", "set\n", "\n",
		"set=1x\n",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct uapi_session *s = uapi_session_new(f->wg);
		struct strbuf out = STRBUF_INIT;

		assert_non_null(s);
		if (uapi_session_feed(s, bad[i], strlen(bad[i]), &out))
			fail_msg("operation `%s' accepted", bad[i]);
		assert_int_equal(out.len, 0);
		strbuf_free(&out);
		uapi_session_free(s);
	}
	/* An incomplete line is not judged yet. */
	{
		bool ok;
		char *out = feed_ret(f, "foo", &ok);

		assert_true(ok);
		assert_string_equal(out, "");
		free(out);
		out = feed_ret(f, "=1\n", &ok);
		assert_false(ok);
		free(out);
	}
}

static void test_two_requests_in_one_feed(void **state)
{
	struct fixture *f = *state;

	expect(f,
	       "set=1\nlisten_port=1000\n\nget=1\n\nset=1\nbogus\n\nget=1\n\n",
	       OK "listen_port=1000\n" OK EPROTO_REPLY "listen_port=1000\n" OK);
	/* A request cut in the middle finishes with the next feed. */
	expect(f, "get=1\n\nset=1\nlisten_port=", "listen_port=1000\n" OK);
	expect(f, "2000\n", "");
	expect(f, "\nget", OK);
	expect(f, "=1\n\n", "listen_port=2000\n" OK);
}

static void test_byte_by_byte(void **state)
{
	struct fixture *f = *state;
	static const char req[] = POPULATE_REQ "get=1\n\n";
	struct strbuf out = STRBUF_INIT;

	for (size_t i = 0; i < sizeof(req) - 1; i++) {
		size_t before = out.len;

		assert_true(uapi_session_feed(f->s, &req[i], 1, &out));
		/* Replies come only once a request's blank line is in. */
		if (out.len != before && req[i] != '\n')
			fail_msg("reply after byte %zu", i);
	}
	assert_string_equal(out.buf, OK POPULATED_GET);
	strbuf_free(&out);
}

static void test_long_lines(void **state)
{
	struct fixture *f = *state;
	size_t n = 5000;
	char *req = malloc(n + 64);

	assert_non_null(req);
	populate(f);
	/* In a set: the request is refused, the session goes on. */
	strcpy(req, "set=1\nfwmark=");
	memset(req + strlen(req), '1', n);
	strcpy(req + 13 + n, "\n\n");
	expect_refused(f, req, EINVAL_REPLY);
	/* Long but legal: 4000 characters fit the line. */
	strcpy(req, "set=1\nfwmark=");
	memset(req + 13, '0', 3990);
	strcpy(req + 13 + 3990, "9\n\n");
	expect(f, req, OK);
	assert_int_equal(f->wg->fwmark, 9);
	/* After get=1, a long line instead of the blank one. */
	strcpy(req, "get=1\n");
	memset(req + 6, 'x', n);
	strcpy(req + 6 + n, "\n");
	expect(f, req, EINVAL_REPLY);
	/* A NUL byte counts as malformed too. */
	{
		static const char nul_req[] = "set=1\nfwmark=1\0002\n\n";
		struct strbuf out = STRBUF_INIT;

		assert_true(uapi_session_feed(f->s, nul_req,
					      sizeof(nul_req) - 1, &out));
		assert_string_equal(out.buf, EINVAL_REPLY);
		strbuf_free(&out);
		assert_int_equal(f->wg->fwmark, 9);
	}
	/* As the operation line, it ends the connection. */
	{
		bool ok;
		char *out;

		memset(req, 'g', n);
		strcpy(req + n, "\n");
		out = feed_ret(f, req, &ok);
		assert_false(ok);
		free(out);
	}
	free(req);
}

static void test_stats(void **state)
{
	struct fixture *f = *state;
	char *out, *line;
	int lines = 0;

	populate(f);
	f->wg->stats.drops[DROP_RX_REPLAY] = 3;
	f->wg->stats.cookie_replies_sent = 11;
	out = feed(f, "stats=1\n\n");
	assert_true(strncmp(out, "up=0\nmtu=0\npeers=2\n", 19) == 0);
	assert_non_null(strstr(out, "\ndrop_rx_replay=3\n"));
	assert_non_null(strstr(out, "\ndrop_rx_malformed=0\n"));
	assert_non_null(strstr(out, "\ncookie_replies_sent=11\n"));
	assert_non_null(strstr(out, "\ncookies_received=0\n"));
	assert_non_null(strstr(out, "\nhandshakes_under_load=0\n"));
	/* Offloads of a device that never bound a socket: all off, unused. */
	assert_non_null(strstr(out, "\nudp_gso=0\nudp_gro=0\nudp_gso_sends=0\n"
				    "udp_gro_runs=0\n" OK));
	/* errno=0 and the blank line end it. */
	assert_true(strlen(out) > strlen(OK));
	assert_string_equal(out + strlen(out) - strlen(OK), OK);
	/* No keys in it, and one line per counter. */
	assert_null(strstr(out, "private_key"));
	assert_null(strstr(out, "preshared_key"));
	for (line = out; (line = strchr(line, '\n')); line++)
		lines++;
	assert_int_equal(lines, 3 + DROP_MAX + 3 + 4 + 2);
	free(out);
	expect(f, "stats=1\nx=1\n", EINVAL_REPLY);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_get_empty),
		T(test_set_get_round_trip),
		T(test_get_counters_and_handshake_time),
		T(test_private_key_clamped_and_removed),
		T(test_port_and_fwmark_zero_omitted),
		T(test_refused_requests),
		T(test_refused_on_empty_device),
		T(test_allowed_ip_removal),
		T(test_update_only),
		T(test_remove_and_replace_peers),
		T(test_replace_allowed_ips),
		T(test_own_public_key_ignored),
		T(test_same_private_key_keeps_sessions),
		T(test_listen_port_in_use),
		T(test_unknown_operation),
		T(test_two_requests_in_one_feed),
		T(test_byte_by_byte),
		T(test_long_lines),
		T(test_stats),
	};
#undef T

	/* Refusals are logged; the replies are what is checked. */
	log_set_level(LOGL_SILENT);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
