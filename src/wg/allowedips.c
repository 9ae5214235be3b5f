// SPDX-License-Identifier: MIT
/*
 * A path-compressed binary radix trie per family. Each node stands for a
 * prefix (key/cidr); its two children extend it by at least one bit, the
 * bit right after the node's prefix choosing the side. Runs of single
 * children are never stored: a node exists only if it is owned or if it
 * joins two branches, so a trie of n prefixes has fewer than 2n nodes;
 * cidrs strictly grow downwards, so no path is longer than 33 or 129.
 *
 * Keys are held as four host-order 32-bit words (IPv4 uses the first), so
 * matching a node is four masked XORs with no branch on the family and no
 * byte loop.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "wg/allowedips.h"
#include "wg/allowedips_debug.h"

enum { KEY_WORDS = 4 };

struct allowedips_node {
	struct allowedips_node *child[2];
	struct allowedips_node *parent;
	/* NULL only for a node that joins two branches */
	struct allowedips_owner *owner;
	/* the owner's list; pprev points at the previous next or at first */
	struct allowedips_node *owner_next;
	struct allowedips_node **owner_pprev;
	/* masked to cidr; the words past the family's length stay 0 */
	uint32_t key[KEY_WORDS];
	uint32_t mask[KEY_WORDS];
	uint8_t cidr;
	/* where the bit after the prefix is: it picks the child */
	uint8_t bit_word;
	uint8_t bit_shift;
	uint8_t family;
};

struct allowedips {
	struct allowedips_node *root4;
	struct allowedips_node *root6;
	size_t nodes; /* allocated minus freed, for the leak check */
	unsigned int fail_alloc; /* test hook: countdown to a failed alloc */
};

static unsigned int family_bits(int family)
{
	if (family == AF_INET)
		return 32;
	if (family == AF_INET6)
		return 128;
	return 0;
}

/*
 * Loads a big-endian address of the given number of 32-bit words; the
 * rest stays zero so that every key compares as four words.
 */
static inline void key_load(uint32_t key[KEY_WORDS], const void *addr,
			    unsigned int words)
{
	unsigned int i;

	memset(key, 0, KEY_WORDS * sizeof(*key));
	memcpy(key, addr, words * sizeof(*key));
	for (i = 0; i < words; ++i)
		key[i] = ntohl(key[i]);
}

static void key_store(uint8_t *addr, const struct allowedips_node *node)
{
	unsigned int i, words = family_bits(node->family) >> 5;
	uint32_t be;

	for (i = 0; i < words; ++i) {
		be = htonl(node->key[i]);
		memcpy(addr + i * sizeof(be), &be, sizeof(be));
	}
}

static void mask_init(uint32_t mask[KEY_WORDS], unsigned int cidr)
{
	unsigned int i, bits;

	for (i = 0; i < KEY_WORDS; ++i) {
		bits = cidr > 32 * i ? cidr - 32 * i : 0;
		if (bits > 32)
			bits = 32;
		/* a shift by 32 is undefined, hence the special case */
		mask[i] = bits ? ~0U << (32 - bits) : 0;
	}
}

static inline bool prefix_matches(const struct allowedips_node *node,
				  const uint32_t key[KEY_WORDS])
{
	return !(((key[0] ^ node->key[0]) & node->mask[0]) |
		 ((key[1] ^ node->key[1]) & node->mask[1]) |
		 ((key[2] ^ node->key[2]) & node->mask[2]) |
		 ((key[3] ^ node->key[3]) & node->mask[3]));
}

static inline unsigned int choose(const struct allowedips_node *node,
				  const uint32_t key[KEY_WORDS])
{
	return (key[node->bit_word] >> node->bit_shift) & 1;
}

/* Length of the prefix a and b share, at most limit. */
static unsigned int common_bits(const uint32_t a[KEY_WORDS],
				const uint32_t b[KEY_WORDS], unsigned int limit)
{
	unsigned int i, n = limit;
	uint32_t diff;

	for (i = 0; i < KEY_WORDS; ++i) {
		diff = a[i] ^ b[i];
		if (diff) {
			n = 32 * i + __builtin_clz(diff);
			break;
		}
	}
	return n < limit ? n : limit;
}

static struct allowedips_node **root_of(struct allowedips *table, int family)
{
	return family == AF_INET ? &table->root4 : &table->root6;
}

/* The pointer that holds node: its parent's child slot or the root. */
static struct allowedips_node **slot_of(struct allowedips *table,
					struct allowedips_node *node)
{
	if (!node->parent)
		return root_of(table, node->family);
	return &node->parent->child[choose(node->parent, node->key)];
}

