// SPDX-License-Identifier: MIT
#include <endian.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <string.h>

#include "base/log.h"
#include "base/time.h"
#include "base/workers.h"
#include "crypto/aead.h"
#include "wg/allowedips.h"
#include "wg/cookie.h"
#include "wg/device.h"
#include "wg/peer.h"
#include "wg/ratelimiter.h"
#include "wg/receive.h"
#include "wg/send.h"
#include "wg/timers.h"
#include "wg/tun.h"

/*
 * Handshakes handled per turn of the event loop: enough to keep up with
 * honest peers (16 Diffie-Hellman checks are about a millisecond), few
 * enough that data packets keep flowing in a flood. It must stay well
 * below what one turn reads from a socket (a batch and more), so that a
 * flood shows as a growing queue, which is what puts us under load.
 */
enum { HANDSHAKE_BUDGET = 16 };

/* Idle CPUs there must be for decryption to spread (decrypt_packets). */
#define DECRYPT_SPREAD_IDLE_CPUS 0.5

static uint32_t message_type(const uint8_t *data, size_t len)
{
	uint32_t type;

	if (len < sizeof(type))
		return MESSAGE_INVALID;
	memcpy(&type, data, sizeof(type));
	return le32toh(type);
}

/* The exact size each type must have, 0 for unknown types. */
static bool valid_size(uint32_t type, size_t len)
{
	switch (type) {
	case MESSAGE_HANDSHAKE_INITIATION:
		return len == sizeof(struct message_handshake_initiation);
	case MESSAGE_HANDSHAKE_RESPONSE:
		return len == sizeof(struct message_handshake_response);
	case MESSAGE_HANDSHAKE_COOKIE:
		return len == sizeof(struct message_handshake_cookie);
	case MESSAGE_DATA:
		return len >= MESSAGE_MINIMUM_LENGTH;
	default:
		return false;
	}
}

/*
 * Under load when handshakes pile up faster than we can do the Diffie-
 * Hellman work (the kernel's rule: an eighth of the queue), and for a
 * second after. A sustained flood of handshakes that all need a cookie
 * keeps it so, even though those never reach the queue.
 */
static bool under_load(struct wg_device *wg, uint64_t now)
{
	if (wg->handshake_queue.len >= MAX_QUEUED_INCOMING_HANDSHAKES / 8) {
		wg->last_under_load = now;
		return true;
	}
	if (!wg->last_under_load)
		return false;
	if (!birthdate_has_expired(wg->last_under_load, 1, now))
		return true;
	wg->last_under_load = 0;
	return false;
}

/* A cookie was owed: count it, and stay loaded while they keep coming. */
static void note_cookie_owed(struct wg_device *wg, uint64_t now)
{
	if (birthdate_has_expired(wg->cookie_window_start, 1, now)) {
		wg->cookie_window_start = now;
		wg->cookie_window_count = 0;
	}
	if (++wg->cookie_window_count >= MAX_QUEUED_INCOMING_HANDSHAKES / 8)
		wg->last_under_load = now;
}

enum handshake_verdict {
	HANDSHAKE_DROP,
	HANDSHAKE_SEND_COOKIE,
	HANDSHAKE_ACCEPT,
};

/* Counts a handshake message checked under load. */
static void note_load(struct wg_device *wg, uint64_t now)
{
	wg->stats.handshakes_under_load++;
	if (!timer_pending(&wg->ratelimiter_gc))
		timer_mod(&wg->ratelimiter_gc, now + NSEC_PER_SEC);
}

/*
 * mac1 always; under load also mac2 (a cookie proving the source address)
 * and the per-source rate, else the sender gets a cookie to retry with.
 */
static enum handshake_verdict check_macs(struct wg_device *wg,
					 const uint8_t *data, size_t len,
					 const union sockaddr_inet *src)
{
	uint64_t now = now_ns();
	bool loaded = under_load(wg, now);
	enum cookie_mac_state mac_state;

	if (loaded)
		note_load(wg, now);
	mac_state = wg_cookie_validate_packet(&wg->cookie_checker, data, len,
					      src, loaded);
	if ((loaded && mac_state == VALID_MAC_WITH_COOKIE) ||
	    (!loaded && mac_state == VALID_MAC_BUT_NO_COOKIE))
		return HANDSHAKE_ACCEPT;
	if (loaded && mac_state == VALID_MAC_BUT_NO_COOKIE) {
		note_cookie_owed(wg, now);
		return HANDSHAKE_SEND_COOKIE;
	}
	wg_count_drop(wg, mac_state == VALID_MAC_WITH_COOKIE_BUT_RATELIMITED ?
				  DROP_RX_RATELIMITED :
				  DROP_RX_BAD_MAC);
	return HANDSHAKE_DROP;
}

