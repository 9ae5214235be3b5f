/* SPDX-License-Identifier: MIT */
/*
 * Network-order (big-endian) fields read and written at any alignment,
 * as in packet headers.
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

#endif
