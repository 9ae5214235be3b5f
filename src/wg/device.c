// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/memtrim.h"
#include "base/time.h"
#include "base/workers.h"
#include "crypto/util.h"
#include "crypto/x25519.h"
#include "wg/allowedips.h"
#include "wg/config.h"
#include "wg/device.h"
#include "wg/index.h"
#include "wg/peer.h"
#include "wg/ratelimiter.h"
#include "wg/receive.h"
#include "wg/send.h"
#include "wg/timers.h"

static const char *const drop_names[DROP_MAX] = {
	[DROP_RX_MALFORMED] = "rx_malformed",
	[DROP_RX_HANDSHAKE_QUEUE] = "rx_handshake_queue_full",
	[DROP_RX_BAD_MAC] = "rx_bad_mac",
	[DROP_RX_RATELIMITED] = "rx_ratelimited",
	[DROP_RX_HANDSHAKE] = "rx_handshake_invalid",
	[DROP_RX_COOKIE] = "rx_cookie_invalid",
	[DROP_RX_UNKNOWN_INDEX] = "rx_unknown_index",
	[DROP_RX_EXPIRED_KEYPAIR] = "rx_expired_keypair",
	[DROP_RX_DECRYPT] = "rx_decrypt_failed",
	[DROP_RX_REPLAY] = "rx_replay",
	[DROP_RX_INNER_MALFORMED] = "rx_inner_malformed",
	[DROP_RX_SOURCE_FILTER] = "rx_source_filter",
	[DROP_RX_TUN_WRITE] = "rx_tun_write",
	[DROP_TX_NO_ROUTE] = "tx_no_route",
	[DROP_TX_NO_ENDPOINT] = "tx_no_endpoint",
	[DROP_TX_MALFORMED] = "tx_malformed",
	[DROP_TX_STAGED_OVERFLOW] = "tx_staged_overflow",
	[DROP_TX_SEND_ERROR] = "tx_send_error",
};

const char *wg_drop_reason_name(enum wg_drop_reason reason)
{
	return reason < DROP_MAX ? drop_names[reason] : "unknown";
}

enum {
	BIND_RETRY_SECONDS = 1,
	/* Quiet this long, and the memory traffic used goes back. */
	IDLE_TRIM_SECONDS = 5,
};

/*
 * Packet buffers are touched by traffic and then sit resident; an idle
 * device (most of them, most of the time) gives them back, and with them
 * the library pages only start-up and configuration used.
 */
static void idle_timer(struct timer *t)
{
	struct wg_device *wg = container_of(t, struct wg_device, idle_timer);

	if (wg->active) {
		wg->active = false;
		wg->trimmed = false;
	} else if (!wg->trimmed) {
		pkt_batch_release(&wg->rx_batch);
		pkt_batch_release(&wg->tx_batch);
		mem_trim_process();
		wg->trimmed = true;
	}
	timer_mod(t, now_ns() + IDLE_TRIM_SECONDS * NSEC_PER_SEC);
}

static void bind_retry_timer(struct timer *t);

static void ratelimiter_gc_timer(struct timer *t)
{
	struct wg_device *wg = container_of(t, struct wg_device, ratelimiter_gc);

	ratelimiter_gc(wg->ratelimiter, now_ns());
	if (ratelimiter_entries(wg->ratelimiter))
		timer_mod(t, now_ns() + NSEC_PER_SEC);
}

