// SPDX-License-Identifier: MIT
#include <stdlib.h>

#include "crypto/util.h"
#include "wg/index.h"

/* 2^13 chains: a thousand peers hold at most four indices each. */
enum { INDEX_BUCKETS = 1U << 13 };

struct index_table {
	struct index_entry *buckets[INDEX_BUCKETS];
};

/* Indices are uniformly random, so their low bits are a fine hash. */
static struct index_entry **bucket(const struct index_table *t, uint32_t index)
{
	return (struct index_entry **)&t->buckets[index & (INDEX_BUCKETS - 1)];
}

struct index_table *index_table_new(void)
{
	return calloc(1, sizeof(struct index_table));
}

void index_table_free(struct index_table *table)
{
	free(table);
}

static bool index_in_use(const struct index_table *t, uint32_t index)
{
	for (const struct index_entry *e = *bucket(t, index); e; e = e->next) {
		if (e->index == index)
			return true;
	}
	return false;
}

void index_table_remove(struct index_table *table, struct index_entry *entry)
{
	struct index_entry **pp;

	if (!entry->hashed)
		return;
	for (pp = bucket(table, entry->index); *pp; pp = &(*pp)->next) {
		if (*pp == entry) {
			*pp = entry->next;
			break;
		}
	}
	entry->next = NULL;
	entry->hashed = false;
}

void index_table_insert(struct index_table *table, struct index_entry *entry)
{
	uint32_t index;
	struct index_entry **head;

	index_table_remove(table, entry);
	do
		index = random_u32();
	while (index_in_use(table, index));
	entry->index = index;
	head = bucket(table, index);
	entry->next = *head;
	*head = entry;
	entry->hashed = true;
}

void index_table_replace(struct index_table *table, struct index_entry *old,
			 struct index_entry *new_entry)
{
	struct index_entry **pp;

	if (!old->hashed)
		return;
	for (pp = bucket(table, old->index); *pp; pp = &(*pp)->next) {
		if (*pp == old)
			break;
	}
	new_entry->index = old->index;
	new_entry->next = old->next;
	new_entry->hashed = true;
	*pp = new_entry;
	old->next = NULL;
	old->hashed = false;
}

struct index_entry *index_table_lookup(const struct index_table *table,
				       uint8_t type_mask, uint32_t index)
{
	for (struct index_entry *e = *bucket(table, index); e; e = e->next) {
		if (e->index == index)
			return (e->type & type_mask) ? e : NULL;
	}
	return NULL;
}