/* Handshake messages wait in a queue for the expensive part. */
static void queue_handshake(struct wg_device *wg, const struct pkt *pkt,
			    bool checked)
{
	struct handshake_queue *q = &wg->handshake_queue;
	struct handshake_msg *msg;

	if (q->len >= MAX_QUEUED_INCOMING_HANDSHAKES) {
		wg_count_drop(wg, DROP_RX_HANDSHAKE_QUEUE);
		return;
	}
	msg = &q->ring[(q->head + q->len) % MAX_QUEUED_INCOMING_HANDSHAKES];
	q->len++;
	msg->src = pkt->addr;
	msg->local = pkt->src;
	msg->len = (uint16_t)pkt->len;
	msg->checked = checked;
	memcpy(msg->data, pkt->data, pkt->len);
	work_queue(wg->loop, &wg->handshake_work);
}

/*
 * Under load the cheap checks happen with the batch, on every worker
 * thread, a chunk of messages at a time with one send for the chunk's
 * cookie replies: a flood that cannot answer our cookies (forged sources)
 * costs a MAC and a cookie reply each, spread over the cores, and never
 * takes a place in the queue from a peer that can.
 */
enum { HS_CHUNK = 16 };

struct hs_job {
	struct wg_device *wg;
	struct pkt_batch *batch;
	const uint16_t *idx; /* the batch's PKT_HS_CHECK slots */
	unsigned int n;
};

static void check_chunk(void *arg, unsigned int chunk)
{
	const struct hs_job *job = arg;
	struct message_handshake_cookie replies[HS_CHUNK];
	const union sockaddr_inet *dsts[HS_CHUNK];
	struct pkt *owners[HS_CHUNK];
	bool sent[HS_CHUNK];
	unsigned int first = chunk * HS_CHUNK, nr = 0;
	unsigned int last = first + HS_CHUNK < job->n ? first + HS_CHUNK : job->n;

	for (unsigned int i = first; i < last; i++) {
		struct pkt *pkt = &job->batch->pkts[job->idx[i]];

		switch (wg_cookie_check_macs(&job->wg->cookie_checker, pkt->data,
					     pkt->len, &pkt->addr, true)) {
		case VALID_MAC_WITH_COOKIE:
			pkt->state = PKT_HS_ACCEPT;
			break;
		case VALID_MAC_BUT_NO_COOKIE:
			wg_packet_make_cookie_reply(job->wg, &replies[nr],
						    pkt->data, pkt->len,
						    &pkt->addr);
			dsts[nr] = &pkt->addr;
			owners[nr++] = pkt;
			pkt->state = PKT_HS_COOKIE_UNSENT;
			break;
		default:
			pkt->state = PKT_HS_BAD;
			break;
		}
	}
	if (!nr)
		return;
	wg_socket_send_replies(job->wg, replies, sizeof(replies[0]), dsts, nr,
			       sent);
	for (unsigned int r = 0; r < nr; r++)
		if (sent[r])
			owners[r]->state = PKT_HS_COOKIE_SENT;
}

static void check_handshakes(struct wg_device *wg, struct pkt_batch *batch,
			     const uint16_t *idx, unsigned int n)
{
	struct hs_job job = { .wg = wg, .batch = batch, .idx = idx, .n = n };

	workers_run_heavy(wg->workers, check_chunk, &job,
			  (n + HS_CHUNK - 1) / HS_CHUNK);
}

/* The checked message's verdict, in order: counters, rate, queue. */
static void finish_handshake_check(struct wg_device *wg, struct pkt *pkt)
{
	uint64_t now = now_ns();

	note_load(wg, now);
	switch (pkt->state) {
	case PKT_HS_ACCEPT:
		if (ratelimiter_allow(wg->ratelimiter, &pkt->addr, now))
			queue_handshake(wg, pkt, true);
		else
			wg_count_drop(wg, DROP_RX_RATELIMITED);
		break;
	case PKT_HS_COOKIE_UNSENT:
		wg_count_drop(wg, DROP_TX_SEND_ERROR);
		/* fall through */
	case PKT_HS_COOKIE_SENT:
		wg->stats.cookie_replies_sent++;
		note_cookie_owed(wg, now);
		break;
	default:
		wg_count_drop(wg, DROP_RX_BAD_MAC);
		break;
	}
	pkt->state = PKT_FREE;
}

