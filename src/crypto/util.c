// SPDX-License-Identifier: MIT
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "crypto/util.h"

bool random_bytes(void *buf, size_t len)
{
	uint8_t *p = buf;

	/* RAND_bytes takes an int, so feed it in chunks it can express. */
	while (len) {
		int chunk = len > INT_MAX ? INT_MAX : (int)len;

		if (RAND_bytes(p, chunk) != 1)
			return false;
		p += chunk;
		len -= (size_t)chunk;
	}
	return true;
}

void random_fill(void *buf, size_t len)
{
	/* Carrying on with predictable secrets or indices would be worse
	 * than stopping. */
	if (!random_bytes(buf, len))
		abort();
}

uint32_t random_u32(void)
{
	uint32_t v;

	random_fill_public(&v, sizeof(v));
	return v;
}

enum { RANDOM_POOL_LEN = 1024 };
static __thread uint8_t random_pool[RANDOM_POOL_LEN];
static __thread size_t random_pool_left;

void random_fill_public(void *buf, size_t len)
{
	uint8_t *p = buf;

	if (len > RANDOM_POOL_LEN / 4) {
		random_fill(buf, len);
		return;
	}
	while (len) {
		size_t take;

		if (!random_pool_left) {
			random_fill(random_pool, RANDOM_POOL_LEN);
			random_pool_left = RANDOM_POOL_LEN;
		}
		take = len < random_pool_left ? len : random_pool_left;
		/* Served from the end; served bytes are wiped, never reused. */
		random_pool_left -= take;
		memcpy(p, random_pool + random_pool_left, take);
		memzero_explicit(random_pool + random_pool_left, take);
		p += take;
		len -= take;
	}
}

bool crypto_equal(const void *a, const void *b, size_t len)
{
	return CRYPTO_memcmp(a, b, len) == 0;
}

bool crypto_is_zero(const void *a, size_t len)
{
	const volatile uint8_t *p = a;
	unsigned int acc = 0;

	for (size_t i = 0; i < len; i++)
		acc |= p[i];
	/* acc is 0..255; acc - 1 wraps only when acc is 0. */
	return ((acc - 1) >> 8) & 1;
}

void memzero_explicit(void *p, size_t len)
{
	explicit_bzero(p, len);
}
