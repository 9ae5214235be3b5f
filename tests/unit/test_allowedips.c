// SPDX-License-Identifier: MIT
/*
 * The allowed-IPs trie: fixed cases in the manner of the kernel's
 * selftest/allowedips.c, then random tables checked against a
 * deliberately naive reference (a flat array scanned entry by entry), the
 * owner lists, and insert/remove churn with the node count audited.
 *
 * Random tests print their seed when they fail; CVPC_TEST_SEED=<n>
 * replays another one.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "wg/allowedips.h"
#include "wg/allowedips_debug.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

enum { NUM_PEERS = 8, NUM_CLUSTERS = 6 };

struct peer {
	char name[4];
	struct allowedips_owner ips;
};

/* The naive reference: every prefix once, masked, scanned linearly. */
struct ref_route {
	int family;
	uint8_t cidr;
	uint8_t addr[16]; /* zero past the family's length */
	struct allowedips_owner *owner;
};

struct reference {
	struct ref_route *routes;
	size_t n, cap;
};

struct fixture {
	struct allowedips *table;
	struct peer peers[NUM_PEERS];
	struct reference ref;
};

static unsigned long long seed = 0x5eedc0ffee0cb0a1ULL;
static uint64_t rng_state;
static uint8_t clusters[2][NUM_CLUSTERS][16];

#define FAIL(fmt, ...) fail_msg("seed %#llx: " fmt, seed, ##__VA_ARGS__)

/* ---- helpers ---- */

static const char *name_of(const struct allowedips_owner *owner)
{
	const struct peer *peer;

	if (!owner)
		return "none";
	peer = (const struct peer *)((const char *)owner -
				     offsetof(struct peer, ips));
	return peer->name;
}

static size_t addr_len(int family)
{
	return family == AF_INET ? 4 : 16;
}

static unsigned int addr_bits(int family)
{
	return family == AF_INET ? 32 : 128;
}

static const char *fmt_addr(int family, const uint8_t *addr,
			    char buf[INET6_ADDRSTRLEN])
{
	return inet_ntop(family, addr, buf, INET6_ADDRSTRLEN) ? buf : "?";
}

static ssize_t check_table(struct fixture *f)
{
	const char *why;
	ssize_t n = allowedips_debug_check(f->table, &why);

	if (n < 0)
		FAIL("trie invariant broken: %s", why);
	return n;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	unsigned int i;

	if (!f)
		return -1;
	f->table = allowedips_new();
	if (!f->table) {
		free(f);
		return -1;
	}
	for (i = 0; i < NUM_PEERS; ++i)
		snprintf(f->peers[i].name, sizeof(f->peers[i].name), "%c",
			 'a' + i);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	allowedips_free(f->table);
	free(f->ref.routes);
	free(f);
	return 0;
}

/* ---- fixed cases ---- */

struct route {
	int family;
	char peer; /* 'a'..'h', or 0 for "no owner" in a probe */
	uint8_t cidr;
	uint8_t addr[16];
};

#define BE32(x) (uint8_t)((x) >> 24), (uint8_t)((x) >> 16), \
		(uint8_t)((x) >> 8), (uint8_t)(x)
#define R4(p, a, b, c, d, cidr) { AF_INET, p, cidr, { a, b, c, d } }
#define R6(p, a, b, c, d, cidr) \
	{ AF_INET6, p, cidr, { BE32(a), BE32(b), BE32(c), BE32(d) } }
/* A probe: the peer a lookup of the address must return. */
#define P4(p, a, b, c, d) R4(p, a, b, c, d, 0)
#define P6(p, a, b, c, d) R6(p, a, b, c, d, 0)

static struct allowedips_owner *owner_of(struct fixture *f, char peer)
{
	return peer ? &f->peers[peer - 'a'].ips : NULL;
}

static void insert_routes(struct fixture *f, const struct route *r, size_t n)
{
	char buf[INET6_ADDRSTRLEN];
	size_t i;
	int ret;

	for (i = 0; i < n; ++i) {
		ret = allowedips_insert(f->table, r[i].family, r[i].addr,
					r[i].cidr, owner_of(f, r[i].peer));
		if (ret)
			fail_msg("insert %s/%u: %d",
				 fmt_addr(r[i].family, r[i].addr, buf),
				 r[i].cidr, ret);
	}
}

static void check_probes(struct fixture *f, const struct route *p, size_t n)
{
	struct allowedips_owner *got, *want;
	char buf[INET6_ADDRSTRLEN];
	size_t i;

	for (i = 0; i < n; ++i) {
		got = allowedips_lookup(f->table, p[i].family, p[i].addr);
		want = owner_of(f, p[i].peer);
		if (got != want)
			fail_msg("probe %zu, %s: got %s, want %s", i + 1,
				 fmt_addr(p[i].family, p[i].addr, buf),
				 name_of(got), name_of(want));
	}
}

/* The kernel selftest's table and probes, host bits included. */
static const struct route kernel_routes[] = {
	R4('a', 192, 168, 4, 0, 24),
	R4('b', 192, 168, 4, 4, 32),
	R4('c', 192, 168, 0, 0, 16),
	R4('d', 192, 95, 5, 64, 27),
	R4('c', 192, 95, 5, 65, 27), /* re-owns d's /27, host bit set */
	R6('d', 0x26075300, 0x60006b00, 0, 0xc05f0543, 128),
	R6('c', 0x26075300, 0x60006b00, 0, 0, 64),
	R4('e', 0, 0, 0, 0, 0),
	R6('e', 0, 0, 0, 0, 0),
	R6('f', 0, 0, 0, 0, 0), /* re-owns e's ::/0 */
	R6('g', 0x24046800, 0, 0, 0, 32),
	R6('h', 0x24046800, 0x40040800, 0xdeadbeef, 0xdeadbeef, 64),
	R6('a', 0x24046800, 0x40040800, 0xdeadbeef, 0xdeadbeef, 128),
	R6('c', 0x24446800, 0x40e40800, 0xdeaebeef, 0xdefbeef, 128),
	R6('b', 0x24446800, 0xf0e40800, 0xeeaebeef, 0, 98),
	R4('g', 64, 15, 112, 0, 20),
	R4('h', 64, 15, 123, 211, 25),
	R4('a', 10, 0, 0, 0, 25),
	R4('b', 10, 0, 0, 128, 25),
	R4('a', 10, 1, 0, 0, 30),
	R4('b', 10, 1, 0, 4, 30),
	R4('c', 10, 1, 0, 8, 29),
	R4('d', 10, 1, 0, 16, 29),
};

