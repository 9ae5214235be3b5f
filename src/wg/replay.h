/* SPDX-License-Identifier: MIT */
/*
 * The receive-side nonce window (RFC 6479 bitmap, as the kernel's
 * counter.c): 8192 bits of which 8128 are usable, so any counter more
 * than 8128 below the highest seen is rejected.
 */
#ifndef CVPC_WG_REPLAY_H
#define CVPC_WG_REPLAY_H

#include <stdbool.h>
#include <stdint.h>

enum replay_limits {
	REPLAY_BITS_TOTAL = 8192,
	REPLAY_WORD_BITS = 64,
	REPLAY_WINDOW_SIZE = REPLAY_BITS_TOTAL - REPLAY_WORD_BITS, /* 8128 */
};

struct replay_counter {
	uint64_t counter; /* one past the highest counter accepted */
	uint64_t backtrack[REPLAY_BITS_TOTAL / REPLAY_WORD_BITS];
};

void replay_init(struct replay_counter *rc);

/*
 * Accepts and records their_counter when it is below reject_after, not
 * older than the window and not seen before; returns false otherwise and
 * leaves the window unchanged. Call only after the packet authenticated.
 */
bool replay_validate(struct replay_counter *rc, uint64_t their_counter,
		     uint64_t reject_after);

#endif
