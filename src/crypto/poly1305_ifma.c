// SPDX-License-Identifier: MIT
/*
 * Eight Poly1305 accumulators, one per 64-bit lane: lane i absorbs blocks
 * i, i + 8, i + 16, ... and is multiplied by r^8 between groups, so that
 * multiplying lane i by r^(8 - i) at the end and summing the lanes gives
 * the serial result. The first lane starts from the caller's h.
 *
 * vpmadd52luq/huq add the low and high 52 bits of a 52x52-bit product: a
 * sum of three products is kept as lo + hi * 2^52 and carried into the
 * 44-bit limbs as (lo >> 44) + (hi << 8).
 */
#include <immintrin.h>

#include "crypto/poly1305_ifma.h"

#define SIMD __attribute__((target("avx512f,avx512ifma")))
#define INLINE inline __attribute__((always_inline))

bool poly1305_ifma_usable(void)
{
	__builtin_cpu_init();
	return __builtin_cpu_supports("avx512f") &&
	       __builtin_cpu_supports("avx512ifma");
}

struct vec3 {
	__m512i l0, l1, l2;
};

/* A multiplier as the lanes need it: limbs, and limbs 1 and 2 times 20. */
struct vmul {
	__m512i r0, r1, r2, s1, s2;
};

SIMD static INLINE __m512i lo(__m512i acc, __m512i a, __m512i b)
{
	return _mm512_madd52lo_epu64(acc, a, b);
}

SIMD static INLINE __m512i hi(__m512i acc, __m512i a, __m512i b)
{
	return _mm512_madd52hi_epu64(acc, a, b);
}

/* Sum of three products, each taken in parallel to keep latency short. */
SIMD static INLINE __m512i lo3(__m512i a0, __m512i b0, __m512i a1, __m512i b1,
			       __m512i a2, __m512i b2)
{
	const __m512i z = _mm512_setzero_si512();

	return _mm512_add_epi64(_mm512_add_epi64(lo(z, a0, b0), lo(z, a1, b1)),
				lo(z, a2, b2));
}

SIMD static INLINE __m512i hi3(__m512i a0, __m512i b0, __m512i a1, __m512i b1,
			       __m512i a2, __m512i b2)
{
	const __m512i z = _mm512_setzero_si512();

	return _mm512_add_epi64(_mm512_add_epi64(hi(z, a0, b0), hi(z, a1, b1)),
				hi(z, a2, b2));
}

/*
 * One carry step on all limbs at once: each limb keeps its low bits and
 * takes the overflow of the limb below (limb 0 takes 5 times limb 2's).
 * hi is the part of weight 2^52 that the IFMA sums leave apart.
 */
SIMD static INLINE void carry(struct vec3 *h, __m512i hi0, __m512i hi1,
			      __m512i hi2)
{
	const __m512i m44 = _mm512_set1_epi64(0xfffffffffffLL);
	const __m512i m42 = _mm512_set1_epi64(0x3ffffffffffLL);
	__m512i c0, c1, c2;

	c0 = _mm512_add_epi64(_mm512_srli_epi64(h->l0, 44), _mm512_slli_epi64(hi0, 8));
	c1 = _mm512_add_epi64(_mm512_srli_epi64(h->l1, 44), _mm512_slli_epi64(hi1, 8));
	c2 = _mm512_add_epi64(_mm512_srli_epi64(h->l2, 42), _mm512_slli_epi64(hi2, 10));
	c2 = _mm512_add_epi64(c2, _mm512_slli_epi64(c2, 2));
	h->l0 = _mm512_add_epi64(_mm512_and_si512(h->l0, m44), c2);
	h->l1 = _mm512_add_epi64(_mm512_and_si512(h->l1, m44), c0);
	h->l2 = _mm512_add_epi64(_mm512_and_si512(h->l2, m42), c1);
}

/*
 * h = h * r. With inputs below 2^45 (multipliers below 2^48) the first
 * carry leaves limbs below 2^52, the second below 2^44 + 2^13.
 */
SIMD static INLINE void vmul(struct vec3 *h, const struct vmul *r)
{
	const __m512i z = _mm512_setzero_si512();
	struct vec3 d;
	__m512i d0h, d1h, d2h;

	d.l0 = lo3(h->l0, r->r0, h->l1, r->s2, h->l2, r->s1);
	d0h = hi3(h->l0, r->r0, h->l1, r->s2, h->l2, r->s1);
	d.l1 = lo3(h->l0, r->r1, h->l1, r->r0, h->l2, r->s2);
	d1h = hi3(h->l0, r->r1, h->l1, r->r0, h->l2, r->s2);
	d.l2 = lo3(h->l0, r->r2, h->l1, r->r1, h->l2, r->r0);
	d2h = hi3(h->l0, r->r2, h->l1, r->r1, h->l2, r->r0);
	carry(&d, d0h, d1h, d2h);
	carry(&d, z, z, z);
	*h = d;
}

/* Eight blocks, block i into lane i, as limbs with the 2^128 bit set. */
SIMD static INLINE struct vec3 load_group(const uint8_t *m)
{
	const __m512i m44 = _mm512_set1_epi64(0xfffffffffffLL);
	const __m512i even = _mm512_setr_epi64(0, 2, 4, 6, 8, 10, 12, 14);
	const __m512i odd = _mm512_setr_epi64(1, 3, 5, 7, 9, 11, 13, 15);
	__m512i a = _mm512_loadu_si512(m), b = _mm512_loadu_si512(m + 64);
	__m512i l = _mm512_permutex2var_epi64(a, even, b);
	__m512i h = _mm512_permutex2var_epi64(a, odd, b);
	struct vec3 v;

	v.l0 = _mm512_and_si512(l, m44);
	v.l1 = _mm512_and_si512(_mm512_or_si512(_mm512_srli_epi64(l, 44),
						_mm512_slli_epi64(h, 20)),
				m44);
	v.l2 = _mm512_or_si512(_mm512_srli_epi64(h, 24),
			       _mm512_set1_epi64(1LL << 40));
	return v;
}

