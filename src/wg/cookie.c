// SPDX-License-Identifier: MIT
#include <endian.h>
#include <string.h>

#include "base/log.h"
#include "base/time.h"
#include "crypto/aead.h"
#include "crypto/blake2s.h"
#include "crypto/util.h"
#include "wg/cookie.h"
#include "wg/device.h"
#include "wg/peer.h"
#include "wg/ratelimiter.h"

static const char mac1_key_label[] = "mac1----";
static const char cookie_key_label[] = "cookie--";

static void precompute_key(uint8_t key[NOISE_SYMMETRIC_KEY_LEN],
			   const uint8_t pubkey[NOISE_PUBLIC_KEY_LEN],
			   const char label[8])
{
	if (!blake2s_hash2(key, label, 8, pubkey, NOISE_PUBLIC_KEY_LEN))
		memset(key, 0, NOISE_SYMMETRIC_KEY_LEN);
}

void wg_cookie_checker_init(struct cookie_checker *checker,
			    struct wg_device *wg)
{
	memset(checker, 0, sizeof(*checker));
	checker->device = wg;
	/* Birthdate zero is "long ago": the first cookie makes a secret. */
	checker->secret_birthdate = 0;
}

void wg_cookie_checker_precompute_device_keys(struct cookie_checker *checker)
{
	struct noise_static_identity *id = &checker->device->static_identity;

	if (id->has_identity) {
		precompute_key(checker->cookie_encryption_key,
			       id->static_public, cookie_key_label);
		precompute_key(checker->message_mac1_key, id->static_public,
			       mac1_key_label);
	} else {
		memset(checker->cookie_encryption_key, 0,
		       NOISE_SYMMETRIC_KEY_LEN);
		memset(checker->message_mac1_key, 0, NOISE_SYMMETRIC_KEY_LEN);
	}
}

void wg_cookie_checker_precompute_peer_keys(struct wg_peer *peer)
{
	precompute_key(peer->latest_cookie.cookie_decryption_key,
		       peer->handshake.remote_static, cookie_key_label);
	precompute_key(peer->latest_cookie.message_mac1_key,
		       peer->handshake.remote_static, mac1_key_label);
}

void wg_cookie_init(struct cookie *cookie)
{
	memset(cookie, 0, sizeof(*cookie));
}

static void compute_mac1(uint8_t mac1[COOKIE_LEN], const void *message,
			 size_t len, const uint8_t key[NOISE_SYMMETRIC_KEY_LEN])
{
	len -= sizeof(struct message_macs);
	if (!blake2s_keyed(mac1, COOKIE_LEN, key, NOISE_SYMMETRIC_KEY_LEN,
			   message, len))
		memset(mac1, 0, COOKIE_LEN);
}

static void compute_mac2(uint8_t mac2[COOKIE_LEN], const void *message,
			 size_t len, const uint8_t cookie[COOKIE_LEN])
{
	len -= sizeof(((struct message_macs *)0)->mac2);
	if (!blake2s_keyed(mac2, COOKIE_LEN, cookie, COOKIE_LEN, message, len))
		memset(mac2, 0, COOKIE_LEN);
}

void wg_cookie_checker_refresh(struct cookie_checker *checker)
{
	if (birthdate_has_expired(checker->secret_birthdate,
				  COOKIE_SECRET_MAX_AGE, now_ns()) ||
	    !checker->secret_birthdate) {
		checker->secret_birthdate = now_ns();
		random_fill(checker->secret, NOISE_HASH_LEN);
	}
}

/* cookie = MAC(secret, source IP || source port). */
static void make_cookie(uint8_t cookie[COOKIE_LEN],
			const union sockaddr_inet *src,
			const struct cookie_checker *checker)
{
	uint8_t input[16 + 2];
	size_t len;

	if (src->sa.sa_family == AF_INET) {
		memcpy(input, &src->in.sin_addr, 4);
		memcpy(input + 4, &src->in.sin_port, 2);
		len = 6;
	} else {
		memcpy(input, &src->in6.sin6_addr, 16);
		memcpy(input + 16, &src->in6.sin6_port, 2);
		len = 18;
	}
	if (!blake2s_keyed(cookie, COOKIE_LEN, checker->secret, NOISE_HASH_LEN,
			   input, len))
		memset(cookie, 0, COOKIE_LEN);
}

