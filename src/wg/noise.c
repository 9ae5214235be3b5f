// SPDX-License-Identifier: MIT
#include <endian.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/time.h"
#include "crypto/util.h"
#include "crypto/x25519.h"
#include "wg/device.h"
#include "wg/ikpsk2.h"
#include "wg/noise.h"
#include "wg/peer.h"

static const char identifier[] = "WireGuard v1 zx2c4 Jason@zx2c4.com";

/* Ci and Hi: the state after the prologue, the same for every handshake. */
static uint8_t handshake_init_chaining_key[NOISE_HASH_LEN];
static uint8_t handshake_init_hash[NOISE_HASH_LEN];
static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static bool init_ok;

static void noise_precompute(void)
{
	init_ok = ikpsk2_prologue(handshake_init_chaining_key,
				  handshake_init_hash, identifier,
				  sizeof(identifier) - 1);
}

static bool handshake_state_init(struct ikpsk2 *hs,
				 const uint8_t responder_static[NOISE_PUBLIC_KEY_LEN])
{
	memset(hs, 0, sizeof(*hs));
	pthread_once(&init_once, noise_precompute);
	return init_ok && ikpsk2_init(hs, handshake_init_chaining_key,
				      handshake_init_hash, responder_static);
}

void wg_tai64n_now(uint8_t out[NOISE_TIMESTAMP_LEN])
{
	struct timespec now;
	uint64_t sec;
	uint32_t nsec;

	clock_gettime(CLOCK_REALTIME, &now);
	/*
	 * Clearing the low bits keeps the timestamp from leaking the
	 * precise clock, and still leaves it strictly increasing at the
	 * rate initiations are allowed (50 a second).
	 */
	sec = htobe64(0x400000000000000aULL + (uint64_t)now.tv_sec);
	nsec = htobe32((uint32_t)now.tv_nsec & ~0xffffffU);
	memcpy(out, &sec, sizeof(sec));
	memcpy(out + sizeof(sec), &nsec, sizeof(nsec));
}

void wg_noise_set_static_identity_private_key(
	struct noise_static_identity *static_identity,
	const uint8_t private_key[NOISE_PUBLIC_KEY_LEN])
{
	memcpy(static_identity->static_private, private_key,
	       NOISE_PUBLIC_KEY_LEN);
	x25519_clamp(static_identity->static_private);
	static_identity->has_identity =
		x25519_public(static_identity->static_public,
			      static_identity->static_private);
	if (!static_identity->has_identity) {
		memzero_explicit(static_identity->static_private,
				 NOISE_PUBLIC_KEY_LEN);
		memset(static_identity->static_public, 0, NOISE_PUBLIC_KEY_LEN);
	}
}

void wg_noise_precompute_static_static(struct wg_peer *peer)
{
	struct noise_handshake *handshake = &peer->handshake;

	if (!handshake->static_identity->has_identity ||
	    !x25519(handshake->precomputed_static_static,
		    handshake->static_identity->static_private,
		    handshake->remote_static))
		memset(handshake->precomputed_static_static, 0,
		       NOISE_PUBLIC_KEY_LEN);
}

void wg_noise_handshake_init(struct noise_handshake *handshake,
			     struct noise_static_identity *static_identity,
			     const uint8_t peer_public_key[NOISE_PUBLIC_KEY_LEN],
			     const uint8_t peer_preshared_key[NOISE_SYMMETRIC_KEY_LEN],
			     struct wg_peer *peer)
{
	memset(handshake, 0, sizeof(*handshake));
	handshake->entry.type = INDEX_HANDSHAKE;
	handshake->entry.peer = peer;
	memcpy(handshake->remote_static, peer_public_key, NOISE_PUBLIC_KEY_LEN);
	if (peer_preshared_key)
		memcpy(handshake->preshared_key, peer_preshared_key,
		       NOISE_SYMMETRIC_KEY_LEN);
	handshake->static_identity = static_identity;
	handshake->state = HANDSHAKE_ZEROED;
	wg_noise_precompute_static_static(peer);
}

/* Everything of an exchange in progress; keys and timestamp survive. */
static void handshake_zero(struct noise_handshake *handshake)
{
	memzero_explicit(handshake->ephemeral_private, NOISE_PUBLIC_KEY_LEN);
	memset(handshake->remote_ephemeral, 0, NOISE_PUBLIC_KEY_LEN);
	memzero_explicit(handshake->hash, NOISE_HASH_LEN);
	memzero_explicit(handshake->chaining_key, NOISE_HASH_LEN);
	handshake->remote_index = 0;
	handshake->state = HANDSHAKE_ZEROED;
}

