/* SPDX-License-Identifier: MIT */
/*
 * Network-order (big-endian) fields read and written at any alignment,
 * as in packet headers, and the little-endian words of the ciphers.
 */
#ifndef CVPC_BASE_BYTES_H
#define CVPC_BASE_BYTES_H

#include <endian.h>
#include <stdint.h>
#include <string.h>

static inline uint16_t get_be16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return be16toh(v);
}

static inline uint32_t get_be32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return be32toh(v);
}

static inline void put_be16(uint8_t *p, uint16_t host)
{
	uint16_t v = htobe16(host);

	memcpy(p, &v, sizeof(v));
}

static inline void put_be32(uint8_t *p, uint32_t host)
{
	uint32_t v = htobe32(host);

	memcpy(p, &v, sizeof(v));
}

static inline uint32_t get_le32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return le32toh(v);
}

static inline uint64_t get_le64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return le64toh(v);
}

static inline void put_le32(uint8_t *p, uint32_t host)
{
	uint32_t v = htole32(host);

	memcpy(p, &v, sizeof(v));
}

static inline void put_le64(uint8_t *p, uint64_t host)
{
	uint64_t v = htole64(host);

	memcpy(p, &v, sizeof(v));
}

#endif
