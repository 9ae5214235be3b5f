/* SPDX-License-Identifier: MIT */
/*
 * WireGuard's handshake state machine and session keypairs, on top of the
 * Noise_IKpsk2 pattern (ikpsk2.h): message framing, indices, TAI64N replay
 * and flood protection, and the current/previous/next keypair rotation.
 *
 * Single-threaded: everything here runs on the device's loop thread.
 * Keypairs are reference counted because a batch of packets in flight may
 * still hold one after the peer has rotated it out.
 */
#ifndef CVPC_WG_NOISE_H
#define CVPC_WG_NOISE_H

#include <stdbool.h>
#include <stdint.h>

#include "wg/index.h"
#include "wg/messages.h"
#include "wg/replay.h"

struct wg_device;
struct wg_peer;

struct noise_static_identity {
	uint8_t static_public[NOISE_PUBLIC_KEY_LEN];
	uint8_t static_private[NOISE_PUBLIC_KEY_LEN];
	bool has_identity;
};

enum noise_handshake_state {
	HANDSHAKE_ZEROED,
	HANDSHAKE_CREATED_INITIATION,
	HANDSHAKE_CONSUMED_INITIATION,
	HANDSHAKE_CREATED_RESPONSE,
	HANDSHAKE_CONSUMED_RESPONSE,
};

struct noise_handshake {
	struct index_entry entry;
	struct noise_static_identity *static_identity;
	enum noise_handshake_state state;
	uint64_t last_initiation_consumption;
	uint8_t ephemeral_private[NOISE_PUBLIC_KEY_LEN];
	uint8_t remote_static[NOISE_PUBLIC_KEY_LEN];
	uint8_t remote_ephemeral[NOISE_PUBLIC_KEY_LEN];
	uint8_t precomputed_static_static[NOISE_PUBLIC_KEY_LEN];
	uint8_t preshared_key[NOISE_SYMMETRIC_KEY_LEN];
	uint8_t hash[NOISE_HASH_LEN];
	uint8_t chaining_key[NOISE_HASH_LEN];
	uint8_t latest_timestamp[NOISE_TIMESTAMP_LEN];
	uint32_t remote_index;
};

struct noise_symmetric_key {
	uint8_t key[NOISE_SYMMETRIC_KEY_LEN];
	uint64_t birthdate;
	bool is_valid;
};

struct noise_keypair {
	struct index_entry entry;
	struct noise_symmetric_key sending;
	uint64_t sending_counter; /* the next nonce to use */
	struct noise_symmetric_key receiving;
	struct replay_counter receiving_counter;
	uint32_t remote_index;
	bool i_am_the_initiator;
	/*
	 * The table holding entry: a keypair may outlive its peer in a batch
	 * in flight (entry.peer is then stale), never the device.
	 */
	struct index_table *index_table;
	unsigned int refcount;
	uint64_t internal_id;
};

struct noise_keypairs {
	struct noise_keypair *current_keypair;
	struct noise_keypair *previous_keypair;
	struct noise_keypair *next_keypair;
};

void wg_noise_handshake_init(struct noise_handshake *handshake,
			     struct noise_static_identity *static_identity,
			     const uint8_t peer_public_key[static NOISE_PUBLIC_KEY_LEN],
			     const uint8_t peer_preshared_key[NOISE_SYMMETRIC_KEY_LEN],
			     struct wg_peer *peer);
/* Forgets any exchange in progress (keeps keys and latest timestamp). */
void wg_noise_handshake_clear(struct noise_handshake *handshake);
/* Recomputes DH(our static, their static) after either key changed. */
void wg_noise_precompute_static_static(struct wg_peer *peer);
void wg_noise_set_static_identity_private_key(
	struct noise_static_identity *static_identity,
	const uint8_t private_key[static NOISE_PUBLIC_KEY_LEN]);

/* Returns a new reference; pass NULL safely to put. */
struct noise_keypair *wg_noise_keypair_get(struct noise_keypair *keypair);
void wg_noise_keypair_put(struct noise_keypair *keypair);

void wg_noise_keypairs_clear(struct noise_keypairs *keypairs);
/* Marks current and next unusable for sending, forcing a new handshake. */
void wg_noise_expire_current_peer_keypairs(struct wg_peer *peer);
/*
 * Should be called after a data packet authenticated with keypair: if it
 * was the responder's unconfirmed next keypair, it becomes current.
 * Returns true when that happened (the handshake is now complete).
 */
bool wg_noise_received_with_keypair(struct noise_keypairs *keypairs,
				    struct noise_keypair *received_keypair);

/* Rewinds the handshake rate limit so the next initiation may go now. */
void wg_noise_reset_last_sent_handshake(uint64_t *handshake_ns);

bool wg_noise_handshake_create_initiation(struct message_handshake_initiation *dst,
					  struct noise_handshake *handshake);
/* Returns the peer that sent src, or NULL to drop it. */
struct wg_peer *wg_noise_handshake_consume_initiation(
	const struct message_handshake_initiation *src, struct wg_device *wg);

bool wg_noise_handshake_create_response(struct message_handshake_response *dst,
					struct noise_handshake *handshake);
struct wg_peer *wg_noise_handshake_consume_response(
	const struct message_handshake_response *src, struct wg_device *wg);

/* Derives a keypair from a completed handshake and installs it. */
bool wg_noise_handshake_begin_session(struct noise_handshake *handshake,
				      struct noise_keypairs *keypairs);

/* TAI64N of the wall clock, with the low 24 bits of nanoseconds cleared. */
void wg_tai64n_now(uint8_t out[static NOISE_TIMESTAMP_LEN]);

#endif
