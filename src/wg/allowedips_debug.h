/* SPDX-License-Identifier: MIT */
/*
 * Test-only hooks into the allowed-IPs table. Nothing on the data or
 * control path may call these.
 */
#ifndef CVPC_WG_ALLOWEDIPS_DEBUG_H
#define CVPC_WG_ALLOWEDIPS_DEBUG_H

#include <sys/types.h>

#include "wg/allowedips.h"

/*
 * Walks both tries and checks every structural invariant (parent links,
 * masked keys, strictly growing cidrs, children on the side their next
 * bit says, owner-less nodes joining exactly two branches, owner list
 * links). Returns the number of nodes, which must also equal the count
 * kept by allocation and free, or -1 with *why set to the broken rule.
 */
ssize_t allowedips_debug_check(const struct allowedips *table,
			       const char **why);

/*
 * Makes the nth node allocation from now fail once (1: the next one);
 * 0 disarms.
 */
void allowedips_debug_fail_alloc(struct allowedips *table, unsigned int nth);

#endif
