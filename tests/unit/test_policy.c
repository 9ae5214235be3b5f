// SPDX-License-Identifier: MIT
/*
 * Policy documents: the canonical form and its round trip, every reject
 * with its exact message (what `cvpc policy set` shows the user), and
 * selector matching, the fast path checked against the plain one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/container.h"
#include "base/strbuf.h"
#include "control/policy.h"

#include "testutil.h"

#define APP_ID "0123456789abcdef0123456789abcdef01234567"

static const char example[] =
	"{\"rules\": [\n"
	"  {\"from\": [\"tag:web\"], \"to\": [\"type:db\"], \"proto\": \"tcp\", \"ports\": \"80\"},\n"
	"  {\"from\": [\"node:alice\"], \"to\": [\"*\"], \"proto\": \"any\"},\n"
	"  {\"from\": [\"app:" APP_ID "\"], \"to\": [\"tag:x\", \"node:bob\"], \"proto\": \"udp\", \"ports\": \"1000-2000\"},\n"
	"  {\"from\": [\"*\"], \"to\": [\"*\"], \"proto\": \"icmp\"}\n"
	"]}\n";

static const char example_canonical[] =
	"{\"rules\":["
	"{\"from\":[\"tag:web\"],\"to\":[\"type:db\"],\"proto\":\"tcp\",\"ports\":\"80\"},"
	"{\"from\":[\"node:alice\"],\"to\":[\"*\"],\"proto\":\"any\"},"
	"{\"from\":[\"app:" APP_ID "\"],\"to\":[\"tag:x\",\"node:bob\"],\"proto\":\"udp\",\"ports\":\"1000-2000\"},"
	"{\"from\":[\"*\"],\"to\":[\"*\"],\"proto\":\"icmp\"}"
	"]}";

/* Parses json, checks its canonical form, and that it is a fixed point. */
static void assert_canonical(const char *json, const char *canonical)
{
	struct policy *p = tu_policy_parse_ok(json), *again;
	char *text = policy_to_json(p), *text2;

	assert_non_null(text);
	assert_string_equal(text, canonical);
	again = tu_policy_parse_ok(text);
	text2 = policy_to_json(again);
	assert_non_null(text2);
	assert_string_equal(text2, text);
	free(text);
	free(text2);
	policy_free(again);
	policy_free(p);
}

static void test_example_round_trip(void **state)
{
	(void)state;
	assert_canonical(example, example_canonical);
}