int wg_device_new(struct loop *loop, const char *ifname, struct wg_device **out)
{
	struct wg_device *wg = calloc(1, sizeof(*wg));
	int ret = -ENOMEM;

	if (!wg)
		return -ENOMEM;
	wg->loop = loop;
	snprintf(wg->ifname, sizeof(wg->ifname), "%s", ifname);
	wg->mtu = 0;
	list_init(&wg->peer_list);
	random_fill(&wg->peer_hash_key, sizeof(wg->peer_hash_key));
	wg_socket_init(&wg->sock);
	wg_cookie_checker_init(&wg->cookie_checker, wg);
	work_init(&wg->handshake_work, wg_packet_handshake_receive_work);
	timer_init(&wg->ratelimiter_gc, loop, ratelimiter_gc_timer);
	timer_init(&wg->bind_retry, loop, bind_retry_timer);
	timer_init(&wg->idle_timer, loop, idle_timer);
	timer_mod(&wg->idle_timer, now_ns() + IDLE_TRIM_SECONDS * NSEC_PER_SEC);

	wg->index_table = index_table_new();
	wg->peer_allowedips = allowedips_new();
	wg->ratelimiter = ratelimiter_new();
	/* Large but lazily backed: untouched pages cost no memory. */
	wg->handshake_queue.ring = calloc(MAX_QUEUED_INCOMING_HANDSHAKES,
					  sizeof(struct handshake_msg));
	if (!wg->index_table || !wg->peer_allowedips || !wg->ratelimiter ||
	    !wg->handshake_queue.ring)
		goto err;
	ret = pkt_batch_init(&wg->rx_batch);
	if (ret < 0)
		goto err;
	ret = pkt_batch_init(&wg->tx_batch);
	if (ret < 0)
		goto err;
	ret = workers_new(workers_default_threads(), &wg->workers);
	if (ret < 0)
		goto err;
	cpu_idle_init(&wg->cpu_idle, NULL);
	*out = wg;
	return 0;
err:
	wg_device_free(wg);
	return ret;
}

static void stop_peer(struct wg_peer *peer)
{
	wg_packet_purge_staged_packets(peer);
	wg_timers_stop(peer);
	wg_noise_handshake_clear(&peer->handshake);
	wg_noise_keypairs_clear(&peer->keypairs);
	wg_noise_reset_last_sent_handshake(&peer->last_sent_handshake);
}

void wg_device_free(struct wg_device *wg)
{
	if (!wg)
		return;
	if (wg->index_table)
		wg_peer_remove_all(wg);
	wg_socket_close(wg);
	work_cancel(wg->loop, &wg->handshake_work);
	timer_del(&wg->ratelimiter_gc);
	timer_del(&wg->bind_retry);
	timer_del(&wg->idle_timer);
	workers_free(wg->workers);
	pkt_batch_free(&wg->rx_batch);
	pkt_batch_free(&wg->tx_batch);
	if (wg->handshake_queue.ring) {
		memzero_explicit(wg->handshake_queue.ring,
				 MAX_QUEUED_INCOMING_HANDSHAKES *
					 sizeof(struct handshake_msg));
		free(wg->handshake_queue.ring);
	}
	ratelimiter_free(wg->ratelimiter);
	allowedips_free(wg->peer_allowedips);
	index_table_free(wg->index_table);
	free(wg->peer_hash);
	memzero_explicit(&wg->static_identity, sizeof(wg->static_identity));
	memzero_explicit(&wg->cookie_checker, sizeof(wg->cookie_checker));
	free(wg);
}

void wg_device_attach_tun(struct wg_device *wg, struct tun *tun)
{
	wg->tun = tun;
}

void wg_device_set_mtu(struct wg_device *wg, uint32_t mtu)
{
	if (wg->mtu == mtu)
		return;
	pr_info("MTU is now %u", mtu);
	wg->mtu = mtu;
}

/*
 * The link is up but the port could not be bound (taken by someone else):
 * unlike the kernel we cannot refuse "ip link set up", so keep trying.
 */
static void bind_retry_timer(struct timer *t)
{
	struct wg_device *wg = container_of(t, struct wg_device, bind_retry);

	if (wg->link_up && !wg->up)
		wg_device_set_up(wg, true);
}

