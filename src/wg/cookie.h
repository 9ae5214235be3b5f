/* SPDX-License-Identifier: MIT */
/*
 * mac1/mac2 and cookie replies (whitepaper §5.4.4, §5.4.7): the checker
 * side validates incoming handshakes and, under load, answers with an
 * encrypted cookie bound to the sender's address; the maker side (one per
 * peer) stamps our handshakes with mac1 and, when holding a fresh cookie,
 * mac2.
 */
#ifndef CVPC_WG_COOKIE_H
#define CVPC_WG_COOKIE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/sockaddr.h"
#include "wg/messages.h"

struct wg_device;
struct wg_peer;

struct cookie_checker {
	uint8_t secret[NOISE_HASH_LEN];
	uint8_t cookie_encryption_key[NOISE_SYMMETRIC_KEY_LEN];
	uint8_t message_mac1_key[NOISE_SYMMETRIC_KEY_LEN];
	uint64_t secret_birthdate;
	struct wg_device *device;
};

struct cookie {
	uint64_t birthdate;
	bool is_valid;
	uint8_t cookie[COOKIE_LEN];
	bool have_sent_mac1;
	uint8_t last_mac1_sent[COOKIE_LEN];
	uint8_t cookie_decryption_key[NOISE_SYMMETRIC_KEY_LEN];
	uint8_t message_mac1_key[NOISE_SYMMETRIC_KEY_LEN];
};

enum cookie_mac_state {
	INVALID_MAC,
	VALID_MAC_BUT_NO_COOKIE,
	VALID_MAC_WITH_COOKIE_BUT_RATELIMITED,
	VALID_MAC_WITH_COOKIE,
};

void wg_cookie_checker_init(struct cookie_checker *checker,
			    struct wg_device *wg);
/* After the device's static key changed. */
void wg_cookie_checker_precompute_device_keys(struct cookie_checker *checker);
/* After a peer was created (its keys derive from its public key). */
void wg_cookie_checker_precompute_peer_keys(struct wg_peer *peer);
void wg_cookie_init(struct cookie *cookie);

/*
 * Checks mac1 of a handshake message of len bytes from src and, when
 * check_cookie (the device is under load), mac2 and the per-source rate
 * limit.
 */
enum cookie_mac_state wg_cookie_validate_packet(struct cookie_checker *checker,
						const void *message, size_t len,
						const union sockaddr_inet *src,
						bool check_cookie);

/*
 * The same split in two, for checking many messages on many threads:
 * refresh rotates the secret cookies are made from when it is due (one
 * thread, before the others start); check_macs only reads the checker,
 * and leaves the rate limit to the caller (never returns
 * VALID_MAC_WITH_COOKIE_BUT_RATELIMITED).
 */
void wg_cookie_checker_refresh(struct cookie_checker *checker);
enum cookie_mac_state wg_cookie_check_macs(const struct cookie_checker *checker,
					    const void *message, size_t len,
					    const union sockaddr_inet *src,
					    bool check_cookie);

/* Fills in the trailing message_macs of an outgoing handshake message. */
void wg_cookie_add_mac_to_packet(void *message, size_t len,
				 struct wg_peer *peer);

/*
 * Builds the cookie reply to message (from src), addressed to index, from
 * the secret the last refresh left (validate_packet refreshes). Only
 * reads the checker.
 */
void wg_cookie_message_create(struct message_handshake_cookie *dst,
			      const void *message, size_t len, uint32_t index,
			      const struct cookie_checker *checker,
			      const union sockaddr_inet *src);
/* Takes the cookie from a reply; returns the peer it was for, or NULL. */
struct wg_peer *wg_cookie_message_consume(const struct message_handshake_cookie *src,
					  struct wg_device *wg);

#endif
