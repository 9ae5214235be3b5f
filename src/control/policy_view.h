/* SPDX-License-Identifier: MIT */
/*
 * A policy compiled against the nodes of a VPC: who peers with whom, and
 * the inbound filter rules of each node.
 *
 * Nodes that match exactly the same selectors of the policy are alike to
 * it, so nodes are grouped into classes (a class is that set of
 * selectors), and everything is computed per class, once: whether two
 * classes peer (some rule allows one to reach the other, either way,
 * since WireGuard needs the peer on both sides for replies), and each
 * class's filter. With tags and types a policy has a few dozen classes
 * however many nodes there are; a "node:NAME" selector singles out that
 * one node. Below, K is the number of classes, R the rules of the
 * policy, W = R/64 and N the nodes in the view.
 *
 * A view is for one policy; a policy change builds a new view, and
 * policy_view_diff_peers() tells who gained or lost which peers. Not
 * thread-safe; the caller locks.
 */
#ifndef CVPC_CONTROL_POLICY_VIEW_H
#define CVPC_CONTROL_POLICY_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "control/policy.h"

struct policy_view;

/* Keeps its own copy of p. NULL when out of memory. O(size of p). */
struct policy_view *policy_view_new(const struct policy *p);
void policy_view_free(struct policy_view *v);
const struct policy *policy_view_policy(const struct policy_view *v);

/*
 * Puts n in its class and returns the class, or -ENOMEM with the view
 * unchanged. A node already in the view moves (its attributes changed).
 * O(1 + n->ntags) when the class exists; a new class costs O(K * W) for
 * its peering plus O(R) for its filter. Only the id is kept from n.
 */
int policy_view_add(struct policy_view *v, const struct policy_node *n);
/* O(1). A node not in the view is ignored. */
void policy_view_remove(struct policy_view *v, uint64_t node_id);

/*
 * A node's class, or -1 when it is not in the view. O(1). Class ids are
 * below policy_view_class_bound(); an id names a class only while it has
 * members, and an emptied class's id is reused for the next new one.
 */
int policy_view_class_of(const struct policy_view *v, uint64_t node_id);
int policy_view_class_bound(const struct policy_view *v);

/* Whether nodes of class a and class b peer. O(1). */
bool policy_view_class_peers(const struct policy_view *v, int a, int b);
/* Whether two distinct nodes of the view peer. O(1). */
bool policy_view_peers(const struct policy_view *v, uint64_t a, uint64_t b);

/*
 * The inbound filter of the nodes of a class: the rules whose "to"
 * matches it, in policy order, as a compact JSON array of
 * policy_rule_filter() entries. Made with the class, and one string for
 * all the classes that are the destination of the same rules; O(1).
 * NULL for an unused id.
 */
const char *policy_view_class_filter(const struct policy_view *v, int class);

/*
 * The ids of a class's members, *n of them, in no order; NULL and 0 for
 * an unused id. Valid until the next add or remove. O(1).
 */
const uint64_t *policy_view_class_members(const struct policy_view *v,
					  int class, size_t *n);

/*
 * Calls fn for every member of every class that peers with class (so for
 * the members of class itself when it peers with itself: the caller
 * skips the node it asks for). A nonzero return from fn stops the walk
 * and is returned. fn must not change the view. O(K / 64 + the members
 * visited).
 */
typedef int (*policy_view_node_fn)(void *ctx, uint64_t node_id);
int policy_view_class_for_each_peer(const struct policy_view *v, int class,
				    policy_view_node_fn fn, void *ctx);

/*
 * For a policy change (or any two views): calls fn(ctx, node, added) for
 * every node whose peering with the nodes of class a in old and class
 * a_new in new differs, added when they peer in new and not in old. Every
 * node that was in old class a and is in new class a_new sees the same
 * changes, so the caller groups nodes by (a, a_new) and calls this once
 * per group: O(groups * N), never O(N^2). A node in only one view peers
 * with nobody in the other; a or a_new may be -1 for a group of nodes in
 * only one view. The members of the group itself may be reported: the
 * caller skips each node for itself. A nonzero return from fn stops the
 * walk and is returned. O(N) hash lookups.
 */
typedef int (*policy_view_diff_fn)(void *ctx, uint64_t node_id, bool added);
int policy_view_diff_peers(const struct policy_view *old, int a,
			   const struct policy_view *new, int a_new,
			   policy_view_diff_fn fn, void *ctx);

#endif
