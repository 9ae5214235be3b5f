// SPDX-License-Identifier: MIT
#include <string.h>

#include "crypto/aead.h"
#include "crypto/blake2s.h"
#include "crypto/util.h"
#include "crypto/x25519.h"
#include "wg/ikpsk2.h"

static const char construction[] = "Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s";

static bool mix_hash(struct ikpsk2 *hs, const void *data, size_t len)
{
	return blake2s_hash2(hs->hash, hs->hash, NOISE_HASH_LEN, data, len);
}

/* MixKey(ikm): (ck, k) = KDF2(ck, ikm). */
static bool mix_key(struct ikpsk2 *hs, const uint8_t *ikm, size_t len)
{
	return wg_kdf(hs->chaining_key, hs->key, NULL, ikm, len,
		      hs->chaining_key);
}

/* MixKey(DH(priv, pub)); fails on a low-order pub. */
static bool mix_dh(struct ikpsk2 *hs, const uint8_t priv[NOISE_PUBLIC_KEY_LEN],
		   const uint8_t pub[NOISE_PUBLIC_KEY_LEN])
{
	uint8_t dh[NOISE_PUBLIC_KEY_LEN];
	bool ok = x25519(dh, priv, pub) && mix_key(hs, dh, sizeof(dh));

	memzero_explicit(dh, sizeof(dh));
	return ok;
}

/* MixKeyAndHash(psk): (ck, tau, k) = KDF3(ck, psk); MixHash(tau). */
static bool mix_psk(struct ikpsk2 *hs, const uint8_t psk[NOISE_SYMMETRIC_KEY_LEN])
{
	uint8_t tau[NOISE_HASH_LEN];
	bool ok = wg_kdf(hs->chaining_key, tau, hs->key, psk,
			 NOISE_SYMMETRIC_KEY_LEN, hs->chaining_key) &&
		  mix_hash(hs, tau, sizeof(tau));

	memzero_explicit(tau, sizeof(tau));
	return ok;
}

/*
 * Every key in this pattern encrypts exactly once before the next MixKey,
 * so the nonce is always zero.
 */
static bool encrypt_and_hash(struct ikpsk2 *hs, uint8_t *out, const void *in,
			     size_t len)
{
	return wg_aead_seal(out, in, len, hs->hash, NOISE_HASH_LEN, 0,
			    hs->key) &&
	       mix_hash(hs, out, noise_encrypted_len(len));
}

static bool decrypt_and_hash(struct ikpsk2 *hs, void *out, const uint8_t *in,
			     size_t len)
{
	return wg_aead_open(out, in, noise_encrypted_len(len), hs->hash,
			    NOISE_HASH_LEN, 0, hs->key) &&
	       mix_hash(hs, in, noise_encrypted_len(len));
}

/* Token "e" in a psk pattern: MixHash(e) and MixKey(e). */
static bool mix_ephemeral(struct ikpsk2 *hs,
			  const uint8_t e_pub[NOISE_PUBLIC_KEY_LEN])
{
	return mix_hash(hs, e_pub, NOISE_PUBLIC_KEY_LEN) &&
	       wg_kdf(hs->chaining_key, NULL, NULL, e_pub,
		      NOISE_PUBLIC_KEY_LEN, hs->chaining_key);
}

bool ikpsk2_prologue(uint8_t chaining_key[NOISE_HASH_LEN],
		     uint8_t hash[NOISE_HASH_LEN], const void *prologue,
		     size_t prologue_len)
{
	/* The name is longer than HASHLEN, so h = HASH(name) and ck = h. */
	return blake2s_hash2(chaining_key, construction,
			     sizeof(construction) - 1, NULL, 0) &&
	       blake2s_hash2(hash, chaining_key, NOISE_HASH_LEN, prologue,
			     prologue_len);
}

bool ikpsk2_init(struct ikpsk2 *hs, const uint8_t chaining_key[NOISE_HASH_LEN],
		 const uint8_t hash[NOISE_HASH_LEN],
		 const uint8_t responder_static[NOISE_PUBLIC_KEY_LEN])
{
	memcpy(hs->chaining_key, chaining_key, NOISE_HASH_LEN);
	memcpy(hs->hash, hash, NOISE_HASH_LEN);
	memset(hs->key, 0, sizeof(hs->key));
	return mix_hash(hs, responder_static, NOISE_PUBLIC_KEY_LEN);
}

