// SPDX-License-Identifier: MIT
/*
 * The compiled policy: peering and filters on a small hand-made VPC,
 * classes shared and released, the diff a policy change produces, and
 * all of it against a deliberately naive reference that evaluates every
 * rule for every pair of nodes from the selector text. Last, 10,000
 * nodes, to see that they make a handful of classes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "base/container.h"
#include "base/strbuf.h"
#include "control/policy.h"
#include "control/policy_view.h"

#include "testutil.h"

#define APP_ID "0123456789abcdef0123456789abcdef01234567"

/* The example of the policy documentation, without its icmp rule. */
static const char example[] =
	"{\"rules\":["
	"{\"from\":[\"tag:web\"],\"to\":[\"type:db\"],\"proto\":\"tcp\",\"ports\":\"80\"},"
	"{\"from\":[\"node:alice\"],\"to\":[\"*\"],\"proto\":\"any\"},"
	"{\"from\":[\"app:" APP_ID "\"],\"to\":[\"tag:x\",\"node:bob\"],\"proto\":\"udp\",\"ports\":\"1000-2000\"}"
	"]}";
static const char icmp_rule[] =
	",{\"from\":[\"*\"],\"to\":[\"*\"],\"proto\":\"icmp\"}";

static const char *const tags_web[] = { "web" };
static const char *const tags_web_twice[] = { "other", "web", "web" };
static const char *const tags_x[] = { "x" };
static const char *const tags_web_x[] = { "web", "x" };

enum { WEB1 = 1, WEB2, WEB3, DB, ALICE, ALICE_TWIN, BOB, X, APP, OTHER, NODES };

static const struct policy_node vpc[] = {
	{ .id = WEB1, .name = "web1", .type = "vm", .tags = tags_web, .ntags = 1 },
	{ .id = WEB2, .name = "web2", .type = "vm", .tags = tags_web, .ntags = 1 },
	/* Tags the policy does not name, and a repeat, change nothing. */
	{ .id = WEB3, .name = "web3", .type = "vm", .tags = tags_web_twice, .ntags = 3 },
	{ .id = DB, .name = "db", .type = "db" },
	{ .id = ALICE, .name = "alice", .type = "vm" },
	/* Alice but for the name. */
	{ .id = ALICE_TWIN, .name = "carol", .type = "vm" },
	{ .id = BOB, .name = "bob", .type = "" },
	{ .id = X, .name = "x1", .type = "vm", .tags = tags_x, .ntags = 1 },
	{ .id = APP, .name = "app", .type = "vm", .app_id = APP_ID },
	{ .id = OTHER, .name = "other", .type = "vm" },
};

static struct policy_view *view_of(const char *json,
				   const struct policy_node *nodes, size_t n)
{
	struct policy *p = tu_policy_parse_ok(json);
	struct policy_view *v = policy_view_new(p);

	assert_non_null(v);
	policy_free(p);
	for (size_t i = 0; i < n; i++)
		assert_true(policy_view_add(v, &nodes[i]) >= 0);
	return v;
}

static int live_classes(const struct policy_view *v)
{
	int live = 0;
	size_t n;

	for (int c = 0; c < policy_view_class_bound(v); c++) {
		policy_view_class_members(v, c, &n);
		live += n > 0;
	}
	return live;
}

/* The pairs of vpc[] that peer under example, each given once. */
static bool example_peers(uint64_t a, uint64_t b)
{
	uint64_t lo = a < b ? a : b, hi = a < b ? b : a;
	bool web = lo >= WEB1 && lo <= WEB3;

	if (a == b)
		return false;
	if (a == ALICE || b == ALICE)
		return true;
	return (web && hi == DB) || (lo == BOB && hi == APP) ||
	       (lo == X && hi == APP);
}

