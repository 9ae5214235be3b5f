// SPDX-License-Identifier: MIT
/*
 * Poly1305 with three limbs of 44, 44 and 42 bits, so that every product
 * of a limb and a multiplier fits a 128-bit accumulator with room to add
 * three of them, and the same layout feeds the 52-bit IFMA multipliers.
 *
 * Reduction uses 2^130 = 5 (mod p): a product term of weight 2^132 folds
 * back as 20 times its value, which is why the multipliers r1 and r2 also
 * come pre-scaled by 20.
 */
#include <pthread.h>

#include "base/bytes.h"
#include "crypto/poly1305.h"
#include "crypto/poly1305_ifma.h"
#include "crypto/util.h"

#define M44 0xfffffffffffULL
#define M42 0x3ffffffffffULL

/* Below this many blocks, computing r^2..r^16 costs more than it saves. */
#define IFMA_MIN_BLOCKS 16

typedef unsigned __int128 u128;

/* h = h * r (mod p), partially reduced: limbs below 2^44 + 2^8 or so. */
static inline void mul(uint64_t h[3], const uint64_t r[3])
{
	uint64_t s1 = r[1] * 20, s2 = r[2] * 20, c;
	u128 d0, d1, d2;

	d0 = (u128)h[0] * r[0] + (u128)h[1] * s2 + (u128)h[2] * s1;
	d1 = (u128)h[0] * r[1] + (u128)h[1] * r[0] + (u128)h[2] * s2;
	d2 = (u128)h[0] * r[2] + (u128)h[1] * r[1] + (u128)h[2] * r[0];

	h[0] = (uint64_t)d0 & M44;
	d1 += (uint64_t)(d0 >> 44);
	h[1] = (uint64_t)d1 & M44;
	d2 += (uint64_t)(d1 >> 44);
	h[2] = (uint64_t)d2 & M42;
	c = (uint64_t)(d2 >> 42);
	h[0] += c * 5;
	c = h[0] >> 44;
	h[0] &= M44;
	h[1] += c;
}

void poly1305_init(struct poly1305 *st, const uint8_t key[static POLY1305_KEY_LEN])
{
	/* The clamp of RFC 8439 §2.5. */
	uint64_t t0 = get_le64(key) & 0x0ffffffc0fffffffULL;
	uint64_t t1 = get_le64(key + 8) & 0x0ffffffc0ffffffcULL;

	st->r[0] = t0 & M44;
	st->r[1] = (t0 >> 44 | t1 << 20) & M44;
	st->r[2] = t1 >> 24;
	st->h[0] = st->h[1] = st->h[2] = 0;
	st->s[0] = get_le64(key + 16);
	st->s[1] = get_le64(key + 24);
}

static void add_block(uint64_t h[3], const uint8_t *m)
{
	uint64_t t0 = get_le64(m), t1 = get_le64(m + 8);

	h[0] += t0 & M44;
	h[1] += (t0 >> 44 | t1 << 20) & M44;
	h[2] += t1 >> 24 | 1ULL << 40;
}

static void scalar_blocks(uint64_t h[3], const uint64_t r[3],
			  const uint8_t *m, size_t n)
{
	uint64_t acc[3] = { h[0], h[1], h[2] };
	uint64_t k[3] = { r[0], r[1], r[2] };

	for (; n; n--, m += POLY1305_BLOCK_LEN) {
		add_block(acc, m);
		mul(acc, k);
	}
	h[0] = acc[0];
	h[1] = acc[1];
	h[2] = acc[2];
	memzero_explicit(k, sizeof(k));
}

static pthread_once_t ifma_once = PTHREAD_ONCE_INIT;
static bool have_ifma;

static void ifma_probe(void)
{
	have_ifma = poly1305_ifma_usable();
}

static void carry(uint64_t h[3])
{
	uint64_t c;

	c = h[0] >> 44;
	h[0] &= M44;
	h[1] += c;
	c = h[1] >> 44;
	h[1] &= M44;
	h[2] += c;
	c = h[2] >> 42;
	h[2] &= M42;
	h[0] += c * 5;
	c = h[0] >> 44;
	h[0] &= M44;
	h[1] += c;
}

static void copy3(uint64_t d[3], const uint64_t s[3])
{
	d[0] = s[0];
	d[1] = s[1];
	d[2] = s[2];
}

/* r^2, then r^3 and r^4 (independent, so they overlap); IFMA does the rest. */
static void ifma_blocks(struct poly1305 *st, const uint8_t *m, size_t groups)
{
	uint64_t pw[4][3];

	copy3(pw[0], st->r);
	copy3(pw[1], st->r);
	mul(pw[1], st->r);
	copy3(pw[2], pw[1]);
	copy3(pw[3], pw[1]);
	mul(pw[2], st->r);
	mul(pw[3], pw[1]);
	poly1305_ifma_blocks(st->h, (const uint64_t(*)[3])pw, m, groups);
	carry(st->h);
	memzero_explicit(pw, sizeof(pw));
}

void poly1305_blocks(struct poly1305 *st, const uint8_t *m, size_t n)
{
	size_t groups;

	pthread_once(&ifma_once, ifma_probe);
	if (have_ifma && n >= IFMA_MIN_BLOCKS) {
		groups = n / 8;
		ifma_blocks(st, m, groups);
		m += groups * 8 * POLY1305_BLOCK_LEN;
		n -= groups * 8;
	}
	scalar_blocks(st->h, st->r, m, n);
}

void poly1305_final(struct poly1305 *st, uint8_t tag[static POLY1305_TAG_LEN])
{
	uint64_t h0, h1, h2, g0, g1, g2, mask, c, t0, t1;

	carry(st->h);
	carry(st->h);
	h0 = st->h[0];
	h1 = st->h[1];
	h2 = st->h[2];

	/* g = h + 5 - 2^130; h >= p exactly when g does not go negative. */
	g0 = h0 + 5;
	c = g0 >> 44;
	g0 &= M44;
	g1 = h1 + c;
	c = g1 >> 44;
	g1 &= M44;
	g2 = h2 + c - (1ULL << 42);
	mask = (g2 >> 63) - 1;
	h0 = (h0 & ~mask) | (g0 & mask);
	h1 = (h1 & ~mask) | (g1 & mask);
	h2 = (h2 & ~mask) | (g2 & mask & M42);

	/* h mod 2^128, plus s. */
	t0 = h0 | h1 << 44;
	t1 = h1 >> 20 | h2 << 24;
	t0 += st->s[0];
	t1 += st->s[1] + (t0 < st->s[0]);
	put_le64(tag, t0);
	put_le64(tag + 8, t1);
	memzero_explicit(st, sizeof(*st));
}
