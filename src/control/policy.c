// SPDX-License-Identifier: MIT
/*
 * Policy documents: parsing, checking, canonical serialization, and the
 * selector table policy_view.c compiles against.
 *
 * Every distinct selector is interned once in a table hashed on (kind,
 * value), and rules refer to selectors by number. That table is what
 * keeps matching a node O(its tags) rather than O(the policy): a node
 * looks up the few selectors it could match instead of testing them all.
 *
 * The text written out never needs escaping: selectors, protocols and
 * ports are all drawn from [a-z0-9:*-].
 */
#include "control/policy.h"

#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/container.h"
#include "base/strbuf.h"

enum {
	/* "type:" and a 63-character name, the longest selector text. */
	SELECTOR_TEXT_MAX = 5 + POLICY_NAME_MAX + 1,
	/* Quoted input is cut here, so the error text still says why. */
	QUOTE_MAX = 80,
	PORT_MAX = 65535,
};

#define QUOTE(s) QUOTE_MAX, (s), strlen(s) > QUOTE_MAX ? "..." : ""

enum sel_kind { SEL_ANY, SEL_NODE, SEL_TAG, SEL_TYPE, SEL_APP };

static const struct {
	const char *prefix;
	size_t len;
} kinds[] = {
	[SEL_ANY] = { "*", 1 },
	[SEL_NODE] = { "node:", 5 },
	[SEL_TAG] = { "tag:", 4 },
	[SEL_TYPE] = { "type:", 5 },
	[SEL_APP] = { "app:", 4 },
};

enum proto { PROTO_ANY, PROTO_TCP, PROTO_UDP, PROTO_ICMP };

static const char *const proto_names[] = {
	[PROTO_ANY] = "any",
	[PROTO_TCP] = "tcp",
	[PROTO_UDP] = "udp",
	[PROTO_ICMP] = "icmp",
};

struct selector {
	enum sel_kind kind;
	char text[SELECTOR_TEXT_MAX]; /* canonical: "*", "tag:web" */
};

struct rule {
	uint32_t *sel; /* nfrom "from" selector numbers, then nto "to" */
	uint32_t nfrom, nto;
	enum proto proto;
	uint16_t port_lo, port_hi; /* 1-65535 when not tcp or udp */
};

struct policy {
	struct rule *rules;
	size_t nrules;
	struct selector *sels;
	size_t nsels, sels_cap;
	/* Open addressing over sels: selector number + 1, 0 for empty. */
	uint32_t *index;
	size_t index_cap; /* a power of two, more than twice nsels */
};

/* Selectors */

static const char *sel_value(const struct selector *s)
{
	return s->text + kinds[s->kind].len;
}

/* FNV-1a: the keys are the administrator's own selectors. */
static uint64_t sel_hash(enum sel_kind kind, const char *value, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ kind;

	while (len--)
		h = (h ^ (uint8_t)*value++) * 0x100000001b3ULL;
	return h;
}

/* The selector's number, or -1. */
static long sel_find(const struct policy *p, enum sel_kind kind,
		     const char *value, size_t len)
{
	size_t mask = p->index_cap - 1, i;

	if (!p->index_cap)
		return -1;
	for (i = sel_hash(kind, value, len) & mask; p->index[i];
	     i = (i + 1) & mask) {
		const struct selector *s = &p->sels[p->index[i] - 1];
		const char *v = sel_value(s);

		if (s->kind == kind && !strncmp(v, value, len) && !v[len])
			return p->index[i] - 1;
	}
	return -1;
}

static void index_insert(struct policy *p, uint32_t num)
{
	const struct selector *s = &p->sels[num];
	const char *v = sel_value(s);
	size_t mask = p->index_cap - 1;
	size_t i = sel_hash(s->kind, v, strlen(v)) & mask;

	while (p->index[i])
		i = (i + 1) & mask;
	p->index[i] = num + 1;
}

/* The number of s in p, added if new; -ENOMEM. */
static long sel_intern(struct policy *p, const struct selector *s)
{
	const char *v = sel_value(s);
	long num = sel_find(p, s->kind, v, strlen(v));

	if (num >= 0)
		return num;
	if (p->nsels == p->sels_cap) {
		size_t cap = p->sels_cap ? 2 * p->sels_cap : 16;
		struct selector *sels = realloc(p->sels, cap * sizeof(*sels));

		if (!sels)
			return -ENOMEM;
		p->sels = sels;
		p->sels_cap = cap;
	}
	if (2 * (p->nsels + 1) >= p->index_cap) {
		size_t cap = p->index_cap ? 2 * p->index_cap : 32;
		uint32_t *index = calloc(cap, sizeof(*index));

		if (!index)
			return -ENOMEM;
		free(p->index);
		p->index = index;
		p->index_cap = cap;
		for (size_t i = 0; i < p->nsels; i++)
			index_insert(p, (uint32_t)i);
	}
	p->sels[p->nsels] = *s;
	index_insert(p, (uint32_t)p->nsels);
	return (long)p->nsels++;
}