static void test_example_peering(void **state)
{
	struct policy_view *v = view_of(example, vpc, ARRAY_SIZE(vpc));

	(void)state;
	for (uint64_t a = 1; a < NODES; a++) {
		for (uint64_t b = 1; b < NODES; b++) {
			if (policy_view_peers(v, a, b) != example_peers(a, b))
				fail_msg("nodes %d and %d", (int)a, (int)b);
		}
	}
	/* Alice's name singles her out from her twin. */
	assert_int_not_equal(policy_view_class_of(v, ALICE),
			     policy_view_class_of(v, ALICE_TWIN));
	assert_int_equal(policy_view_class_of(v, ALICE_TWIN),
			 policy_view_class_of(v, OTHER));
	/* web1-3, db, alice, carol+other, bob, x1, app. */
	assert_int_equal(live_classes(v), 7);
	/* Nodes never peer with themselves, nor with strangers. */
	assert_false(policy_view_peers(v, ALICE, ALICE));
	assert_false(policy_view_peers(v, ALICE, 999));
	assert_false(policy_view_class_peers(v, -1, 0));
	assert_false(policy_view_class_peers(v, 0, policy_view_class_bound(v)));
	policy_view_free(v);
}

static void test_any_to_any(void **state)
{
	char doc[sizeof(example) + sizeof(icmp_rule)];
	struct policy_view *v;
	struct policy *p;

	(void)state;
	/* One "*" rule, icmp only, makes everyone a peer. */
	snprintf(doc, sizeof(doc), "%.*s%s]}", (int)strlen(example) - 2,
		 example, icmp_rule);
	v = view_of(doc, vpc, ARRAY_SIZE(vpc));
	for (uint64_t a = 1; a < NODES; a++) {
		for (uint64_t b = 1; b < NODES; b++)
			assert_true(policy_view_peers(v, a, b) == (a != b));
	}
	policy_view_free(v);

	/* The default: one class, its filter the one rule. */
	p = policy_default();
	v = policy_view_new(p);
	policy_free(p);
	for (size_t i = 0; i < ARRAY_SIZE(vpc); i++)
		assert_int_equal(policy_view_add(v, &vpc[i]), 0);
	assert_int_equal(live_classes(v), 1);
	assert_true(policy_view_peers(v, WEB1, DB));
	assert_string_equal(policy_view_class_filter(v, 0),
			    "[{\"from\":[\"*\"],\"proto\":\"any\"}]");
	policy_view_free(v);

	/* No rules: nobody. */
	v = view_of("{\"rules\":[]}", vpc, ARRAY_SIZE(vpc));
	assert_int_equal(live_classes(v), 1);
	assert_false(policy_view_peers(v, WEB1, DB));
	assert_string_equal(policy_view_class_filter(v, 0), "[]");
	policy_view_free(v);
}

static void test_class_sharing(void **state)
{
	struct policy_view *v = view_of(example, vpc, ARRAY_SIZE(vpc));
	int web = policy_view_class_of(v, WEB1);
	const uint64_t *members;
	size_t n;

	(void)state;
	assert_int_equal(policy_view_class_of(v, WEB2), web);
	assert_int_equal(policy_view_class_of(v, WEB3), web);
	/* Made once per class, the same string for all its nodes. */
	assert_ptr_equal(policy_view_class_filter(v, web),
			 policy_view_class_filter(v, policy_view_class_of(v, WEB3)));
	members = policy_view_class_members(v, web, &n);
	assert_int_equal(n, 3);
	for (uint64_t id = WEB1; id <= WEB3; id++)
		assert_true(members[0] == id || members[1] == id ||
			    members[2] == id);
	/* Adding again is no change; adding a new alike node joins. */
	assert_int_equal(policy_view_add(v, &vpc[0]), web);
	assert_int_equal(live_classes(v), 7);
	assert_null(policy_view_class_members(v, policy_view_class_bound(v), &n));
	assert_int_equal(n, 0);
	assert_null(policy_view_class_filter(v, -1));
	policy_view_free(v);
}