static const struct route kernel_probes[] = {
	P4('a', 192, 168, 4, 20),
	P4('a', 192, 168, 4, 0),
	P4('b', 192, 168, 4, 4),
	P4('c', 192, 168, 200, 182),
	P4('c', 192, 95, 5, 68),
	P4('e', 192, 95, 5, 96),
	P6('d', 0x26075300, 0x60006b00, 0, 0xc05f0543),
	P6('c', 0x26075300, 0x60006b00, 0, 0xc02e01ee),
	P6('f', 0x26075300, 0x60006b01, 0, 0),
	P6('g', 0x24046800, 0x40040806, 0, 0x1006),
	P6('g', 0x24046800, 0x40040806, 0x1234, 0x5678),
	P6('f', 0x240467ff, 0x40040806, 0x1234, 0x5678),
	P6('f', 0x24046801, 0x40040806, 0x1234, 0x5678),
	P6('h', 0x24046800, 0x40040800, 0x1234, 0x5678),
	P6('h', 0x24046800, 0x40040800, 0, 0),
	P6('h', 0x24046800, 0x40040800, 0x10101010, 0x10101010),
	P6('a', 0x24046800, 0x40040800, 0xdeadbeef, 0xdeadbeef),
	P4('g', 64, 15, 116, 26),
	P4('g', 64, 15, 127, 3),
	P4('g', 64, 15, 123, 1),
	P4('h', 64, 15, 123, 128),
	P4('h', 64, 15, 123, 129),
	P4('a', 10, 0, 0, 52),
	P4('b', 10, 0, 0, 220),
	P4('a', 10, 1, 0, 2),
	P4('b', 10, 1, 0, 6),
	P4('c', 10, 1, 0, 10),
	P4('d', 10, 1, 0, 20),
};

/* After removing a: its /32s are gone and shorter prefixes show through. */
static const struct route kernel_routes_more_a[] = {
	R4('a', 1, 0, 0, 0, 32),
	R4('a', 64, 0, 0, 0, 32),
	R4('a', 128, 0, 0, 0, 32),
	R4('a', 192, 0, 0, 0, 32),
	R4('a', 255, 0, 0, 0, 32),
};

static const struct route kernel_probes_without_a[] = {
	P4('e', 1, 0, 0, 0),
	P4('e', 64, 0, 0, 0),
	P4('e', 128, 0, 0, 0),
	P4('e', 192, 0, 0, 0),
	P4('e', 255, 0, 0, 0),
	P4('c', 192, 168, 4, 20),
	P4('b', 192, 168, 4, 4),
	P4('e', 10, 0, 0, 52),
	P4('b', 10, 0, 0, 220),
	P4('e', 10, 1, 0, 2),
	P4('b', 10, 1, 0, 6),
	P6('h', 0x24046800, 0x40040800, 0xdeadbeef, 0xdeadbeef),
};

static void test_kernel_vectors(void **state)
{
	struct fixture *f = *state;
	struct allowedips_owner *a = owner_of(f, 'a');

	insert_routes(f, kernel_routes, ARRAY_SIZE(kernel_routes));
	check_table(f);
	check_probes(f, kernel_probes, ARRAY_SIZE(kernel_probes));
	assert_int_equal(owner_of(f, 'd')->count, 2);
	assert_int_equal(owner_of(f, 'e')->count, 1);

	insert_routes(f, kernel_routes_more_a,
		      ARRAY_SIZE(kernel_routes_more_a));
	assert_int_equal(a->count, 9);
	allowedips_remove_owner(f->table, a);
	assert_null(a->first);
	assert_int_equal(a->count, 0);
	check_table(f);
	check_probes(f, kernel_probes_without_a,
		     ARRAY_SIZE(kernel_probes_without_a));
}

/* A prefix and its own sub-prefix, both a's: nothing may survive. */
static void test_remove_owner_nested(void **state)
{
	static const struct route routes[] = {
		R4('a', 192, 168, 0, 0, 16),
		R4('a', 192, 168, 0, 0, 24),
	};
	static const struct route probes[] = {
		P4(0, 192, 168, 0, 1),
		P4(0, 192, 168, 1, 1),
	};
	struct fixture *f = *state;

	insert_routes(f, routes, ARRAY_SIZE(routes));
	allowedips_remove_owner(f->table, owner_of(f, 'a'));
	check_probes(f, probes, ARRAY_SIZE(probes));
	assert_int_equal(check_table(f), 0);
}

/*
 * 128 host routes, each all-ones but for one bit: a join at every depth,
 * the deepest trie there is. Then take it apart leaf by leaf.
 */
