/* SPDX-License-Identifier: MIT */
/*
 * Everything the device sends: handshake messages, cookie replies,
 * keepalives, packets staged while waiting for a keypair, and batches of
 * inner packets read from the TUN device.
 */
#ifndef CVPC_WG_SEND_H
#define CVPC_WG_SEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/sockaddr.h"

struct wg_device;
struct wg_peer;
struct pkt_batch;
struct noise_keypair;

/* Starts a handshake unless one was sent less than REKEY_TIMEOUT ago. */
void wg_packet_send_queued_handshake_initiation(struct wg_peer *peer,
						bool is_retry);
void wg_packet_send_handshake_response(struct wg_peer *peer);
/* The cookie reply to a handshake message from src, sent and counted. */
void wg_packet_send_handshake_cookie(struct wg_device *wg, const void *message,
				     size_t len, const union sockaddr_inet *src);
/*
 * Builds the cookie reply to a handshake message from src without sending
 * or counting it: safe on any thread once wg_cookie_checker_refresh ran,
 * so that replies to a flood are made on every core.
 */
void wg_packet_make_cookie_reply(const struct wg_device *wg,
				 struct message_handshake_cookie *reply,
				 const void *message, size_t len,
				 const union sockaddr_inet *src);
void wg_packet_send_keepalive(struct wg_peer *peer);
/* Sends what is staged if the current keypair allows, else handshakes. */
void wg_packet_send_staged_packets(struct wg_peer *peer);
void wg_packet_purge_staged_packets(struct wg_peer *peer);

/*
 * Routes, encrypts and sends a batch of inner packets read from the TUN
 * device. Packets for peers without a usable keypair are staged. Returns
 * false when the socket stayed full: read no more for now.
 */
bool wg_packet_send_batch(struct wg_device *wg, struct pkt_batch *batch);

/* Padding that brings len up to a multiple of 16, never beyond mtu. */
uint32_t wg_packet_padding(uint32_t len, uint32_t mtu);

/*
 * Encrypts the len-byte inner packet at head + PKT_HEADROOM in place into
 * a data message starting at head. Returns the message length, or 0 if the
 * cipher failed.
 */
size_t wg_packet_encrypt(uint8_t *head, uint32_t len,
			 const struct noise_keypair *keypair, uint64_t nonce,
			 uint32_t mtu);

#endif
