/* SPDX-License-Identifier: MIT */
/*
 * Constant-time, locale-free hex and base64 for keys: the running time
 * depends only on the length, never on the (secret) byte values.
 */
#ifndef CVPC_BASE_HEX_H
#define CVPC_BASE_HEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
	KEY_LEN = 32,
	KEY_HEX_LEN = 64,
	KEY_B64_LEN = 44,
};

/* Writes 2 * len lowercase hex digits and a NUL. */
void hex_encode(char *out, const uint8_t *in, size_t len);
/* Decodes exactly 2 * len hex digits (either case) followed by NUL. */
bool hex_decode(uint8_t *out, size_t len, const char *hex);

/* The 44-character padded base64 form wg(8) uses for keys. */
void key_to_base64(char out[static KEY_B64_LEN + 1],
		   const uint8_t key[static KEY_LEN]);
bool key_from_base64(uint8_t key[static KEY_LEN], const char *b64);

#endif