static void test_deepest_trie(void **state)
{
	struct fixture *f = *state;
	struct allowedips_owner *a = owner_of(f, 'a');
	uint8_t ip[16];
	unsigned int i;

	for (i = 0; i < 128; ++i) {
		memset(ip, 0xff, sizeof(ip));
		ip[i / 8] &= ~(0x80 >> (i % 8));
		assert_int_equal(allowedips_insert(f->table, AF_INET6, ip, 128,
						   a), 0);
	}
	/* 128 leaves and the 127 joins between them */
	assert_int_equal(check_table(f), 255);

	memset(ip, 0xff, sizeof(ip));
	assert_null(allowedips_lookup(f->table, AF_INET6, ip));
	for (i = 0; i < 128; ++i) {
		memset(ip, 0xff, sizeof(ip));
		ip[i / 8] &= ~(0x80 >> (i % 8));
		assert_ptr_equal(allowedips_lookup(f->table, AF_INET6, ip), a);
	}
	for (i = 128; i-- > 0;) {
		memset(ip, 0xff, sizeof(ip));
		ip[i / 8] &= ~(0x80 >> (i % 8));
		assert_int_equal(allowedips_remove(f->table, AF_INET6, ip, 128,
						   a), 0);
		assert_int_equal(check_table(f), i ? 2 * i - 1 : 0);
	}
}

static void test_edges(void **state)
{
	static const struct route routes[] = {
		R4('a', 1, 2, 3, 4, 0),
		R4('b', 10, 1, 2, 3, 32),
		R4('e', 255, 255, 255, 255, 32),
		R4('f', 0, 0, 0, 0, 32),
		R6('c', 0x20010db8, 0, 0, 1, 0),
		R6('d', 0x20010db8, 0, 0, 1, 128),
		R6('e', 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 128),
		R6('f', 0, 0, 0, 0, 128),
	};
	static const struct route probes[] = {
		P4('b', 10, 1, 2, 3),
		P4('a', 10, 1, 2, 2),
		P4('a', 10, 1, 2, 4),
		P4('a', 128, 0, 0, 0),
		P4('e', 255, 255, 255, 255),
		P4('a', 255, 255, 255, 254),
		P4('f', 0, 0, 0, 0),
		P4('a', 0, 0, 0, 1),
		P6('d', 0x20010db8, 0, 0, 1),
		P6('c', 0x20010db8, 0, 0, 0),
		P6('c', 0x20010db8, 0, 0, 3),
		P6('c', 0x80000000, 0, 0, 0),
		P6('e', 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff),
		P6('c', 0xffffffff, 0xffffffff, 0xffffffff, 0xfffffffe),
		P6('f', 0, 0, 0, 0),
		P6('c', 0, 0, 0, 1),
	};
	struct fixture *f = *state;
	struct allowedips_owner *a = owner_of(f, 'a');
	const uint8_t ip[16] = { 10, 1, 2, 3 };
	ssize_t nodes;

	/* /0 of one family covers nothing of the other */
	insert_routes(f, routes, 1);
	assert_null(allowedips_lookup(f->table, AF_INET6, ip));
	insert_routes(f, routes, ARRAY_SIZE(routes));
	check_probes(f, probes, ARRAY_SIZE(probes));
	nodes = check_table(f);

	assert_int_equal(allowedips_insert(f->table, AF_INET, ip, 33, a),
			 -EINVAL);
	assert_int_equal(allowedips_insert(f->table, AF_INET6, ip, 129, a),
			 -EINVAL);
	assert_int_equal(allowedips_insert(f->table, AF_INET6, ip, 255, a),
			 -EINVAL);
	assert_int_equal(allowedips_insert(f->table, AF_UNIX, ip, 8, a),
			 -EINVAL);
	assert_int_equal(allowedips_insert(f->table, AF_INET, ip, 8, NULL),
			 -EINVAL);
	assert_int_equal(allowedips_remove(f->table, AF_INET, ip, 33, a),
			 -EINVAL);
	assert_int_equal(allowedips_remove(f->table, AF_UNIX, ip, 8, a),
			 -EINVAL);
	assert_null(allowedips_lookup(f->table, AF_UNIX, ip));
	assert_int_equal(check_table(f), nodes);
	check_probes(f, probes, ARRAY_SIZE(probes));
}

struct walked {
	struct ref_route *routes;
	size_t n, cap;
	size_t stop_at;
	int stop_ret;
};

static int collect(void *arg, int family, const uint8_t *addr, uint8_t cidr)
{
	struct walked *w = arg;
	struct ref_route *r;

	if (w->n == w->cap)
		return -ENOSPC;
	r = &w->routes[w->n++];
	memset(r, 0, sizeof(*r));
	r->family = family;
	r->cidr = cidr;
	memcpy(r->addr, addr, addr_len(family));
	return w->n == w->stop_at ? w->stop_ret : 0;
}

static void test_reown(void **state)
{
	static const struct route probes_a[] = { P4('a', 192, 168, 1, 200) };
	static const struct route probes_b[] = { P4('b', 192, 168, 1, 200) };
	static const struct route probes_0[] = { P4(0, 192, 168, 1, 200) };
	struct fixture *f = *state;
	struct allowedips_owner *a = owner_of(f, 'a'), *b = owner_of(f, 'b');
	const uint8_t host[4] = { 192, 168, 1, 77 };
	const uint8_t net[4] = { 192, 168, 1, 0 };
	struct ref_route seen[2];
	struct walked w = { .routes = seen, .cap = ARRAY_SIZE(seen) };

	assert_int_equal(allowedips_insert(f->table, AF_INET, host, 24, a), 0);
	check_probes(f, probes_a, 1);
	assert_int_equal(allowedips_insert(f->table, AF_INET, net, 24, b), 0);
	check_probes(f, probes_b, 1);
	assert_int_equal(allowedips_insert(f->table, AF_INET, host, 24, b), 0);
	assert_null(a->first);
	assert_int_equal(a->count, 0);
	assert_int_equal(b->count, 1);
	assert_int_equal(check_table(f), 1);

	assert_int_equal(allowedips_walk_owner(b, collect, &w), 0);
	assert_int_equal(w.n, 1);
	assert_int_equal(seen[0].family, AF_INET);
	assert_int_equal(seen[0].cidr, 24);
	assert_memory_equal(seen[0].addr, net, sizeof(net));
	w.n = 0;
	assert_int_equal(allowedips_walk_owner(a, collect, &w), 0);
	assert_int_equal(w.n, 0);

	/* the former owner cannot remove it; the new one can, host bits too */
	assert_int_equal(allowedips_remove(f->table, AF_INET, host, 24, a),
			 -ENOENT);
	check_probes(f, probes_b, 1);
	assert_int_equal(allowedips_remove(f->table, AF_INET, host, 24, b), 0);
	check_probes(f, probes_0, 1);
	assert_int_equal(b->count, 0);
	assert_int_equal(check_table(f), 0);
}

