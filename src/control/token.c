// SPDX-License-Identifier: MIT
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <openssl/sha.h>

#include "base/hex.h"
#include "control/token.h"
#include "crypto/util.h"

static void hash_secret(char hash[static TOKEN_HASH_HEX + 1], const char *secret)
{
	uint8_t digest[SHA256_DIGEST_LENGTH];

	SHA256((const uint8_t *)secret, TOKEN_SECRET_HEX, digest);
	hex_encode(hash, digest, sizeof(digest));
}

void token_create(char out[static TOKEN_MAX], char hash[static TOKEN_HASH_HEX + 1],
		  enum token_kind kind, uint64_t id)
{
	uint8_t secret[TOKEN_SECRET_HEX / 2];
	char secret_hex[TOKEN_SECRET_HEX + 1];

	random_fill(secret, sizeof(secret));
	hex_encode(secret_hex, secret, sizeof(secret));
	snprintf(out, TOKEN_MAX, "cvpc%c_%" PRIu64 "_%s", (char)kind, id,
		 secret_hex);
	hash_secret(hash, secret_hex);
	memzero_explicit(secret, sizeof(secret));
	memzero_explicit(secret_hex, sizeof(secret_hex));
}

/* The random part of a well-formed token, or NULL. */
static const char *secret_of(const char *token, enum token_kind kind,
			     uint64_t *id)
{
	const char *p = token + 6;
	uint64_t v = 0;
	size_t digits = 0;

	if (strncmp(token, "cvpc", 4) || token[4] != (char)kind ||
	    token[5] != '_')
		return NULL;
	for (; *p >= '0' && *p <= '9'; p++, digits++) {
		if (digits == 19)
			return NULL;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (!digits || *p != '_' || strlen(p + 1) != TOKEN_SECRET_HEX)
		return NULL;
	for (const char *h = p + 1; *h; h++) {
		if (!((*h >= '0' && *h <= '9') || (*h >= 'a' && *h <= 'f')))
			return NULL;
	}
	*id = v;
	return p + 1;
}

bool token_parse(const char *token, enum token_kind kind, uint64_t *id)
{
	return secret_of(token, kind, id) != NULL;
}

bool token_matches(const char *token, const char *stored_hash)
{
	char hash[TOKEN_HASH_HEX + 1];
	const char *secret;
	uint64_t id;
	bool ok;

	if (!stored_hash || strlen(stored_hash) != TOKEN_HASH_HEX ||
	    strlen(token) < 6)
		return false;
	secret = secret_of(token, (enum token_kind)token[4], &id);
	if (!secret)
		return false;
	hash_secret(hash, secret);
	ok = crypto_equal(hash, stored_hash, TOKEN_HASH_HEX);
	memzero_explicit(hash, sizeof(hash));
	return ok;
}