/* Parsing */

struct parser {
	struct policy *p;
	char *err;
	size_t errlen;
};

static bool fail(struct parser *ps, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * The text quotes client input and ends up in logs and HTTP answers:
 * control bytes and non-ASCII are replaced so it cannot forge lines.
 */
static bool fail(struct parser *ps, const char *fmt, ...)
{
	va_list ap;
	char *c;

	if (!ps->err || !ps->errlen)
		return false;
	va_start(ap, fmt);
	vsnprintf(ps->err, ps->errlen, fmt, ap);
	va_end(ap);
	for (c = ps->err; *c; c++) {
		if ((unsigned char)*c < 0x20 || (unsigned char)*c > 0x7e)
			*c = '?';
	}
	return false;
}

static bool oom(struct parser *ps)
{
	return fail(ps, "out of memory");
}

/* Copies value lowercased into out; false unless 1-63 of [a-z0-9-]. */
static bool copy_name(char *out, const char *value)
{
	size_t i;

	for (i = 0; value[i]; i++) {
		char c = value[i];

		if (i == POLICY_NAME_MAX)
			return false;
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '-'))
			return false;
		out[i] = c;
	}
	out[i] = '\0';
	return i > 0;
}

static bool copy_app_id(char *out, const char *value)
{
	size_t i;

	for (i = 0; value[i]; i++) {
		char c = value[i];

		if (i == POLICY_APP_ID_LEN)
			return false;
		if (c >= 'A' && c <= 'F')
			c = (char)(c - 'A' + 'a');
		if (!((c >= 'a' && c <= 'f') || (c >= '0' && c <= '9')))
			return false;
		out[i] = c;
	}
	out[i] = '\0';
	return i == POLICY_APP_ID_LEN;
}

static bool parse_selector(struct parser *ps, const char *at, const char *s,
			   struct selector *out)
{
	enum sel_kind k;

	if (!strcmp(s, "*")) {
		out->kind = SEL_ANY;
		strcpy(out->text, "*");
		return true;
	}
	for (k = SEL_NODE; k <= SEL_APP; k++) {
		if (!strncmp(s, kinds[k].prefix, kinds[k].len))
			break;
	}
	if (k > SEL_APP)
		return fail(ps, "%s: unknown selector \"%.*s%s\" (expected *, "
			    "node:, tag:, type: or app:)", at, QUOTE(s));
	out->kind = k;
	memcpy(out->text, kinds[k].prefix, kinds[k].len);
	if (k == SEL_APP) {
		if (!copy_app_id(out->text + kinds[k].len, s + kinds[k].len))
			return fail(ps, "%s: \"%.*s%s\" is not an app id (%d "
				    "hex digits)", at, QUOTE(s),
				    POLICY_APP_ID_LEN);
	} else if (!copy_name(out->text + kinds[k].len, s + kinds[k].len)) {
		return fail(ps, "%s: \"%.*s%s\" is not a valid name (1-%d of "
			    "a-z, 0-9, -)", at, QUOTE(s), POLICY_NAME_MAX);
	}
	return true;
}

/*
 * Appends the selectors of one side to sel[*n], duplicates dropped (the
 * canonical form lists each once).
 */
static bool parse_side(struct parser *ps, const char *rule_at,
		       const char *name, const json_t *list, uint32_t *sel,
		       uint32_t *n)
{
	uint32_t first = *n;
	char at[64];
	json_t *item;
	size_t i;

	snprintf(at, sizeof(at), "%s.%s", rule_at, name);
	if (!list)
		return fail(ps, "%s: missing \"%s\"", rule_at, name);
	if (!json_is_array(list))
		return fail(ps, "%s: expected an array of selectors", at);
	if (!json_array_size(list))
		return fail(ps, "%s: empty (\"*\" is any node)", at);
	if (json_array_size(list) > POLICY_MAX_SELECTORS)
		return fail(ps, "%s: more than %d selectors", at,
			    POLICY_MAX_SELECTORS);
	json_array_foreach(list, i, item) {
		struct selector s;
		char item_at[96];
		long num;
		uint32_t j;

		snprintf(item_at, sizeof(item_at), "%s[%zu]", at, i);
		if (!json_is_string(item))
			return fail(ps, "%s: expected a string", item_at);
		if (!parse_selector(ps, item_at, json_string_value(item), &s))
			return false;
		num = sel_intern(ps->p, &s);
		if (num < 0)
			return oom(ps);
		for (j = first; j < *n && sel[j] != (uint32_t)num; j++)
			;
		if (j == *n)
			sel[(*n)++] = (uint32_t)num;
	}
	return true;
}

