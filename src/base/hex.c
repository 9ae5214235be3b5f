// SPDX-License-Identifier: MIT
/*
 * Keys pass through here on their way in from configuration and out to
 * `wg show`, so no branch and no table index may depend on a key byte:
 * each character is classified by arithmetic on ranges, and a bad
 * character only sets a flag that is looked at once, at the end. Only
 * lengths, which are public, decide control flow.
 */
#include <string.h>

#include "base/hex.h"

enum { INT_BITS = sizeof(int) * 8 };

/* 1 when lo <= c <= hi, else 0; c, lo and hi lie in 0..255. */
static unsigned int in_range(int c, int lo, int hi)
{
	/* Both differences are negative only inside the range. */
	return (unsigned int)((lo - 1 - c) & (c - hi - 1)) >> (INT_BITS - 1);
}

/* 1 when v > limit, else 0; both lie in 0..255. */
static unsigned int above(int v, int limit)
{
	return (unsigned int)(limit - v) >> (INT_BITS - 1);
}

static char hex_char(unsigned int nibble)
{
	int n = (int)nibble;

	/* Past 9, skip from just after '9' to 'a'. */
	return (char)('0' + n + (-(int)above(n, 9) & ('a' - '9' - 1)));
}

void hex_encode(char *out, const uint8_t *in, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		out[2 * i] = hex_char(in[i] >> 4);
		out[2 * i + 1] = hex_char(in[i] & 0xf);
	}
	out[2 * len] = '\0';
}

/* The nibble a hex digit stands for; anything else sets *bad. */
static unsigned int hex_value(unsigned char ch, unsigned int *bad)
{
	int c = ch;
	unsigned int digit = in_range(c, '0', '9');
	unsigned int lower = in_range(c, 'a', 'f');
	unsigned int upper = in_range(c, 'A', 'F');

	*bad |= 1 ^ (digit | lower | upper);
	return (-digit & (unsigned int)(c - '0')) |
	       (-lower & (unsigned int)(c - 'a' + 10)) |
	       (-upper & (unsigned int)(c - 'A' + 10));
}

bool hex_decode(uint8_t *out, size_t len, const char *hex)
{
	unsigned int bad = 0;

	if (strnlen(hex, 2 * len + 1) != 2 * len)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned int hi = hex_value((unsigned char)hex[2 * i], &bad);
		unsigned int lo = hex_value((unsigned char)hex[2 * i + 1], &bad);

		out[i] = (uint8_t)(hi << 4 | lo);
	}
	if (bad) {
		explicit_bzero(out, len);
		return false;
	}
	return true;
}

/* A-Z a-z 0-9 + / for 0..63, each range reached by adding the gap to it. */
static char b64_char(unsigned int value)
{
	int v = (int)value;
	int c = 'A' + v;

	c += -(int)above(v, 25) & ('a' - 'A' - 26);
	c += -(int)above(v, 51) & ('0' - 'a' - 26);
	c += -(int)above(v, 61) & ('+' - '0' - 10);
	c += -(int)above(v, 62) & ('/' - '+' - 1);
	return (char)c;
}

/* Four characters from three bytes, big end first. */
static void b64_encode_group(char out[static 4], const uint8_t in[static 3])
{
	uint32_t v = (uint32_t)in[0] << 16 | (uint32_t)in[1] << 8 | in[2];

	out[0] = b64_char(v >> 18);
	out[1] = b64_char((v >> 12) & 63);
	out[2] = b64_char((v >> 6) & 63);
	out[3] = b64_char(v & 63);
}

void key_to_base64(char out[static KEY_B64_LEN + 1],
		   const uint8_t key[static KEY_LEN])
{
	/* The last group holds the final two key bytes and a zero byte
	 * that the '=' stands for. */
	uint8_t tail[3] = { key[KEY_LEN - 2], key[KEY_LEN - 1], 0 };
	int i;

	for (i = 0; i < KEY_LEN / 3; i++)
		b64_encode_group(out + 4 * i, key + 3 * i);
	b64_encode_group(out + 4 * i, tail);
	out[KEY_B64_LEN - 1] = '=';
	out[KEY_B64_LEN] = '\0';
	explicit_bzero(tail, sizeof(tail));
}

/* The 6-bit value of a base64 character; anything else sets *bad. */
static unsigned int b64_value(unsigned char ch, unsigned int *bad)
{
	int c = ch;
	unsigned int upper = in_range(c, 'A', 'Z');
	unsigned int lower = in_range(c, 'a', 'z');
	unsigned int digit = in_range(c, '0', '9');
	unsigned int plus = in_range(c, '+', '+');
	unsigned int slash = in_range(c, '/', '/');

	*bad |= 1 ^ (upper | lower | digit | plus | slash);
	return (-upper & (unsigned int)(c - 'A')) |
	       (-lower & (unsigned int)(c - 'a' + 26)) |
	       (-digit & (unsigned int)(c - '0' + 52)) |
	       (-plus & 62) | (-slash & 63);
}

/* 24 bits from four characters (or 18 from three: pass n = 3). */
static uint32_t b64_decode_group(const char *in, int n, unsigned int *bad)
{
	uint32_t v = 0;

	for (int i = 0; i < n; i++)
		v = v << 6 | b64_value((unsigned char)in[i], bad);
	return v;
}

bool key_from_base64(uint8_t key[static KEY_LEN], const char *b64)
{
	uint8_t tmp[KEY_LEN];
	unsigned int bad = 0;
	uint32_t v;
	int i;

	if (strnlen(b64, KEY_B64_LEN + 1) != KEY_B64_LEN ||
	    b64[KEY_B64_LEN - 1] != '=')
		return false;

	for (i = 0; i < KEY_LEN / 3; i++) {
		v = b64_decode_group(b64 + 4 * i, 4, &bad);
		tmp[3 * i] = (uint8_t)(v >> 16);
		tmp[3 * i + 1] = (uint8_t)(v >> 8);
		tmp[3 * i + 2] = (uint8_t)v;
	}
	/* 18 bits carry the last 16: the 2 left over must be zero, or two
	 * different strings would decode to the same key. */
	v = b64_decode_group(b64 + 4 * i, 3, &bad);
	tmp[KEY_LEN - 2] = (uint8_t)(v >> 10);
	tmp[KEY_LEN - 1] = (uint8_t)(v >> 2);
	bad |= ((v & 3) + 3) >> 2;

	if (!bad)
		memcpy(key, tmp, KEY_LEN);
	explicit_bzero(tmp, sizeof(tmp));
	return !bad;
}
