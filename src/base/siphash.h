/* SPDX-License-Identifier: MIT */
/*
 * SipHash-2-4 (Aumasson & Bernstein): a keyed hash for tables whose keys an
 * attacker chooses (source addresses), so chains cannot be aimed at.
 */
#ifndef CVPC_BASE_SIPHASH_H
#define CVPC_BASE_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

struct siphash_key {
	uint64_t k0, k1;
};

uint64_t siphash(const void *data, size_t len, const struct siphash_key *key);

#endif
