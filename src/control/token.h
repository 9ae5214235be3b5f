/* SPDX-License-Identifier: MIT */
/*
 * Bearer secrets: pre-auth keys, admin API keys and node credentials.
 * A token reads "cvpc<kind>_<id>_<64 hex>": the id finds the row, the
 * random part proves possession. The store keeps only SHA-256 of the
 * random part, compared in constant time.
 */
#ifndef CVPC_CONTROL_TOKEN_H
#define CVPC_CONTROL_TOKEN_H

#include <stdbool.h>
#include <stdint.h>

enum token_kind {
	TOKEN_AUTH_KEY = 'k',
	TOKEN_API_KEY = 'a',
	TOKEN_NODE = 'n',
};

enum {
	TOKEN_SECRET_HEX = 64,
	TOKEN_HASH_HEX = 64,
	TOKEN_MAX = 4 + 1 + 1 + 20 + 1 + TOKEN_SECRET_HEX + 1,
};

/* A fresh token for row id; hash receives what to store. */
void token_create(char out[static TOKEN_MAX], char hash[static TOKEN_HASH_HEX + 1],
		  enum token_kind kind, uint64_t id);
/* Splits a presented token; false if it is not one of this kind. */
bool token_parse(const char *token, enum token_kind kind, uint64_t *id);
/* Whether token's random part hashes to stored_hash (constant time). */
bool token_matches(const char *token, const char *stored_hash);

#endif