static void test_remove_only_by_owner(void **state)
{
	static const struct route routes[] = {
		R4('a', 10, 0, 0, 0, 24),
		R4('b', 10, 0, 1, 0, 24),
		R4('c', 10, 0, 0, 128, 25),
	};
	static const struct route probes[] = {
		P4('a', 10, 0, 0, 1),
		P4('c', 10, 0, 0, 129),
		P4('b', 10, 0, 1, 1),
		P4(0, 10, 0, 2, 1),
	};
	static const struct route probes_after[] = {
		P4('a', 10, 0, 0, 1),
		P4('a', 10, 0, 0, 129),
		P4(0, 10, 0, 1, 1),
	};
	struct fixture *f = *state;
	struct allowedips_owner *a = owner_of(f, 'a'), *b = owner_of(f, 'b'),
				*c = owner_of(f, 'c');
	const uint8_t join[16] = { 10 }, sub[4] = { 10, 0, 1, 0 };
	const uint8_t half[4] = { 10, 0, 0, 128 };

	insert_routes(f, routes, ARRAY_SIZE(routes));
	/* 10.0.0.0/23 exists only as the join of the two /24s */
	assert_int_equal(check_table(f), 4);

	assert_int_equal(allowedips_remove(f->table, AF_INET, sub, 24, a),
			 -ENOENT);
	assert_int_equal(allowedips_remove(f->table, AF_INET, join, 23, a),
			 -ENOENT);
	assert_int_equal(allowedips_remove(f->table, AF_INET, join, 22, a),
			 -ENOENT);
	assert_int_equal(allowedips_remove(f->table, AF_INET, join, 25, a),
			 -ENOENT);
	assert_int_equal(allowedips_remove(f->table, AF_INET, half, 26, c),
			 -ENOENT);
	assert_int_equal(allowedips_remove(f->table, AF_INET6, join, 24, a),
			 -ENOENT);
	check_probes(f, probes, ARRAY_SIZE(probes));
	assert_int_equal(check_table(f), 4);

	/* removing b's /24 leaves the join with one branch: it must go */
	assert_int_equal(allowedips_remove(f->table, AF_INET, sub, 24, b), 0);
	assert_int_equal(check_table(f), 2);
	assert_int_equal(allowedips_remove(f->table, AF_INET, half, 25, c), 0);
	check_probes(f, probes_after, ARRAY_SIZE(probes_after));
	assert_int_equal(check_table(f), 1);
}

/* An owner-less join node can be owned, and unowned again. */
static void test_own_join_node(void **state)
{
	static const struct route routes[] = {
		R4('a', 10, 0, 0, 0, 24),
		R4('b', 10, 0, 1, 0, 24),
		R4('c', 10, 0, 0, 0, 23),
	};
	static const struct route probes[] = {
		P4('a', 10, 0, 0, 1),
		P4('b', 10, 0, 1, 1),
		P4(0, 10, 0, 2, 1),
	};
	struct fixture *f = *state;
	const uint8_t join[4] = { 10, 0, 1, 200 };

	insert_routes(f, routes, 2);
	assert_int_equal(check_table(f), 3);
	insert_routes(f, routes, 3);
	assert_int_equal(check_table(f), 3);
	assert_int_equal(owner_of(f, 'c')->count, 1);
	assert_int_equal(allowedips_remove(f->table, AF_INET, join, 23,
					   owner_of(f, 'c')), 0);
	assert_int_equal(check_table(f), 3);
	check_probes(f, probes, ARRAY_SIZE(probes));
}

/* ::ffff:0:0/96 lives in the IPv6 trie; IPv4 prefixes never reach it. */
static void test_v4_mapped_is_v6(void **state)
{
	static const struct route routes[] = {
		R6('a', 0, 0, 0xffff, 0, 96),
		R4('b', 0, 0, 0, 0, 0),
		R4('c', 10, 0, 0, 0, 8),
	};
	static const struct route probes[] = {
		P4('c', 10, 1, 2, 3),
		P4('b', 1, 2, 3, 4),
		P6('a', 0, 0, 0xffff, 0x0a010203),
		P6('a', 0, 0, 0xffff, 0x01020304),
		P6(0, 0x0a010203, 0, 0, 0),
		P6(0, 0, 0, 0, 0x0a010203),
	};
	static const struct route probes_no_v4[] = {
		P4(0, 10, 1, 2, 3),
		P6('a', 0, 0, 0xffff, 0x0a010203),
	};
	static const struct route probes_no_v6[] = {
		P4(0, 10, 1, 2, 3),
		P6(0, 0, 0, 0xffff, 0x0a010203),
	};
	struct fixture *f = *state;
	const uint8_t mapped[16] = { [10] = 0xff, [11] = 0xff };
	const uint8_t any[4] = { 0 }, ten[16] = { 10 };

	insert_routes(f, routes, ARRAY_SIZE(routes));
	check_probes(f, probes, ARRAY_SIZE(probes));
	/* same leading bytes, other family: not the same prefix */
	assert_int_equal(allowedips_remove(f->table, AF_INET6, ten, 8,
					   owner_of(f, 'c')), -ENOENT);
	assert_int_equal(allowedips_remove(f->table, AF_INET, any, 0,
					   owner_of(f, 'b')), 0);
	assert_int_equal(allowedips_remove(f->table, AF_INET, ten, 8,
					   owner_of(f, 'c')), 0);
	check_probes(f, probes_no_v4, ARRAY_SIZE(probes_no_v4));
	assert_int_equal(allowedips_remove(f->table, AF_INET6, mapped, 96,
					   owner_of(f, 'a')), 0);
	check_probes(f, probes_no_v6, ARRAY_SIZE(probes_no_v6));
	assert_int_equal(check_table(f), 0);
}

