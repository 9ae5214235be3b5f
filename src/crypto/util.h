/* SPDX-License-Identifier: MIT */
/*
 * Randomness, constant-time comparison and wiping: the three operations
 * every piece of code that touches a secret needs.
 */
#ifndef CVPC_CRYPTO_UTIL_H
#define CVPC_CRYPTO_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Fills buf from the OpenSSL DRBG; false only if it cannot be seeded. */
bool random_bytes(void *buf, size_t len);
/* The same for callers that cannot go on without it: aborts on failure. */
void random_fill(void *buf, size_t len);
/* A uniformly random 32-bit value (aborts if no randomness exists). */
uint32_t random_u32(void);
/*
 * random_fill for values that are public once used (nonces, indices) on
 * hot paths: served from a per-thread pool refilled a kilobyte at a time,
 * because each call into the DRBG costs more than the whole cookie reply
 * it would serve. Never for keys. Aborts like random_fill.
 */
void random_fill_public(void *buf, size_t len);

/* Constant-time equality of two buffers of the same length. */
bool crypto_equal(const void *a, const void *b, size_t len);
/* Constant-time check that every byte is zero. */
bool crypto_is_zero(const void *a, size_t len);
/* Zeroes memory in a way the compiler may not elide. */
void memzero_explicit(void *p, size_t len);

#endif
