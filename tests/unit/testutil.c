// SPDX-License-Identifier: MIT
/*
 * Helpers shared by the unit tests (testutil.h), compiled once per build
 * directory and linked into every unit test binary.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "base/loop.h"
#include "control/policy.h"
#include "crypto/x25519.h"
#include "wg/config.h"
#include "wg/device.h"
#include "wg/packet.h"
#include "wg/peer.h"
#include "wg/receive.h"

#include "testutil.h"

/* ---- Hex vectors --------------------------------------------------------- */

void tu_unhex(uint8_t *out, size_t len, const char *hex)
{
	assert_int_equal(strlen(hex), 2 * len);
	for (size_t i = 0; i < len; i++) {
		unsigned int v;

		assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
}

void tu_assert_hex_equal(const uint8_t *got, size_t len, const char *hex)
{
	/* On the stack: test_crypto counts the library's allocations. */
	uint8_t want[512];

	assert_true(len <= sizeof(want));
	tu_unhex(want, len, hex);
	assert_memory_equal(got, want, len);
}

const char *const tu_low_order_points[TU_LOW_ORDER_POINTS] = {
	"0000000000000000000000000000000000000000000000000000000000000000",
	"0100000000000000000000000000000000000000000000000000000000000000",
	"e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
	"5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
	"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	"0000000000000000000000000000000000000000000000000000000000000080",
	"e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b880",
};

/* ---- Two devices --------------------------------------------------------- */

struct policy *tu_policy_parse_ok(const char *json)
{
	char err[256] = "";
	struct policy *p = policy_parse(json, strlen(json), err, sizeof(err));

	if (!p)
		fail_msg("policy rejected: %s\n%s", err, json);
	return p;
}

void tu_fill_key(uint8_t key[static 32], uint8_t base)
{
	for (int i = 0; i < 32; i++)
		key[i] = (uint8_t)(base + 7 * i);
}

void tu_configure(struct wg_device *dev, const uint8_t priv[static 32],
		  const uint8_t peer_pub[static 32], uint8_t psk_byte,
		  const char *allowed_ip4)
{
	struct wg_allowedip aip = { .family = AF_INET, .cidr = 32 };
	struct wg_peer_config pc = {
		.flags = WGPEER_HAS_PRESHARED_KEY,
		.allowedips = &aip,
		.allowedips_len = 1,
	};
	struct wg_config cfg = {
		.flags = WGDEVICE_HAS_PRIVATE_KEY,
		.peers = &pc,
		.peers_len = 1,
		.allowedips_total = 1,
	};

	assert_int_equal(inet_pton(AF_INET, allowed_ip4, &aip.ip4), 1);
	memcpy(cfg.private_key, priv, 32);
	memcpy(pc.public_key, peer_pub, 32);
	memset(pc.preshared_key, psk_byte, 32);
	assert_int_equal(wg_device_apply_config(dev, &cfg), 0);
}

int tu_pair_new(struct tu_pair *p, uint8_t psk_byte)
{
	if (loop_new(&p->loop) < 0 ||
	    wg_device_new(p->loop, "wgA", &p->a) < 0 ||
	    wg_device_new(p->loop, "wgB", &p->b) < 0)
		return -1;
	tu_fill_key(p->a_priv, 0x10);
	tu_fill_key(p->b_priv, 0x20);
	x25519_clamp(p->a_priv);
	x25519_clamp(p->b_priv);
	if (!x25519_public(p->a_pub, p->a_priv) ||
	    !x25519_public(p->b_pub, p->b_priv))
		return -1;
	tu_configure(p->a, p->a_priv, p->b_pub, psk_byte, "10.0.0.2");
	tu_configure(p->b, p->b_priv, p->a_pub, psk_byte, "10.0.0.1");
	p->a_peer = wg_peer_lookup(p->a, p->b_pub);
	p->b_peer = wg_peer_lookup(p->b, p->a_pub);
	if (!p->a_peer || !p->b_peer)
		return -1;
	return 0;
}

void tu_pair_free(struct tu_pair *p)
{
	wg_device_free(p->a);
	wg_device_free(p->b);
	loop_free(p->loop);
}

int tu_pair_up_on_loopback(struct tu_pair *p)
{
	union sockaddr_inet ep;
	int ret;

	ret = wg_device_set_up(p->a, true);
	if (ret < 0)
		return ret;
	ret = wg_device_set_up(p->b, true);
	if (ret < 0)
		return ret;
	memset(&ep, 0, sizeof(ep));
	ep.in.sin_family = AF_INET;
	ep.in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ep.in.sin_port = htons(p->b->incoming_port);
	p->a_peer->endpoint.addr = ep;
	ep.in.sin_port = htons(p->a->incoming_port);
	p->b_peer->endpoint.addr = ep;
	return 0;
}

/* ---- Packets ------------------------------------------------------------- */

uint32_t tu_make_ipv4(uint8_t *p, uint32_t src, uint32_t dst)
{
	memset(p, 0, TU_IPV4_LEN);
	p[0] = 0x45;
	p[3] = TU_IPV4_LEN;
	p[8] = 64;
	p[9] = 17;
	src = htonl(src);
	dst = htonl(dst);
	memcpy(p + 12, &src, 4);
	memcpy(p + 16, &dst, 4);
	/* UDP from port 0x1234 to 0x5678, length 8, no checksum. */
	memcpy(p + 20, "\x12\x34\x56\x78\x00\x08\x00\x00", 8);
	return TU_IPV4_LEN;
}

void tu_deliver(struct wg_device *dev, const void *msg, size_t len,
		const union sockaddr_inet *from)
{
	struct pkt *pkt = &dev->rx_batch.pkts[0];

	memcpy(pkt->head, msg, len);
	pkt->data = pkt->head;
	pkt->len = (uint32_t)len;
	pkt->addr = *from;
	dev->rx_batch.len = 1;
	wg_packet_receive_batch(dev, &dev->rx_batch);
	dev->rx_batch.len = 0;
}

uint64_t tu_total_drops(const struct wg_device *dev)
{
	uint64_t n = 0;

	for (int i = 0; i < DROP_MAX; i++)
		n += dev->stats.drops[i];
	return n;
}

uint64_t tu_xorshift64(uint64_t *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 7;
	*state ^= *state << 17;
	return *state;
}