static void test_filters(void **state)
{
	char doc[sizeof(example) + sizeof(icmp_rule)];
	static const char alice_rule[] = "{\"from\":[\"node:alice\"],\"proto\":\"any\"}";
	static const char icmp[] = "{\"from\":[\"*\"],\"proto\":\"icmp\"}";
	struct policy_view *v;
	char want[512];

	(void)state;
	snprintf(doc, sizeof(doc), "%.*s%s]}", (int)strlen(example) - 2,
		 example, icmp_rule);
	v = view_of(doc, vpc, ARRAY_SIZE(vpc));
	snprintf(want, sizeof(want), "[{\"from\":[\"tag:web\"],\"proto\":\"tcp\","
		 "\"ports\":[80,80]},%s,%s]", alice_rule, icmp);
	assert_string_equal(policy_view_class_filter(v, policy_view_class_of(v, DB)), want);
	snprintf(want, sizeof(want), "[%s,{\"from\":[\"app:" APP_ID "\"],"
		 "\"proto\":\"udp\",\"ports\":[1000,2000]},%s]", alice_rule, icmp);
	assert_string_equal(policy_view_class_filter(v, policy_view_class_of(v, X)), want);
	assert_string_equal(policy_view_class_filter(v, policy_view_class_of(v, BOB)), want);
	snprintf(want, sizeof(want), "[%s,%s]", alice_rule, icmp);
	assert_string_equal(policy_view_class_filter(v, policy_view_class_of(v, WEB1)), want);
	assert_string_equal(policy_view_class_filter(v, policy_view_class_of(v, ALICE)), want);
	/* Told apart as sources only: one filter string for both. */
	assert_ptr_equal(policy_view_class_filter(v, policy_view_class_of(v, WEB1)),
			 policy_view_class_filter(v, policy_view_class_of(v, ALICE)));
	assert_ptr_not_equal(policy_view_class_filter(v, policy_view_class_of(v, WEB1)),
			     policy_view_class_filter(v, policy_view_class_of(v, DB)));
	policy_view_free(v);
}

static void test_remove_and_move(void **state)
{
	struct policy_view *v = view_of(example, vpc, ARRAY_SIZE(vpc));
	struct policy_node moved = vpc[DB - 1];
	/* Matches both of the app rule's "to": a class of its own. */
	const struct policy_node bob_x = {
		.id = NODES, .name = "bob", .type = "", .tags = tags_x, .ntags = 1,
	};
	/* Two tags, both named: a class of its own. */
	const struct policy_node web_x = {
		.id = NODES + 1, .name = "wx", .type = "vm", .tags = tags_web_x,
		.ntags = 2,
	};
	int alice = policy_view_class_of(v, ALICE), c, bound, db;
	const uint64_t *members;
	size_t n;

	(void)state;
	/* The middle member goes: the others stay findable. */
	policy_view_remove(v, WEB2);
	assert_int_equal(policy_view_class_of(v, WEB2), -1);
	assert_false(policy_view_peers(v, WEB2, DB));
	assert_true(policy_view_peers(v, WEB3, DB));
	members = policy_view_class_members(v, policy_view_class_of(v, WEB1), &n);
	assert_int_equal(n, 2);
	assert_true(members[0] + members[1] == WEB1 + WEB3);
	policy_view_remove(v, WEB2);
	policy_view_remove(v, 12345);

	/* Alice's class empties, and its id goes to the next new class. */
	policy_view_remove(v, ALICE);
	assert_int_equal(live_classes(v), 6);
	assert_null(policy_view_class_members(v, alice, &n));
	assert_false(policy_view_peers(v, ALICE_TWIN, DB));
	bound = policy_view_class_bound(v);
	c = policy_view_add(v, &bob_x);
	assert_int_equal(c, alice);
	assert_int_equal(policy_view_class_bound(v), bound);
	assert_true(policy_view_peers(v, bob_x.id, APP));
	assert_false(policy_view_peers(v, bob_x.id, DB));
	c = policy_view_add(v, &vpc[ALICE - 1]);
	assert_true(c >= 0 && c != alice);
	assert_true(policy_view_peers(v, ALICE, OTHER));
	assert_true(policy_view_peers(v, ALICE, DB));
	policy_view_remove(v, bob_x.id);

	/* db turns into a web node: peers follow, its old class goes. */
	db = policy_view_class_of(v, DB);
	moved.type = "vm";
	moved.tags = tags_web;
	moved.ntags = 1;
	c = policy_view_add(v, &moved);
	assert_int_equal(c, policy_view_class_of(v, WEB1));
	assert_int_equal(live_classes(v), 6);
	assert_false(policy_view_peers(v, DB, WEB1));
	assert_true(policy_view_peers(v, DB, ALICE));
	/* The last id released is the first reused. */
	assert_int_equal(policy_view_add(v, &web_x), db);
	assert_true(policy_view_peers(v, web_x.id, APP));

	for (uint64_t id = 1; id <= web_x.id; id++)
		policy_view_remove(v, id);
	assert_int_equal(live_classes(v), 0);
	policy_view_free(v);
	policy_view_free(NULL);
}