/*
 * A failed allocation must leave the table as it was, in each shape an
 * insert takes: a first root, a leaf below, a node above, and a join,
 * which needs two nodes and can fail on either.
 */
static void test_enomem(void **state)
{
	static const struct route probes[] = {
		P4('a', 10, 0, 0, 1),
		P4('a', 10, 1, 0, 1),
		P4(0, 11, 0, 0, 1),
		P4(0, 12, 0, 0, 1),
	};
	static const struct route probes_b[] = {
		P4('b', 10, 0, 0, 1),
		P4('b', 10, 1, 0, 1),
		P4(0, 11, 0, 0, 1),
	};
	struct fixture *f = *state;
	struct allowedips_owner *a = owner_of(f, 'a'), *b = owner_of(f, 'b');
	const uint8_t ten[4] = { 10 }, eleven[4] = { 11 };
	const uint8_t ten_one[4] = { 10, 1 };

	allowedips_debug_fail_alloc(f->table, 1);
	assert_int_equal(allowedips_insert(f->table, AF_INET, ten, 8, a),
			 -ENOMEM);
	assert_int_equal(check_table(f), 0);
	assert_null(a->first);
	assert_int_equal(a->count, 0);
	assert_int_equal(allowedips_insert(f->table, AF_INET, ten, 8, a), 0);

	allowedips_debug_fail_alloc(f->table, 1);
	assert_int_equal(allowedips_insert(f->table, AF_INET, ten_one, 16, b),
			 -ENOMEM);
	allowedips_debug_fail_alloc(f->table, 1);
	assert_int_equal(allowedips_insert(f->table, AF_INET, ten, 7, b),
			 -ENOMEM);
	allowedips_debug_fail_alloc(f->table, 1);
	assert_int_equal(allowedips_insert(f->table, AF_INET, eleven, 8, b),
			 -ENOMEM);
	allowedips_debug_fail_alloc(f->table, 2);
	assert_int_equal(allowedips_insert(f->table, AF_INET, eleven, 8, b),
			 -ENOMEM);
	assert_int_equal(check_table(f), 1);
	assert_int_equal(a->count, 1);
	assert_null(b->first);
	check_probes(f, probes, ARRAY_SIZE(probes));

	/* re-owning allocates nothing, so an armed failure cannot hit it */
	allowedips_debug_fail_alloc(f->table, 1);
	assert_int_equal(allowedips_insert(f->table, AF_INET, ten, 8, b), 0);
	allowedips_debug_fail_alloc(f->table, 0);
	check_probes(f, probes_b, ARRAY_SIZE(probes_b));
	assert_int_equal(check_table(f), 1);
	assert_int_equal(a->count, 0);
	assert_int_equal(b->count, 1);
}

/* ---- the naive reference and random tables ---- */

static void rng_seed(uint64_t s)
{
	rng_state = s;
}

/* splitmix64: small, and the same sequence everywhere */
static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned int rnd_below(unsigned int n)
{
	return rnd() % n;
}

static void rnd_bytes(uint8_t *p, size_t n)
{
	while (n--)
		*p++ = (uint8_t)rnd();
}

static int rnd_family(void)
{
	return rnd() & 1 ? AF_INET6 : AF_INET;
}

static bool get_bit(const uint8_t *addr, unsigned int i)
{
	return addr[i / 8] & (0x80 >> (i % 8));
}

static void set_bit(uint8_t *addr, unsigned int i, bool v)
{
	if (v)
		addr[i / 8] |= 0x80 >> (i % 8);
	else
		addr[i / 8] &= ~(0x80 >> (i % 8));
}

static void mask_addr(uint8_t *addr, int family, unsigned int cidr)
{
	unsigned int i;

	for (i = cidr; i < addr_bits(family); ++i)
		set_bit(addr, i, false);
}

/* Randomizes every bit from bit 'from' on. */
static void scramble_from(uint8_t *addr, int family, unsigned int from)
{
	unsigned int i;

	for (i = from; i < addr_bits(family); ++i)
		set_bit(addr, i, rnd() & 1);
}

static void clusters_init(void)
{
	rnd_bytes(&clusters[0][0][0], sizeof(clusters));
}

/*
 * Addresses near one of a few bases, sharing a random number of leading
 * bits with it, so that the prefixes drawn from them nest and overlap.
 */
static void clustered_addr(uint8_t addr[16], int family)
{
	unsigned int bits = addr_bits(family);

	memset(addr, 0, 16);
	memcpy(addr, clusters[family == AF_INET6][rnd_below(NUM_CLUSTERS)],
	       addr_len(family));
	scramble_from(addr, family, rnd_below(bits + 1));
}

/* Host routes and short prefixes are over-drawn: both are edges. */
static uint8_t random_cidr(int family, unsigned int min)
{
	unsigned int bits = addr_bits(family);

	switch (rnd_below(10)) {
	case 0:
		return bits;
	case 1:
		return min + rnd_below(9);
	default:
		return min + rnd_below(bits - min + 1);
	}
}

static struct allowedips_owner *random_owner(struct fixture *f)
{
	return &f->peers[rnd_below(NUM_PEERS)].ips;
}

static bool ref_covers(const struct ref_route *r, int family,
		       const uint8_t *addr)
{
	unsigned int i;

	if (r->family != family)
		return false;
	for (i = 0; i < r->cidr; ++i)
		if (get_bit(r->addr, i) != get_bit(addr, i))
			return false;
	return true;
}