static bool parse_port(const char **s, uint16_t *port)
{
	uint32_t v = 0;
	const char *c = *s;

	if (*c < '0' || *c > '9')
		return false;
	for (; *c >= '0' && *c <= '9'; c++) {
		v = v * 10 + (uint32_t)(*c - '0');
		if (v > PORT_MAX)
			return false;
	}
	if (!v)
		return false;
	*port = (uint16_t)v;
	*s = c;
	return true;
}

/* "N" or "N-M", 1 <= N <= M <= 65535. */
static bool parse_range(const char *s, uint16_t *lo, uint16_t *hi)
{
	if (!parse_port(&s, lo))
		return false;
	*hi = *lo;
	if (*s == '-') {
		s++;
		if (!parse_port(&s, hi) || *hi < *lo)
			return false;
	}
	return !*s;
}

static bool parse_proto(struct parser *ps, const char *at, const json_t *v,
			struct rule *r)
{
	enum proto pr;

	r->proto = PROTO_ANY;
	if (!v)
		return true;
	if (!json_is_string(v))
		return fail(ps, "%s.proto: expected a string", at);
	for (pr = PROTO_ANY; pr <= PROTO_ICMP; pr++) {
		if (!strcmp(json_string_value(v), proto_names[pr])) {
			r->proto = pr;
			return true;
		}
	}
	return fail(ps, "%s.proto: \"%.*s%s\" is not tcp, udp, icmp or any",
		    at, QUOTE(json_string_value(v)));
}

/* After parse_proto(): whether ports make sense depends on it. */
static bool parse_ports(struct parser *ps, const char *at, const json_t *v,
			struct rule *r)
{
	const char *s;

	r->port_lo = 1;
	r->port_hi = PORT_MAX;
	if (!v)
		return true;
	if (!json_is_string(v))
		return fail(ps, "%s.ports: expected a string such as \"80\" or "
			    "\"1000-2000\"", at);
	s = json_string_value(v);
	if (!strcmp(s, "*"))
		return true;
	if (!parse_range(s, &r->port_lo, &r->port_hi))
		return fail(ps, "%s.ports: \"%.*s%s\" is not a port or range "
			    "(1-%d)", at, QUOTE(s), PORT_MAX);
	if (r->proto != PROTO_TCP && r->proto != PROTO_UDP)
		return fail(ps, "%s.ports: \"%.*s%s\" given, but only tcp and "
			    "udp have ports (proto is %s)", at, QUOTE(s),
			    proto_names[r->proto]);
	return true;
}

static bool check_fields(struct parser *ps, const char *at, json_t *obj,
			 const char *const *fields, size_t nfields)
{
	const char *key;
	json_t *v;

	json_object_foreach(obj, key, v) {
		size_t i;

		for (i = 0; i < nfields && strcmp(key, fields[i]); i++)
			;
		if (i == nfields)
			return fail(ps, "%s%sunknown field \"%.*s%s\"", at,
				    *at ? ": " : "", QUOTE(key));
	}
	return true;
}

static bool parse_rule(struct parser *ps, size_t index, json_t *obj)
{
	static const char *const fields[] = { "from", "to", "proto", "ports" };
	uint32_t sel[2 * POLICY_MAX_SELECTORS], n = 0;
	struct rule *r = &ps->p->rules[index];
	char at[32];

	snprintf(at, sizeof(at), "rules[%zu]", index);
	if (!json_is_object(obj))
		return fail(ps, "%s: expected an object", at);
	if (!check_fields(ps, at, obj, fields, ARRAY_SIZE(fields)) ||
	    !parse_side(ps, at, "from", json_object_get(obj, "from"), sel, &n))
		return false;
	r->nfrom = n;
	if (!parse_side(ps, at, "to", json_object_get(obj, "to"), sel, &n))
		return false;
	r->nto = n - r->nfrom;
	if (!parse_proto(ps, at, json_object_get(obj, "proto"), r) ||
	    !parse_ports(ps, at, json_object_get(obj, "ports"), r))
		return false;
	r->sel = malloc(n * sizeof(*r->sel));
	if (!r->sel)
		return oom(ps);
	memcpy(r->sel, sel, n * sizeof(*sel));
	return true;
}

