// SPDX-License-Identifier: MIT
/*
 * Classes of nodes and what the policy says between them.
 *
 * A class records, as two bitsets over the rules, which rules its nodes
 * are a source of ("from" matches) and a destination of ("to" matches).
 * Classes a and b peer when some rule is in from(a) and to(b), or in
 * from(b) and to(a): a few word ANDs. Those answers are kept in a K x K
 * bit matrix, filled in a row and a column when a class is made, so a
 * lookup is one bit.
 *
 * Which rules name a selector is indexed once per view (CSR arrays per
 * side), so a new class's bitsets cost the rules that name its selectors,
 * not the whole policy.
 *
 * Filters are shared by the classes that are the destination of the same
 * rules: classes told apart only as sources (nodes a rule names in its
 * "from") would otherwise each hold a copy, up to the size of the policy.
 */
#include "control/policy_view.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/strbuf.h"
#include "base/u64map.h"

enum { SIG_ON_STACK = 16 };

struct filter {
	char *text;
	uint64_t hash; /* of to */
	uint32_t refs; /* classes using it */
	struct filter *next; /* same hash */
	uint64_t to[]; /* words bits: the rules whose "to" it holds */
};

struct class {
	uint32_t *sig; /* the selectors its nodes match, ascending; NULL: unused */
	size_t nsig;
	uint64_t hash;
	int next; /* next class of the same hash, or next unused id; -1 ends */
	uint64_t *rules; /* words bits of from(class), then words of to(class) */
	uint64_t *members;
	uint32_t nmembers, members_cap;
	struct filter *filter;
};

struct policy_view {
	struct policy *policy;
	size_t words; /* per rule bitset */
	/*
	 * Side s of the rules naming selector x: rules_of[s][start[s][x]] to
	 * rules_of[s][start[s][x + 1] - 1].
	 */
	uint32_t *start[2], *rules_of[2];
	struct class *classes;
	int nclasses, class_cap; /* ids below nclasses were handed out */
	int unused; /* emptied ids, linked through next */
	uint64_t *adj; /* class_cap rows of class_cap / 64 words */
	struct u64map by_hash; /* signature hash -> first class with it */
	struct u64map filters; /* hash of to -> first struct filter with it */
	struct u64map nodes; /* node id -> class << 32 | index in members */
};

static uint64_t node_entry(int class, uint32_t pos)
{
	return (uint64_t)class << 32 | pos;
}

static uint64_t *adj_row(const struct policy_view *v, int class)
{
	return v->adj + (size_t)class * (size_t)(v->class_cap / 64);
}

static bool adj_test(const struct policy_view *v, int a, int b)
{
	return adj_row(v, a)[b / 64] >> (b % 64) & 1;
}

static void adj_set(struct policy_view *v, int a, int b, bool on)
{
	uint64_t bit = 1ULL << (b % 64);

	if (on)
		adj_row(v, a)[b / 64] |= bit;
	else
		adj_row(v, a)[b / 64] &= ~bit;
}

static bool is_class(const struct policy_view *v, int class)
{
	return class >= 0 && class < v->nclasses && v->classes[class].sig;
}

static void class_clear(struct policy_view *v, struct class *c);

/* Setup */

/* The CSR index of one side: which rules name each selector there. */
static int index_side(struct policy_view *v, enum policy_side side)
{
	size_t nsels = policy_selectors(v->policy), r, i, n;
	uint32_t *start, *rules_of;
	const uint32_t *sel;

	start = calloc(nsels + 1, sizeof(*start));
	if (!start)
		return -ENOMEM;
	for (r = 0; r < policy_rules(v->policy); r++) {
		sel = policy_rule_side(v->policy, r, side, &n);
		for (i = 0; i < n; i++)
			start[sel[i] + 1]++;
	}
	for (i = 0; i < nsels; i++)
		start[i + 1] += start[i];
	rules_of = malloc((start[nsels] ? start[nsels] : 1) * sizeof(*rules_of));
	if (!rules_of) {
		free(start);
		return -ENOMEM;
	}
	/* Fill by advancing each start to the next one, then shift back. */
	for (r = 0; r < policy_rules(v->policy); r++) {
		sel = policy_rule_side(v->policy, r, side, &n);
		for (i = 0; i < n; i++)
			rules_of[start[sel[i]]++] = (uint32_t)r;
	}
	memmove(start + 1, start, nsels * sizeof(*start));
	start[0] = 0;
	v->start[side] = start;
	v->rules_of[side] = rules_of;
	return 0;
}

struct policy_view *policy_view_new(const struct policy *p)
{
	struct policy_view *v = calloc(1, sizeof(*v));

