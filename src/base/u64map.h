/* SPDX-License-Identifier: MIT */
/*
 * A hash map from 64-bit keys to 64-bit values: open addressing, linear
 * probing, deletion by backward shift (no tombstones, so lookups stay
 * short however much the map churns). Every key is valid, 0 included.
 *
 * Keys are mixed with a fixed function, not a keyed hash: use it for
 * keys the program assigns (database ids), not ones an attacker picks.
 * Not thread-safe; the caller locks.
 */
#ifndef CVPC_BASE_U64MAP_H
#define CVPC_BASE_U64MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct u64map_slot {
	uint64_t key, value;
	bool used;
};

struct u64map {
	struct u64map_slot *slots;
	size_t cap; /* 0 or a power of two */
	size_t len;
};

#define U64MAP_INIT { NULL, 0, 0 }

/*
 * Sets key to value. 0, or -ENOMEM with the map unchanged; replacing
 * the value of a key already present never fails.
 */
int u64map_put(struct u64map *m, uint64_t key, uint64_t value);
/* The address of key's value, or NULL; valid until the next put or del. */
uint64_t *u64map_get(const struct u64map *m, uint64_t key);
/* Whether key was there. Never allocates. */
bool u64map_del(struct u64map *m, uint64_t key);
void u64map_free(struct u64map *m);

#endif