static bool parse_document(struct parser *ps, json_t *doc)
{
	static const char *const fields[] = { "rules" };
	json_t *rules, *obj;
	size_t i;

	if (!json_is_object(doc))
		return fail(ps, "expected an object with \"rules\"");
	if (!check_fields(ps, "", doc, fields, ARRAY_SIZE(fields)))
		return false;
	rules = json_object_get(doc, "rules");
	if (!rules)
		return fail(ps, "missing \"rules\"");
	if (!json_is_array(rules))
		return fail(ps, "rules: expected an array");
	if (json_array_size(rules) > POLICY_MAX_RULES)
		return fail(ps, "rules: more than %d rules", POLICY_MAX_RULES);
	if (json_array_size(rules)) {
		ps->p->rules = calloc(json_array_size(rules),
				      sizeof(*ps->p->rules));
		if (!ps->p->rules)
			return oom(ps);
	}
	json_array_foreach(rules, i, obj) {
		/* Counted first, so policy_free() sees every rule it made. */
		ps->p->nrules++;
		if (!parse_rule(ps, i, obj))
			return false;
	}
	return true;
}

struct policy *policy_parse(const char *json, size_t len, char *err,
			    size_t errlen)
{
	struct parser ps = { .err = err, .errlen = errlen };
	json_error_t jerr;
	json_t *doc;

	doc = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!doc) {
		fail(&ps, "malformed JSON at line %d, column %d: %s", jerr.line,
		     jerr.column, jerr.text);
		return NULL;
	}
	ps.p = calloc(1, sizeof(*ps.p));
	if (!ps.p) {
		oom(&ps);
		goto out;
	}
	if (!parse_document(&ps, doc)) {
		policy_free(ps.p);
		ps.p = NULL;
	}
out:
	json_decref(doc);
	return ps.p;
}

struct policy *policy_default(void)
{
	static const char doc[] =
		"{\"rules\":[{\"from\":[\"*\"],\"to\":[\"*\"],\"proto\":\"any\"}]}";

	return policy_parse(doc, sizeof(doc) - 1, NULL, 0);
}

static void *memdup(const void *src, size_t len)
{
	void *p = malloc(len ? len : 1);

	if (p && len)
		memcpy(p, src, len);
	return p;
}

struct policy *policy_dup(const struct policy *p)
{
	struct policy *d = calloc(1, sizeof(*d));
	size_t i;

	if (!d)
		return NULL;
	d->sels = memdup(p->sels, p->nsels * sizeof(*p->sels));
	d->index = memdup(p->index, p->index_cap * sizeof(*p->index));
	d->rules = calloc(p->nrules ? p->nrules : 1, sizeof(*d->rules));
	if (!d->sels || !d->index || !d->rules)
		goto err;
	/* Full: a copy never interns another selector. */
	d->nsels = d->sels_cap = p->nsels;
	d->index_cap = p->index_cap;
	for (i = 0; i < p->nrules; i++) {
		const struct rule *r = &p->rules[i];

		d->rules[i] = *r;
		d->rules[i].sel = memdup(r->sel,
					 (r->nfrom + r->nto) * sizeof(*r->sel));
		/* Counted first, so policy_free() frees what was copied. */
		d->nrules++;
		if (!d->rules[i].sel)
			goto err;
	}
	return d;
err:
	policy_free(d);
	return NULL;
}

void policy_free(struct policy *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->nrules; i++)
		free(p->rules[i].sel);
	free(p->rules);
	free(p->sels);
	free(p->index);
	free(p);
}

/* Writing */

static void write_side(const struct policy *p, const struct rule *r,
		       enum policy_side side, struct strbuf *out)
{
	const uint32_t *sel = side == POLICY_FROM ? r->sel : r->sel + r->nfrom;
	uint32_t n = side == POLICY_FROM ? r->nfrom : r->nto;

	strbuf_add(out, "[", 1);
	for (uint32_t i = 0; i < n; i++)
		strbuf_addf(out, "%s\"%s\"", i ? "," : "",
			    p->sels[sel[i]].text);
	strbuf_add(out, "]", 1);
}

