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

	random_fill(&v, sizeof(v));
	return v;
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