static struct allowedips_node *node_new(struct allowedips *table, int family,
					const uint32_t key[KEY_WORDS],
					unsigned int cidr)
{
	struct allowedips_node *node;
	unsigned int i;

	if (table->fail_alloc && !--table->fail_alloc)
		return NULL;
	node = calloc(1, sizeof(*node));
	if (!node)
		return NULL;
	mask_init(node->mask, cidr);
	for (i = 0; i < KEY_WORDS; ++i)
		node->key[i] = key[i] & node->mask[i];
	node->cidr = cidr;
	node->family = family;
	/*
	 * A full-length prefix has no next bit and no children; pointing
	 * it at bit 0's slot, always NULL, keeps choose() branch-free.
	 */
	if (cidr < family_bits(family)) {
		node->bit_word = cidr >> 5;
		node->bit_shift = 31 - (cidr & 31);
	}
	++table->nodes;
	return node;
}

static void node_free(struct allowedips *table, struct allowedips_node *node)
{
	--table->nodes;
	free(node);
}

/* Appends, so an owner's prefixes list in the order they were added. */
static void owner_link(struct allowedips_node *node,
		       struct allowedips_owner *owner)
{
	struct allowedips_node **tail = owner->tail ? owner->tail : &owner->first;

	node->owner = owner;
	node->owner_next = NULL;
	node->owner_pprev = tail;
	*tail = node;
	owner->tail = &node->owner_next;
	++owner->count;
}

static void owner_unlink(struct allowedips_node *node)
{
	struct allowedips_owner *owner = node->owner;

	*node->owner_pprev = node->owner_next;
	if (node->owner_next)
		node->owner_next->owner_pprev = node->owner_pprev;
	else
		owner->tail = node->owner_pprev;
	--owner->count;
	node->owner = NULL;
	node->owner_next = NULL;
	node->owner_pprev = NULL;
}

/*
 * Restores "owned or joining two branches" after node lost its owner: a
 * node with one child is replaced by it, a leaf is cut off, and cutting
 * a leaf can leave its owner-less parent with a single child in turn.
 * That parent then has a child, so the walk stops there.
 */
static void prune(struct allowedips *table, struct allowedips_node *node)
{
	struct allowedips_node *child, *parent;

	while (node && !node->owner && !(node->child[0] && node->child[1])) {
		child = node->child[0] ? node->child[0] : node->child[1];
		parent = node->parent;
		*slot_of(table, node) = child;
		if (child)
			child->parent = parent;
		node_free(table, node);
		node = child ? NULL : parent;
	}
}

/* An existing prefix, or a node that only joined, gets a new owner. */
static void reown(struct allowedips_node *node, struct allowedips_owner *owner)
{
	if (node->owner == owner)
		return;
	if (node->owner)
		owner_unlink(node);
	owner_link(node, owner);
}

static void remove_node(struct allowedips *table, struct allowedips_node *node)
{
	owner_unlink(node);
	prune(table, node);
}

struct allowedips *allowedips_new(void)
{
	return calloc(1, sizeof(struct allowedips));
}

/* Frees a subtree without a stack, climbing back up through parent. */
static void free_trie(struct allowedips_node *node)
{
	struct allowedips_node *next;

	while (node) {
		if (node->child[0]) {
			next = node->child[0];
			node->child[0] = NULL;
		} else if (node->child[1]) {
			next = node->child[1];
			node->child[1] = NULL;
		} else {
			next = node->parent;
			free(node);
		}
		node = next;
	}
}

void allowedips_free(struct allowedips *table)
{
	if (!table)
		return;
	free_trie(table->root4);
	free_trie(table->root6);
	free(table);
}

int allowedips_insert(struct allowedips *table, int family, const void *addr,
		      uint8_t cidr, struct allowedips_owner *owner)
{
	struct allowedips_node **slot, *node, *parent = NULL, *leaf, *join;
	unsigned int bits = family_bits(family), common = 0, dir;
	uint32_t key[KEY_WORDS];

	if (!bits || cidr > bits || !owner)
		return -EINVAL;
	key_load(key, addr, bits >> 5);

	/* Descend while the node's prefix is a proper prefix of ours. */
	slot = root_of(table, family);
	while ((node = *slot)) {
		common = common_bits(key, node->key,
				     cidr < node->cidr ? cidr : node->cidr);
		if (common != node->cidr || node->cidr == cidr)
			break;
		parent = node;
		slot = &node->child[choose(node, key)];
	}

	if (node && common == cidr && node->cidr == cidr) {
		reown(node, owner);
		return 0;
	}

	leaf = node_new(table, family, key, cidr);
	if (!leaf)
		return -ENOMEM;
	leaf->parent = parent;

	if (!node) {
		*slot = leaf;
	} else if (common == cidr) {
		/* Ours is a proper prefix of node's: slot it in above. */
		leaf->child[choose(leaf, node->key)] = node;
		node->parent = leaf;
		*slot = leaf;
	} else {
		/* They part ways at bit common: join them there. */
		join = node_new(table, family, key, common);
		if (!join) {
			node_free(table, leaf);
			return -ENOMEM;
		}
		dir = choose(join, key);
		join->child[dir] = leaf;
		join->child[!dir] = node;
		join->parent = parent;
		leaf->parent = join;
		node->parent = join;
		*slot = join;
	}
	owner_link(leaf, owner);
	return 0;
}

