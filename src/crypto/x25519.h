/* SPDX-License-Identifier: MIT */
/*
 * X25519 (RFC 7748) through OpenSSL.
 */
#ifndef CVPC_CRYPTO_X25519_H
#define CVPC_CRYPTO_X25519_H

#include <stdbool.h>
#include <stdint.h>

enum { X25519_KEY_LEN = 32 };

/*
 * out = X25519(scalar, point). Returns false when the result is all zeros,
 * i.e. the point has low order (the contributory check WireGuard requires),
 * or when OpenSSL fails. out is zeroed on failure.
 */
bool x25519(uint8_t out[static X25519_KEY_LEN],
	    const uint8_t scalar[static X25519_KEY_LEN],
	    const uint8_t point[static X25519_KEY_LEN]);

/* pub = X25519(priv, 9). */
bool x25519_public(uint8_t pub[static X25519_KEY_LEN],
		   const uint8_t priv[static X25519_KEY_LEN]);

/* Fills priv with random bytes and clamps it. */
bool x25519_generate(uint8_t priv[static X25519_KEY_LEN]);

void x25519_clamp(uint8_t key[static X25519_KEY_LEN]);

/* True when pub is a point of small order (X25519 of it is always zero). */
bool x25519_is_low_order(const uint8_t pub[static X25519_KEY_LEN]);

#endif