void wg_noise_handshake_clear(struct noise_handshake *handshake)
{
	index_table_remove(handshake->entry.peer->device->index_table,
			   &handshake->entry);
	handshake_zero(handshake);
}

static struct noise_keypair *keypair_create(struct wg_peer *peer)
{
	struct noise_keypair *keypair = calloc(1, sizeof(*keypair));

	if (!keypair)
		return NULL;
	keypair->internal_id = ++peer->device->keypair_counter;
	keypair->entry.type = INDEX_KEYPAIR;
	keypair->entry.peer = peer;
	keypair->index_table = peer->device->index_table;
	keypair->refcount = 1;
	replay_init(&keypair->receiving_counter);
	return keypair;
}

struct noise_keypair *wg_noise_keypair_get(struct noise_keypair *keypair)
{
	if (keypair)
		keypair->refcount++;
	return keypair;
}

void wg_noise_keypair_put(struct noise_keypair *keypair)
{
	if (!keypair || --keypair->refcount)
		return;
	/* The peer may be gone by now: touch only what the keypair holds. */
	pr_debug("Keypair %llu destroyed",
		 (unsigned long long)keypair->internal_id);
	index_table_remove(keypair->index_table, &keypair->entry);
	memzero_explicit(keypair, sizeof(*keypair));
	free(keypair);
}

/*
 * A keypair that leaves the peer's slots must also leave the index table
 * at once, even while packets in flight still hold a reference: nothing
 * new may be decrypted with it.
 */
static void keypair_retire(struct noise_keypair *keypair)
{
	if (!keypair)
		return;
	index_table_remove(keypair->index_table, &keypair->entry);
	keypair->sending.is_valid = false;
	keypair->receiving.is_valid = false;
	wg_noise_keypair_put(keypair);
}

void wg_noise_keypairs_clear(struct noise_keypairs *keypairs)
{
	struct noise_keypair *prev = keypairs->previous_keypair;
	struct noise_keypair *cur = keypairs->current_keypair;
	struct noise_keypair *next = keypairs->next_keypair;

	keypairs->previous_keypair = NULL;
	keypairs->current_keypair = NULL;
	keypairs->next_keypair = NULL;
	keypair_retire(prev);
	keypair_retire(cur);
	keypair_retire(next);
}

void wg_noise_reset_last_sent_handshake(uint64_t *handshake_ns)
{
	*handshake_ns = now_ns() - (uint64_t)(REKEY_TIMEOUT + 1) * NSEC_PER_SEC;
}

void wg_noise_expire_current_peer_keypairs(struct wg_peer *peer)
{
	wg_noise_handshake_clear(&peer->handshake);
	wg_noise_reset_last_sent_handshake(&peer->last_sent_handshake);
	if (peer->keypairs.next_keypair)
		peer->keypairs.next_keypair->sending.is_valid = false;
	if (peer->keypairs.current_keypair)
		peer->keypairs.current_keypair->sending.is_valid = false;
}

static void add_new_keypair(struct noise_keypairs *keypairs,
			    struct noise_keypair *new_keypair)
{
	struct noise_keypair *previous = keypairs->previous_keypair;
	struct noise_keypair *next = keypairs->next_keypair;
	struct noise_keypair *current = keypairs->current_keypair;

	if (new_keypair->i_am_the_initiator) {
		/*
		 * The response confirmed the new keys, so they are usable at
		 * once. A pending next keypair (we were also a responder) is
		 * kept as previous so packets already sent with it decrypt.
		 */
		if (next) {
			keypairs->next_keypair = NULL;
			keypairs->previous_keypair = next;
			keypair_retire(current);
		} else {
			keypairs->previous_keypair = current;
		}
		keypair_retire(previous);
		keypairs->current_keypair = new_keypair;
	} else {
		/*
		 * As responder we may not send with the new keys until the
		 * initiator proves it has them by sending data; until then
		 * they wait in next, and current stays usable.
		 */
		keypairs->next_keypair = new_keypair;
		keypair_retire(next);
		keypairs->previous_keypair = NULL;
		keypair_retire(previous);
	}
}

bool wg_noise_received_with_keypair(struct noise_keypairs *keypairs,
				    struct noise_keypair *received_keypair)
{
	struct noise_keypair *old;

	if (keypairs->next_keypair != received_keypair)
		return false;
	old = keypairs->previous_keypair;
	keypairs->previous_keypair = keypairs->current_keypair;
	keypairs->current_keypair = received_keypair;
	keypairs->next_keypair = NULL;
	keypair_retire(old);
	return true;
}