static void test_canonical_form(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		/* Names and ids are lowercased; proto defaults to any. */
		{ "{\"rules\":[{\"to\":[\"tag:WEB\"],\"from\":[\"node:A-1\"]}]}",
		  NULL },
		{ "{\"rules\":[{\"from\":[\"tag:Web\"],\"to\":[\"app:0123456789ABCDEF0123456789abcdef01234567\"]}]}",
		  "{\"rules\":[{\"from\":[\"tag:web\"],\"to\":[\"app:" APP_ID "\"],\"proto\":\"any\"}]}" },
		/* Duplicates go, order stays. */
		{ "{\"rules\":[{\"from\":[\"tag:b\",\"tag:a\",\"tag:B\",\"*\"],\"to\":[\"*\",\"*\"]}]}",
		  "{\"rules\":[{\"from\":[\"tag:b\",\"tag:a\",\"*\"],\"to\":[\"*\"],\"proto\":\"any\"}]}" },
		/* All ports, said three ways, is no "ports". */
		{ "{\"rules\":[{\"from\":[\"*\"],\"to\":[\"*\"],\"proto\":\"tcp\",\"ports\":\"*\"}]}",
		  "{\"rules\":[{\"from\":[\"*\"],\"to\":[\"*\"],\"proto\":\"tcp\"}]}" },
		{ "{\"rules\":[{\"from\":[\"*\"],\"to\":[\"*\"],\"proto\":\"udp\",\"ports\":\"1-65535\"}]}",
		  "{\"rules\":[{\"from\":[\"*\"],\"to\":[\"*\"],\"proto\":\"udp\"}]}" },
		{ "{\"rules\":[{\"from\":[\"*\"],\"to\":[\"*\"],\"proto\":\"icmp\",\"ports\":\"*\"}]}",
		  "{\"rules\":[{\"from\":[\"*\"],\"to\":[\"*\"],\"proto\":\"icmp\"}]}" },
		/* A one-port range is a port; leading zeros go. */
		{ "{\"rules\":[{\"from\":[\"*\"],\"to\":[\"*\"],\"proto\":\"tcp\",\"ports\":\"0443-443\"}]}",
		  "{\"rules\":[{\"from\":[\"*\"],\"to\":[\"*\"],\"proto\":\"tcp\",\"ports\":\"443\"}]}" },
		{ "{\"rules\":[{\"from\":[\"*\"],\"to\":[\"*\"],\"proto\":\"tcp\",\"ports\":\"1-1\"}]}",
		  "{\"rules\":[{\"from\":[\"*\"],\"to\":[\"*\"],\"proto\":\"tcp\",\"ports\":\"1\"}]}" },
		{ "{\"rules\":[{\"from\":[\"*\"],\"to\":[\"*\"],\"proto\":\"tcp\",\"ports\":\"65535\"}]}",
		  "{\"rules\":[{\"from\":[\"*\"],\"to\":[\"*\"],\"proto\":\"tcp\",\"ports\":\"65535\"}]}" },
		{ "{\"rules\":[{\"from\":[\"*\"],\"to\":[\"*\"],\"proto\":\"tcp\",\"ports\":\"2-65535\"}]}",
		  "{\"rules\":[{\"from\":[\"*\"],\"to\":[\"*\"],\"proto\":\"tcp\",\"ports\":\"2-65535\"}]}" },
		/* Nobody may talk: a policy of its own. */
		{ " { \"rules\" : [ ] } ", "{\"rules\":[]}" },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		assert_canonical(cases[i].in, cases[i].out ? cases[i].out :
			"{\"rules\":[{\"from\":[\"node:a-1\"],\"to\":[\"tag:web\"],\"proto\":\"any\"}]}");
}

static void test_default(void **state)
{
	struct policy *p = policy_default();
	char *text;

	(void)state;
	assert_non_null(p);
	text = policy_to_json(p);
	assert_string_equal(text,
		"{\"rules\":[{\"from\":[\"*\"],\"to\":[\"*\"],\"proto\":\"any\"}]}");
	free(text);
	policy_free(p);
}

static void test_dup(void **state)
{
	struct policy *p = tu_policy_parse_ok(example), *d = policy_dup(p);
	char *a, *b;

	(void)state;
	assert_non_null(d);
	policy_free(p);
	a = policy_to_json(d);
	assert_string_equal(a, example_canonical);
	b = policy_to_json(d);
	assert_string_equal(a, b);
	free(a);
	free(b);
	policy_free(d);
	policy_free(NULL);
}

/* Rule i of a one-rule document with the given fields after from/to. */
#define RULE(fields) "{\"rules\":[{\"from\":[\"*\"],\"to\":[\"*\"]" fields "}]}"
#define FROM(sel) "{\"rules\":[{\"from\":[" sel "],\"to\":[\"*\"]}]}"