/* An authenticated handshake message arrived from peer. */
static void handshake_received(struct wg_peer *peer,
			       const struct handshake_msg *msg)
{
	wg_socket_set_peer_endpoint(peer, &msg->src, &msg->local);
	peer->rx_bytes += msg->len;
	/*
	 * Before anything is sent in reply: sending is synchronous here, and
	 * data released by this response must still arm the new-handshake
	 * timer that "received" would otherwise cancel at once.
	 */
	wg_timers_any_authenticated_packet_received(peer);
	wg_timers_any_authenticated_packet_traversal(peer);
}

static void receive_initiation(struct wg_device *wg,
			       const struct handshake_msg *msg)
{
	struct wg_peer *peer =
		wg_noise_handshake_consume_initiation((const void *)msg->data, wg);

	if (!peer) {
		pr_debug("Invalid handshake initiation");
		wg_count_drop(wg, DROP_RX_HANDSHAKE);
		return;
	}
	handshake_received(peer, msg);
	pr_debug("Receiving handshake initiation from peer %llu",
		 (unsigned long long)peer->internal_id);
	wg_packet_send_handshake_response(peer);
}

static void receive_response(struct wg_device *wg,
			     const struct handshake_msg *msg)
{
	struct wg_peer *peer =
		wg_noise_handshake_consume_response((const void *)msg->data, wg);

	if (!peer) {
		pr_debug("Invalid handshake response");
		wg_count_drop(wg, DROP_RX_HANDSHAKE);
		return;
	}
	handshake_received(peer, msg);
	pr_debug("Receiving handshake response from peer %llu",
		 (unsigned long long)peer->internal_id);
	if (wg_noise_handshake_begin_session(&peer->handshake,
					     &peer->keypairs)) {
		wg_timers_session_derived(peer);
		wg_timers_handshake_complete(peer);
		/*
		 * Sends what waited for this session, or, if nothing did, a
		 * keepalive to confirm the session at once.
		 */
		wg_packet_send_keepalive(peer);
	}
}

/*
 * A cookie for a handshake we are waiting on: retry at once with it
 * rather than after REKEY_TIMEOUT, so a loaded responder still answers a
 * real peer within a round trip. Once per attempt, so that a stream of
 * cookies cannot drive our initiations.
 */
static void receive_cookie(struct wg_device *wg, const struct handshake_msg *msg)
{
	struct wg_peer *peer =
		wg_cookie_message_consume((const void *)msg->data, wg);

	if (!peer)
		return;
	wg->stats.cookies_received++;
	if (peer->handshake.state != HANDSHAKE_CREATED_INITIATION ||
	    peer->retried_on_cookie)
		return;
	peer->retried_on_cookie = true;
	wg_noise_reset_last_sent_handshake(&peer->last_sent_handshake);
	wg_packet_send_queued_handshake_initiation(peer, true);
}

static void receive_handshake(struct wg_device *wg,
			      const struct handshake_msg *msg)
{
	uint32_t type = message_type(msg->data, msg->len);

	if (type == MESSAGE_HANDSHAKE_COOKIE) {
		receive_cookie(wg, msg);
		return;
	}
	switch (msg->checked ? HANDSHAKE_ACCEPT :
			       check_macs(wg, msg->data, msg->len, &msg->src)) {
	case HANDSHAKE_DROP:
		return;
	case HANDSHAKE_SEND_COOKIE:
		wg_packet_send_handshake_cookie(wg, msg->data, msg->len,
						&msg->src);
		return;
	case HANDSHAKE_ACCEPT:
		break;
	}
	if (type == MESSAGE_HANDSHAKE_INITIATION)
		receive_initiation(wg, msg);
	else
		receive_response(wg, msg);
}

void wg_packet_handshake_receive_work(struct loop_work *work)
{
	struct wg_device *wg = container_of(work, struct wg_device,
					    handshake_work);
	struct handshake_queue *q = &wg->handshake_queue;

	for (int n = 0; n < HANDSHAKE_BUDGET && q->len; n++) {
		struct handshake_msg *msg = &q->ring[q->head];

		receive_handshake(wg, msg);
		q->head = (q->head + 1) % MAX_QUEUED_INCOMING_HANDSHAKES;
		q->len--;
	}
	if (q->len)
		work_queue(wg->loop, work);
}

