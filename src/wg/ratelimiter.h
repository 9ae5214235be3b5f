/* SPDX-License-Identifier: MIT */
/*
 * Per-source token buckets for handshakes under load: 20 per second with a
 * burst of 5, keyed by the IPv4 address or the IPv6 /64.
 */
#ifndef CVPC_WG_RATELIMITER_H
#define CVPC_WG_RATELIMITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/sockaddr.h"

enum ratelimiter_values {
	RATELIMITER_PACKETS_PER_SECOND = 20,
	RATELIMITER_PACKETS_BURST = 5,
	RATELIMITER_MAX_ENTRIES = 1U << 16,
};

struct ratelimiter;

struct ratelimiter *ratelimiter_new(void);
void ratelimiter_free(struct ratelimiter *rl);
/* Takes one token from src's bucket; false when it is empty or full. */
bool ratelimiter_allow(struct ratelimiter *rl, const union sockaddr_inet *src,
		       uint64_t now);
/* Drops buckets idle for more than a second; call about once a second. */
void ratelimiter_gc(struct ratelimiter *rl, uint64_t now);
size_t ratelimiter_entries(const struct ratelimiter *rl);

#endif