int wg_device_set_up(struct wg_device *wg, bool up)
{
	struct wg_peer *peer;
	int ret;

	wg->link_up = up;
	if (!up)
		timer_del(&wg->bind_retry);
	if (up == wg->up)
		return 0;
	if (!up) {
		wg->up = false;
		list_for_each_entry(peer, &wg->peer_list, peer_list)
			stop_peer(peer);
		wg_socket_close(wg);
		wg->handshake_queue.len = 0;
		pr_info("Interface down");
		return 0;
	}
	ret = wg_socket_reinit(wg, wg->incoming_port, wg->fwmark);
	if (ret < 0) {
		if (!timer_pending(&wg->bind_retry))
			pr_err("Unable to bind UDP port %u: %s; retrying",
			       wg->incoming_port, strerror(-ret));
		timer_mod(&wg->bind_retry,
			  now_ns() + BIND_RETRY_SECONDS * NSEC_PER_SEC);
		return ret;
	}
	wg->incoming_port = wg->sock.port;
	wg->up = true;
	pr_info("Interface up, listening on port %u", wg->incoming_port);
	list_for_each_entry(peer, &wg->peer_list, peer_list) {
		wg_packet_send_staged_packets(peer);
		if (peer->persistent_keepalive_interval)
			wg_packet_send_keepalive(peer);
	}
	return 0;
}

/* Port and fwmark first: the only step that can fail for outside reasons. */
static int apply_socket(struct wg_device *wg, const struct wg_config *cfg)
{
	uint16_t port = (cfg->flags & WGDEVICE_HAS_LISTEN_PORT) ?
				cfg->listen_port : wg->incoming_port;
	uint32_t fwmark = (cfg->flags & WGDEVICE_HAS_FWMARK) ? cfg->fwmark :
								wg->fwmark;
	int ret;

	if (wg->up && port != wg->incoming_port) {
		ret = wg_socket_reinit(wg, port, fwmark);
		if (ret < 0)
			return -EADDRINUSE;
		port = wg->sock.port;
	} else if (wg->up && fwmark != wg->fwmark) {
		if (wg_socket_set_fwmark(wg, fwmark) < 0)
			return -EADDRINUSE;
	}
	wg->incoming_port = port;
	wg->fwmark = fwmark;
	return 0;
}

static void apply_private_key(struct wg_device *wg,
			      const uint8_t key[WG_KEY_LEN])
{
	struct noise_static_identity *id = &wg->static_identity;
	uint8_t clamped[NOISE_PUBLIC_KEY_LEN], public_key[NOISE_PUBLIC_KEY_LEN];
	struct wg_peer *peer, *tmp;

	memcpy(clamped, key, sizeof(clamped));
	x25519_clamp(clamped);
	/* Setting the same key again must not disturb sessions (syncconf). */
	if (id->has_identity && crypto_equal(id->static_private, clamped,
					     NOISE_PUBLIC_KEY_LEN))
		goto out;
	if (crypto_is_zero(key, WG_KEY_LEN)) {
		memzero_explicit(id, sizeof(*id));
	} else {
		/* A peer with our own public key would be talking to itself. */
		if (x25519_public(public_key, clamped)) {
			peer = wg_peer_lookup(wg, public_key);
			if (peer)
				wg_peer_remove(peer);
		}
		wg_noise_set_static_identity_private_key(id, clamped);
	}
	wg_cookie_checker_precompute_device_keys(&wg->cookie_checker);
	list_for_each_entry_safe(peer, tmp, &wg->peer_list, peer_list) {
		wg_noise_precompute_static_static(peer);
		wg_noise_expire_current_peer_keypairs(peer);
		/* Packets that waited for an identity may now go. */
		if (wg->up)
			wg_packet_send_staged_packets(peer);
	}
out:
	memzero_explicit(clamped, sizeof(clamped));
}

static int apply_allowedip(struct wg_peer *peer, const struct wg_allowedip *a)
{
	struct wg_device *wg = peer->device;

	if (a->remove) {
		/* Removing what this peer does not hold is not an error. */
		allowedips_remove(wg->peer_allowedips, a->family, &a->ip4,
				  a->cidr, &peer->allowedips);
		return 0;
	}
	return allowedips_insert(wg->peer_allowedips, a->family, &a->ip4,
				 a->cidr, &peer->allowedips);
}

