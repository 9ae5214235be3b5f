/* SPDX-License-Identifier: MIT */
/*
 * A peer: its static public key, handshake and keypairs, cookie state,
 * endpoint, allowed IPs, packets staged while a handshake is pending,
 * protocol timers and transfer counters.
 */
#ifndef CVPC_WG_PEER_H
#define CVPC_WG_PEER_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "base/list.h"
#include "base/loop.h"
#include "base/sockaddr.h"
#include "wg/allowedips.h"
#include "wg/cookie.h"
#include "wg/noise.h"

struct wg_device;

struct endpoint {
	union sockaddr_inet addr; /* family 0: none known yet */
	struct inet_src src;      /* where its packets arrive, if known */
};

/* A copy of an inner packet waiting for a usable keypair. */
struct staged_packet {
	struct staged_packet *next;
	uint32_t len; /* inner length; 0 is a keepalive */
	/* PKT_HEADROOM + len + PKT_TAILROOM, aligned for the header */
	uint8_t head[] __attribute__((aligned(16)));
};

struct wg_peer {
	struct wg_device *device;
	struct list_head peer_list;   /* device->peer_list, in creation order */
	struct wg_peer *pubkey_next;  /* device's public-key hash chain */
	struct noise_handshake handshake;
	struct noise_keypairs keypairs;
	struct cookie latest_cookie;
	struct endpoint endpoint;
	struct allowedips_owner allowedips;
	struct staged_packet *staged_head, **staged_tail;
	unsigned int staged_len;
	struct timer timer_retransmit_handshake, timer_send_keepalive;
	struct timer timer_new_handshake, timer_zero_key_material;
	struct timer timer_persistent_keepalive;
	unsigned int timer_handshake_attempts;
	uint16_t persistent_keepalive_interval;
	bool timer_need_another_keepalive;
	bool sent_lastminute_handshake;
	bool retried_on_cookie; /* this handshake attempt already did */
	bool is_dead;
	uint64_t last_sent_handshake;
	struct timespec walltime_last_handshake;
	uint64_t rx_bytes, tx_bytes;
	uint64_t internal_id;
};

/*
 * Creates a peer on wg. Returns NULL with errno set: EEXIST (already a
 * peer), EINVAL (low-order key), ENOSPC (too many peers), ENOMEM.
 */
struct wg_peer *wg_peer_create(struct wg_device *wg,
			       const uint8_t public_key[static NOISE_PUBLIC_KEY_LEN],
			       const uint8_t preshared_key[NOISE_SYMMETRIC_KEY_LEN]);
struct wg_peer *wg_peer_lookup(struct wg_device *wg,
			       const uint8_t public_key[static NOISE_PUBLIC_KEY_LEN]);
/* Tears the peer down: sessions, timers, staged packets, allowed IPs. */
void wg_peer_remove(struct wg_peer *peer);
void wg_peer_remove_all(struct wg_device *wg);

#endif