static const struct {
	const char *in, *err;
} rejects[] = {
	/* Malformed JSON: where, and jansson's reason. */
	{ "", "malformed JSON at line 1, column 0: '[' or '{' expected near end of file" },
	{ "{\"rules\":[\n  {\"from\": [\"*\"],,}\n]}",
	  "malformed JSON at line 2, column 18: string or '}' expected near ','" },
	{ "{\"rules\":[]} x", "malformed JSON at line 1, column 14: end of file expected near 'x'" },
	{ "{\"rules\":[{\"from\":[\"*\"],\"to\":[\"*\"],\"from\":[\"*\"]}]}",
	  "malformed JSON at line 1, column 41: duplicate object key near '\"from\"'" },
	{ "{\"rules\":[],\"rules\":[]}",
	  "malformed JSON at line 1, column 19: duplicate object key near '\"rules\"'" },
	{ "{\"rules\":[{\"from\":[\"tag:\\u0000\"]}]}",
	  "malformed JSON at line 1, column 31: \\u0000 is not allowed without JSON_ALLOW_NUL near '\"tag:\\u0000\"'" },
	/* The document. */
	{ "[]", "expected an object with \"rules\"" },
	{ "{}", "missing \"rules\"" },
	{ "{\"rules\":[],\"version\":1}", "unknown field \"version\"" },
	{ "{\"rules\":{}}", "rules: expected an array" },
	{ "{\"rules\":[{\"from\":[\"*\"],\"to\":[\"*\"]},[]]}", "rules[1]: expected an object" },
	/* Fields of a rule. */
	{ "{\"rules\":[{\"from\":[\"*\"],\"to\":[\"*\"]},{\"from\":[\"*\"],\"to\":[\"*\"]},"
	  "{\"from\":[\"*\"],\"to\":[\"*\"],\"prot\":\"tcp\"}]}",
	  "rules[2]: unknown field \"prot\"" },
	{ "{\"rules\":[{\"to\":[\"*\"]}]}", "rules[0]: missing \"from\"" },
	{ "{\"rules\":[{\"from\":[\"*\"]}]}", "rules[0]: missing \"to\"" },
	{ "{\"rules\":[{\"from\":\"*\",\"to\":[\"*\"]}]}", "rules[0].from: expected an array of selectors" },
	{ "{\"rules\":[{\"from\":[\"*\"],\"to\":[]}]}", "rules[0].to: empty (\"*\" is any node)" },
	{ FROM("\"*\",7"), "rules[0].from[1]: expected a string" },
	/* Selectors. */
	{ FROM("\"group:x\""),
	  "rules[0].from[0]: unknown selector \"group:x\" (expected *, node:, tag:, type: or app:)" },
	{ FROM("\"**\""),
	  "rules[0].from[0]: unknown selector \"**\" (expected *, node:, tag:, type: or app:)" },
	{ FROM("\"web\""),
	  "rules[0].from[0]: unknown selector \"web\" (expected *, node:, tag:, type: or app:)" },
	{ FROM("\"Tag:web\""),
	  "rules[0].from[0]: unknown selector \"Tag:web\" (expected *, node:, tag:, type: or app:)" },
	{ FROM("\"tag:\""), "rules[0].from[0]: \"tag:\" is not a valid name (1-63 of a-z, 0-9, -)" },
	{ FROM("\"node:a_b\""), "rules[0].from[0]: \"node:a_b\" is not a valid name (1-63 of a-z, 0-9, -)" },
	{ FROM("\"type:a b\""), "rules[0].from[0]: \"type:a b\" is not a valid name (1-63 of a-z, 0-9, -)" },
	{ FROM("\"tag:caf\xc3\xa9\""), "rules[0].from[0]: \"tag:caf??\" is not a valid name (1-63 of a-z, 0-9, -)" },
	{ FROM("\"tag:\\u001b[2J\""), "rules[0].from[0]: \"tag:?[2J\" is not a valid name (1-63 of a-z, 0-9, -)" },
	{ FROM("\"tag:0123456789012345678901234567890123456789012345678901234567890123\""),
	  "rules[0].from[0]: \"tag:0123456789012345678901234567890123456789012345678901234567890123\" "
	  "is not a valid name (1-63 of a-z, 0-9, -)" },
	{ FROM("\"app:0123456789abcdef0123456789abcdef0123456\""),
	  "rules[0].from[0]: \"app:0123456789abcdef0123456789abcdef0123456\" is not an app id (40 hex digits)" },
	{ FROM("\"app:0123456789abcdef0123456789abcdef012345678\""),
	  "rules[0].from[0]: \"app:0123456789abcdef0123456789abcdef012345678\" is not an app id (40 hex digits)" },
	{ FROM("\"app:g123456789abcdef0123456789abcdef01234567\""),
	  "rules[0].from[0]: \"app:g123456789abcdef0123456789abcdef01234567\" is not an app id (40 hex digits)" },
	/* Long input is quoted in part. */
	{ FROM("\"tag:0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789\""),
	  "rules[0].from[0]: \"tag:0123456789012345678901234567890123456789012345678901234567890123456789012345...\" "
	  "is not a valid name (1-63 of a-z, 0-9, -)" },
	/* Protocols and ports. */
	{ RULE(",\"proto\":\"tcpp\""), "rules[0].proto: \"tcpp\" is not tcp, udp, icmp or any" },
	{ RULE(",\"proto\":\"TCP\""), "rules[0].proto: \"TCP\" is not tcp, udp, icmp or any" },
	{ RULE(",\"proto\":6"), "rules[0].proto: expected a string" },
	{ RULE(",\"proto\":\"tcp\",\"ports\":\"0\""), "rules[0].ports: \"0\" is not a port or range (1-65535)" },
	{ RULE(",\"proto\":\"tcp\",\"ports\":\"70000\""), "rules[0].ports: \"70000\" is not a port or range (1-65535)" },
	{ RULE(",\"proto\":\"tcp\",\"ports\":\"65536\""), "rules[0].ports: \"65536\" is not a port or range (1-65535)" },
	{ RULE(",\"proto\":\"udp\",\"ports\":\"5-3\""), "rules[0].ports: \"5-3\" is not a port or range (1-65535)" },
	{ RULE(",\"proto\":\"udp\",\"ports\":\"0-3\""), "rules[0].ports: \"0-3\" is not a port or range (1-65535)" },
	{ RULE(",\"proto\":\"udp\",\"ports\":\"80-\""), "rules[0].ports: \"80-\" is not a port or range (1-65535)" },
	{ RULE(",\"proto\":\"udp\",\"ports\":\"-80\""), "rules[0].ports: \"-80\" is not a port or range (1-65535)" },
	{ RULE(",\"proto\":\"udp\",\"ports\":\" 80\""), "rules[0].ports: \" 80\" is not a port or range (1-65535)" },
	{ RULE(",\"proto\":\"udp\",\"ports\":\"80,81\""), "rules[0].ports: \"80,81\" is not a port or range (1-65535)" },
	{ RULE(",\"proto\":\"udp\",\"ports\":\"1-2-3\""), "rules[0].ports: \"1-2-3\" is not a port or range (1-65535)" },
	{ RULE(",\"proto\":\"udp\",\"ports\":\"\""), "rules[0].ports: \"\" is not a port or range (1-65535)" },
	{ RULE(",\"proto\":\"udp\",\"ports\":\"99999999999999999999\""),
	  "rules[0].ports: \"99999999999999999999\" is not a port or range (1-65535)" },
	{ RULE(",\"proto\":\"tcp\",\"ports\":80"),
	  "rules[0].ports: expected a string such as \"80\" or \"1000-2000\"" },
	/* Ports only make sense for tcp and udp, wherever "proto" is. */
	{ RULE(",\"ports\":\"80\",\"proto\":\"icmp\""),
	  "rules[0].ports: \"80\" given, but only tcp and udp have ports (proto is icmp)" },
	{ RULE(",\"ports\":\"1-65535\""),
	  "rules[0].ports: \"1-65535\" given, but only tcp and udp have ports (proto is any)" },
};

