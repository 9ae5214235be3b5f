// SPDX-License-Identifier: MIT
/*
 * ChaCha20 with one AVX-512 register per state word: lane j of register i
 * is word i of block counter + j, so the rounds are plain vertical adds,
 * xors and rotates, and a 16x16 transpose turns the lanes into blocks.
 *
 * Why not OpenSSL: its EVP path costs about 165 ns per message before the
 * first byte (provider dispatch, nonce set-up, a latency-bound one-block
 * path for the Poly1305 key); at 1420-byte packets that is a third of the
 * whole seal. Here the Poly1305 key is lane 0 of the first pass.
 */
#include <immintrin.h>

#include "crypto/chacha20.h"

#define SIMD __attribute__((target("avx512f,avx512bw")))

bool chacha20_simd_usable(void)
{
	__builtin_cpu_init();
	return __builtin_cpu_supports("avx512f") &&
	       __builtin_cpu_supports("avx512bw");
}

#define QR(a, b, c, d)                                   \
	do {                                             \
		a = _mm512_add_epi32(a, b);              \
		d = _mm512_rol_epi32(_mm512_xor_si512(d, a), 16); \
		c = _mm512_add_epi32(c, d);              \
		b = _mm512_rol_epi32(_mm512_xor_si512(b, c), 12); \
		a = _mm512_add_epi32(a, b);              \
		d = _mm512_rol_epi32(_mm512_xor_si512(d, a), 8); \
		c = _mm512_add_epi32(c, d);              \
		b = _mm512_rol_epi32(_mm512_xor_si512(b, c), 7); \
	} while (0)

/* A 4x4 transpose of 128-bit lanes: out[l] = { in[0].l .. in[3].l }. */
SIMD static inline void transpose_lanes(__m512i out[4], const __m512i in[4])
{
	__m512i a = _mm512_shuffle_i32x4(in[0], in[1], 0x44);
	__m512i b = _mm512_shuffle_i32x4(in[0], in[1], 0xee);
	__m512i c = _mm512_shuffle_i32x4(in[2], in[3], 0x44);
	__m512i d = _mm512_shuffle_i32x4(in[2], in[3], 0xee);

	out[0] = _mm512_shuffle_i32x4(a, c, 0x88);
	out[1] = _mm512_shuffle_i32x4(a, c, 0xdd);
	out[2] = _mm512_shuffle_i32x4(b, d, 0x88);
	out[3] = _mm512_shuffle_i32x4(b, d, 0xdd);
}

/*
 * x[i] lane j = word i of block j; on return blk[j] = block j. After the
 * 32- and 64-bit interleaves, v[g][o] lane l holds words 4g..4g+3 of
 * block 4l + o; the lane transpose then gathers each block.
 */
SIMD static inline void transpose_blocks(__m512i blk[16], const __m512i x[16])
{
	__m512i t[16], v[4][4], w[4];
	int g, o, l;

	for (g = 0; g < 8; g++) {
		t[2 * g] = _mm512_unpacklo_epi32(x[2 * g], x[2 * g + 1]);
		t[2 * g + 1] = _mm512_unpackhi_epi32(x[2 * g], x[2 * g + 1]);
	}
	for (g = 0; g < 4; g++) {
		v[0][g] = _mm512_unpacklo_epi64(t[4 * g], t[4 * g + 2]);
		v[1][g] = _mm512_unpackhi_epi64(t[4 * g], t[4 * g + 2]);
		v[2][g] = _mm512_unpacklo_epi64(t[4 * g + 1], t[4 * g + 3]);
		v[3][g] = _mm512_unpackhi_epi64(t[4 * g + 1], t[4 * g + 3]);
	}
	for (o = 0; o < 4; o++) {
		transpose_lanes(w, v[o]);
		for (l = 0; l < 4; l++)
			blk[4 * l + o] = w[l];
	}
}

/* Sixteen blocks from per-lane words 12..15 of the state. */
SIMD static void rounds(__m512i blk[16], const uint32_t key[8], __m512i w12,
			__m512i w13, __m512i w14, __m512i w15)
{
	static const uint32_t sigma[4] = { 0x61707865, 0x3320646e, 0x79622d32,
					   0x6b206574 };
	__m512i s[16], x[16];
	int i;

	for (i = 0; i < 4; i++)
		s[i] = _mm512_set1_epi32((int)sigma[i]);
	for (i = 0; i < 8; i++)
		s[4 + i] = _mm512_set1_epi32((int)key[i]);
	s[12] = w12;
	s[13] = w13;
	s[14] = w14;
	s[15] = w15;
	for (i = 0; i < 16; i++)
		x[i] = s[i];

	for (i = 0; i < 10; i++) {
		QR(x[0], x[4], x[8], x[12]);
		QR(x[1], x[5], x[9], x[13]);
		QR(x[2], x[6], x[10], x[14]);
		QR(x[3], x[7], x[11], x[15]);
		QR(x[0], x[5], x[10], x[15]);
		QR(x[1], x[6], x[11], x[12]);
		QR(x[2], x[7], x[8], x[13]);
		QR(x[3], x[4], x[9], x[14]);
	}
	for (i = 0; i < 16; i++)
		x[i] = _mm512_add_epi32(x[i], s[i]);
	transpose_blocks(blk, x);
}