/* ---- The naive reference ------------------------------------------------- */

enum {
	RAND_NODES = 200,
	RAND_POLICIES = 40,
	RAND_TAGS = 6,
	RAND_TYPES = 4,
	RAND_APPS = 3,
	MAX_SIDE = 4,
	MAX_RULES = 10,
};

struct tnode {
	struct policy_node n;
	char name[16];
	const char *tags[3];
};

struct trule {
	char from[MAX_SIDE][48], to[MAX_SIDE][48];
	size_t nfrom, nto;
};

struct tpolicy {
	struct trule rules[MAX_RULES];
	size_t nrules;
};

static const char *const rand_tags[RAND_TAGS] = { "t0", "t1", "t2", "t3", "t4", "t5" };
static const char *const rand_types[RAND_TYPES] = { "y0", "y1", "y2", "y3" };
static const char *const rand_apps[RAND_APPS] = {
	APP_ID,
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	"0000000000000000000000000000000000000001",
};

static uint64_t rnd(uint64_t *s, uint64_t n)
{
	return tu_xorshift64(s) % n;
}

static void random_node(uint64_t *s, struct tnode *t, uint64_t id)
{
	memset(t, 0, sizeof(*t));
	/* Named n0..n199 whatever the ids, for the node: selectors. */
	snprintf(t->name, sizeof(t->name), "n%d", (int)(id % RAND_NODES));
	t->n.id = id;
	t->n.name = t->name;
	t->n.type = rnd(s, 5) ? rand_types[rnd(s, RAND_TYPES)] : "";
	t->n.ntags = rnd(s, 4);
	for (size_t i = 0; i < t->n.ntags; i++)
		t->tags[i] = rand_tags[rnd(s, RAND_TAGS)];
	t->n.tags = t->tags;
	t->n.app_id = rnd(s, 2) ? rand_apps[rnd(s, RAND_APPS)] : NULL;
}

static void random_selector(uint64_t *s, char *out)
{
	switch (rnd(s, 16)) {
	case 0:
		strcpy(out, "*");
		break;
	case 1 ... 4:
		sprintf(out, "node:n%d", (int)rnd(s, RAND_NODES + 20));
		break;
	case 5 ... 9:
		sprintf(out, "tag:%s", rand_tags[rnd(s, RAND_TAGS)]);
		break;
	case 10 ... 13:
		sprintf(out, "type:%s", rand_types[rnd(s, RAND_TYPES)]);
		break;
	default:
		sprintf(out, "app:%s", rand_apps[rnd(s, RAND_APPS)]);
		break;
	}
}