int allowedips_remove(struct allowedips *table, int family, const void *addr,
		      uint8_t cidr, struct allowedips_owner *owner)
{
	unsigned int bits = family_bits(family);
	struct allowedips_node *node;
	uint32_t key[KEY_WORDS];

	if (!bits || cidr > bits || !owner)
		return -EINVAL;
	key_load(key, addr, bits >> 5);

	node = *root_of(table, family);
	while (node && node->cidr < cidr && prefix_matches(node, key))
		node = node->child[choose(node, key)];
	if (!node || node->cidr != cidr || !prefix_matches(node, key) ||
	    node->owner != owner)
		return -ENOENT;
	remove_node(table, node);
	return 0;
}

void allowedips_remove_owner(struct allowedips *table,
			     struct allowedips_owner *owner)
{
	/* prune() frees only owner-less nodes, never the next one here */
	while (owner->first)
		remove_node(table, owner->first);
}

struct allowedips_owner *allowedips_lookup(const struct allowedips *table,
					   int family, const void *addr)
{
	const struct allowedips_node *node;
	struct allowedips_owner *found = NULL;
	uint32_t key[KEY_WORDS];

	if (family == AF_INET) {
		node = table->root4;
		key_load(key, addr, 1);
	} else if (family == AF_INET6) {
		node = table->root6;
		key_load(key, addr, KEY_WORDS);
	} else {
		return NULL;
	}

	/* Deeper owned nodes are longer prefixes: the last one wins. */
	while (node && prefix_matches(node, key)) {
		if (node->owner)
			found = node->owner;
		node = node->child[choose(node, key)];
	}
	return found;
}

int allowedips_walk_owner(const struct allowedips_owner *owner,
			  allowedips_fn fn, void *arg)
{
	const struct allowedips_node *node;
	uint8_t addr[16];
	int ret;

	/* fn must leave the table alone: the walk follows owner_next */
	for (node = owner->first; node; node = node->owner_next) {
		key_store(addr, node);
		ret = fn(arg, node->family, addr, node->cidr);
		if (ret)
			return ret;
	}
	return 0;
}

static ssize_t broken(const char **why, const char *rule)
{
	*why = rule;
	return -1;
}

static ssize_t check_trie(const struct allowedips_node *node,
			  const struct allowedips_node *parent, int family,
			  const char **why)
{
	unsigned int i, side;
	ssize_t n, total = 1;

	if (node->parent != parent)
		return broken(why, "parent link");
	if (node->family != family || node->cidr > family_bits(family))
		return broken(why, "family or cidr");
	for (i = 0; i < KEY_WORDS; ++i)
		if (node->key[i] & ~node->mask[i])
			return broken(why, "key not masked");
	if (parent) {
		side = choose(parent, node->key);
		if (node->cidr <= parent->cidr ||
		    !prefix_matches(parent, node->key))
			return broken(why, "child does not extend parent");
		if (parent->child[side] != node)
			return broken(why, "child on the wrong side");
	}
	if (!node->owner && !(node->child[0] && node->child[1]))
		return broken(why, "owner-less node does not join");
	if (node->owner && (!node->owner_pprev || *node->owner_pprev != node))
		return broken(why, "owner list link");
	for (i = 0; i < 2; ++i) {
		if (!node->child[i])
			continue;
		n = check_trie(node->child[i], node, family, why);
		if (n < 0)
			return n;
		total += n;
	}
	return total;
}

ssize_t allowedips_debug_check(const struct allowedips *table,
			       const char **why)
{
	ssize_t n4 = 0, n6 = 0;

	*why = NULL;
	if (table->root4)
		n4 = check_trie(table->root4, NULL, AF_INET, why);
	if (n4 >= 0 && table->root6)
		n6 = check_trie(table->root6, NULL, AF_INET6, why);
	if (n4 < 0 || n6 < 0)
		return -1;
	if ((size_t)(n4 + n6) != table->nodes)
		return broken(why, "node count differs from allocations");
	return n4 + n6;
}

void allowedips_debug_fail_alloc(struct allowedips *table, unsigned int nth)
{
	table->fail_alloc = nth;
}