static struct allowedips_owner *ref_lookup(const struct reference *ref,
					   int family, const uint8_t *addr)
{
	const struct ref_route *best = NULL;
	size_t i;

	for (i = 0; i < ref->n; ++i)
		if (ref_covers(&ref->routes[i], family, addr) &&
		    (!best || ref->routes[i].cidr > best->cidr))
			best = &ref->routes[i];
	return best ? best->owner : NULL;
}

static struct ref_route *ref_find(struct reference *ref, int family,
				  const uint8_t *addr, uint8_t cidr)
{
	struct ref_route key = { .family = family, .cidr = cidr };
	size_t i;

	memcpy(key.addr, addr, addr_len(family));
	mask_addr(key.addr, family, cidr);
	for (i = 0; i < ref->n; ++i)
		if (ref->routes[i].family == family &&
		    ref->routes[i].cidr == cidr &&
		    !memcmp(ref->routes[i].addr, key.addr, sizeof(key.addr)))
			return &ref->routes[i];
	return NULL;
}

static void ref_insert(struct reference *ref, int family, const uint8_t *addr,
		       uint8_t cidr, struct allowedips_owner *owner)
{
	struct ref_route *r = ref_find(ref, family, addr, cidr);

	if (r) {
		r->owner = owner;
		return;
	}
	if (ref->n == ref->cap) {
		ref->cap = ref->cap ? 2 * ref->cap : 1024;
		ref->routes = realloc(ref->routes,
				      ref->cap * sizeof(*ref->routes));
		assert_non_null(ref->routes);
	}
	r = &ref->routes[ref->n++];
	memset(r, 0, sizeof(*r));
	r->family = family;
	r->cidr = cidr;
	memcpy(r->addr, addr, addr_len(family));
	mask_addr(r->addr, family, cidr);
	r->owner = owner;
}

static int ref_remove(struct reference *ref, int family, const uint8_t *addr,
		      uint8_t cidr, struct allowedips_owner *owner)
{
	struct ref_route *r = ref_find(ref, family, addr, cidr);

	if (!r || r->owner != owner)
		return -ENOENT;
	*r = ref->routes[--ref->n];
	return 0;
}

static void ref_remove_owner(struct reference *ref,
			     struct allowedips_owner *owner)
{
	size_t i = 0;

	while (i < ref->n) {
		if (ref->routes[i].owner == owner)
			ref->routes[i] = ref->routes[--ref->n];
		else
			++i;
	}
}

/* A prefix of the table with random host bits, maybe one bit outside. */
static int probe_addr(const struct reference *ref, uint8_t addr[16])
{
	const struct ref_route *r;
	int family;

	switch (rnd_below(10)) {
	case 0: case 1: case 2: case 3:
		family = rnd_family();
		clustered_addr(addr, family);
		return family;
	case 4: case 5: case 6: case 7:
		if (!ref->n)
			break;
		r = &ref->routes[rnd_below(ref->n)];
		memcpy(addr, r->addr, 16);
		scramble_from(addr, r->family, r->cidr);
		if (r->cidr && rnd() & 1)
			set_bit(addr, r->cidr - 1, !get_bit(addr, r->cidr - 1));
		return r->family;
	}
	family = rnd_family();
	memset(addr, 0, 16);
	rnd_bytes(addr, addr_len(family));
	return family;
}

static void check_lookups(struct fixture *f, unsigned int n, size_t op)
{
	struct allowedips_owner *got, *want;
	char buf[INET6_ADDRSTRLEN];
	uint8_t addr[16];
	int family;

	while (n--) {
		family = probe_addr(&f->ref, addr);
		got = allowedips_lookup(f->table, family, addr);
		want = ref_lookup(&f->ref, family, addr);
		if (got != want)
			FAIL("op %zu, lookup %s: trie says %s, reference %s",
			     op, fmt_addr(family, addr, buf), name_of(got),
			     name_of(want));
	}
}

static void check_counts(struct fixture *f)
{
	size_t i, p, n;

	for (p = 0; p < NUM_PEERS; ++p) {
		for (i = n = 0; i < f->ref.n; ++i)
			n += f->ref.routes[i].owner == &f->peers[p].ips;
		if (n != f->peers[p].ips.count)
			FAIL("%s owns %zu prefixes, reference %zu",
			     f->peers[p].name, f->peers[p].ips.count, n);
	}
}

static void random_insert(struct fixture *f, unsigned int min_cidr,
			  size_t op)
{
	struct allowedips_owner *owner = random_owner(f);
	int family = rnd_family(), ret;
	unsigned int fail_at = 0;
	ssize_t nodes = 0;
	uint8_t addr[16];
	uint8_t cidr;

	clustered_addr(addr, family);
	cidr = random_cidr(family, min_cidr);
	if (op % 16 == 0) {
		nodes = check_table(f);
		fail_at = 1 + rnd_below(2);
		allowedips_debug_fail_alloc(f->table, fail_at);
	}
	ret = allowedips_insert(f->table, family, addr, cidr, owner);
	allowedips_debug_fail_alloc(f->table, 0);
	if (ret == -ENOMEM && fail_at) {
		if (check_table(f) != nodes)
			FAIL("op %zu: failed insert changed node count", op);
		return;
	}
	if (ret)
		FAIL("op %zu: insert returned %d", op, ret);
	ref_insert(&f->ref, family, addr, cidr, owner);
}

/* Mostly present prefixes, by their owner or another; some absent ones. */
static void random_remove(struct fixture *f, unsigned int min_cidr,
			  size_t op)
{
	struct allowedips_owner *owner = random_owner(f);
	const struct ref_route *r;
	int family, want, got;
	uint8_t addr[16];
	uint8_t cidr;

	if (f->ref.n && rnd_below(4)) {
		r = &f->ref.routes[rnd_below(f->ref.n)];
		family = r->family;
		cidr = r->cidr;
		memcpy(addr, r->addr, 16);
		scramble_from(addr, family, cidr);
		if (rnd_below(4))
			owner = r->owner;
	} else {
		family = rnd_family();
		clustered_addr(addr, family);
		cidr = random_cidr(family, min_cidr);
	}
	want = ref_remove(&f->ref, family, addr, cidr, owner);
	got = allowedips_remove(f->table, family, addr, cidr, owner);
	if (got != want)
		FAIL("op %zu: remove returned %d, reference %d", op, got, want);
}

