/* SPDX-License-Identifier: MIT */
/*
 * BLAKE2s through OpenSSL 3: the plain hash (BLAKE2S-256), the keyed hash
 * (BLAKE2SMAC, any output length 1..32) and HMAC-BLAKE2s, plus the
 * HKDF-style KDF1/2/3 that WireGuard builds on HMAC-BLAKE2s.
 *
 * Every function returns false only when OpenSSL fails internally (out of
 * memory, provider missing); callers treat that as "drop this message".
 * Contexts are cached per thread, so the functions are thread-safe.
 */
#ifndef CVPC_CRYPTO_BLAKE2S_H
#define CVPC_CRYPTO_BLAKE2S_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum blake2s_lengths {
	BLAKE2S_HASH_LEN = 32,
	BLAKE2S_KEY_MAX = 32,
};

/* out = BLAKE2s-256(a || b); b may be NULL with b_len 0. */
bool blake2s_hash2(uint8_t out[static BLAKE2S_HASH_LEN], const void *a,
		   size_t a_len, const void *b, size_t b_len);

/* out = keyed BLAKE2s(key, in) truncated-by-parameter to out_len bytes
 * (the digest length is a BLAKE2 parameter, not a truncation).
 * key_len must be 1..BLAKE2S_KEY_MAX and out_len 1..BLAKE2S_HASH_LEN;
 * anything else returns false. */
bool blake2s_keyed(uint8_t *out, size_t out_len, const uint8_t *key,
		   size_t key_len, const void *in, size_t in_len);

/* out = HMAC-BLAKE2s(key, in). */
bool hmac_blake2s(uint8_t out[static BLAKE2S_HASH_LEN], const uint8_t *key,
		  size_t key_len, const void *in, size_t in_len);

/*
 * WireGuard's KDF_n(chaining_key, data): t0 = HMAC(ck, data),
 * t1 = HMAC(t0, 0x1), t2 = HMAC(t0, t1 || 0x2), t3 = HMAC(t0, t2 || 0x3).
 * Pass NULL for outputs not wanted (KDF1 = only t1, etc.); the outputs are
 * written only after all inputs are read, so out may alias ck.
 */
bool wg_kdf(uint8_t *t1, uint8_t *t2, uint8_t *t3, const uint8_t *data,
	    size_t data_len, const uint8_t ck[static BLAKE2S_HASH_LEN]);

#endif