/* The rules, as JSON, with protocols and ports thrown in. */
static char *random_policy(uint64_t *s, struct tpolicy *tp)
{
	static const char *const protos[] = {
		"", ",\"proto\":\"icmp\"", ",\"proto\":\"tcp\",\"ports\":\"22\"",
		",\"proto\":\"udp\",\"ports\":\"53-54\"", ",\"proto\":\"any\"",
	};
	struct strbuf sb = STRBUF_INIT;

	tp->nrules = rnd(s, MAX_RULES + 1);
	strbuf_addf(&sb, "{\"rules\":[");
	for (size_t r = 0; r < tp->nrules; r++) {
		struct trule *t = &tp->rules[r];

		t->nfrom = 1 + rnd(s, MAX_SIDE);
		t->nto = 1 + rnd(s, MAX_SIDE);
		strbuf_addf(&sb, "%s{\"from\":[", r ? "," : "");
		for (size_t i = 0; i < t->nfrom; i++) {
			random_selector(s, t->from[i]);
			strbuf_addf(&sb, "%s\"%s\"", i ? "," : "", t->from[i]);
		}
		strbuf_addf(&sb, "],\"to\":[");
		for (size_t i = 0; i < t->nto; i++) {
			random_selector(s, t->to[i]);
			strbuf_addf(&sb, "%s\"%s\"", i ? "," : "", t->to[i]);
		}
		strbuf_addf(&sb, "]%s}", protos[rnd(s, ARRAY_SIZE(protos))]);
	}
	strbuf_addf(&sb, "]}");
	assert_false(sb.oom);
	return sb.buf;
}

static bool naive_match(const char *sel, const struct policy_node *n)
{
	const char *colon = strchr(sel, ':');
	const char *v = colon ? colon + 1 : NULL;

	if (!strcmp(sel, "*"))
		return true;
	if (!strncmp(sel, "node:", 5))
		return !strcmp(n->name, v);
	if (!strncmp(sel, "type:", 5))
		return !strcmp(n->type, v);
	if (!strncmp(sel, "app:", 4))
		return n->app_id && !strcmp(n->app_id, v);
	for (size_t i = 0; i < n->ntags; i++) {
		if (!strcmp(n->tags[i], v))
			return true;
	}
	return false;
}

static bool naive_side(const char (*sels)[48], size_t n,
		       const struct policy_node *node)
{
	for (size_t i = 0; i < n; i++) {
		if (naive_match(sels[i], node))
			return true;
	}
	return false;
}

static bool naive_peers(const struct tpolicy *tp, const struct policy_node *a,
			const struct policy_node *b)
{
	if (a->id == b->id)
		return false;
	for (size_t r = 0; r < tp->nrules; r++) {
		const struct trule *t = &tp->rules[r];

		if ((naive_side(t->from, t->nfrom, a) && naive_side(t->to, t->nto, b)) ||
		    (naive_side(t->from, t->nfrom, b) && naive_side(t->to, t->nto, a)))
			return true;
	}
	return false;
}

/* "[" the filters of the rules whose "to" names n "]", by the reference. */
static void naive_filter(const struct tpolicy *tp, const struct policy *p,
			 const struct policy_node *n, struct strbuf *out)
{
	bool first = true;

	strbuf_reset(out);
	strbuf_add(out, "[", 1);
	for (size_t r = 0; r < tp->nrules; r++) {
		if (!naive_side(tp->rules[r].to, tp->rules[r].nto, n))
			continue;
		if (!first)
			strbuf_add(out, ",", 1);
		first = false;
		policy_rule_filter(p, r, out);
	}
	strbuf_add(out, "]", 1);
}

