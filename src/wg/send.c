// SPDX-License-Identifier: MIT
#include <endian.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/time.h"
#include "base/workers.h"
#include "crypto/aead.h"
#include "crypto/util.h"
#include "wg/allowedips.h"
#include "wg/device.h"
#include "wg/peer.h"
#include "wg/send.h"
#include "wg/timers.h"

static void send_handshake_initiation(struct wg_peer *peer)
{
	struct message_handshake_initiation packet;
	uint64_t now = now_ns();

	/* Rate limited: at most one initiation per REKEY_TIMEOUT. */
	if (!birthdate_has_expired(peer->last_sent_handshake, REKEY_TIMEOUT,
				   now))
		return;
	peer->last_sent_handshake = now;
	pr_debug("Sending handshake initiation to peer %llu",
		 (unsigned long long)peer->internal_id);

	if (wg_noise_handshake_create_initiation(&packet, &peer->handshake)) {
		wg_cookie_add_mac_to_packet(&packet, sizeof(packet), peer);
		wg_timers_any_authenticated_packet_traversal(peer);
		wg_timers_any_authenticated_packet_sent(peer);
		peer->last_sent_handshake = now_ns();
		wg_socket_send_buffer_to_peer(peer, &packet, sizeof(packet));
		wg_timers_handshake_initiated(peer);
	}
	memzero_explicit(&packet, sizeof(packet));
}

void wg_packet_send_queued_handshake_initiation(struct wg_peer *peer,
						bool is_retry)
{
	if (!is_retry) {
		peer->timer_handshake_attempts = 0;
		peer->retried_on_cookie = false;
	}
	if (peer->is_dead || !peer->device->up)
		return;
	send_handshake_initiation(peer);
}

void wg_packet_send_handshake_response(struct wg_peer *peer)
{
	struct message_handshake_response packet;

	peer->last_sent_handshake = now_ns();
	pr_debug("Sending handshake response to peer %llu",
		 (unsigned long long)peer->internal_id);

	if (wg_noise_handshake_create_response(&packet, &peer->handshake)) {
		wg_cookie_add_mac_to_packet(&packet, sizeof(packet), peer);
		if (wg_noise_handshake_begin_session(&peer->handshake,
						     &peer->keypairs)) {
			wg_timers_session_derived(peer);
			wg_timers_any_authenticated_packet_traversal(peer);
			wg_timers_any_authenticated_packet_sent(peer);
			peer->last_sent_handshake = now_ns();
			wg_socket_send_buffer_to_peer(peer, &packet,
						      sizeof(packet));
		}
	}
	memzero_explicit(&packet, sizeof(packet));
}

void wg_packet_make_cookie_reply(const struct wg_device *wg,
				 struct message_handshake_cookie *reply,
				 const void *message, size_t len,
				 const union sockaddr_inet *src)
{
	uint32_t sender_index;

	/* Initiations and responses both carry it right after the type. */
	memcpy(&sender_index,
	       (const uint8_t *)message + sizeof(struct message_header),
	       sizeof(sender_index));
	wg_cookie_message_create(reply, message, len, le32toh(sender_index),
				 &wg->cookie_checker, src);
}

void wg_packet_send_handshake_cookie(struct wg_device *wg, const void *message,
				     size_t len, const union sockaddr_inet *src)
{
	struct message_handshake_cookie packet;

	wg_cookie_checker_refresh(&wg->cookie_checker);
	wg_packet_make_cookie_reply(wg, &packet, message, len, src);
	wg->stats.cookie_replies_sent++;
	wg_socket_send_buffer_as_reply(wg, &packet, sizeof(packet), src);
}

uint32_t wg_packet_padding(uint32_t len, uint32_t mtu)
{
	uint32_t last_unit = len, padded;

	if (!mtu)
		return ((len + MESSAGE_PADDING_MULTIPLE - 1) &
			~(uint32_t)(MESSAGE_PADDING_MULTIPLE - 1)) -
		       len;
	/* A packet bigger than the MTU (possible after an MTU change) must
	 * not make the subtraction below wrap. */
	if (last_unit > mtu)
		last_unit %= mtu;
	padded = (last_unit + MESSAGE_PADDING_MULTIPLE - 1) &
		 ~(uint32_t)(MESSAGE_PADDING_MULTIPLE - 1);
	if (padded > mtu)
		padded = mtu;
	return padded - last_unit;
}