SIMD static INLINE void vadd(struct vec3 *h, const struct vec3 *m)
{
	h->l0 = _mm512_add_epi64(h->l0, m->l0);
	h->l1 = _mm512_add_epi64(h->l1, m->l1);
	h->l2 = _mm512_add_epi64(h->l2, m->l2);
}

SIMD static INLINE __m512i times20(__m512i v)
{
	return _mm512_add_epi64(_mm512_slli_epi64(v, 4), _mm512_slli_epi64(v, 2));
}

SIMD static INLINE void set_mul(struct vmul *r, const struct vec3 *v)
{
	r->r0 = v->l0;
	r->r1 = v->l1;
	r->r2 = v->l2;
	r->s1 = times20(v->l1);
	r->s2 = times20(v->l2);
}

/* Lane 0 of v in every lane. */
SIMD static INLINE struct vec3 lane0(const struct vec3 *v)
{
	const __m512i z = _mm512_setzero_si512();
	struct vec3 b = {
		_mm512_permutexvar_epi64(z, v->l0),
		_mm512_permutexvar_epi64(z, v->l1),
		_mm512_permutexvar_epi64(z, v->l2),
	};

	return b;
}

SIMD static INLINE __m512i limbs(uint64_t a, uint64_t b, uint64_t c, uint64_t d,
			  uint64_t e, uint64_t f, uint64_t g, uint64_t h)
{
	return _mm512_setr_epi64((long long)a, (long long)b, (long long)c,
				 (long long)d, (long long)e, (long long)f,
				 (long long)g, (long long)h);
}

/*
 * The multipliers: lo lane i = r^(8 - i), hi lane i = r^(16 - i), and
 * r^16 in every lane for the loop. From r^1..r^4 as
 * [r4 r3 r2 r1 r4 r3 r2 r1] * [r4 r4 r4 r4 1 1 1 1], then lo * r^8.
 */
SIMD static void powers(struct vec3 *lo, struct vec3 *hi, struct vmul *r16,
			const uint64_t pw[4][3])
{
	struct vec3 b;
	struct vmul m;
	int l;

	for (l = 0; l < 3; l++) {
		__m512i v = limbs(pw[3][l], pw[2][l], pw[1][l], pw[0][l],
				  pw[3][l], pw[2][l], pw[1][l], pw[0][l]);
		__m512i w = limbs(pw[3][l], pw[3][l], pw[3][l], pw[3][l],
				  l == 0, l == 0, l == 0, l == 0);

		if (l == 0) {
			lo->l0 = v;
			b.l0 = w;
		} else if (l == 1) {
			lo->l1 = v;
			b.l1 = w;
		} else {
			lo->l2 = v;
			b.l2 = w;
		}
	}
	set_mul(&m, &b);
	vmul(lo, &m);
	b = lane0(lo);
	set_mul(&m, &b);
	*hi = *lo;
	vmul(hi, &m);
	b = lane0(hi);
	set_mul(r16, &b);
}

/*
 * Two accumulators of eight lanes, a on even groups and b on odd ones,
 * each times r^16 per step: two independent chains hide the multiplier
 * latency. Whichever took the last group ends with r^(8 - i), the other
 * with r^(16 - i).
 */
SIMD void poly1305_ifma_blocks(uint64_t h[3], const uint64_t pw[4][3],
			       const uint8_t *m, size_t groups)
{
	const __m512i first = _mm512_setr_epi64(-1, 0, 0, 0, 0, 0, 0, 0);
	struct vec3 a, b, blk, plo, phi;
	struct vmul r16, tail_a, tail_b;
	bool a_last;
	size_t g;

	powers(&plo, &phi, &r16, pw);
	a = load_group(m);
	a.l0 = _mm512_add_epi64(a.l0, _mm512_and_si512(first, _mm512_set1_epi64((long long)h[0])));
	a.l1 = _mm512_add_epi64(a.l1, _mm512_and_si512(first, _mm512_set1_epi64((long long)h[1])));
	a.l2 = _mm512_add_epi64(a.l2, _mm512_and_si512(first, _mm512_set1_epi64((long long)h[2])));
	b.l0 = b.l1 = b.l2 = _mm512_setzero_si512();
	if (groups > 1)
		b = load_group(m + 128);
	for (g = 2; g + 1 < groups; g += 2) {
		vmul(&a, &r16);
		vmul(&b, &r16);
		blk = load_group(m + g * 128);
		vadd(&a, &blk);
		blk = load_group(m + (g + 1) * 128);
		vadd(&b, &blk);
	}
	/* An odd count leaves the last group to a (one group: a alone). */
	a_last = groups == 1;
	if (g < groups) {
		vmul(&a, &r16);
		blk = load_group(m + g * 128);
		vadd(&a, &blk);
		a_last = true;
	}
	set_mul(&tail_a, a_last ? &plo : &phi);
	set_mul(&tail_b, a_last ? &phi : &plo);
	vmul(&a, &tail_a);
	vmul(&b, &tail_b);
	vadd(&a, &b);

	h[0] = (uint64_t)_mm512_reduce_add_epi64(a.l0);
	h[1] = (uint64_t)_mm512_reduce_add_epi64(a.l1);
	h[2] = (uint64_t)_mm512_reduce_add_epi64(a.l2);
}