/* present[i]: whether nodes[i] is in v. */
static void check_view(const struct policy_view *v, const struct tpolicy *tp,
		       const struct tnode *nodes, const bool *present)
{
	struct strbuf want = STRBUF_INIT;
	size_t in_view = 0, in_classes = 0, n, k;
	const uint64_t *members;
	int c;

	/* Every member listed is in the view, in that class. */
	for (c = 0; c < policy_view_class_bound(v); c++) {
		members = policy_view_class_members(v, c, &n);
		for (k = 0; k < n; k++)
			assert_int_equal(policy_view_class_of(v, members[k]), c);
		in_classes += n;
	}
	for (size_t i = 0; i < RAND_NODES; i++)
		in_view += present[i];
	assert_int_equal(in_classes, in_view);

	for (size_t i = 0; i < RAND_NODES; i++) {
		const struct policy_node *a = &nodes[i].n;

		if (!present[i]) {
			assert_int_equal(policy_view_class_of(v, a->id), -1);
			continue;
		}
		c = policy_view_class_of(v, a->id);
		members = policy_view_class_members(v, c, &n);
		for (k = 0; k < n && members[k] != a->id; k++)
			;
		assert_true(k < n);
		naive_filter(tp, policy_view_policy(v), a, &want);
		assert_string_equal(policy_view_class_filter(v,
				    policy_view_class_of(v, a->id)), want.buf);
		for (size_t j = 0; j < RAND_NODES; j++) {
			const struct policy_node *b = &nodes[j].n;
			bool ref = present[j] && naive_peers(tp, a, b);

			if (policy_view_peers(v, a->id, b->id) != ref)
				fail_msg("%s and %s: view %d, reference %d",
					 nodes[i].name, nodes[j].name, !ref, ref);
		}
	}
	strbuf_free(&want);
}

static void test_random_against_naive(void **state)
{
	static struct tnode nodes[RAND_NODES];
	bool present[RAND_NODES];
	uint64_t seed = 0x5eed0f9011c1e5ULL;

	(void)state;
	for (int round = 0; round < RAND_POLICIES; round++) {
		struct tpolicy tp;
		char *doc = random_policy(&seed, &tp);
		struct policy *p = tu_policy_parse_ok(doc);
		struct policy_view *v = policy_view_new(p);

		assert_non_null(v);
		policy_free(p);
		for (uint64_t i = 0; i < RAND_NODES; i++) {
			random_node(&seed, &nodes[i], 1000 + i);
			assert_true(policy_view_add(v, &nodes[i].n) >= 0);
			present[i] = true;
		}
		check_view(v, &tp, nodes, present);
		/* Churn: a third leave, a third change, then some return. */
		for (size_t i = 0; i < RAND_NODES; i++) {
			switch (rnd(&seed, 3)) {
			case 0:
				policy_view_remove(v, nodes[i].n.id);
				present[i] = false;
				break;
			case 1:
				random_node(&seed, &nodes[i], nodes[i].n.id);
				assert_true(policy_view_add(v, &nodes[i].n) >= 0);
				break;
			}
		}
		for (size_t i = 0; i < RAND_NODES; i += 3) {
			if (!present[i]) {
				assert_true(policy_view_add(v, &nodes[i].n) >= 0);
				present[i] = true;
			}
		}
		check_view(v, &tp, nodes, present);
		policy_view_free(v);
		free(doc);
	}
}

/* ---- Policy changes ------------------------------------------------------ */

struct diff_count {
	const struct policy_view *old, *new;
	uint64_t self;
	size_t added, removed;
};

static int check_change(void *ctx, uint64_t node, bool added)
{
	struct diff_count *d = ctx;

	if (node == d->self)
		return 0;
	/* Reported means it flipped, in the direction said. */
	assert_true(policy_view_peers(d->new, d->self, node) == added);
	assert_true(policy_view_peers(d->old, d->self, node) == !added);
	if (added)
		d->added++;
	else
		d->removed++;
	return 0;
}

/*
 * For every node: what diff_peers reports for its group must be every
 * node whose peering with it flipped, each once.
 */
static void check_diff(const struct policy_view *old,
		       const struct policy_view *new, const struct tnode *nodes)
{
	for (size_t i = 0; i < RAND_NODES; i++) {
		uint64_t id = nodes[i].n.id;
		struct diff_count d = { old, new, id, 0, 0 };
		size_t added = 0, removed = 0;

		assert_int_equal(policy_view_diff_peers(old,
				 policy_view_class_of(old, id), new,
				 policy_view_class_of(new, id), check_change, &d), 0);
		for (size_t j = 0; j < RAND_NODES; j++) {
			bool was = policy_view_peers(old, id, nodes[j].n.id);
			bool is = policy_view_peers(new, id, nodes[j].n.id);

			added += is && !was;
			removed += was && !is;
		}
		assert_int_equal(d.added, added);
		assert_int_equal(d.removed, removed);
	}
}