/* Stage one: find the keypair a data message names, or count a drop. */
static void assign_data(struct wg_device *wg, struct pkt *pkt)
{
	const struct message_data *m = (const void *)pkt->data;
	struct noise_keypair *keypair;
	struct index_entry *entry;

	entry = index_table_lookup(wg->index_table, INDEX_KEYPAIR,
				   le32toh(m->key_idx));
	if (!entry) {
		wg_count_drop(wg, DROP_RX_UNKNOWN_INDEX);
		return;
	}
	keypair = container_of(entry, struct noise_keypair, entry);
	if (!keypair->receiving.is_valid ||
	    birthdate_has_expired(keypair->receiving.birthdate,
				  REJECT_AFTER_TIME, now_ns()) ||
	    keypair->receiving_counter.counter >= REJECT_AFTER_MESSAGES) {
		keypair->receiving.is_valid = false;
		wg_count_drop(wg, DROP_RX_EXPIRED_KEYPAIR);
		return;
	}
	pkt->keypair = wg_noise_keypair_get(keypair);
	pkt->peer = entry->peer;
	pkt->nonce = le64toh(m->counter);
	pkt->state = PKT_PENDING;
}

/* Returns how many handshake messages it left for check_handshakes. */
static unsigned int sort_batch(struct wg_device *wg, struct pkt_batch *batch,
			       uint16_t *hs_idx)
{
	unsigned int nhs = 0;

	for (unsigned int i = 0; i < batch->len; i++) {
		struct pkt *pkt = &batch->pkts[i];
		uint32_t type = message_type(pkt->data, pkt->len);

		pkt->state = PKT_FREE;
		if (!valid_size(type, pkt->len)) {
			wg_count_drop(wg, DROP_RX_MALFORMED);
			continue;
		}
		if (type == MESSAGE_DATA) {
			assign_data(wg, pkt);
		} else if (type != MESSAGE_HANDSHAKE_COOKIE &&
			   under_load(wg, now_ns())) {
			if (!nhs)
				wg_cookie_checker_refresh(&wg->cookie_checker);
			pkt->state = PKT_HS_CHECK;
			hs_idx[nhs++] = (uint16_t)i;
		} else {
			queue_handshake(wg, pkt, false);
		}
	}
	return nhs;
}

/* Opens a run of packets under one keypair in one batch. */
static void open_run(struct pkt_batch *batch, const unsigned int *idx,
		     unsigned int n)
{
	const struct noise_keypair *keypair = batch->pkts[idx[0]].keypair;
	struct wg_aead_msg msgs[CRYPT_CHUNK];

	for (unsigned int k = 0; k < n; k++) {
		const struct pkt *pkt = &batch->pkts[idx[k]];

		msgs[k] = (struct wg_aead_msg){
			.data = pkt->data + sizeof(struct message_data),
			.len = pkt->len - (uint32_t)sizeof(struct message_data),
			.counter = pkt->nonce,
		};
	}
	wg_aead_open_batch(msgs, n, keypair->receiving.key);
	for (unsigned int k = 0; k < n; k++) {
		struct pkt *pkt = &batch->pkts[idx[k]];

		if (!msgs[k].ok) {
			pkt->state = PKT_FAILED;
			continue;
		}
		pkt->state = PKT_CRYPTED;
		pkt->data = msgs[k].data;
		pkt->len = msgs[k].len - NOISE_AUTHTAG_LEN;
	}
}

/* Chunk c of the batch: runs of one keypair are opened together. */
static void decrypt_chunk(void *arg, unsigned int c)
{
	pkt_batch_for_each_run(arg, c, open_run);
}

/*
 * Stage two. Decryption goes to the worker threads only while the machine
 * has a CPU's worth idle: the application reading what we decrypt is the
 * next stage, and on busy CPUs a thread of ours only takes its share (on
 * two busy cores, UDP goodput fell from 2.1 to 1.6 Gbit/s). Alone, one
 * core opens some 25 Gbit/s at 1420 bytes. Encryption always spreads: the
 * application before it only fills the TUN queue faster than we drain it.
 */
static void decrypt_packets(struct wg_device *wg, struct pkt_batch *batch)
{
	if (cpu_idle_cpus(&wg->cpu_idle, now_ns()) >= DECRYPT_SPREAD_IDLE_CPUS) {
		workers_run_chunks(wg->workers, decrypt_chunk, batch,
				   batch->len, CRYPT_CHUNK);
		return;
	}
	for (unsigned int c = 0; c * CRYPT_CHUNK < batch->len; c++)
		decrypt_chunk(batch, c);
}

