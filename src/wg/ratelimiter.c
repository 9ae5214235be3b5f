// SPDX-License-Identifier: MIT
#include <stdlib.h>
#include <string.h>

#include "base/siphash.h"
#include "base/time.h"
#include "crypto/util.h"
#include "wg/ratelimiter.h"

enum {
	PACKET_COST = NSEC_PER_SEC / RATELIMITER_PACKETS_PER_SECOND,
	TOKEN_MAX = PACKET_COST * RATELIMITER_PACKETS_BURST,
	TABLE_SIZE = 1U << 12,
};

struct rl_entry {
	struct rl_entry *next;
	uint64_t last_time;
	uint64_t tokens;
	uint8_t family;
	uint8_t ip[16]; /* IPv4 address, or the IPv6 /64 */
};

struct ratelimiter {
	struct rl_entry *table[TABLE_SIZE];
	size_t entries;
	struct siphash_key key;
};

struct ratelimiter *ratelimiter_new(void)
{
	struct ratelimiter *rl = calloc(1, sizeof(*rl));

	if (rl)
		random_fill(&rl->key, sizeof(rl->key));
	return rl;
}

void ratelimiter_free(struct ratelimiter *rl)
{
	if (!rl)
		return;
	for (size_t i = 0; i < TABLE_SIZE; i++) {
		struct rl_entry *e = rl->table[i];

		while (e) {
			struct rl_entry *next = e->next;

			free(e);
			e = next;
		}
	}
	free(rl);
}

size_t ratelimiter_entries(const struct ratelimiter *rl)
{
	return rl->entries;
}

/*
 * One IPv6 /64 is what one host normally gets, so it shares a bucket; an
 * IPv4 address is the whole host.
 */
static size_t key_of(const union sockaddr_inet *src, uint8_t ip[16])
{
	memset(ip, 0, 16);
	if (src->sa.sa_family == AF_INET) {
		memcpy(ip, &src->in.sin_addr, 4);
		return 4;
	}
	memcpy(ip, &src->in6.sin6_addr, 8);
	return 8;
}

bool ratelimiter_allow(struct ratelimiter *rl, const union sockaddr_inet *src,
		       uint64_t now)
{
	uint8_t ip[16];
	size_t len = key_of(src, ip);
	uint8_t family = (uint8_t)src->sa.sa_family;
	struct rl_entry **head =
		&rl->table[siphash(ip, len, &rl->key) & (TABLE_SIZE - 1)];
	struct rl_entry *e;

	for (e = *head; e; e = e->next) {
		uint64_t tokens;

		if (e->family != family || memcmp(e->ip, ip, 16))
			continue;
		tokens = e->tokens + (now - e->last_time);
		if (tokens > TOKEN_MAX)
			tokens = TOKEN_MAX;
		e->last_time = now;
		if (tokens < PACKET_COST) {
			e->tokens = tokens;
			return false;
		}
		e->tokens = tokens - PACKET_COST;
		return true;
	}
	/* A flood of new sources must not grow the table without bound. */
	if (rl->entries >= RATELIMITER_MAX_ENTRIES)
		return false;
	e = calloc(1, sizeof(*e));
	if (!e)
		return false;
	e->family = family;
	memcpy(e->ip, ip, 16);
	e->last_time = now;
	e->tokens = TOKEN_MAX - PACKET_COST;
	e->next = *head;
	*head = e;
	rl->entries++;
	return true;
}

void ratelimiter_gc(struct ratelimiter *rl, uint64_t now)
{
	for (size_t i = 0; i < TABLE_SIZE; i++) {
		struct rl_entry **pp = &rl->table[i];

		while (*pp) {
			struct rl_entry *e = *pp;

			if (now - e->last_time > NSEC_PER_SEC) {
				*pp = e->next;
				free(e);
				rl->entries--;
			} else {
				pp = &e->next;
			}
		}
	}
}
