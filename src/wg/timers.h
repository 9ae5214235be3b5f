/* SPDX-License-Identifier: MIT */
/*
 * The protocol's per-peer timers (whitepaper §6): handshake retransmission,
 * passive keepalive, new handshake after silence, zeroing of stale keys and
 * persistent keepalive. The data path reports events through the hooks
 * below; each says when it must be called.
 */
#ifndef CVPC_WG_TIMERS_H
#define CVPC_WG_TIMERS_H

struct wg_peer;

void wg_timers_init(struct wg_peer *peer);
void wg_timers_stop(struct wg_peer *peer);

/* Should be called after an authenticated data packet is sent. */
void wg_timers_data_sent(struct wg_peer *peer);
/* Should be called after an authenticated data packet is received. */
void wg_timers_data_received(struct wg_peer *peer);
/* Should be called after any authenticated packet (data, keepalive or
 * handshake) is sent. */
void wg_timers_any_authenticated_packet_sent(struct wg_peer *peer);
/* Should be called after any authenticated packet is received. */
void wg_timers_any_authenticated_packet_received(struct wg_peer *peer);
/* Should be called after a handshake initiation message is sent. */
void wg_timers_handshake_initiated(struct wg_peer *peer);
/* Should be called after a handshake response is received and processed,
 * or when the first data message confirms a responder's keypair. */
void wg_timers_handshake_complete(struct wg_peer *peer);
/* Should be called after an ephemeral key is created: before sending a
 * handshake response or after receiving one. */
void wg_timers_session_derived(struct wg_peer *peer);
/* Should be called before an authenticated packet is sent or after one is
 * received. */
void wg_timers_any_authenticated_packet_traversal(struct wg_peer *peer);

#endif