	if (!v)
		return NULL;
	v->unused = -1;
	v->policy = policy_dup(p);
	if (!v->policy || index_side(v, POLICY_FROM) < 0 ||
	    index_side(v, POLICY_TO) < 0) {
		policy_view_free(v);
		return NULL;
	}
	v->words = (policy_rules(p) + 63) / 64;
	return v;
}

void policy_view_free(struct policy_view *v)
{
	if (!v)
		return;
	for (int i = 0; i < v->nclasses; i++)
		class_clear(v, &v->classes[i]);
	free(v->classes);
	free(v->adj);
	u64map_free(&v->by_hash);
	u64map_free(&v->filters);
	u64map_free(&v->nodes);
	for (int s = 0; s < 2; s++) {
		free(v->start[s]);
		free(v->rules_of[s]);
	}
	policy_free(v->policy);
	free(v);
}

const struct policy *policy_view_policy(const struct policy_view *v)
{
	return v->policy;
}

/* Filters */

/* FNV-1a, for signatures and bitsets. */
static uint64_t hash_bytes(const void *data, size_t len)
{
	const unsigned char *b = data;
	uint64_t h = 0xcbf29ce484222325ULL;

	while (len--)
		h = (h ^ *b++) * 0x100000001b3ULL;
	return h;
}

static char *make_filter(const struct policy_view *v, const uint64_t *to)
{
	struct strbuf sb = STRBUF_INIT;
	bool first = true;

	strbuf_add(&sb, "[", 1);
	for (size_t r = 0; r < policy_rules(v->policy); r++) {
		if (!(to[r / 64] >> (r % 64) & 1))
			continue;
		if (!first)
			strbuf_add(&sb, ",", 1);
		first = false;
		policy_rule_filter(v->policy, r, &sb);
	}
	strbuf_add(&sb, "]", 1);
	if (sb.oom) {
		strbuf_free(&sb);
		return NULL;
	}
	return sb.buf;
}

/* A new reference to the filter of the rules in to, or NULL. */
static struct filter *filter_get(struct policy_view *v, const uint64_t *to)
{
	size_t size = v->words * sizeof(*to);
	uint64_t hash = hash_bytes(to, size);
	uint64_t *first = u64map_get(&v->filters, hash);
	struct filter *f;

	for (f = first ? (struct filter *)(uintptr_t)*first : NULL; f;
	     f = f->next) {
		if (!memcmp(f->to, to, size)) {
			f->refs++;
			return f;
		}
	}
	f = calloc(1, sizeof(*f) + size);
	if (!f)
		return NULL;
	memcpy(f->to, to, size);
	f->text = make_filter(v, to);
	if (!f->text)
		goto err;
	f->hash = hash;
	f->refs = 1;
	if (first) {
		f->next = (struct filter *)(uintptr_t)*first;
		*first = (uintptr_t)f;
	} else if (u64map_put(&v->filters, hash, (uintptr_t)f) < 0) {
		goto err;
	}
	return f;
err:
	free(f->text);
	free(f);
	return NULL;
}

static void filter_put(struct policy_view *v, struct filter *f)
{
	uint64_t *first;
	struct filter **link;

	if (!f || --f->refs)
		return;
	first = u64map_get(&v->filters, f->hash);
	if ((struct filter *)(uintptr_t)*first == f) {
		if (f->next)
			*first = (uintptr_t)f->next;
		else
			u64map_del(&v->filters, f->hash);
	} else {
		link = &((struct filter *)(uintptr_t)*first)->next;
		while (*link != f)
			link = &(*link)->next;
		*link = f->next;
	}
	free(f->text);
	free(f);
}

/* Classes */

static void class_clear(struct policy_view *v, struct class *c)
{
	free(c->sig);
	free(c->rules);
	free(c->members);
	filter_put(v, c->filter);
	*c = (struct class){ .next = -1 };
}

static int class_find(const struct policy_view *v, const uint32_t *sig,
		      size_t n, uint64_t hash)
{
	const uint64_t *first = u64map_get(&v->by_hash, hash);
	int c;

	for (c = first ? (int)*first : -1; c >= 0; c = v->classes[c].next) {
		const struct class *k = &v->classes[c];

		if (k->nsig == n && !memcmp(k->sig, sig, n * sizeof(*sig)))
			return c;
	}
	return -1;
}

/* Doubles the class array and the matrix, whose rows get longer. */
static int grow_classes(struct policy_view *v)
{
	int cap = v->class_cap ? 2 * v->class_cap : 64;
	size_t words = (size_t)cap / 64, old_words = (size_t)v->class_cap / 64;
	struct class *classes;
	uint64_t *adj;

	classes = realloc(v->classes, (size_t)cap * sizeof(*classes));
	if (!classes)
		return -ENOMEM;
	v->classes = classes;
	adj = calloc((size_t)cap * words, sizeof(*adj));
	if (!adj)
		return -ENOMEM;
	for (int i = 0; i < v->class_cap; i++)
		memcpy(adj + (size_t)i * words, adj_row(v, i),
		       old_words * sizeof(*adj));
	free(v->adj);
	v->adj = adj;
	v->class_cap = cap;
	return 0;
}