static bool has_ports(const struct rule *r)
{
	return r->proto == PROTO_TCP || r->proto == PROTO_UDP;
}

char *policy_to_json(const struct policy *p)
{
	struct strbuf out = STRBUF_INIT;
	size_t i;

	strbuf_addf(&out, "{\"rules\":[");
	for (i = 0; i < p->nrules; i++) {
		const struct rule *r = &p->rules[i];

		strbuf_addf(&out, "%s{\"from\":", i ? "," : "");
		write_side(p, r, POLICY_FROM, &out);
		strbuf_addf(&out, ",\"to\":");
		write_side(p, r, POLICY_TO, &out);
		strbuf_addf(&out, ",\"proto\":\"%s\"", proto_names[r->proto]);
		if (has_ports(r) && r->port_lo == r->port_hi)
			strbuf_addf(&out, ",\"ports\":\"%u\"", r->port_lo);
		else if (has_ports(r) && (r->port_lo > 1 || r->port_hi < PORT_MAX))
			strbuf_addf(&out, ",\"ports\":\"%u-%u\"", r->port_lo,
				    r->port_hi);
		strbuf_add(&out, "}", 1);
	}
	strbuf_addf(&out, "]}");
	if (out.oom) {
		strbuf_free(&out);
		return NULL;
	}
	return out.buf;
}

void policy_rule_filter(const struct policy *p, size_t rule,
			struct strbuf *out)
{
	const struct rule *r = &p->rules[rule];

	strbuf_addf(out, "{\"from\":");
	write_side(p, r, POLICY_FROM, out);
	strbuf_addf(out, ",\"proto\":\"%s\"", proto_names[r->proto]);
	if (has_ports(r))
		strbuf_addf(out, ",\"ports\":[%u,%u]", r->port_lo, r->port_hi);
	strbuf_add(out, "}", 1);
}

/* For policy_view */

size_t policy_rules(const struct policy *p)
{
	return p->nrules;
}

size_t policy_selectors(const struct policy *p)
{
	return p->nsels;
}

const char *policy_selector_text(const struct policy *p, size_t sel)
{
	return p->sels[sel].text;
}

const uint32_t *policy_rule_side(const struct policy *p, size_t rule,
				 enum policy_side side, size_t *n)
{
	const struct rule *r = &p->rules[rule];

	*n = side == POLICY_FROM ? r->nfrom : r->nto;
	return side == POLICY_FROM ? r->sel : r->sel + r->nfrom;
}

static bool str_eq(const char *a, const char *b)
{
	return a && b && !strcmp(a, b);
}

bool policy_selector_matches(const struct policy *p, size_t sel,
			     const struct policy_node *n)
{
	const struct selector *s = &p->sels[sel];
	const char *v = sel_value(s);

	switch (s->kind) {
	case SEL_ANY:
		return true;
	case SEL_NODE:
		return str_eq(n->name, v);
	case SEL_TYPE:
		return str_eq(n->type, v);
	case SEL_APP:
		return str_eq(n->app_id, v);
	case SEL_TAG:
		for (size_t i = 0; i < n->ntags; i++) {
			if (str_eq(n->tags[i], v))
				return true;
		}
		return false;
	}
	return false;
}

static void match_one(const struct policy *p, enum sel_kind kind,
		      const char *value, uint32_t *out, size_t *k)
{
	long num;

	if (!value)
		return;
	num = sel_find(p, kind, value, strlen(value));
	if (num >= 0)
		out[(*k)++] = (uint32_t)num;
}

size_t policy_match(const struct policy *p, const struct policy_node *n,
		    uint32_t *out)
{
	size_t k = 0, i, j, len;

	match_one(p, SEL_ANY, "", out, &k);
	match_one(p, SEL_NODE, n->name, out, &k);
	match_one(p, SEL_TYPE, n->type, out, &k);
	match_one(p, SEL_APP, n->app_id, out, &k);
	for (i = 0; i < n->ntags; i++)
		match_one(p, SEL_TAG, n->tags[i], out, &k);
	/* Insertion sort: a handful of numbers, and a tag may repeat. */
	for (i = 1, len = k ? 1 : 0; i < k; i++) {
		uint32_t v = out[i];

		for (j = len; j > 0 && out[j - 1] > v; j--)
			;
		if (j > 0 && out[j - 1] == v)
			continue;
		memmove(&out[j + 1], &out[j], (len - j) * sizeof(*out));
		out[j] = v;
		len++;
	}
	return len;
}
