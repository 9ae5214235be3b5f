/* SPDX-License-Identifier: MIT */
/*
 * The VPC's allow-rules, in the spirit of Nebula's firewall: what
 * `cvpc policy get|set` exchanges, parsed, checked and written back in
 * one canonical form. Everything not allowed is denied; with no policy
 * set, policy_default() lets every node talk to every other.
 *
 *   {"rules": [
 *     {"from": ["tag:web"], "to": ["type:db"], "proto": "tcp", "ports": "80"},
 *     {"from": ["*"], "to": ["*"], "proto": "icmp"}
 *   ]}
 *
 * A rule: "from" and "to" list 1 to POLICY_MAX_SELECTORS selectors, each
 * "*" (any node), "node:NAME", "tag:NAME", "type:NAME" or "app:ID";
 * "proto" is "tcp", "udp", "icmp" or "any" (the default); "ports" is "N",
 * "N-M" (1 <= N <= M <= 65535) or "*" (the default, all ports), and only
 * tcp and udp rules may name ports. A NAME is 1 to 63 characters of
 * a-z, 0-9 and '-'; an ID is 40 hex digits. The selector kinds and the
 * protocols are lowercase keywords; names and IDs are accepted in either
 * case and kept lowercase. Unknown fields and duplicate keys are errors.
 *
 * Rules only allow, so their order does not matter; {"rules": []} allows
 * nothing. A policy is immutable once made. This module knows nothing of the
 * nodes of a VPC: policy_view.h compiles a policy against them.
 */
#ifndef CVPC_CONTROL_POLICY_H
#define CVPC_CONTROL_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct strbuf;

enum policy_limits {
	POLICY_MAX_RULES = 1024,
	POLICY_MAX_SELECTORS = 64, /* per side of a rule */
	POLICY_NAME_MAX = 63,
	POLICY_APP_ID_LEN = 40,
};

struct policy;

/*
 * What a policy knows of a node. Matching is exact: the attributes must
 * be in the canonical form the parser keeps (lowercase).
 */
struct policy_node {
	uint64_t id;
	const char *name;
	const char *type; /* may be "" */
	const char *const *tags;
	size_t ntags;
	const char *app_id; /* 40 lowercase hex digits, or NULL */
};

/*
 * Parses and checks a policy document of len bytes (no NUL needed).
 * Returns NULL on error with a message in err that names the place and
 * quotes the bad value: `rules[0].ports: "70000" is not a port or range
 * (1-65535)'. The caller bounds len.
 */
struct policy *policy_parse(const char *json, size_t len, char *err,
			    size_t errlen);
/* One rule from "*" to "*", proto any. NULL only when out of memory. */
struct policy *policy_default(void);
/* A deep copy, or NULL when out of memory. */
struct policy *policy_dup(const struct policy *p);
void policy_free(struct policy *p);

/*
 * The canonical compact JSON of p (fields in a fixed order, "proto"
 * always present, "ports" only when not all, selectors deduplicated), a
 * NUL-terminated string the caller frees; NULL when out of memory.
 * policy_parse() of it gives p back, and to_json of that the same text.
 */
char *policy_to_json(const struct policy *p);

/* ---- For policy_view ---------------------------------------------------- */

/*
 * The selectors of a policy are numbered 0..policy_selectors()-1, each
 * distinct selector once however many rules name it; the rules
 * 0..policy_rules()-1 in document order.
 */
enum policy_side { POLICY_FROM, POLICY_TO };

size_t policy_rules(const struct policy *p);
size_t policy_selectors(const struct policy *p);
/* The canonical text of a selector: "*", "tag:web", ... */
const char *policy_selector_text(const struct policy *p, size_t sel);
bool policy_selector_matches(const struct policy *p, size_t sel,
			     const struct policy_node *n);
/* The numbers of the selectors on one side of a rule; *n gets how many. */
const uint32_t *policy_rule_side(const struct policy *p, size_t rule,
				 enum policy_side side, size_t *n);

/*
 * Writes to out the numbers of every selector n matches, ascending, and
 * returns how many: at most POLICY_MATCH_MAX(n). O(1 + n->ntags) hash
 * lookups, whatever the size of the policy.
 */
#define POLICY_MATCH_MAX(n) (4 + (n)->ntags)
size_t policy_match(const struct policy *p, const struct policy_node *n,
		    uint32_t *out);

/*
 * Appends rule as an entry of a node's inbound filter, compact JSON:
 * {"from":["tag:web"],"proto":"tcp","ports":[80,80]}. tcp and udp rules
 * always carry "ports" ([1,65535] for all); icmp and any rules never do.
 */
void policy_rule_filter(const struct policy *p, size_t rule,
			struct strbuf *out);

#endif