enum cookie_mac_state wg_cookie_check_macs(const struct cookie_checker *checker,
					    const void *message, size_t len,
					    const union sockaddr_inet *src,
					    bool check_cookie)
{
	const struct message_macs *macs = (const struct message_macs *)
		((const uint8_t *)message + len - sizeof(*macs));
	uint8_t computed_mac[COOKIE_LEN];
	uint8_t cookie[COOKIE_LEN];
	enum cookie_mac_state ret = INVALID_MAC;

	compute_mac1(computed_mac, message, len, checker->message_mac1_key);
	if (!crypto_equal(computed_mac, macs->mac1, COOKIE_LEN))
		goto out;
	ret = VALID_MAC_BUT_NO_COOKIE;
	/* An initiator without a cookie sends zeros: nothing to compute. */
	if (!check_cookie || crypto_is_zero(macs->mac2, COOKIE_LEN))
		goto out;

	make_cookie(cookie, src, checker);
	compute_mac2(computed_mac, message, len, cookie);
	if (!crypto_equal(computed_mac, macs->mac2, COOKIE_LEN))
		goto out;
	ret = VALID_MAC_WITH_COOKIE;
out:
	memzero_explicit(cookie, sizeof(cookie));
	return ret;
}

enum cookie_mac_state wg_cookie_validate_packet(struct cookie_checker *checker,
						const void *message, size_t len,
						const union sockaddr_inet *src,
						bool check_cookie)
{
	enum cookie_mac_state ret;

	wg_cookie_checker_refresh(checker);
	ret = wg_cookie_check_macs(checker, message, len, src, check_cookie);
	if (ret == VALID_MAC_WITH_COOKIE &&
	    !ratelimiter_allow(checker->device->ratelimiter, src, now_ns()))
		ret = VALID_MAC_WITH_COOKIE_BUT_RATELIMITED;
	return ret;
}

void wg_cookie_add_mac_to_packet(void *message, size_t len,
				 struct wg_peer *peer)
{
	struct message_macs *macs =
		(struct message_macs *)((uint8_t *)message + len - sizeof(*macs));
	struct cookie *c = &peer->latest_cookie;

	compute_mac1(macs->mac1, message, len, c->message_mac1_key);
	memcpy(c->last_mac1_sent, macs->mac1, COOKIE_LEN);
	c->have_sent_mac1 = true;

	if (c->is_valid &&
	    !birthdate_has_expired(c->birthdate,
				   COOKIE_SECRET_MAX_AGE - COOKIE_SECRET_LATENCY,
				   now_ns()))
		compute_mac2(macs->mac2, message, len, c->cookie);
	else
		memset(macs->mac2, 0, COOKIE_LEN);
}

void wg_cookie_message_create(struct message_handshake_cookie *dst,
			      const void *message, size_t len, uint32_t index,
			      const struct cookie_checker *checker,
			      const union sockaddr_inet *src)
{
	const struct message_macs *macs = (const struct message_macs *)
		((const uint8_t *)message + len - sizeof(*macs));
	uint8_t cookie[COOKIE_LEN];

	dst->header.type = htole32(MESSAGE_HANDSHAKE_COOKIE);
	dst->receiver_index = htole32(index);
	random_fill_public(dst->nonce, COOKIE_NONCE_LEN);
	make_cookie(cookie, src, checker);
	if (!xchacha20poly1305_seal(dst->encrypted_cookie, cookie, COOKIE_LEN,
				    macs->mac1, COOKIE_LEN, dst->nonce,
				    checker->cookie_encryption_key))
		memset(dst->encrypted_cookie, 0, sizeof(dst->encrypted_cookie));
	memzero_explicit(cookie, sizeof(cookie));
}

struct wg_peer *wg_cookie_message_consume(const struct message_handshake_cookie *src,
					  struct wg_device *wg)
{
	struct wg_peer *peer = NULL;
	struct index_entry *entry;
	uint8_t cookie[COOKIE_LEN];
	struct cookie *c;

	entry = index_table_lookup(wg->index_table,
				   INDEX_HANDSHAKE | INDEX_KEYPAIR,
				   le32toh(src->receiver_index));
	if (!entry) {
		wg_count_drop(wg, DROP_RX_COOKIE);
		return NULL;
	}
	c = &entry->peer->latest_cookie;
	if (!c->have_sent_mac1 ||
	    !xchacha20poly1305_open(cookie, src->encrypted_cookie,
				    sizeof(src->encrypted_cookie),
				    c->last_mac1_sent, COOKIE_LEN, src->nonce,
				    c->cookie_decryption_key)) {
		pr_debug("Could not decrypt invalid cookie response");
		wg_count_drop(wg, DROP_RX_COOKIE);
		goto out;
	}
	memcpy(c->cookie, cookie, COOKIE_LEN);
	c->birthdate = now_ns();
	c->is_valid = true;
	c->have_sent_mac1 = false;
	peer = entry->peer;
out:
	memzero_explicit(cookie, sizeof(cookie));
	return peer;
}