static int apply_peer(struct wg_device *wg, const struct wg_peer_config *pc)
{
	struct noise_static_identity *id = &wg->static_identity;
	struct wg_peer *peer;
	bool send_keepalive;
	int ret;

	if (id->has_identity && !memcmp(pc->public_key, id->static_public,
					NOISE_PUBLIC_KEY_LEN))
		return 0;
	peer = wg_peer_lookup(wg, pc->public_key);
	if (!peer) {
		if (pc->flags & (WGPEER_REMOVE_ME | WGPEER_UPDATE_ONLY))
			return 0;
		peer = wg_peer_create(wg, pc->public_key, NULL);
		if (!peer)
			return -errno;
	}
	if (pc->flags & WGPEER_REMOVE_ME) {
		wg_peer_remove(peer);
		return 0;
	}
	if (pc->flags & WGPEER_HAS_PRESHARED_KEY)
		memcpy(peer->handshake.preshared_key, pc->preshared_key,
		       NOISE_SYMMETRIC_KEY_LEN);
	if (pc->flags & WGPEER_HAS_ENDPOINT)
		wg_socket_set_peer_endpoint(peer, &pc->endpoint, NULL);
	if (pc->flags & WGPEER_REPLACE_ALLOWEDIPS)
		allowedips_remove_owner(wg->peer_allowedips, &peer->allowedips);
	for (size_t i = 0; i < pc->allowedips_len; i++) {
		ret = apply_allowedip(peer, &pc->allowedips[i]);
		if (ret < 0)
			return ret;
	}
	if (pc->flags & WGPEER_HAS_PERSISTENT_KEEPALIVE_INTERVAL) {
		send_keepalive = !peer->persistent_keepalive_interval &&
				 pc->persistent_keepalive_interval && wg->up;
		peer->persistent_keepalive_interval =
			pc->persistent_keepalive_interval;
		if (!peer->persistent_keepalive_interval)
			timer_del(&peer->timer_persistent_keepalive);
		if (send_keepalive)
			wg_packet_send_keepalive(peer);
	}
	if (wg->up)
		wg_packet_send_staged_packets(peer);
	return 0;
}

/* What only the device can reject, checked before anything changes. */
static int validate_config(struct wg_device *wg, const struct wg_config *cfg)
{
	size_t new_peers = 0;

	for (size_t i = 0; i < cfg->peers_len; i++) {
		const struct wg_peer_config *pc = &cfg->peers[i];

		if (pc->flags & WGPEER_REMOVE_ME)
			continue;
		if (x25519_is_low_order(pc->public_key))
			return -EINVAL;
		if (!wg_peer_lookup(wg, pc->public_key))
			new_peers++;
	}
	if ((cfg->flags & WGDEVICE_REPLACE_PEERS ? 0 : wg->num_peers) +
		    new_peers > MAX_PEERS_PER_DEVICE)
		return -ENOSPC;
	return 0;
}

int wg_device_apply_config(struct wg_device *wg, const struct wg_config *cfg)
{
	int ret = validate_config(wg, cfg);

	/* New peers and keys touch memory: trim again once things settle. */
	wg->active = true;
	if (ret < 0)
		return ret;
	ret = apply_socket(wg, cfg);
	if (ret < 0)
		return ret;
	if (cfg->flags & WGDEVICE_HAS_PRIVATE_KEY)
		apply_private_key(wg, cfg->private_key);
	if (cfg->flags & WGDEVICE_REPLACE_PEERS)
		wg_peer_remove_all(wg);
	for (size_t i = 0; i < cfg->peers_len; i++) {
		ret = apply_peer(wg, &cfg->peers[i]);
		if (ret < 0)
			return ret;
	}
	return 0;
}
