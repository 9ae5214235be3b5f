// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for policy documents: whatever `cvpc policy set`
 * sends, fed to policy_parse().
 *
 * Beyond "no crash", each input is checked against these oracles:
 *  - a reject leaves a message, printable ASCII only (it goes to logs
 *    and HTTP answers);
 *  - an accepted policy's canonical JSON parses again, to the same text,
 *    and so does its copy's;
 *  - compiled against a few fixed nodes, peering is symmetric and never
 *    reflexive, and every class filter is a JSON array.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/container.h"
#include "control/policy.h"
#include "control/policy_view.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const tags_web[] = { "web", "x" };
static const char *const tags_db[] = { "db" };

/* Names, tags and types the seeds use, so their selectors match. */
static const struct policy_node nodes[] = {
	{ .id = 1, .name = "alice", .type = "vm", .tags = tags_web, .ntags = 2 },
	{ .id = 2, .name = "bob", .type = "db", .tags = tags_db, .ntags = 1,
	  .app_id = "0123456789abcdef0123456789abcdef01234567" },
	{ .id = 3, .name = "carol", .type = "" },
	{ .id = 4, .name = "web1", .type = "vm", .tags = tags_web, .ntags = 1 },
};

static void die(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz_policy: %s%s%s\n", what, detail ? ": " : "",
		detail ? detail : "");
	abort();
}

static void check_reject(const char *err)
{
	if (!*err)
		die("rejected without a message", NULL);
	for (const char *c = err; *c; c++) {
		if ((unsigned char)*c < 0x20 || (unsigned char)*c > 0x7e)
			die("unprintable error message", err);
	}
}

static char *to_json(const struct policy *p)
{
	char *text = policy_to_json(p);

	if (!text)
		die("out of memory", NULL);
	return text;
}

static void check_round_trip(const struct policy *p)
{
	char *text = to_json(p), *again_text, *dup_text, err[256] = "";
	struct policy *again = policy_parse(text, strlen(text), err, sizeof(err));
	struct policy *dup = policy_dup(p);

	if (!again) {
		fprintf(stderr, "canonical form: %s\n", text);
		die("canonical form rejected", err);
	}
	if (!dup)
		die("out of memory", NULL);
	again_text = to_json(again);
	dup_text = to_json(dup);
	if (strcmp(text, again_text) || strcmp(text, dup_text)) {
		fprintf(stderr, "first:  %s\nsecond: %s\ncopy:   %s\n", text,
			again_text, dup_text);
		die("round trip differs", NULL);
	}
	free(text);
	free(again_text);
	free(dup_text);
	policy_free(again);
	policy_free(dup);
}

static void check_view(const struct policy *p)
{
	struct policy_view *v = policy_view_new(p);
	size_t i, j;

	if (!v)
		die("out of memory", NULL);
	for (i = 0; i < ARRAY_SIZE(nodes); i++) {
		int c = policy_view_add(v, &nodes[i]);
		json_t *filter;

		if (c < 0)
			die("out of memory", NULL);
		filter = json_loads(policy_view_class_filter(v, c), 0, NULL);
		if (!json_is_array(filter))
			die("filter is not a JSON array",
			    policy_view_class_filter(v, c));
		json_decref(filter);
	}
	for (i = 0; i < ARRAY_SIZE(nodes); i++) {
		for (j = 0; j < ARRAY_SIZE(nodes); j++) {
			bool ab = policy_view_peers(v, nodes[i].id, nodes[j].id);

			if (ab != policy_view_peers(v, nodes[j].id, nodes[i].id))
				die("peering is not symmetric", NULL);
			if (ab && i == j)
				die("a node peers with itself", NULL);
		}
	}
	policy_view_free(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256] = "";
	struct policy *p = policy_parse((const char *)data, size, err,
					sizeof(err));

	if (!p) {
		check_reject(err);
		return 0;
	}
	check_round_trip(p);
	check_view(p);
	policy_free(p);
	return 0;
}