/* Writes the header and the padding; returns the length to seal. */
static uint32_t prepare(uint8_t *head, uint32_t len,
			const struct noise_keypair *keypair, uint64_t nonce,
			uint32_t mtu)
{
	struct message_data *header = (struct message_data *)head;
	uint32_t padding = wg_packet_padding(len, mtu);

	memset(head + PKT_HEADROOM + len, 0, padding);
	header->header.type = htole32(MESSAGE_DATA);
	header->key_idx = htole32(keypair->remote_index);
	header->counter = htole64(nonce);
	return len + padding;
}

size_t wg_packet_encrypt(uint8_t *head, uint32_t len,
			 const struct noise_keypair *keypair, uint64_t nonce,
			 uint32_t mtu)
{
	uint32_t text = prepare(head, len, keypair, nonce, mtu);

	if (!wg_aead_seal(head + PKT_HEADROOM, head + PKT_HEADROOM, text, NULL,
			  0, nonce, keypair->sending.key))
		return 0;
	return message_data_len(text);
}

/* Whether the keypair we send with should be replaced soon. */
static void keep_key_fresh(struct wg_peer *peer)
{
	struct noise_keypair *keypair = peer->keypairs.current_keypair;
	bool send;

	send = keypair && keypair->sending.is_valid &&
	       (keypair->sending_counter > REKEY_AFTER_MESSAGES ||
		(keypair->i_am_the_initiator &&
		 birthdate_has_expired(keypair->sending.birthdate,
				       REKEY_AFTER_TIME, now_ns())));
	if (send)
		wg_packet_send_queued_handshake_initiation(peer, false);
}

/* The keypair to send with now, or NULL; marks a worn-out one invalid. */
static struct noise_keypair *usable_keypair(struct wg_peer *peer,
					    uint64_t count)
{
	struct noise_keypair *keypair = peer->keypairs.current_keypair;

	if (!keypair || !keypair->sending.is_valid)
		return NULL;
	if (birthdate_has_expired(keypair->sending.birthdate,
				  REJECT_AFTER_TIME, now_ns()) ||
	    keypair->sending_counter + count > REJECT_AFTER_MESSAGES) {
		keypair->sending.is_valid = false;
		return NULL;
	}
	return keypair;
}

/*
 * Timer bookkeeping after encrypting for peer, as the kernel does it:
 * traversal and "sent" whether or not the socket took the packets (a
 * failed send must not stop persistent keepalives), "data sent" only for
 * data that left.
 */
static void encrypted_packets(struct wg_peer *peer, bool data_sent)
{
	wg_timers_any_authenticated_packet_traversal(peer);
	wg_timers_any_authenticated_packet_sent(peer);
	if (data_sent)
		wg_timers_data_sent(peer);
}

static void free_staged(struct staged_packet *sp)
{
	free(sp);
}

void wg_packet_purge_staged_packets(struct wg_peer *peer)
{
	struct staged_packet *sp = peer->staged_head;

	while (sp) {
		struct staged_packet *next = sp->next;

		free_staged(sp);
		sp = next;
	}
	peer->staged_head = NULL;
	peer->staged_tail = &peer->staged_head;
	peer->staged_len = 0;
}

/* Copies an inner packet into the peer's staged queue (oldest dropped). */
static void stage_packet(struct wg_peer *peer, const uint8_t *data,
			 uint32_t len)
{
	struct staged_packet *sp;

	sp = malloc(sizeof(*sp) + PKT_HEADROOM + len + PKT_TAILROOM);
	if (!sp) {
		wg_count_drop(peer->device, DROP_TX_STAGED_OVERFLOW);
		return;
	}
	sp->next = NULL;
	sp->len = len;
	/* A keepalive has no data, and memcpy from NULL is undefined. */
	if (len)
		memcpy(sp->head + PKT_HEADROOM, data, len);
	*peer->staged_tail = sp;
	peer->staged_tail = &sp->next;
	peer->staged_len++;

	while (peer->staged_len > MAX_STAGED_PACKETS) {
		struct staged_packet *old = peer->staged_head;

		peer->staged_head = old->next;
		if (!peer->staged_head)
			peer->staged_tail = &peer->staged_head;
		peer->staged_len--;
		free_staged(old);
		wg_count_drop(peer->device, DROP_TX_STAGED_OVERFLOW);
	}
}