static void message_header_init(struct message_header *h, enum message_type t)
{
	h->type = htole32(t);
}

bool wg_noise_handshake_create_initiation(struct message_handshake_initiation *dst,
					  struct noise_handshake *handshake)
{
	uint8_t timestamp[NOISE_TIMESTAMP_LEN];
	struct ikpsk2 hs;
	bool ret = false;

	if (!handshake->static_identity->has_identity)
		goto out;
	if (!handshake_state_init(&hs, handshake->remote_static) ||
	    !x25519_generate(handshake->ephemeral_private))
		goto out;
	message_header_init(&dst->header, MESSAGE_HANDSHAKE_INITIATION);
	wg_tai64n_now(timestamp);
	if (!ikpsk2_write_msg1(&hs, dst->unencrypted_ephemeral,
			       handshake->ephemeral_private,
			       handshake->static_identity->static_public,
			       handshake->remote_static,
			       handshake->precomputed_static_static, timestamp,
			       sizeof(timestamp)))
		goto out;

	index_table_insert(handshake->entry.peer->device->index_table,
			   &handshake->entry);
	dst->sender_index = htole32(handshake->entry.index);
	memcpy(handshake->hash, hs.hash, NOISE_HASH_LEN);
	memcpy(handshake->chaining_key, hs.chaining_key, NOISE_HASH_LEN);
	handshake->state = HANDSHAKE_CREATED_INITIATION;
	ret = true;
out:
	ikpsk2_wipe(&hs);
	if (!ret)
		memzero_explicit(handshake->ephemeral_private,
				 NOISE_PUBLIC_KEY_LEN);
	return ret;
}

struct wg_peer *wg_noise_handshake_consume_initiation(
	const struct message_handshake_initiation *src, struct wg_device *wg)
{
	uint8_t re[NOISE_PUBLIC_KEY_LEN], rs[NOISE_PUBLIC_KEY_LEN];
	uint8_t t[NOISE_TIMESTAMP_LEN];
	struct noise_handshake *handshake;
	struct wg_peer *peer = NULL;
	bool replay_attack, flood_attack;
	struct ikpsk2 hs;
	uint64_t now;

	if (!wg->static_identity.has_identity)
		goto out;
	if (!handshake_state_init(&hs, wg->static_identity.static_public) ||
	    !ikpsk2_read_msg1_static(&hs, src->unencrypted_ephemeral,
				     wg->static_identity.static_private, re,
				     rs))
		goto out;

	peer = wg_peer_lookup(wg, rs);
	if (!peer)
		goto out;
	handshake = &peer->handshake;

	if (!ikpsk2_read_msg1_payload(&hs, src->unencrypted_ephemeral,
				      handshake->precomputed_static_static, t,
				      sizeof(t)))
		goto fail;

	now = now_ns();
	replay_attack = memcmp(t, handshake->latest_timestamp,
			       NOISE_TIMESTAMP_LEN) <= 0;
	flood_attack = handshake->last_initiation_consumption +
			       NSEC_PER_SEC / INITIATIONS_PER_SECOND >
		       now;
	if (replay_attack || flood_attack)
		goto fail;

	/* Success: the exchange moves into the peer's handshake. */
	memcpy(handshake->remote_ephemeral, re, NOISE_PUBLIC_KEY_LEN);
	memcpy(handshake->latest_timestamp, t, NOISE_TIMESTAMP_LEN);
	memcpy(handshake->hash, hs.hash, NOISE_HASH_LEN);
	memcpy(handshake->chaining_key, hs.chaining_key, NOISE_HASH_LEN);
	handshake->remote_index = le32toh(src->sender_index);
	handshake->last_initiation_consumption = now;
	handshake->state = HANDSHAKE_CONSUMED_INITIATION;
	goto out;
fail:
	peer = NULL;
out:
	ikpsk2_wipe(&hs);
	memzero_explicit(t, sizeof(t));
	return peer;
}

bool wg_noise_handshake_create_response(struct message_handshake_response *dst,
					struct noise_handshake *handshake)
{
	struct ikpsk2 hs;
	bool ret = false;

	memset(&hs, 0, sizeof(hs));
	if (handshake->state != HANDSHAKE_CONSUMED_INITIATION)
		goto out;
	message_header_init(&dst->header, MESSAGE_HANDSHAKE_RESPONSE);
	dst->receiver_index = htole32(handshake->remote_index);