static int count_peer(void *ctx, uint64_t node)
{
	(void)node;
	++*(size_t *)ctx;
	return 0;
}

struct peer_walk {
	uint64_t self;
	size_t count;
};

static int count_other(void *ctx, uint64_t node)
{
	struct peer_walk *w = ctx;

	w->count += node != w->self;
	return 0;
}

static int count_change(void *ctx, uint64_t node, bool added)
{
	(void)node;
	(void)added;
	++*(size_t *)ctx;
	return 0;
}

static int stop_at_first(void *ctx, uint64_t node)
{
	*(uint64_t *)ctx = node;
	return 7;
}

static void test_policy_change(void **state)
{
	static struct tnode nodes[RAND_NODES];
	uint64_t seed = 0xc4a29eULL;

	(void)state;
	for (int round = 0; round < RAND_POLICIES / 4; round++) {
		struct tpolicy tp_old, tp_new;
		char *doc_old = random_policy(&seed, &tp_old);
		char *doc_new = random_policy(&seed, &tp_new);
		struct policy_view *old = view_of(doc_old, NULL, 0);
		struct policy_view *new = view_of(doc_new, NULL, 0);

		for (uint64_t i = 0; i < RAND_NODES; i++) {
			random_node(&seed, &nodes[i], 1 + i);
			/* Some nodes come or go with the change. */
			if (i % 10 != 1)
				assert_true(policy_view_add(old, &nodes[i].n) >= 0);
			if (i % 10 != 2)
				assert_true(policy_view_add(new, &nodes[i].n) >= 0);
		}
		check_diff(old, new, nodes);
		/* Each node's peers, class by class, are its reference peers. */
		for (size_t i = 0; i < RAND_NODES; i += 7) {
			struct peer_walk walk = { nodes[i].n.id, 0 };
			size_t want = 0;

			policy_view_class_for_each_peer(new,
				policy_view_class_of(new, walk.self), count_other, &walk);
			for (size_t j = 0; j < RAND_NODES; j++)
				want += policy_view_peers(new, walk.self, nodes[j].n.id);
			assert_int_equal(walk.count, want);
		}
		policy_view_free(old);
		policy_view_free(new);
		free(doc_old);
		free(doc_new);
	}
}

static void test_walk_stops(void **state)
{
	struct policy_view *v = view_of(example, vpc, ARRAY_SIZE(vpc));
	uint64_t first = 0;

	(void)state;
	assert_int_equal(policy_view_class_for_each_peer(v,
			 policy_view_class_of(v, ALICE), stop_at_first, &first), 7);
	assert_true(first >= 1 && first < NODES);
	assert_int_equal(policy_view_class_for_each_peer(v, -1, stop_at_first,
							 &first), 0);
	policy_view_free(v);
}

/* ---- Scale ----------------------------------------------------------------- */

enum { SCALE_NODES = 10000, SCALE_TYPES = 5, SCALE_TAGS = 10 };

static double elapsed_ms(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1e3 +
	       (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

static char *scale_policy(int shift)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, "{\"rules\":[");
	for (int t = 0; t < SCALE_TAGS; t++)
		strbuf_addf(&sb, "{\"from\":[\"tag:tag-%d\"],\"to\":[\"tag:tag-%d\"],"
			    "\"proto\":\"tcp\",\"ports\":\"443\"},",
			    t, (t + shift) % SCALE_TAGS);
	strbuf_addf(&sb, "{\"from\":[\"type:type-0\"],\"to\":[\"type:type-%d\"]},"
		    "{\"from\":[\"node:node-7\"],\"to\":[\"*\"]},"
		    "{\"from\":[\"*\"],\"to\":[\"type:type-4\"],\"proto\":\"icmp\"}]}",
		    1 + shift % (SCALE_TYPES - 1));
	assert_false(sb.oom);
	return sb.buf;
}

