// SPDX-License-Identifier: MIT
#include "base/log.h"
#include "base/time.h"
#include "crypto/util.h"
#include "wg/device.h"
#include "wg/peer.h"
#include "wg/send.h"
#include "wg/timers.h"

static uint64_t seconds_from_now(uint64_t seconds)
{
	return now_ns() + seconds * NSEC_PER_SEC;
}

/* Jitter keeps peers that started together from handshaking in lockstep. */
static uint64_t jitter(void)
{
	return (uint64_t)(random_u32() % REKEY_TIMEOUT_JITTER_MAX_MS) *
	       NSEC_PER_MSEC;
}

static void mod_peer_timer(struct wg_peer *peer, struct timer *t,
			   uint64_t expires)
{
	if (!peer->is_dead && peer->device->up)
		timer_mod(t, expires);
}

static void expired_retransmit_handshake(struct timer *t)
{
	struct wg_peer *peer =
		container_of(t, struct wg_peer, timer_retransmit_handshake);

	if (peer->timer_handshake_attempts > MAX_TIMER_HANDSHAKES) {
		pr_debug("Handshake for peer %llu did not complete after %d attempts, giving up",
		 (unsigned long long)peer->internal_id,
			 MAX_TIMER_HANDSHAKES + 2);
		timer_del(&peer->timer_send_keepalive);
		/* Without a keypair there is no point holding packets. */
		wg_packet_purge_staged_packets(peer);
		/* Destroy what is left of a partial exchange, later. */
		if (!timer_pending(&peer->timer_zero_key_material))
			mod_peer_timer(peer, &peer->timer_zero_key_material,
				       seconds_from_now(REJECT_AFTER_TIME * 3));
	} else {
		++peer->timer_handshake_attempts;
		pr_debug("Handshake for peer %llu did not complete after %d seconds, retrying (try %u)",
		 (unsigned long long)peer->internal_id, REKEY_TIMEOUT,
			 peer->timer_handshake_attempts + 1);
		/* The source address may be the cause of the trouble. */
		wg_socket_clear_peer_endpoint_src(peer);
		wg_packet_send_queued_handshake_initiation(peer, true);
	}
}

static void expired_send_keepalive(struct timer *t)
{
	struct wg_peer *peer =
		container_of(t, struct wg_peer, timer_send_keepalive);

	wg_packet_send_keepalive(peer);
	if (peer->timer_need_another_keepalive) {
		peer->timer_need_another_keepalive = false;
		mod_peer_timer(peer, &peer->timer_send_keepalive,
			       seconds_from_now(KEEPALIVE_TIMEOUT));
	}
}

static void expired_new_handshake(struct timer *t)
{
	struct wg_peer *peer =
		container_of(t, struct wg_peer, timer_new_handshake);

	pr_debug("Retrying handshake with peer %llu because we stopped hearing back after %d seconds",
		 (unsigned long long)peer->internal_id,
		 KEEPALIVE_TIMEOUT + REKEY_TIMEOUT);
	wg_socket_clear_peer_endpoint_src(peer);
	wg_packet_send_queued_handshake_initiation(peer, false);
}

static void expired_zero_key_material(struct timer *t)
{
	struct wg_peer *peer =
		container_of(t, struct wg_peer, timer_zero_key_material);

	pr_debug("Zeroing out all keys for peer %llu, since we haven't received a new one in %d seconds",
		 (unsigned long long)peer->internal_id,
		 REJECT_AFTER_TIME * 3);
	wg_noise_handshake_clear(&peer->handshake);
	wg_noise_keypairs_clear(&peer->keypairs);
}

static void expired_send_persistent_keepalive(struct timer *t)
{
	struct wg_peer *peer =
		container_of(t, struct wg_peer, timer_persistent_keepalive);

	if (peer->persistent_keepalive_interval)
		wg_packet_send_keepalive(peer);
}

void wg_timers_data_sent(struct wg_peer *peer)
{
	if (!timer_pending(&peer->timer_new_handshake))
		mod_peer_timer(peer, &peer->timer_new_handshake,
			       seconds_from_now(KEEPALIVE_TIMEOUT +
						REKEY_TIMEOUT) +
				       jitter());
}

void wg_timers_data_received(struct wg_peer *peer)
{
	if (!peer->device->up)
		return;
	if (!timer_pending(&peer->timer_send_keepalive))
		mod_peer_timer(peer, &peer->timer_send_keepalive,
			       seconds_from_now(KEEPALIVE_TIMEOUT));
	else
		peer->timer_need_another_keepalive = true;
}

void wg_timers_any_authenticated_packet_sent(struct wg_peer *peer)
{
	timer_del(&peer->timer_send_keepalive);
}

void wg_timers_any_authenticated_packet_received(struct wg_peer *peer)
{
	timer_del(&peer->timer_new_handshake);
}

void wg_timers_handshake_initiated(struct wg_peer *peer)
{
	mod_peer_timer(peer, &peer->timer_retransmit_handshake,
		       seconds_from_now(REKEY_TIMEOUT) + jitter());
}

void wg_timers_handshake_complete(struct wg_peer *peer)
{
	timer_del(&peer->timer_retransmit_handshake);
	peer->timer_handshake_attempts = 0;
	peer->sent_lastminute_handshake = false;
	peer->retried_on_cookie = false;
	clock_gettime(CLOCK_REALTIME, &peer->walltime_last_handshake);
}

void wg_timers_session_derived(struct wg_peer *peer)
{
	mod_peer_timer(peer, &peer->timer_zero_key_material,
		       seconds_from_now(REJECT_AFTER_TIME * 3));
}

void wg_timers_any_authenticated_packet_traversal(struct wg_peer *peer)
{
	if (peer->persistent_keepalive_interval)
		mod_peer_timer(peer, &peer->timer_persistent_keepalive,
			       seconds_from_now(peer->persistent_keepalive_interval));
}

void wg_timers_init(struct wg_peer *peer)
{
	struct loop *loop = peer->device->loop;

	timer_init(&peer->timer_retransmit_handshake, loop,
		   expired_retransmit_handshake);
	timer_init(&peer->timer_send_keepalive, loop, expired_send_keepalive);
	timer_init(&peer->timer_new_handshake, loop, expired_new_handshake);
	timer_init(&peer->timer_zero_key_material, loop,
		   expired_zero_key_material);
	timer_init(&peer->timer_persistent_keepalive, loop,
		   expired_send_persistent_keepalive);
	peer->timer_handshake_attempts = 0;
	peer->sent_lastminute_handshake = false;
	peer->timer_need_another_keepalive = false;
}

void wg_timers_stop(struct wg_peer *peer)
{
	timer_del(&peer->timer_retransmit_handshake);
	timer_del(&peer->timer_send_keepalive);
	timer_del(&peer->timer_new_handshake);
	timer_del(&peer->timer_zero_key_material);
	timer_del(&peer->timer_persistent_keepalive);
	peer->timer_need_another_keepalive = false;
}