	memcpy(hs.hash, handshake->hash, NOISE_HASH_LEN);
	memcpy(hs.chaining_key, handshake->chaining_key, NOISE_HASH_LEN);
	if (!x25519_generate(handshake->ephemeral_private) ||
	    !ikpsk2_write_msg2(&hs, dst->unencrypted_ephemeral,
			       handshake->ephemeral_private,
			       handshake->remote_ephemeral,
			       handshake->remote_static,
			       handshake->preshared_key, NULL, 0))
		goto out;

	index_table_insert(handshake->entry.peer->device->index_table,
			   &handshake->entry);
	dst->sender_index = htole32(handshake->entry.index);
	memcpy(handshake->hash, hs.hash, NOISE_HASH_LEN);
	memcpy(handshake->chaining_key, hs.chaining_key, NOISE_HASH_LEN);
	handshake->state = HANDSHAKE_CREATED_RESPONSE;
	ret = true;
out:
	ikpsk2_wipe(&hs);
	return ret;
}

struct wg_peer *wg_noise_handshake_consume_response(
	const struct message_handshake_response *src, struct wg_device *wg)
{
	uint8_t re[NOISE_PUBLIC_KEY_LEN];
	struct noise_handshake *handshake;
	struct index_entry *entry;
	struct wg_peer *peer = NULL;
	struct ikpsk2 hs;

	memset(&hs, 0, sizeof(hs));
	if (!wg->static_identity.has_identity)
		goto out;
	entry = index_table_lookup(wg->index_table, INDEX_HANDSHAKE,
				   le32toh(src->receiver_index));
	if (!entry)
		goto out;
	handshake = container_of(entry, struct noise_handshake, entry);
	if (handshake->state != HANDSHAKE_CREATED_INITIATION)
		goto out;

	memcpy(hs.hash, handshake->hash, NOISE_HASH_LEN);
	memcpy(hs.chaining_key, handshake->chaining_key, NOISE_HASH_LEN);
	if (!ikpsk2_read_msg2(&hs, src->unencrypted_ephemeral,
			      handshake->ephemeral_private,
			      wg->static_identity.static_private,
			      handshake->preshared_key, re, NULL, 0))
		goto out;

	memcpy(handshake->remote_ephemeral, re, NOISE_PUBLIC_KEY_LEN);
	memcpy(handshake->hash, hs.hash, NOISE_HASH_LEN);
	memcpy(handshake->chaining_key, hs.chaining_key, NOISE_HASH_LEN);
	handshake->remote_index = le32toh(src->sender_index);
	handshake->state = HANDSHAKE_CONSUMED_RESPONSE;
	peer = entry->peer;
out:
	ikpsk2_wipe(&hs);
	return peer;
}

bool wg_noise_handshake_begin_session(struct noise_handshake *handshake,
				      struct noise_keypairs *keypairs)
{
	struct wg_peer *peer = handshake->entry.peer;
	struct noise_keypair *new_keypair;
	struct ikpsk2 hs;
	uint8_t *first, *second;
	bool ok;

	if (handshake->state != HANDSHAKE_CREATED_RESPONSE &&
	    handshake->state != HANDSHAKE_CONSUMED_RESPONSE)
		return false;
	new_keypair = keypair_create(peer);
	if (!new_keypair)
		return false;
	new_keypair->i_am_the_initiator =
		handshake->state == HANDSHAKE_CONSUMED_RESPONSE;
	new_keypair->remote_index = handshake->remote_index;

	memcpy(hs.chaining_key, handshake->chaining_key, NOISE_HASH_LEN);
	first = new_keypair->i_am_the_initiator ? new_keypair->sending.key :
						  new_keypair->receiving.key;
	second = new_keypair->i_am_the_initiator ? new_keypair->receiving.key :
						   new_keypair->sending.key;
	ok = ikpsk2_split(&hs, first, second);
	ikpsk2_wipe(&hs);
	handshake_zero(handshake);
	if (!ok) {
		index_table_remove(peer->device->index_table, &handshake->entry);
		wg_noise_keypair_put(new_keypair);
		return false;
	}
	new_keypair->sending.birthdate = new_keypair->receiving.birthdate =
		now_ns();
	new_keypair->sending.is_valid = new_keypair->receiving.is_valid = true;

	add_new_keypair(keypairs, new_keypair);
	pr_debug("Keypair %llu created for peer %llu",
		 (unsigned long long)new_keypair->internal_id,
		 (unsigned long long)peer->internal_id);
	/* The keypair answers to the index the handshake announced. */
	index_table_replace(peer->device->index_table, &handshake->entry,
			    &new_keypair->entry);
	return true;
}
