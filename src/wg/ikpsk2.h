/* SPDX-License-Identifier: MIT */
/*
 * The Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s pattern on plain buffers:
 *
 *   <- s
 *   ...
 *   -> e, es, s, ss
 *   <- e, ee, se, psk
 *
 * WireGuard is this pattern with the prologue "WireGuard v1 zx2c4
 * Jason@zx2c4.com", a 12-byte TAI64N payload in the first message and an
 * empty one in the second. Keeping the pattern free of WireGuard framing,
 * peers and sockets lets it be checked against the generic Noise test
 * vectors (cacophony) and fuzzed alone.
 *
 * Every function returns false on a failed DH (low-order point), a failed
 * AEAD open or an OpenSSL failure; the state is then unusable and must be
 * wiped with ikpsk2_wipe().
 */
#ifndef CVPC_WG_IKPSK2_H
#define CVPC_WG_IKPSK2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wg/messages.h"

struct ikpsk2 {
	uint8_t chaining_key[NOISE_HASH_LEN];
	uint8_t hash[NOISE_HASH_LEN];
	uint8_t key[NOISE_SYMMETRIC_KEY_LEN]; /* from the latest MixKey */
};

/* Bytes of the first message: e, encrypted s, encrypted payload. */
#define IKPSK2_MSG1_LEN(payload_len) \
	(NOISE_PUBLIC_KEY_LEN + noise_encrypted_len(NOISE_PUBLIC_KEY_LEN) + \
	 noise_encrypted_len(payload_len))
#define IKPSK2_MSG2_LEN(payload_len) \
	(NOISE_PUBLIC_KEY_LEN + noise_encrypted_len(payload_len))

/*
 * InitializeSymmetric(protocol name) and MixHash(prologue): the state every
 * handshake with this prologue starts from, worth computing once.
 */
bool ikpsk2_prologue(uint8_t chaining_key[static NOISE_HASH_LEN],
		     uint8_t hash[static NOISE_HASH_LEN], const void *prologue,
		     size_t prologue_len);

/* Starts a handshake from that state with the pre-message "<- s". */
bool ikpsk2_init(struct ikpsk2 *hs,
		 const uint8_t chaining_key[static NOISE_HASH_LEN],
		 const uint8_t hash[static NOISE_HASH_LEN],
		 const uint8_t responder_static[static NOISE_PUBLIC_KEY_LEN]);

/*
 * Initiator: -> e, es, s, ss, {payload}. ss is the precomputed
 * DH(s_i, s_r). out receives IKPSK2_MSG1_LEN(payload_len) bytes.
 */
bool ikpsk2_write_msg1(struct ikpsk2 *hs, uint8_t *out,
		       const uint8_t e_priv[static NOISE_PUBLIC_KEY_LEN],
		       const uint8_t s_pub[static NOISE_PUBLIC_KEY_LEN],
		       const uint8_t rs[static NOISE_PUBLIC_KEY_LEN],
		       const uint8_t ss[static NOISE_PUBLIC_KEY_LEN],
		       const void *payload, size_t payload_len);

/*
 * Responder, first half: e, es, s. Yields the initiator's ephemeral and
 * static keys, so the caller can find the peer (and its precomputed ss)
 * before reading on.
 */
bool ikpsk2_read_msg1_static(struct ikpsk2 *hs, const uint8_t *in,
			     const uint8_t s_priv[static NOISE_PUBLIC_KEY_LEN],
			     uint8_t re[static NOISE_PUBLIC_KEY_LEN],
			     uint8_t rs[static NOISE_PUBLIC_KEY_LEN]);

/* Responder, second half: ss, {payload}. in is the whole first message. */
bool ikpsk2_read_msg1_payload(struct ikpsk2 *hs, const uint8_t *in,
			      const uint8_t ss[static NOISE_PUBLIC_KEY_LEN],
			      void *payload, size_t payload_len);

/* Responder: <- e, ee, se, psk, {payload}. */
bool ikpsk2_write_msg2(struct ikpsk2 *hs, uint8_t *out,
		       const uint8_t e_priv[static NOISE_PUBLIC_KEY_LEN],
		       const uint8_t re[static NOISE_PUBLIC_KEY_LEN],
		       const uint8_t rs[static NOISE_PUBLIC_KEY_LEN],
		       const uint8_t psk[static NOISE_SYMMETRIC_KEY_LEN],
		       const void *payload, size_t payload_len);

/* Initiator reads the second message; re receives the responder's e. */
bool ikpsk2_read_msg2(struct ikpsk2 *hs, const uint8_t *in,
		      const uint8_t e_priv[static NOISE_PUBLIC_KEY_LEN],
		      const uint8_t s_priv[static NOISE_PUBLIC_KEY_LEN],
		      const uint8_t psk[static NOISE_SYMMETRIC_KEY_LEN],
		      uint8_t re[static NOISE_PUBLIC_KEY_LEN],
		      void *payload, size_t payload_len);

/* Split(): the initiator sends with first and receives with second. */
bool ikpsk2_split(const struct ikpsk2 *hs,
		  uint8_t first[static NOISE_SYMMETRIC_KEY_LEN],
		  uint8_t second[static NOISE_SYMMETRIC_KEY_LEN]);

void ikpsk2_wipe(struct ikpsk2 *hs);

#endif
