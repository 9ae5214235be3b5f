// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/siphash.h"
#include "crypto/util.h"
#include "crypto/x25519.h"
#include "wg/device.h"
#include "wg/peer.h"
#include "wg/send.h"
#include "wg/timers.h"

/*
 * Keyed, because whoever configures peers (a tenant of a VPC, say) could
 * choose public keys that share a chain and make lookups slow.
 */
static unsigned int pubkey_bucket(const struct wg_device *wg,
				  const uint8_t key[NOISE_PUBLIC_KEY_LEN])
{
	return (unsigned int)siphash(key, NOISE_PUBLIC_KEY_LEN,
				     &wg->peer_hash_key) &
	       (wg->peer_hash_size - 1);
}

static int grow_hash(struct wg_device *wg)
{
	unsigned int size = wg->peer_hash_size ? wg->peer_hash_size * 2 : 64;
	struct wg_peer **table = calloc(size, sizeof(*table));
	struct wg_peer *peer;

	if (!table)
		return -ENOMEM;
	free(wg->peer_hash);
	wg->peer_hash = table;
	wg->peer_hash_size = size;
	list_for_each_entry(peer, &wg->peer_list, peer_list) {
		unsigned int b = pubkey_bucket(wg, peer->handshake.remote_static);

		peer->pubkey_next = table[b];
		table[b] = peer;
	}
	return 0;
}

struct wg_peer *wg_peer_lookup(struct wg_device *wg,
			       const uint8_t public_key[NOISE_PUBLIC_KEY_LEN])
{
	struct wg_peer *peer;

	if (!wg->peer_hash_size)
		return NULL;
	for (peer = wg->peer_hash[pubkey_bucket(wg, public_key)]; peer;
	     peer = peer->pubkey_next) {
		if (!memcmp(peer->handshake.remote_static, public_key,
			    NOISE_PUBLIC_KEY_LEN))
			return peer;
	}
	return NULL;
}

struct wg_peer *wg_peer_create(struct wg_device *wg,
			       const uint8_t public_key[NOISE_PUBLIC_KEY_LEN],
			       const uint8_t preshared_key[NOISE_SYMMETRIC_KEY_LEN])
{
	struct wg_peer *peer;
	unsigned int b;

	if (wg->num_peers >= MAX_PEERS_PER_DEVICE) {
		errno = ENOSPC;
		return NULL;
	}
	if (x25519_is_low_order(public_key)) {
		errno = EINVAL;
		return NULL;
	}
	if (wg_peer_lookup(wg, public_key)) {
		errno = EEXIST;
		return NULL;
	}
	if (wg->num_peers + 1 > wg->peer_hash_size && grow_hash(wg) < 0) {
		errno = ENOMEM;
		return NULL;
	}
	peer = calloc(1, sizeof(*peer));
	if (!peer) {
		errno = ENOMEM;
		return NULL;
	}
	peer->device = wg;
	peer->internal_id = ++wg->peer_counter;
	wg_noise_handshake_init(&peer->handshake, &wg->static_identity,
				public_key, preshared_key, peer);
	wg_cookie_init(&peer->latest_cookie);
	wg_cookie_checker_precompute_peer_keys(peer);
	wg_timers_init(peer);
	wg_noise_reset_last_sent_handshake(&peer->last_sent_handshake);
	peer->staged_tail = &peer->staged_head;

	list_add_tail(&peer->peer_list, &wg->peer_list);
	b = pubkey_bucket(wg, public_key);
	peer->pubkey_next = wg->peer_hash[b];
	wg->peer_hash[b] = peer;
	wg->num_peers++;
	pr_debug("Peer %llu created",
		 (unsigned long long)peer->internal_id);
	return peer;
}

static void unhash(struct wg_peer *peer)
{
	struct wg_device *wg = peer->device;
	struct wg_peer **pp =
		&wg->peer_hash[pubkey_bucket(wg, peer->handshake.remote_static)];

	for (; *pp; pp = &(*pp)->pubkey_next) {
		if (*pp == peer) {
			*pp = peer->pubkey_next;
			break;
		}
	}
}

void wg_peer_remove(struct wg_peer *peer)
{
	struct wg_device *wg = peer->device;

	peer->is_dead = true;
	allowedips_remove_owner(wg->peer_allowedips, &peer->allowedips);
	unhash(peer);
	list_del(&peer->peer_list);
	wg->num_peers--;

	wg_timers_stop(peer);
	wg_packet_purge_staged_packets(peer);
	wg_noise_handshake_clear(&peer->handshake);
	wg_noise_keypairs_clear(&peer->keypairs);
	pr_debug("Peer %llu destroyed",
		 (unsigned long long)peer->internal_id);
	memzero_explicit(peer, sizeof(*peer));
	free(peer);
}

void wg_peer_remove_all(struct wg_device *wg)
{
	struct wg_peer *peer, *tmp;

	list_for_each_entry_safe(peer, tmp, &wg->peer_list, peer_list)
		wg_peer_remove(peer);
}