static void shuffle(unsigned int *v, unsigned int n)
{
	unsigned int i, j, tmp;

	for (i = n; i > 1; --i) {
		j = rnd_below(i);
		tmp = v[i - 1];
		v[i - 1] = v[j];
		v[j] = tmp;
	}
}

/*
 * Inserts (some with an allocation failure armed), removals by the right
 * and the wrong owner and of absent prefixes, with the trie checked
 * against the reference as it goes; then every owner removed in turn.
 */
static void random_run(struct fixture *f, uint64_t salt,
		       unsigned int min_cidr)
{
	enum { OPS = 12000, CHECK_EVERY = 500, LOOKUPS = 1000 };
	unsigned int order[NUM_PEERS], i;
	size_t op;

	rng_seed(seed ^ salt);
	clusters_init();
	for (op = 1; op <= OPS; ++op) {
		if (rnd_below(10) < 7)
			random_insert(f, min_cidr, op);
		else
			random_remove(f, min_cidr, op);
		if (op % CHECK_EVERY == 0) {
			check_table(f);
			check_counts(f);
			check_lookups(f, LOOKUPS, op);
		}
	}
	if (f->ref.n < 2500)
		FAIL("only %zu prefixes: the test lost its teeth", f->ref.n);

	for (i = 0; i < NUM_PEERS; ++i)
		order[i] = i;
	shuffle(order, NUM_PEERS);
	for (i = 0; i < NUM_PEERS; ++i) {
		allowedips_remove_owner(f->table, &f->peers[order[i]].ips);
		ref_remove_owner(&f->ref, &f->peers[order[i]].ips);
		check_table(f);
		check_counts(f);
		check_lookups(f, LOOKUPS, op + i);
	}
	assert_int_equal(check_table(f), 0);
}

/* With /0 to /8 present, every lookup finds something: deep LPM. */
static void test_random_dense(void **state)
{
	random_run(*state, 0xde45e, 0);
}

/* No prefix shorter than /12: many lookups must find nothing. */
static void test_random_sparse(void **state)
{
	random_run(*state, 0x5a4e5e, 12);
}

static int route_cmp(const void *pa, const void *pb)
{
	const struct ref_route *a = pa, *b = pb;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	if (a->cidr != b->cidr)
		return a->cidr < b->cidr ? -1 : 1;
	return memcmp(a->addr, b->addr, sizeof(a->addr));
}

/* The owner's prefixes per the reference, owner cleared, sorted. */
static size_t ref_owned(const struct reference *ref,
			const struct allowedips_owner *owner,
			struct ref_route *out)
{
	size_t i, n = 0;

	for (i = 0; i < ref->n; ++i) {
		if (ref->routes[i].owner != owner)
			continue;
		out[n] = ref->routes[i];
		out[n++].owner = NULL;
	}
	qsort(out, n, sizeof(*out), route_cmp);
	return n;
}

static void check_walk(struct fixture *f, struct peer *p, struct walked *w,
		       struct ref_route *want)
{
	uint8_t masked[16];
	size_t i, n;

	w->n = 0;
	w->stop_at = 0;
	if (allowedips_walk_owner(&p->ips, collect, w))
		FAIL("walk of %s failed", p->name);
	n = ref_owned(&f->ref, &p->ips, want);
	if (w->n != n || p->ips.count != n)
		FAIL("%s: walked %zu, count %zu, reference %zu", p->name, w->n,
		     p->ips.count, n);
	for (i = 0; i < w->n; ++i) {
		memcpy(masked, w->routes[i].addr, 16);
		mask_addr(masked, w->routes[i].family, w->routes[i].cidr);
		if (memcmp(masked, w->routes[i].addr, 16))
			FAIL("%s: walked prefix %zu has host bits", p->name, i);
	}
	qsort(w->routes, w->n, sizeof(*w->routes), route_cmp);
	if (n && memcmp(w->routes, want, n * sizeof(*want)))
		FAIL("%s: walked prefixes differ from the reference", p->name);
}