static void test_rejects(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(rejects); i++) {
		char err[256] = "";
		struct policy *p = policy_parse(rejects[i].in,
						strlen(rejects[i].in), err,
						sizeof(err));

		if (p)
			fail_msg("accepted: %s", rejects[i].in);
		if (strcmp(err, rejects[i].err))
			fail_msg("for %s\n got: %s\nwant: %s", rejects[i].in,
				 err, rejects[i].err);
	}
}

/* count copies of item, joined by commas, inside prefix...suffix. */
static char *repeat(const char *prefix, const char *item, size_t count,
		    const char *suffix)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, "%s", prefix);
	for (size_t i = 0; i < count; i++)
		strbuf_addf(&sb, "%s%s", i ? "," : "", item);
	strbuf_addf(&sb, "%s", suffix);
	assert_false(sb.oom);
	return sb.buf;
}

static void test_limits(void **state)
{
	static const char rule[] = "{\"from\":[\"*\"],\"to\":[\"*\"]}";
	char err[256] = "", *doc;
	struct policy *p;

	(void)state;
	doc = repeat("{\"rules\":[", rule, POLICY_MAX_RULES, "]}");
	p = tu_policy_parse_ok(doc);
	assert_int_equal(policy_rules(p), POLICY_MAX_RULES);
	assert_int_equal(policy_selectors(p), 1);
	policy_free(p);
	free(doc);

	doc = repeat("{\"rules\":[", rule, POLICY_MAX_RULES + 1, "]}");
	assert_null(policy_parse(doc, strlen(doc), err, sizeof(err)));
	assert_string_equal(err, "rules: more than 1024 rules");
	free(doc);

	doc = repeat("{\"rules\":[{\"to\":[\"*\"],\"from\":[", "\"*\"",
		     POLICY_MAX_SELECTORS, "]}]}");
	p = tu_policy_parse_ok(doc);
	policy_free(p);
	free(doc);
	doc = repeat("{\"rules\":[{\"from\":[\"*\"],\"to\":[", "\"*\"",
		     POLICY_MAX_SELECTORS + 1, "]}]}");
	assert_null(policy_parse(doc, strlen(doc), err, sizeof(err)));
	assert_string_equal(err, "rules[0].to: more than 64 selectors");
	free(doc);
}

