/* SPDX-License-Identifier: MIT */
/*
 * The device's table of local session indices: the random 32-bit
 * "sender index" we hand out in handshake messages, and find again when a
 * response, cookie or data message names it as its receiver index.
 *
 * Entries are embedded in handshakes and keypairs; the table only links
 * them. Not thread-safe: the device's loop thread owns it.
 */
#ifndef CVPC_WG_INDEX_H
#define CVPC_WG_INDEX_H

#include <stdbool.h>
#include <stdint.h>

struct wg_peer;

enum index_type {
	INDEX_HANDSHAKE = 1U << 0,
	INDEX_KEYPAIR = 1U << 1,
};

struct index_entry {
	struct wg_peer *peer;
	struct index_entry *next; /* hash chain */
	uint32_t index;
	uint8_t type;
	bool hashed;
};

struct index_table;

struct index_table *index_table_new(void);
/* The table must be empty (every entry removed by its owner). */
void index_table_free(struct index_table *table);

/* Gives entry a fresh random index not in use (removing its old one). */
void index_table_insert(struct index_table *table, struct index_entry *entry);
/* new takes over old's index (a handshake becoming a keypair). */
void index_table_replace(struct index_table *table, struct index_entry *old,
			 struct index_entry *new_entry);
void index_table_remove(struct index_table *table, struct index_entry *entry);
/* Finds index among entries whose type is in type_mask. */
struct index_entry *index_table_lookup(const struct index_table *table,
				       uint8_t type_mask, uint32_t index);

#endif