static void test_walk_and_remove_owner(void **state)
{
	enum { PREFIXES = 3000, PROBES_PER_PREFIX = 4 };
	struct fixture *f = *state;
	struct ref_route *want, *removed;
	struct allowedips_owner *got;
	char buf[INET6_ADDRSTRLEN];
	struct walked w = { 0 };
	uint8_t addr[16];
	size_t i, k, n;
	unsigned int p;
	int family;

	want = calloc(PREFIXES, sizeof(*want));
	removed = calloc(PREFIXES, sizeof(*removed));
	w.routes = calloc(PREFIXES, sizeof(*w.routes));
	w.cap = PREFIXES;
	assert_true(want && removed && w.routes);

	rng_seed(seed ^ 0x77a1c);
	clusters_init();
	for (i = 0; i < PREFIXES; ++i) {
		struct allowedips_owner *owner = random_owner(f);
		uint8_t cidr;

		family = rnd_family();
		clustered_addr(addr, family);
		cidr = random_cidr(family, 0);
		assert_int_equal(allowedips_insert(f->table, family, addr,
						   cidr, owner), 0);
		ref_insert(&f->ref, family, addr, cidr, owner);
	}
	for (p = 0; p < NUM_PEERS; ++p)
		check_walk(f, &f->peers[p], &w, want);

	/* a non-zero return stops the walk and is passed through */
	w.n = 0;
	w.stop_at = 3;
	w.stop_ret = 42;
	assert_true(f->peers[0].ips.count > 3);
	assert_int_equal(allowedips_walk_owner(&f->peers[0].ips, collect, &w),
			 42);
	assert_int_equal(w.n, 3);

	for (p = 0; p < NUM_PEERS; ++p) {
		struct allowedips_owner *owner = &f->peers[p].ips;

		n = ref_owned(&f->ref, owner, removed);
		allowedips_remove_owner(f->table, owner);
		ref_remove_owner(&f->ref, owner);
		assert_null(owner->first);
		assert_int_equal(owner->count, 0);
		check_walk(f, &f->peers[p], &w, want);
		assert_int_equal(w.n, 0);
		check_table(f);
		for (i = 0; i < n; ++i) {
			for (k = 0; k < PROBES_PER_PREFIX; ++k) {
				memcpy(addr, removed[i].addr, 16);
				scramble_from(addr, removed[i].family,
					      removed[i].cidr);
				got = allowedips_lookup(f->table,
							removed[i].family,
							addr);
				if (got == owner ||
				    got != ref_lookup(&f->ref,
						      removed[i].family, addr))
					FAIL("%s removed, %s still finds %s",
					     f->peers[p].name,
					     fmt_addr(removed[i].family, addr,
						      buf),
					     name_of(got));
			}
		}
	}
	/* every owner gone: nothing is left to find, nothing is allocated */
	assert_int_equal(check_table(f), 0);
	for (i = 0; i < 1000; ++i) {
		family = probe_addr(&f->ref, addr);
		assert_null(allowedips_lookup(f->table, family, addr));
	}
	free(w.routes);
	free(removed);
	free(want);
}

/*
 * The same 64 prefixes inserted and removed 100k times over a fixed base
 * table, overlapping it and each other: the trie must come back to
 * exactly its base node count every round, and the base must route as
 * before.
 */
static void test_churn(void **state)
{
	enum { BASE = 1000, CHURN = 64, ROUNDS = 100000 / CHURN + 1,
	       PROBES = 1000 };
	struct fixture *f = *state;
	struct allowedips_owner *g = &f->peers[6].ips, *h = &f->peers[7].ips;
	struct allowedips_owner *before[PROBES];
	struct ref_route churn[CHURN];
	unsigned int order[CHURN], i, round;
	uint8_t probes[PROBES][16];
	int probe_family[PROBES];
	ssize_t base_nodes, nodes;
	struct ref_route *r;

	rng_seed(seed ^ 0xc4a2);
	clusters_init();
	for (i = 0; i < BASE; ++i) {
		struct allowedips_owner *owner = &f->peers[rnd_below(6)].ips;
		uint8_t addr[16], cidr;
		int family = rnd_family();

		clustered_addr(addr, family);
		cidr = random_cidr(family, 0);
		assert_int_equal(allowedips_insert(f->table, family, addr,
						   cidr, owner), 0);
		ref_insert(&f->ref, family, addr, cidr, owner);
	}
	for (i = 0; i < CHURN;) {
		r = &churn[i];
		memset(r, 0, sizeof(*r));
		r->family = rnd_family();
		clustered_addr(r->addr, r->family);
		r->cidr = random_cidr(r->family, 0);
		mask_addr(r->addr, r->family, r->cidr);
		/* distinct from the base and from each other */
		if (ref_find(&f->ref, r->family, r->addr, r->cidr))
			continue;
		ref_insert(&f->ref, r->family, r->addr, r->cidr, NULL);
		order[i] = i;
		++i;
	}
	for (i = 0; i < CHURN; ++i)
		assert_int_equal(ref_remove(&f->ref, churn[i].family,
					    churn[i].addr, churn[i].cidr,
					    NULL), 0);

	base_nodes = check_table(f);
	for (i = 0; i < PROBES; ++i) {
		probe_family[i] = probe_addr(&f->ref, probes[i]);
		before[i] = allowedips_lookup(f->table, probe_family[i],
					      probes[i]);
	}

	for (round = 0; round < ROUNDS; ++round) {
		shuffle(order, CHURN);
		for (i = 0; i < CHURN; ++i) {
			r = &churn[order[i]];
			if (allowedips_insert(f->table, r->family, r->addr,
					      r->cidr, i & 1 ? g : h))
				FAIL("round %u: churn insert failed", round);
		}
		nodes = check_table(f);
		if (nodes <= base_nodes || nodes > base_nodes + 2 * CHURN)
			FAIL("round %u: %zd nodes over a base of %zd", round,
			     nodes, base_nodes);
		if (g->count + h->count != CHURN)
			FAIL("round %u: %zu churn prefixes owned", round,
			     g->count + h->count);
		if (round % 4 == 3) {
			allowedips_remove_owner(f->table, g);
			allowedips_remove_owner(f->table, h);
		} else {
			for (i = CHURN; i-- > 0;) {
				r = &churn[order[i]];
				if (allowedips_remove(f->table, r->family,
						      r->addr, r->cidr,
						      i & 1 ? g : h))
					FAIL("round %u: churn remove failed",
					     round);
			}
		}
		nodes = check_table(f);
		if (nodes != base_nodes)
			FAIL("round %u: %zd nodes, base had %zd", round, nodes,
			     base_nodes);
	}

	for (i = 0; i < PROBES; ++i)
		if (allowedips_lookup(f->table, probe_family[i], probes[i]) !=
		    before[i])
			FAIL("probe %u routes differently after churn", i);
}

int main(void)
{
	const char *env = getenv("CVPC_TEST_SEED");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_kernel_vectors, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_remove_owner_nested,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_deepest_trie, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_edges, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reown, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remove_only_by_owner,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_own_join_node, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_v4_mapped_is_v6, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_enomem, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_dense, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_random_sparse, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_walk_and_remove_owner,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_churn, setup, teardown),
	};

	if (env)
		seed = strtoull(env, NULL, 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