bool ikpsk2_write_msg1(struct ikpsk2 *hs, uint8_t *out,
		       const uint8_t e_priv[NOISE_PUBLIC_KEY_LEN],
		       const uint8_t s_pub[NOISE_PUBLIC_KEY_LEN],
		       const uint8_t rs[NOISE_PUBLIC_KEY_LEN],
		       const uint8_t ss[NOISE_PUBLIC_KEY_LEN],
		       const void *payload, size_t payload_len)
{
	uint8_t *e_out = out;
	uint8_t *s_out = e_out + NOISE_PUBLIC_KEY_LEN;
	uint8_t *p_out = s_out + noise_encrypted_len(NOISE_PUBLIC_KEY_LEN);

	/* e */
	if (!x25519_public(e_out, e_priv) || !mix_ephemeral(hs, e_out))
		return false;
	/* es */
	if (!mix_dh(hs, e_priv, rs))
		return false;
	/* s */
	if (!encrypt_and_hash(hs, s_out, s_pub, NOISE_PUBLIC_KEY_LEN))
		return false;
	/* ss, precomputed because it never changes between handshakes */
	if (crypto_is_zero(ss, NOISE_PUBLIC_KEY_LEN) ||
	    !mix_key(hs, ss, NOISE_PUBLIC_KEY_LEN))
		return false;
	/* payload */
	return encrypt_and_hash(hs, p_out, payload, payload_len);
}

bool ikpsk2_read_msg1_static(struct ikpsk2 *hs, const uint8_t *in,
			     const uint8_t s_priv[NOISE_PUBLIC_KEY_LEN],
			     uint8_t re[NOISE_PUBLIC_KEY_LEN],
			     uint8_t rs[NOISE_PUBLIC_KEY_LEN])
{
	const uint8_t *s_in = in + NOISE_PUBLIC_KEY_LEN;

	/* e */
	memcpy(re, in, NOISE_PUBLIC_KEY_LEN);
	if (!mix_ephemeral(hs, re))
		return false;
	/* es */
	if (!mix_dh(hs, s_priv, re))
		return false;
	/* s */
	return decrypt_and_hash(hs, rs, s_in, NOISE_PUBLIC_KEY_LEN);
}

bool ikpsk2_read_msg1_payload(struct ikpsk2 *hs, const uint8_t *in,
			      const uint8_t ss[NOISE_PUBLIC_KEY_LEN],
			      void *payload, size_t payload_len)
{
	const uint8_t *p_in = in + NOISE_PUBLIC_KEY_LEN +
			      noise_encrypted_len(NOISE_PUBLIC_KEY_LEN);

	/* ss */
	if (crypto_is_zero(ss, NOISE_PUBLIC_KEY_LEN) ||
	    !mix_key(hs, ss, NOISE_PUBLIC_KEY_LEN))
		return false;
	/* payload */
	return decrypt_and_hash(hs, payload, p_in, payload_len);
}

bool ikpsk2_write_msg2(struct ikpsk2 *hs, uint8_t *out,
		       const uint8_t e_priv[NOISE_PUBLIC_KEY_LEN],
		       const uint8_t re[NOISE_PUBLIC_KEY_LEN],
		       const uint8_t rs[NOISE_PUBLIC_KEY_LEN],
		       const uint8_t psk[NOISE_SYMMETRIC_KEY_LEN],
		       const void *payload, size_t payload_len)
{
	/* e */
	if (!x25519_public(out, e_priv) || !mix_ephemeral(hs, out))
		return false;
	/* ee */
	if (!mix_dh(hs, e_priv, re))
		return false;
	/* se */
	if (!mix_dh(hs, e_priv, rs))
		return false;
	/* psk */
	if (!mix_psk(hs, psk))
		return false;
	/* payload */
	return encrypt_and_hash(hs, out + NOISE_PUBLIC_KEY_LEN, payload,
				payload_len);
}

bool ikpsk2_read_msg2(struct ikpsk2 *hs, const uint8_t *in,
		      const uint8_t e_priv[NOISE_PUBLIC_KEY_LEN],
		      const uint8_t s_priv[NOISE_PUBLIC_KEY_LEN],
		      const uint8_t psk[NOISE_SYMMETRIC_KEY_LEN],
		      uint8_t re[NOISE_PUBLIC_KEY_LEN], void *payload,
		      size_t payload_len)
{
	/* e */
	memcpy(re, in, NOISE_PUBLIC_KEY_LEN);
	if (!mix_ephemeral(hs, re))
		return false;
	/* ee */
	if (!mix_dh(hs, e_priv, re))
		return false;
	/* se */
	if (!mix_dh(hs, s_priv, re))
		return false;
	/* psk */
	if (!mix_psk(hs, psk))
		return false;
	/* payload */
	return decrypt_and_hash(hs, payload, in + NOISE_PUBLIC_KEY_LEN,
				payload_len);
}

bool ikpsk2_split(const struct ikpsk2 *hs,
		  uint8_t first[NOISE_SYMMETRIC_KEY_LEN],
		  uint8_t second[NOISE_SYMMETRIC_KEY_LEN])
{
	return wg_kdf(first, second, NULL, NULL, 0, hs->chaining_key);
}

void ikpsk2_wipe(struct ikpsk2 *hs)
{
	memzero_explicit(hs, sizeof(*hs));
}
