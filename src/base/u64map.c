// SPDX-License-Identifier: MIT
#include "base/u64map.h"

#include <errno.h>
#include <stdlib.h>

/* The splitmix64 finalizer: sequential ids spread over the whole table. */
static size_t slot_of(const struct u64map *m, uint64_t key)
{
	key ^= key >> 30;
	key *= 0xbf58476d1ce4e5b9ULL;
	key ^= key >> 27;
	key *= 0x94d049bb133111ebULL;
	key ^= key >> 31;
	return (size_t)key & (m->cap - 1);
}

static struct u64map_slot *find(const struct u64map *m, uint64_t key)
{
	size_t i;

	if (!m->cap)
		return NULL;
	for (i = slot_of(m, key); m->slots[i].used; i = (i + 1) & (m->cap - 1)) {
		if (m->slots[i].key == key)
			return &m->slots[i];
	}
	return NULL;
}

static void insert(struct u64map *m, uint64_t key, uint64_t value)
{
	size_t i = slot_of(m, key);

	while (m->slots[i].used)
		i = (i + 1) & (m->cap - 1);
	m->slots[i] = (struct u64map_slot){ key, value, true };
	m->len++;
}

/* At most half full: linear probing degrades fast beyond that. */
static int grow(struct u64map *m)
{
	struct u64map old = *m;
	size_t i;

	m->cap = old.cap ? 2 * old.cap : 16;
	m->slots = calloc(m->cap, sizeof(*m->slots));
	if (!m->slots) {
		*m = old;
		return -ENOMEM;
	}
	m->len = 0;
	for (i = 0; i < old.cap; i++) {
		if (old.slots[i].used)
			insert(m, old.slots[i].key, old.slots[i].value);
	}
	free(old.slots);
	return 0;
}

int u64map_put(struct u64map *m, uint64_t key, uint64_t value)
{
	struct u64map_slot *s = find(m, key);

	if (s) {
		s->value = value;
		return 0;
	}
	if (2 * (m->len + 1) > m->cap && grow(m) < 0)
		return -ENOMEM;
	insert(m, key, value);
	return 0;
}

uint64_t *u64map_get(const struct u64map *m, uint64_t key)
{
	struct u64map_slot *s = find(m, key);

	return s ? &s->value : NULL;
}

/*
 * Backward shift: each later slot of the run moves into the hole unless
 * its home lies cyclically in (hole, slot], where moving it would put it
 * before its home and lose it.
 */
bool u64map_del(struct u64map *m, uint64_t key)
{
	struct u64map_slot *s = find(m, key);
	size_t mask = m->cap - 1, hole, i, home;

	if (!s)
		return false;
	hole = (size_t)(s - m->slots);
	for (i = (hole + 1) & mask; m->slots[i].used; i = (i + 1) & mask) {
		home = slot_of(m, m->slots[i].key);
		if (((i - home) & mask) < ((i - hole) & mask))
			continue;
		m->slots[hole] = m->slots[i];
		hole = i;
	}
	m->slots[hole].used = false;
	m->len--;
	return true;
}

void u64map_free(struct u64map *m)
{
	free(m->slots);
	*m = (struct u64map)U64MAP_INIT;
}