void wg_packet_send_keepalive(struct wg_peer *peer)
{
	if (!peer->staged_head) {
		stage_packet(peer, NULL, 0);
		pr_debug("Sending keepalive packet to peer %llu",
		 (unsigned long long)peer->internal_id);
	}
	wg_packet_send_staged_packets(peer);
}

void wg_packet_send_staged_packets(struct wg_peer *peer)
{
	struct wg_device *wg = peer->device;
	struct noise_keypair *keypair;
	struct staged_packet *sp;
	bool encrypted = false, data_sent = false;

	if (!peer->staged_head)
		return;
	keypair = usable_keypair(peer, peer->staged_len);
	if (!keypair) {
		/* Keep the packets; a handshake will release them. */
		wg_packet_send_queued_handshake_initiation(peer, false);
		return;
	}
	sp = peer->staged_head;
	peer->staged_head = NULL;
	peer->staged_tail = &peer->staged_head;
	peer->staged_len = 0;
	while (sp) {
		struct staged_packet *next = sp->next;
		size_t len = wg_packet_encrypt(sp->head, sp->len, keypair,
					       keypair->sending_counter++,
					       wg->mtu);

		encrypted |= len != 0;
		/* The socket layer counts tx_bytes of what it sends. */
		if (len && !wg_socket_send_buffer_to_peer(peer, sp->head, len))
			data_sent |= sp->len != 0;
		free_staged(sp);
		sp = next;
	}
	if (encrypted)
		encrypted_packets(peer, data_sent);
	keep_key_fresh(peer);
}

/* Where an inner packet goes: its family and destination address. */
static bool inner_destination(const uint8_t *p, uint32_t len, int *family,
			      const uint8_t **dst)
{
	if (len >= sizeof(struct iphdr) && (p[0] >> 4) == 4) {
		*family = AF_INET;
		*dst = p + offsetof(struct iphdr, daddr);
		return true;
	}
	if (len >= sizeof(struct ip6_hdr) && (p[0] >> 4) == 6) {
		*family = AF_INET6;
		*dst = p + offsetof(struct ip6_hdr, ip6_dst);
		return true;
	}
	return false;
}

/* Stage one: find the peer and, when possible, a keypair and nonce. */
static struct wg_peer *route_packet(struct wg_device *wg, struct pkt *pkt)
{
	struct allowedips_owner *owner;
	struct wg_peer *peer;
	const uint8_t *dst;
	int family;

	if (!inner_destination(pkt->data, pkt->len, &family, &dst)) {
		wg_count_drop(wg, DROP_TX_MALFORMED);
		return NULL;
	}
	owner = allowedips_lookup(wg->peer_allowedips, family, dst);
	if (!owner) {
		wg_count_drop(wg, DROP_TX_NO_ROUTE);
		return NULL;
	}
	peer = container_of(owner, struct wg_peer, allowedips);
	if (!peer->endpoint.addr.sa.sa_family) {
		wg_count_drop(wg, DROP_TX_NO_ENDPOINT);
		return NULL;
	}
	return peer;
}

/*
 * Peers touched by one batch, each once, so their staged queues are
 * flushed and their timers updated once per batch rather than per packet.
 */
struct touched {
	struct {
		struct wg_peer *peer;
		uint64_t tx_bytes;
		bool encrypted, data_sent;
	} rec[PKT_BATCH_MAX];
	unsigned int len;
};

static uint16_t touch(struct touched *t, struct wg_peer *peer)
{
	/* Batches mostly go to one peer: look from the latest backwards. */
	for (unsigned int i = t->len; i-- > 0;) {
		if (t->rec[i].peer == peer)
			return (uint16_t)i;
	}
	t->rec[t->len].peer = peer;
	t->rec[t->len].tx_bytes = 0;
	t->rec[t->len].encrypted = t->rec[t->len].data_sent = false;
	return (uint16_t)t->len++;
}

