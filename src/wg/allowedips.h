/* SPDX-License-Identifier: MIT */
/*
 * Allowed IPs: a longest-prefix-match table from IPv4/IPv6 prefixes to
 * owners (peers). The data plane uses it twice: to pick the peer for an
 * outgoing packet's destination, and to check that a decrypted packet's
 * source belongs to the peer it came from.
 *
 * An owner embeds a struct allowedips_owner; the table links every prefix
 * node of that owner into it, so listing or removing one owner's prefixes
 * costs only that owner's entries. Callers recover their own struct with
 * container_of.
 *
 * Not thread-safe: the device serialises writers and readers.
 */
#ifndef CVPC_WG_ALLOWEDIPS_H
#define CVPC_WG_ALLOWEDIPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct allowedips;
struct allowedips_node;

/* Zero-initialised means "no prefixes". */
struct allowedips_owner {
	struct allowedips_node *first; /* in the order they were added */
	struct allowedips_node **tail; /* NULL or the last node's next link */
	size_t count;
};

struct allowedips *allowedips_new(void);
/* Frees the table; owners' lists are left dangling (reset them). */
void allowedips_free(struct allowedips *table);

/*
 * Maps addr/cidr to owner. Host bits beyond cidr are ignored (stored
 * masked). An existing identical prefix moves to the new owner.
 * family is AF_INET (addr: 4 bytes, cidr <= 32) or AF_INET6 (16, <= 128).
 * Returns 0, -EINVAL (bad family/cidr, NULL owner) or -ENOMEM, in which
 * case the table is unchanged.
 */
int allowedips_insert(struct allowedips *table, int family, const void *addr,
		      uint8_t cidr, struct allowedips_owner *owner);

/*
 * Removes addr/cidr only if owner holds it (host bits ignored). Returns
 * 0, -ENOENT, or -EINVAL (bad family/cidr, NULL owner).
 */
int allowedips_remove(struct allowedips *table, int family, const void *addr,
		      uint8_t cidr, struct allowedips_owner *owner);

/* Removes every prefix of owner; owner->first becomes NULL. */
void allowedips_remove_owner(struct allowedips *table,
			     struct allowedips_owner *owner);

/* Longest-prefix match; NULL when nothing covers addr. */
struct allowedips_owner *allowedips_lookup(const struct allowedips *table,
					   int family, const void *addr);

/*
 * Calls fn for every prefix of owner (addr masked, 4 or 16 bytes). Stops
 * and returns fn's value when it is non-zero. fn must not change the
 * table.
 */
typedef int (*allowedips_fn)(void *arg, int family, const uint8_t *addr,
			     uint8_t cidr);
int allowedips_walk_owner(const struct allowedips_owner *owner,
			  allowedips_fn fn, void *arg);

#endif