static void test_scale(void **state)
{
	static char names[SCALE_NODES][24], types[SCALE_TYPES][24], tags[SCALE_TAGS][24];
	static const char *tag_of[SCALE_NODES];
	static struct policy_node nodes[SCALE_NODES];
	struct policy_view *v, *next;
	struct timespec t0;
	size_t fanout = 0, changed = 0, groups = 0;
	char *doc;
	(void)state;

	for (int i = 0; i < SCALE_TYPES; i++)
		snprintf(types[i], sizeof(types[i]), "type-%d", i);
	for (int i = 0; i < SCALE_TAGS; i++)
		snprintf(tags[i], sizeof(tags[i]), "tag-%d", i);
	for (int i = 0; i < SCALE_NODES; i++) {
		snprintf(names[i], sizeof(names[i]), "node-%d", i);
		tag_of[i] = tags[(i / SCALE_TYPES) % SCALE_TAGS];
		nodes[i] = (struct policy_node){
			.id = (uint64_t)i + 1, .name = names[i],
			.type = types[i % SCALE_TYPES], .tags = &tag_of[i], .ntags = 1,
		};
	}

	doc = scale_policy(1);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	v = view_of(doc, nodes, SCALE_NODES);
	print_message("scale: %d nodes added in %.1f ms, %d classes\n",
		      SCALE_NODES, elapsed_ms(&t0), live_classes(v));
	/*
	 * At most 5 types x 10 tags, and node-7 on its own; in fact 41, since
	 * type-1 and type-3, which no rule names, are alike to the policy.
	 */
	assert_true(live_classes(v) <= SCALE_TYPES * SCALE_TAGS + 1);
	free(doc);

	/* Everyone's peer count, a class at a time. */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int c = 0; c < policy_view_class_bound(v); c++) {
		size_t n, peers = 0;

		policy_view_class_members(v, c, &n);
		if (n)
			policy_view_class_for_each_peer(v, c, count_peer, &peers);
		fanout += n * peers;
	}
	print_message("scale: the peers of all nodes (%zu pairs), one walk per class, "
		      "in %.1f ms\n", fanout, elapsed_ms(&t0));

	/* A policy change: new view, then the diff group by group. */
	doc = scale_policy(3);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	next = view_of(doc, nodes, SCALE_NODES);
	for (int a = 0; a < policy_view_class_bound(v); a++) {
		bool *seen = calloc((size_t)policy_view_class_bound(next), sizeof(*seen));
		const uint64_t *m;
		size_t n;

		assert_non_null(seen);
		m = policy_view_class_members(v, a, &n);
		for (size_t i = 0; i < n; i++) {
			int b = policy_view_class_of(next, m[i]);
			size_t count = 0;

			if (seen[b])
				continue;
			seen[b] = true;
			groups++;
			policy_view_diff_peers(v, a, next, b, count_change, &count);
			changed += count;
		}
		free(seen);
	}
	print_message("scale: policy change: new view, and the diff of %zu (old, new) "
		      "class groups (%zu nodes flipped, summed over groups) in %.1f ms\n",
		      groups, changed, elapsed_ms(&t0));
	policy_view_free(next);
	policy_view_free(v);
	free(doc);
}

int main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_example_peering),
		cmocka_unit_test(test_any_to_any),
		cmocka_unit_test(test_class_sharing),
		cmocka_unit_test(test_filters),
		cmocka_unit_test(test_remove_and_move),
		cmocka_unit_test(test_random_against_naive),
		cmocka_unit_test(test_policy_change),
		cmocka_unit_test(test_walk_stops),
		cmocka_unit_test(test_scale),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
