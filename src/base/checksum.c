// SPDX-License-Identifier: MIT
/*
 * The one's complement sum does not care about byte order as long as it
 * is consistent (RFC 1071, 2.(B)): summing words as the CPU loads them
 * gives the big-endian sum byte-swapped, and the swap commutes with the
 * end-around carry. So the running sum is kept in load order ("memory
 * order"), words of any width are added with their carries kept in a
 * 64-bit accumulator, and only csum_fold() turns the result into the
 * host-order value of the big-endian sum.
 */
#include <endian.h>
#include <string.h>

#include "base/checksum.h"

/* Adds with the carry out of bit 63 brought back in at bit 0. */
static inline uint64_t add_carry(uint64_t a, uint64_t b)
{
	a += b;
	return a + (a < b);
}

static inline uint64_t load32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/*
 * Each accumulator takes at most 2^32 - 1 per add, so one block of at
 * most BLOCK bytes (BLOCK / 16 adds into each of four) cannot overflow.
 */
#define BLOCK ((size_t)1 << 32)

static uint64_t sum_block(const uint8_t *p, size_t len)
{
	uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;

	/* Four independent chains so the adds do not wait on each other. */
	while (len >= 32) {
		s0 += load32(p) + load32(p + 16);
		s1 += load32(p + 4) + load32(p + 20);
		s2 += load32(p + 8) + load32(p + 24);
		s3 += load32(p + 12) + load32(p + 28);
		p += 32;
		len -= 32;
	}
	while (len >= 4) {
		s0 += load32(p);
		p += 4;
		len -= 4;
	}
	if (len >= 2) {
		uint16_t v;

		memcpy(&v, p, sizeof(v));
		s1 += v;
		p += 2;
		len -= 2;
	}
	if (len) {
		/* The odd byte is the high half of a big-endian word. */
		uint8_t last[2] = { p[0], 0 };
		uint16_t v;

		memcpy(&v, last, sizeof(v));
		s2 += v;
	}
	return add_carry(add_carry(s0, s1), add_carry(s2, s3));
}

uint64_t csum_partial(const void *data, size_t len, uint64_t sum)
{
	const uint8_t *p = data;

	while (len > BLOCK) {
		sum = add_carry(sum, sum_block(p, BLOCK));
		p += BLOCK;
		len -= BLOCK;
	}
	return add_carry(sum, sum_block(p, len));
}

uint16_t csum_fold(uint64_t sum)
{
	uint32_t s32;
	uint16_t s16;

	/* 2^32 and 2^16 are both 1 modulo 0xffff: fold with carries. */
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffffffff) + (sum >> 32);
	s32 = (uint32_t)sum;
	s32 = (s32 & 0xffff) + (s32 >> 16);
	s32 = (s32 & 0xffff) + (s32 >> 16);
	s16 = (uint16_t)s32;
	/* s16 is in memory order: its bytes are the big-endian sum's. */
	return be16toh(s16);
}

uint64_t csum_pseudo(const uint8_t *ip, uint8_t proto, uint32_t len)
{
	uint64_t sum;

	/*
	 * IPv6 (RFC 8200, 8.1): addresses, a 32-bit length, three zero
	 * bytes and the next header. IPv4 (RFC 793): addresses, a zero
	 * byte, the protocol and a 16-bit length; as len fits 16 bits
	 * there, the same 32-bit big-endian length sums identically.
	 */
	if (ip[0] >> 4 == 6)
		sum = csum_partial(ip + 8, 32, 0);
	else
		sum = csum_partial(ip + 12, 8, 0);
	return add_carry(sum, (uint64_t)htobe16(proto) + htobe32(len));
}

void csum_ipv4_header(uint8_t *ip)
{
	size_t ihl = (size_t)(ip[0] & 0x0f) * 4;
	uint16_t check;

	ip[10] = 0;
	ip[11] = 0;
	check = htobe16((uint16_t)~csum_fold(csum_partial(ip, ihl, 0)));
	memcpy(ip + 10, &check, sizeof(check));
}