static int class_id(struct policy_view *v)
{
	int c = v->unused;

	if (c >= 0) {
		v->unused = v->classes[c].next;
		return c;
	}
	if (v->nclasses == v->class_cap && grow_classes(v) < 0)
		return -ENOMEM;
	c = v->nclasses++;
	v->classes[c] = (struct class){ .next = -1 };
	return c;
}

/* Drops an emptied (or half-made) class and queues its id for reuse. */
static void class_release(struct policy_view *v, int c)
{
	struct class *k = &v->classes[c];
	uint64_t *first = u64map_get(&v->by_hash, k->hash);

	if (first && (int)*first == c) {
		if (k->next >= 0)
			*first = (uint64_t)k->next;
		else
			u64map_del(&v->by_hash, k->hash);
	} else if (first) {
		int prev = (int)*first;

		while (v->classes[prev].next >= 0 && v->classes[prev].next != c)
			prev = v->classes[prev].next;
		if (v->classes[prev].next == c)
			v->classes[prev].next = k->next;
	}
	class_clear(v, k);
	k->next = v->unused;
	v->unused = c;
}

static void set_rule_bits(const struct policy_view *v, struct class *k)
{
	for (size_t i = 0; i < k->nsig; i++) {
		uint32_t s = k->sig[i];

		for (int side = 0; side < 2; side++) {
			uint64_t *bits = k->rules + (size_t)side * v->words;

			for (uint32_t j = v->start[side][s];
			     j < v->start[side][s + 1]; j++) {
				uint32_t r = v->rules_of[side][j];

				bits[r / 64] |= 1ULL << (r % 64);
			}
		}
	}
}

/* Whether some rule lets nodes of a reach nodes of b. */
static bool allows(const struct policy_view *v, const struct class *a,
		   const struct class *b)
{
	const uint64_t *from = a->rules, *to = b->rules + v->words;

	for (size_t w = 0; w < v->words; w++) {
		if (from[w] & to[w])
			return true;
	}
	return false;
}

static int class_new(struct policy_view *v, const uint32_t *sig, size_t n,
		     uint64_t hash)
{
	uint64_t *first = u64map_get(&v->by_hash, hash);
	int c = class_id(v);
	struct class *k;

	if (c < 0)
		return c;
	k = &v->classes[c];
	k->nsig = n;
	k->hash = hash;
	k->sig = malloc((n ? n : 1) * sizeof(*sig));
	k->rules = calloc(2 * v->words + 1, sizeof(*k->rules));
	k->members_cap = 4;
	k->members = malloc(k->members_cap * sizeof(*k->members));
	if (!k->sig || !k->rules || !k->members)
		goto err;
	memcpy(k->sig, sig, n * sizeof(*sig));
	set_rule_bits(v, k);
	k->filter = filter_get(v, k->rules + v->words);
	if (!k->filter)
		goto err;
	/* Pushed on the front of its hash's chain. */
	k->next = first ? (int)*first : -1;
	if (first)
		*first = (uint64_t)c;
	else if (u64map_put(&v->by_hash, hash, (uint64_t)c) < 0)
		goto err;
	for (int d = 0; d < v->nclasses; d++) {
		bool on;

		if (!is_class(v, d))
			continue;
		on = allows(v, k, &v->classes[d]) || allows(v, &v->classes[d], k);
		adj_set(v, c, d, on);
		adj_set(v, d, c, on);
	}
	return c;
err:
	k->next = -1;
	class_release(v, c);
	return -ENOMEM;
}

/* Nodes */

static void member_remove(struct policy_view *v, int c, uint32_t pos)
{
	struct class *k = &v->classes[c];
	uint64_t last = k->members[--k->nmembers];

	if (pos == k->nmembers)
		return;
	k->members[pos] = last;
	*u64map_get(&v->nodes, last) = node_entry(c, pos);
}