/* The message is cut to the buffer and still a string; no buffer is fine. */
static void test_error_buffer(void **state)
{
	static const char bad[] = "{\"rules\":[{\"from\":[\"group:x\"],\"to\":[\"*\"]}]}";
	char err[12];

	(void)state;
	memset(err, 'x', sizeof(err));
	assert_null(policy_parse(bad, strlen(bad), err, sizeof(err)));
	assert_string_equal(err, "rules[0].fr");
	assert_null(policy_parse(bad, strlen(bad), NULL, 0));
	/* len is honoured: no NUL needed, and none past it read. */
	assert_null(policy_parse(example, 10, NULL, 0));
}

static void test_accessors(void **state)
{
	struct policy *p = tu_policy_parse_ok(example);
	const uint32_t *sel;
	size_t n;

	(void)state;
	assert_int_equal(policy_rules(p), 4);
	/* tag:web type:db node:alice * app:.. tag:x node:bob, once each. */
	assert_int_equal(policy_selectors(p), 7);
	sel = policy_rule_side(p, 2, POLICY_TO, &n);
	assert_int_equal(n, 2);
	assert_string_equal(policy_selector_text(p, sel[0]), "tag:x");
	assert_string_equal(policy_selector_text(p, sel[1]), "node:bob");
	sel = policy_rule_side(p, 3, POLICY_FROM, &n);
	assert_int_equal(n, 1);
	assert_string_equal(policy_selector_text(p, sel[0]), "*");
	/* The "*" of rule 1 and rule 3 is one selector. */
	assert_int_equal(policy_rule_side(p, 1, POLICY_TO, &n)[0], sel[0]);
	policy_free(p);
}

static void test_rule_filter(void **state)
{
	static const char *const want[] = {
		"{\"from\":[\"tag:web\"],\"proto\":\"tcp\",\"ports\":[80,80]}",
		"{\"from\":[\"node:alice\"],\"proto\":\"any\"}",
		"{\"from\":[\"app:" APP_ID "\"],\"proto\":\"udp\",\"ports\":[1000,2000]}",
		"{\"from\":[\"*\"],\"proto\":\"icmp\"}",
	};
	static const char all_ports[] =
		"{\"rules\":[{\"from\":[\"tag:a\",\"tag:b\"],\"to\":[\"*\"],\"proto\":\"tcp\"}]}";
	struct policy *p = tu_policy_parse_ok(example);
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		strbuf_reset(&sb);
		policy_rule_filter(p, i, &sb);
		assert_string_equal(sb.buf, want[i]);
	}
	policy_free(p);
	p = tu_policy_parse_ok(all_ports);
	strbuf_reset(&sb);
	policy_rule_filter(p, 0, &sb);
	assert_string_equal(sb.buf,
		"{\"from\":[\"tag:a\",\"tag:b\"],\"proto\":\"tcp\",\"ports\":[1,65535]}");
	strbuf_free(&sb);
	policy_free(p);
}