static void assign_packets(struct wg_device *wg, struct pkt_batch *batch,
			   struct touched *touched)
{
	for (unsigned int i = 0; i < batch->len; i++) {
		struct pkt *pkt = &batch->pkts[i];
		struct wg_peer *peer = route_packet(wg, pkt);
		struct noise_keypair *keypair;

		pkt->state = PKT_FREE;
		if (!peer)
			continue;
		pkt->slot = touch(touched, peer);
		/* Behind staged packets, or without keys: wait in line. */
		keypair = peer->staged_head ? NULL : usable_keypair(peer, 1);
		if (!keypair) {
			stage_packet(peer, pkt->data, pkt->len);
			continue;
		}
		pkt->peer = peer;
		pkt->keypair = wg_noise_keypair_get(keypair);
		pkt->nonce = keypair->sending_counter++;
		pkt->addr = peer->endpoint.addr;
		pkt->src = peer->endpoint.src;
		pkt->state = PKT_PENDING;
	}
}

/* Seals a run of packets under one keypair in one batch. */
static void seal_run(struct pkt_batch *batch, const unsigned int *idx,
		     unsigned int n)
{
	const struct noise_keypair *keypair = batch->pkts[idx[0]].keypair;
	struct wg_aead_msg msgs[CRYPT_CHUNK];

	for (unsigned int k = 0; k < n; k++) {
		struct pkt *pkt = &batch->pkts[idx[k]];

		msgs[k] = (struct wg_aead_msg){
			.data = pkt->head + PKT_HEADROOM,
			.len = prepare(pkt->head, pkt->len, keypair, pkt->nonce,
				       batch->mtu),
			.counter = pkt->nonce,
		};
	}
	wg_aead_seal_batch(msgs, n, keypair->sending.key);
	for (unsigned int k = 0; k < n; k++) {
		struct pkt *pkt = &batch->pkts[idx[k]];

		pkt->state = msgs[k].ok ? PKT_READY : PKT_FAILED;
		pkt->data = pkt->head;
		pkt->len = msgs[k].ok ? (uint32_t)message_data_len(msgs[k].len) : 0;
	}
}

/*
 * Chunk c of the batch: consecutive packets of one keypair (one peer, as
 * a TUN super-packet's segments are) are sealed together, so that they
 * share ChaCha20 passes.
 */
static void encrypt_chunk(void *arg, unsigned int c)
{
	pkt_batch_for_each_run(arg, c, seal_run);
}

/* Stage two: independent per chunk, spread over the worker threads. */
static void encrypt_packets(struct wg_device *wg, struct pkt_batch *batch)
{
	batch->mtu = wg->mtu;
	workers_run_chunks(wg->workers, encrypt_chunk, batch, batch->len,
			   CRYPT_CHUNK);
}

/* Stage three: bookkeeping, in order, once the packets are out. */
static void finish_packets(struct wg_device *wg, struct pkt_batch *batch,
			   struct touched *touched)
{
	for (unsigned int i = 0; i < batch->len; i++) {
		struct pkt *pkt = &batch->pkts[i];

		if (pkt->state == PKT_READY || pkt->state == PKT_UNSENT)
			touched->rec[pkt->slot].encrypted = true;
		if (pkt->state == PKT_READY) {
			touched->rec[pkt->slot].tx_bytes += pkt->len;
			touched->rec[pkt->slot].data_sent = true;
		} else if (pkt->state == PKT_FAILED) {
			wg_count_drop(wg, DROP_TX_SEND_ERROR);
		}
		wg_noise_keypair_put(pkt->keypair);
		pkt->keypair = NULL;
		pkt->peer = NULL;
		pkt->state = PKT_FREE;
	}
	for (unsigned int i = 0; i < touched->len; i++) {
		struct wg_peer *peer = touched->rec[i].peer;

		peer->tx_bytes += touched->rec[i].tx_bytes;
		if (touched->rec[i].encrypted)
			encrypted_packets(peer, touched->rec[i].data_sent);
		keep_key_fresh(peer);
	}
}

bool wg_packet_send_batch(struct wg_device *wg, struct pkt_batch *batch)
{
	struct touched touched = { .len = 0 };
	bool flowing;

	assign_packets(wg, batch, &touched);
	/* Packets nobody routes (router solicitations...) are not activity. */
	if (touched.len)
		wg->active = true;
	for (unsigned int i = 0; i < touched.len; i++)
		wg_packet_send_staged_packets(touched.rec[i].peer);
	encrypt_packets(wg, batch);
	flowing = wg_socket_send_batch(wg, batch);
	finish_packets(wg, batch, &touched);
	return flowing;
}