/* The inner packet's honest length and source, or false if it lies. */
static bool inner_source(struct pkt *pkt, int *family, const uint8_t **src)
{
	const uint8_t *p = pkt->data;
	uint32_t len;

	if (pkt->len >= sizeof(struct iphdr) && (p[0] >> 4) == 4) {
		len = (uint32_t)p[2] << 8 | p[3];
		if (len < sizeof(struct iphdr))
			return false;
		*family = AF_INET;
		*src = p + offsetof(struct iphdr, saddr);
	} else if (pkt->len >= sizeof(struct ip6_hdr) && (p[0] >> 4) == 6) {
		len = ((uint32_t)p[4] << 8 | p[5]) + sizeof(struct ip6_hdr);
		*family = AF_INET6;
		*src = p + offsetof(struct ip6_hdr, ip6_src);
	} else {
		return false;
	}
	if (len > pkt->len)
		return false;
	pkt->len = len; /* trims the padding */
	return true;
}

/*
 * On receive, the initiator replaces its keypair a little before the
 * responder would start rejecting it (165 s), once.
 */
static void keep_key_fresh(struct wg_peer *peer)
{
	struct noise_keypair *keypair = peer->keypairs.current_keypair;

	if (peer->sent_lastminute_handshake)
		return;
	if (keypair && keypair->sending.is_valid &&
	    keypair->i_am_the_initiator &&
	    birthdate_has_expired(keypair->sending.birthdate,
				  REJECT_AFTER_TIME - KEEPALIVE_TIMEOUT -
					  REKEY_TIMEOUT,
				  now_ns())) {
		peer->sent_lastminute_handshake = true;
		wg_packet_send_queued_handshake_initiation(peer, false);
	}
}

/* Stage three, in order: replay window, session, timers, source filter. */
static void consume_data(struct wg_device *wg, struct pkt *pkt)
{
	struct wg_peer *peer = pkt->peer;
	uint32_t message_len = pkt->len + (uint32_t)message_data_len(0);
	struct allowedips_owner *routed;
	const uint8_t *src;
	int family;

	pkt->state = PKT_FREE;
	if (!replay_validate(&pkt->keypair->receiving_counter, pkt->nonce,
			     REJECT_AFTER_MESSAGES)) {
		wg_count_drop(wg, DROP_RX_REPLAY);
		return;
	}
	wg_socket_set_peer_endpoint(peer, &pkt->addr, &pkt->src);
	/* First, as in receive_handshake: the staged data sent below counts. */
	wg_timers_any_authenticated_packet_received(peer);
	wg_timers_any_authenticated_packet_traversal(peer);
	if (wg_noise_received_with_keypair(&peer->keypairs, pkt->keypair)) {
		wg_timers_handshake_complete(peer);
		wg_packet_send_staged_packets(peer);
	}
	keep_key_fresh(peer);
	/* Like the kernel, count keepalives and what is delivered only. */
	if (!pkt->len) {
		peer->rx_bytes += message_len;
		pr_debug("Receiving keepalive packet from peer %llu",
			 (unsigned long long)peer->internal_id);
		return;
	}
	wg_timers_data_received(peer);

	if (!inner_source(pkt, &family, &src)) {
		wg_count_drop(wg, DROP_RX_INNER_MALFORMED);
		return;
	}
	routed = allowedips_lookup(wg->peer_allowedips, family, src);
	if (routed != &peer->allowedips) {
		pr_debug("Packet has unallowed src IP from peer %llu",
			 (unsigned long long)peer->internal_id);
		wg_count_drop(wg, DROP_RX_SOURCE_FILTER);
		return;
	}
	peer->rx_bytes += message_len;
	pkt->state = PKT_READY;
}

void wg_packet_receive_batch(struct wg_device *wg, struct pkt_batch *batch)
{
	uint16_t hs_idx[PKT_BATCH_MAX];
	unsigned int nhs;

	wg->active = true;
	nhs = sort_batch(wg, batch, hs_idx);
	if (nhs)
		check_handshakes(wg, batch, hs_idx, nhs);
	decrypt_packets(wg, batch);
	for (unsigned int i = 0; i < batch->len; i++) {
		struct pkt *pkt = &batch->pkts[i];

		if (pkt->state == PKT_CRYPTED) {
			consume_data(wg, pkt);
		} else if (pkt->state == PKT_FAILED) {
			pkt->state = PKT_FREE;
			wg_count_drop(wg, DROP_RX_DECRYPT);
		} else if (pkt->state >= PKT_HS_BAD) {
			finish_handshake_check(wg, pkt);
		}
	}
	if (wg->tun)
		wg->stats.drops[DROP_RX_TUN_WRITE] +=
			tun_write_batch(wg->tun, batch);
	for (unsigned int i = 0; i < batch->len; i++) {
		struct pkt *pkt = &batch->pkts[i];

		wg_noise_keypair_put(pkt->keypair);
		pkt->keypair = NULL;
		pkt->peer = NULL;
		pkt->state = PKT_FREE;
	}
}