SIMD static void wide_block(__m512i blk[16], const uint32_t key[8],
			    uint32_t counter, const uint32_t nonce[3])
{
	rounds(blk, key,
	       _mm512_add_epi32(_mm512_set1_epi32((int)counter),
				_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
						  10, 11, 12, 13, 14, 15)),
	       _mm512_set1_epi32((int)nonce[0]),
	       _mm512_set1_epi32((int)nonce[1]),
	       _mm512_set1_epi32((int)nonce[2]));
}

SIMD void chacha20_lanes(uint8_t out[static CHACHA20_WIDE_LEN],
			 const uint32_t key[static 8],
			 const uint32_t counter[static 16], uint32_t nonce0,
			 const uint32_t nonce1[static 16],
			 const uint32_t nonce2[static 16])
{
	__m512i blk[16];
	int i;

	rounds(blk, key, _mm512_loadu_si512(counter),
	       _mm512_set1_epi32((int)nonce0), _mm512_loadu_si512(nonce1),
	       _mm512_loadu_si512(nonce2));
	for (i = 0; i < 16; i++)
		_mm512_storeu_si512(out + i * CHACHA20_BLOCK_LEN, blk[i]);
}

SIMD void chacha20_wide_block(uint8_t out[static CHACHA20_WIDE_LEN],
			      const uint32_t key[static 8], uint32_t counter,
			      const uint32_t nonce[static 3])
{
	__m512i blk[16];
	int i;

	wide_block(blk, key, counter, nonce);
	for (i = 0; i < 16; i++)
		_mm512_storeu_si512(out + i * CHACHA20_BLOCK_LEN, blk[i]);
}

/* XORs up to 16 blocks of keystream held in registers. */
SIMD static void xor_blocks(uint8_t *dst, const uint8_t *src, size_t len,
			    const __m512i blk[16])
{
	__mmask64 m;
	int i;

	for (i = 0; len >= CHACHA20_BLOCK_LEN; i++, len -= CHACHA20_BLOCK_LEN) {
		__m512i d = _mm512_loadu_si512(src + i * CHACHA20_BLOCK_LEN);

		_mm512_storeu_si512(dst + i * CHACHA20_BLOCK_LEN,
				    _mm512_xor_si512(d, blk[i]));
	}
	if (!len)
		return;
	m = (1ULL << len) - 1;
	_mm512_mask_storeu_epi8(
		dst + i * CHACHA20_BLOCK_LEN, m,
		_mm512_xor_si512(_mm512_maskz_loadu_epi8(
					 m, src + i * CHACHA20_BLOCK_LEN),
				 blk[i]));
}

SIMD void chacha20_xor(uint8_t *dst, const uint8_t *src, size_t len,
		       const uint32_t key[static 8], uint32_t counter,
		       const uint32_t nonce[static 3])
{
	__m512i blk[16];
	size_t n;

	while (len) {
		n = len < CHACHA20_WIDE_LEN ? len : CHACHA20_WIDE_LEN;
		wide_block(blk, key, counter, nonce);
		xor_blocks(dst, src, n, blk);
		counter += 16;
		dst += n;
		src += n;
		len -= n;
	}
}

SIMD void chacha20_xor_stream(uint8_t *dst, const uint8_t *src, size_t len,
			      const uint8_t *stream)
{
	__mmask64 m;

	for (; len >= CHACHA20_BLOCK_LEN; len -= CHACHA20_BLOCK_LEN) {
		_mm512_storeu_si512(dst, _mm512_xor_si512(_mm512_loadu_si512(src),
							  _mm512_loadu_si512(stream)));
		dst += CHACHA20_BLOCK_LEN;
		src += CHACHA20_BLOCK_LEN;
		stream += CHACHA20_BLOCK_LEN;
	}
	if (!len)
		return;
	m = (1ULL << len) - 1;
	_mm512_mask_storeu_epi8(dst, m,
				_mm512_xor_si512(_mm512_maskz_loadu_epi8(m, src),
						 _mm512_maskz_loadu_epi8(m, stream)));
}
