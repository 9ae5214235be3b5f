/* SPDX-License-Identifier: MIT */
/*
 * Helpers more than one unit test needs: hex vectors typed into the
 * source, the points of small order on Curve25519, and two devices that
 * are each other's only peer, in memory or up on loopback UDP, with the
 * means to feed them packets. Every helper that checks something fails
 * the running cmocka test; those meant for setup functions, which cmocka
 * wants to return an error instead, say so.
 */
#ifndef CVPC_TESTS_TESTUTIL_H
#define CVPC_TESTS_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>

#include "base/sockaddr.h"

struct loop;
struct policy;
struct wg_device;
struct wg_peer;

/* ---- Randomness for tests ------------------------------------------------ */

/* xorshift64: reproducible pseudo-random values from a nonzero *state. */
uint64_t tu_xorshift64(uint64_t *state);

/* ---- Hex vectors --------------------------------------------------------- */

/* Decodes exactly len bytes of hex; a vector with a typo fails the test. */
void tu_unhex(uint8_t *out, size_t len, const char *hex);

/* Fails the test unless got holds the len (at most 512) bytes of hex. */
void tu_assert_hex_equal(const uint8_t *got, size_t len, const char *hex);

/*
 * The points of small order in every encoding that matters (the
 * blocklist of libsodium and of the kernel's curve25519 selftest): 0, 1,
 * the two points of order 8, p-1, p, p+1, then two with bit 255 set.
 */
enum {
	TU_LOW_ORDER_POINTS = 9,
	/* The first ones, those with bit 255 clear. */
	TU_LOW_ORDER_POINTS_BIT255_CLEAR = 7,
};
extern const char *const tu_low_order_points[TU_LOW_ORDER_POINTS];

/* ---- Policies ------------------------------------------------------------ */

/* Parses a policy the test expects to be valid, failing it otherwise. */
struct policy *tu_policy_parse_ok(const char *json);

/* ---- Two devices --------------------------------------------------------- */

/* A deterministic, distinct key for each base: base, base+7, base+14... */
void tu_fill_key(uint8_t key[static 32], uint8_t base);

/*
 * Gives dev the private key and one peer, peer_pub, with every PSK byte
 * psk_byte and allowed_ip4 as its only allowed IP (a /32).
 */
void tu_configure(struct wg_device *dev, const uint8_t priv[static 32],
		  const uint8_t peer_pub[static 32], uint8_t psk_byte,
		  const char *allowed_ip4);

/*
 * The members of a two-device fixture. A test's fixture declares them
 * with TU_PAIR_GROUP, so its own code names them directly (f->a_peer)
 * and the helpers below take them all at once (&f->pair), as the
 * kernel's struct_group_tagged() does.
 */
#define TU_PAIR_MEMBERS                                                       \
	struct loop *loop;                                                    \
	struct wg_device *a, *b;                                              \
	struct wg_peer *a_peer; /* A's peer, which is B */                    \
	struct wg_peer *b_peer; /* B's peer, which is A */                    \
	uint8_t a_priv[32], b_priv[32], a_pub[32], b_pub[32];

struct tu_pair {
	TU_PAIR_MEMBERS
};

#define TU_PAIR_GROUP                                                         \
	union {                                                               \
		struct {                                                      \
			TU_PAIR_MEMBERS                                       \
		};                                                            \
		struct tu_pair pair;                                          \
	}

/*
 * Devices wgA and wgB on a new loop, down, keys from tu_fill_key(0x10)
 * and (0x20): A's peer is B with allowed IP 10.0.0.2, B's is A with
 * 10.0.0.1, both with PSK bytes psk_byte. For setup functions: -1 on
 * failure, after which tu_pair_free still frees what was made.
 */
int tu_pair_new(struct tu_pair *p, uint8_t psk_byte);

/* Frees both devices, then the loop; p may be partly made. */
void tu_pair_free(struct tu_pair *p);

/*
 * Sets both devices up on their own UDP ports and makes 127.0.0.1 at
 * the other's port each peer's endpoint. For setup functions: 0, or the
 * negative errno of the device that failed to come up.
 */
int tu_pair_up_on_loopback(struct tu_pair *p);

/* ---- Packets ------------------------------------------------------------- */

enum { TU_IPV4_LEN = 28 };

/* Writes a TU_IPV4_LEN-byte IPv4/UDP packet from src to dst to p. */
uint32_t tu_make_ipv4(uint8_t *p, uint32_t src, uint32_t dst);

/* Feeds one datagram to dev as if read from its socket, sent by from. */
void tu_deliver(struct wg_device *dev, const void *msg, size_t len,
		const union sockaddr_inet *from);

/* The sum of all of dev's drop counters. */
uint64_t tu_total_drops(const struct wg_device *dev);

#endif /* CVPC_TESTS_TESTUTIL_H */