/* Whether n matches the selector whose text is sel. */
static bool matches(const struct policy *p, const char *sel,
		    const struct policy_node *n)
{
	for (size_t i = 0; i < policy_selectors(p); i++) {
		if (!strcmp(policy_selector_text(p, i), sel))
			return policy_selector_matches(p, i, n);
	}
	fail_msg("no selector %s", sel);
	return false;
}

/* policy_match() must list exactly what testing every selector finds. */
static void assert_match_consistent(const struct policy *p,
				    const struct policy_node *n)
{
	uint32_t *got = calloc(POLICY_MATCH_MAX(n), sizeof(*got));
	size_t len = policy_match(p, n, got), k = 0;

	assert_non_null(got);
	for (size_t i = 0; i < policy_selectors(p); i++) {
		if (!policy_selector_matches(p, i, n))
			continue;
		assert_true(k < len);
		assert_int_equal(got[k], i);
		k++;
	}
	assert_int_equal(k, len);
	free(got);
}

static void test_selector_matching(void **state)
{
	static const char doc[] =
		"{\"rules\":[{\"from\":[\"*\",\"node:alice\",\"node:bob\",\"tag:web\","
		"\"tag:x\",\"type:db\",\"app:" APP_ID "\"],"
		"\"to\":[\"tag:y\",\"type:vm\"]}]}";
	static const char *const alice_tags[] = { "web", "y", "web", "other" };
	static const char *const bob_tags[] = { "x" };
	const struct policy_node alice = {
		.id = 1, .name = "alice", .type = "vm",
		.tags = alice_tags, .ntags = ARRAY_SIZE(alice_tags),
		.app_id = APP_ID,
	};
	const struct policy_node bob = {
		.id = 2, .name = "bob", .type = "", .tags = bob_tags, .ntags = 1,
	};
	/* Nothing but its id: matches "*" only. */
	const struct policy_node anon = { .id = 3 };
	const struct policy_node shouty = {
		.id = 4, .name = "ALICE", .type = "DB", .app_id = "0123456789ABCDEF0123456789ABCDEF01234567",
	};
	struct policy *p = tu_policy_parse_ok(doc);
	uint32_t none[4]; /* POLICY_MATCH_MAX(&anon) */

	(void)state;
	assert_true(matches(p, "*", &alice));
	assert_true(matches(p, "node:alice", &alice));
	assert_false(matches(p, "node:bob", &alice));
	assert_true(matches(p, "tag:web", &alice));
	assert_true(matches(p, "tag:y", &alice));
	assert_false(matches(p, "tag:x", &alice));
	assert_true(matches(p, "type:vm", &alice));
	assert_false(matches(p, "type:db", &alice));
	assert_true(matches(p, "app:" APP_ID, &alice));

	assert_true(matches(p, "node:bob", &bob));
	assert_true(matches(p, "tag:x", &bob));
	assert_false(matches(p, "type:db", &bob));
	assert_false(matches(p, "app:" APP_ID, &bob));

	assert_true(matches(p, "*", &anon));
	assert_false(matches(p, "node:alice", &anon));
	assert_false(matches(p, "type:db", &anon));

	/* Attributes are compared as given: canonical means lowercase. */
	assert_false(matches(p, "node:alice", &shouty));
	assert_false(matches(p, "type:db", &shouty));
	assert_false(matches(p, "app:" APP_ID, &shouty));

	assert_match_consistent(p, &alice);
	assert_match_consistent(p, &bob);
	assert_match_consistent(p, &anon);
	assert_match_consistent(p, &shouty);
	policy_free(p);

	/* Without "*" in the policy, a bare node matches nothing. */
	p = tu_policy_parse_ok("{\"rules\":[{\"from\":[\"tag:a\"],\"to\":[\"tag:b\"]}]}");
	assert_int_equal(policy_match(p, &anon, none), 0);
	assert_match_consistent(p, &alice);
	policy_free(p);
}

int main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_example_round_trip),
		cmocka_unit_test(test_canonical_form),
		cmocka_unit_test(test_default),
		cmocka_unit_test(test_dup),
		cmocka_unit_test(test_rejects),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_error_buffer),
		cmocka_unit_test(test_accessors),
		cmocka_unit_test(test_rule_filter),
		cmocka_unit_test(test_selector_matching),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
