// SPDX-License-Identifier: MIT
#include <openssl/err.h>
#include <openssl/evp.h>

#include "crypto/util.h"
#include "crypto/x25519.h"

bool x25519(uint8_t out[static X25519_KEY_LEN],
	    const uint8_t scalar[static X25519_KEY_LEN],
	    const uint8_t point[static X25519_KEY_LEN])
{
	EVP_PKEY *priv = NULL, *peer = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	size_t len = X25519_KEY_LEN;
	bool ret = false;

	priv = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, scalar,
					    X25519_KEY_LEN);
	peer = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, point,
					   X25519_KEY_LEN);
	if (!priv || !peer)
		goto out;
	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, priv, NULL);
	if (!ctx || EVP_PKEY_derive_init(ctx) != 1)
		goto out;
	/* Every 32-byte string is a valid u-coordinate; checking the peer
	 * would only cost another allocation. */
	if (EVP_PKEY_derive_set_peer_ex(ctx, peer, 0) != 1)
		goto out;
	if (EVP_PKEY_derive(ctx, out, &len) != 1 || len != X25519_KEY_LEN)
		goto out;
	/* OpenSSL refuses an all-zero secret too, but WireGuard's security
	 * rests on this check, so it does not depend on OpenSSL's. */
	ret = !crypto_is_zero(out, X25519_KEY_LEN);

out:
	if (!ret) {
		memzero_explicit(out, X25519_KEY_LEN);
		/* A low-order point is routine input from the network; its
		 * error must not surface in someone else's ERR_get_error(). */
		ERR_clear_error();
	}
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(peer);
	EVP_PKEY_free(priv);
	return ret;
}

bool x25519_public(uint8_t pub[static X25519_KEY_LEN],
		   const uint8_t priv[static X25519_KEY_LEN])
{
	EVP_PKEY *key;
	size_t len = X25519_KEY_LEN;
	bool ret;

	key = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, priv,
					   X25519_KEY_LEN);
	if (!key)
		return false;
	ret = EVP_PKEY_get_raw_public_key(key, pub, &len) == 1 &&
	      len == X25519_KEY_LEN;
	/* EVP_PKEY_free cleanses the private key it copied. */
	EVP_PKEY_free(key);
	return ret;
}

void x25519_clamp(uint8_t key[static X25519_KEY_LEN])
{
	key[0] &= 248;
	key[31] = (key[31] & 127) | 64;
}

bool x25519_generate(uint8_t priv[static X25519_KEY_LEN])
{
	if (!random_bytes(priv, X25519_KEY_LEN)) {
		memzero_explicit(priv, X25519_KEY_LEN);
		return false;
	}
	x25519_clamp(priv);
	return true;
}

/*
 * A clamped scalar is a multiple of 8, which clears any small-order
 * component, and less than 8 times the large prime order of the curve and
 * of its twist, so it never clears the rest: X25519 with it is zero exactly
 * for the points of small order, in whatever encoding (non-canonical, top
 * bit set) they come. Failing for any other reason also reports "low
 * order", which callers treat as "reject".
 */
bool x25519_is_low_order(const uint8_t pub[static X25519_KEY_LEN])
{
	static const uint8_t scalar[X25519_KEY_LEN] = { [0] = 8, [31] = 64 };
	uint8_t out[X25519_KEY_LEN];

	return !x25519(out, scalar, pub);
}