static int add_sig(struct policy_view *v, uint64_t id, const uint32_t *sig,
		   size_t n)
{
	uint64_t hash = hash_bytes(sig, n * sizeof(*sig)), *entry;
	int c = class_find(v, sig, n, hash), old = -1;
	uint32_t old_pos = 0;
	struct class *k;

	if (c < 0)
		c = class_new(v, sig, n, hash);
	if (c < 0)
		return c;
	entry = u64map_get(&v->nodes, id);
	if (entry) {
		old = (int)(*entry >> 32);
		old_pos = (uint32_t)*entry;
		if (old == c)
			return c;
	}
	k = &v->classes[c];
	if (k->nmembers == k->members_cap) {
		uint32_t cap = 2 * k->members_cap;
		uint64_t *m = realloc(k->members, cap * sizeof(*m));

		if (!m)
			goto err;
		k->members = m;
		k->members_cap = cap;
	}
	if (entry)
		*entry = node_entry(c, k->nmembers);
	else if (u64map_put(&v->nodes, id, node_entry(c, k->nmembers)) < 0)
		goto err;
	k->members[k->nmembers++] = id;
	if (old >= 0) {
		member_remove(v, old, old_pos);
		if (!v->classes[old].nmembers)
			class_release(v, old);
	}
	return c;
err:
	if (!k->nmembers)
		class_release(v, c);
	return -ENOMEM;
}

int policy_view_add(struct policy_view *v, const struct policy_node *n)
{
	uint32_t on_stack[SIG_ON_STACK], *sig = on_stack;
	size_t len;
	int ret;

	if (POLICY_MATCH_MAX(n) > SIG_ON_STACK) {
		sig = malloc(POLICY_MATCH_MAX(n) * sizeof(*sig));
		if (!sig)
			return -ENOMEM;
	}
	len = policy_match(v->policy, n, sig);
	ret = add_sig(v, n->id, sig, len);
	if (sig != on_stack)
		free(sig);
	return ret;
}

void policy_view_remove(struct policy_view *v, uint64_t node_id)
{
	uint64_t *entry = u64map_get(&v->nodes, node_id);
	int c;

	if (!entry)
		return;
	c = (int)(*entry >> 32);
	member_remove(v, c, (uint32_t)*entry);
	u64map_del(&v->nodes, node_id);
	if (!v->classes[c].nmembers)
		class_release(v, c);
}

int policy_view_class_of(const struct policy_view *v, uint64_t node_id)
{
	const uint64_t *entry = u64map_get(&v->nodes, node_id);

	return entry ? (int)(*entry >> 32) : -1;
}

int policy_view_class_bound(const struct policy_view *v)
{
	return v->nclasses;
}

/* Queries */

bool policy_view_class_peers(const struct policy_view *v, int a, int b)
{
	return is_class(v, a) && is_class(v, b) && adj_test(v, a, b);
}

bool policy_view_peers(const struct policy_view *v, uint64_t a, uint64_t b)
{
	return a != b && policy_view_class_peers(v, policy_view_class_of(v, a),
						 policy_view_class_of(v, b));
}

const char *policy_view_class_filter(const struct policy_view *v, int class)
{
	return is_class(v, class) ? v->classes[class].filter->text : NULL;
}

const uint64_t *policy_view_class_members(const struct policy_view *v,
					  int class, size_t *n)
{
	*n = is_class(v, class) ? v->classes[class].nmembers : 0;
	return *n ? v->classes[class].members : NULL;
}

int policy_view_class_for_each_peer(const struct policy_view *v, int class,
				    policy_view_node_fn fn, void *ctx)
{
	const uint64_t *row;
	int ret;

	if (!is_class(v, class))
		return 0;
	row = adj_row(v, class);
	for (int w = 0; w < (v->nclasses + 63) / 64; w++) {
		for (uint64_t bits = row[w]; bits; bits &= bits - 1) {
			int d = w * 64 + __builtin_ctzll(bits);
			const struct class *k = &v->classes[d];

			/* Bits of an unused id are stale until it is reused. */
			if (!k->sig)
				continue;
			for (uint32_t i = 0; i < k->nmembers; i++) {
				ret = fn(ctx, k->members[i]);
				if (ret)
					return ret;
			}
		}
	}
	return 0;
}

int policy_view_diff_peers(const struct policy_view *old, int a,
			   const struct policy_view *new, int a_new,
			   policy_view_diff_fn fn, void *ctx)
{
	int ret;

	/* Everyone in old: compare with where they are now. */
	for (int b = 0; b < old->nclasses; b++) {
		const struct class *k = &old->classes[b];
		bool was = policy_view_class_peers(old, a, b);

		for (uint32_t i = 0; i < k->nmembers; i++) {
			int b_new = policy_view_class_of(new, k->members[i]);
			bool is = policy_view_class_peers(new, a_new, b_new);

			if (was != is) {
				ret = fn(ctx, k->members[i], is);
				if (ret)
					return ret;
			}
		}
	}
	/* Those only in new were peers of nobody. */
	for (int b = 0; b < new->nclasses; b++) {
		const struct class *k = &new->classes[b];

		if (!policy_view_class_peers(new, a_new, b))
			continue;
		for (uint32_t i = 0; i < k->nmembers; i++) {
			if (policy_view_class_of(old, k->members[i]) >= 0)
				continue;
			ret = fn(ctx, k->members[i], true);
			if (ret)
				return ret;
		}
	}
	return 0;
}
