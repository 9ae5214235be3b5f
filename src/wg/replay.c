// SPDX-License-Identifier: MIT
/*
 * The bitmap is a ring of REPLAY_BITS_TOTAL bits indexed by counter modulo
 * its size. Moving the top forward clears the words it passes over, one
 * word at a time, so one word of the ring is always "the future": that is
 * why only REPLAY_WINDOW_SIZE of the bits are usable.
 */
#include <string.h>

#include "wg/replay.h"

enum {
	RING_WORDS = REPLAY_BITS_TOTAL / REPLAY_WORD_BITS,
	WORD_SHIFT = 6, /* log2(REPLAY_WORD_BITS) */
};

_Static_assert(REPLAY_WORD_BITS == 1 << WORD_SHIFT, "word shift");
_Static_assert((RING_WORDS & (RING_WORDS - 1)) == 0, "ring size");

void replay_init(struct replay_counter *rc)
{
	memset(rc, 0, sizeof(*rc));
}

bool replay_validate(struct replay_counter *rc, uint64_t their_counter,
		     uint64_t reject_after)
{
	uint64_t index, index_current, top, i, bit;

	if (their_counter >= reject_after)
		return false;

	/*
	 * rc->counter is one past the highest accepted, so that a zeroed
	 * window means "nothing yet" rather than "0 seen"; work in the same
	 * shifted space. Cannot wrap: their_counter < reject_after.
	 */
	++their_counter;

	/* at most REPLAY_WINDOW_SIZE behind the highest, without overflow */
	if (rc->counter > REPLAY_WINDOW_SIZE &&
	    their_counter < rc->counter - REPLAY_WINDOW_SIZE)
		return false;

	index = their_counter >> WORD_SHIFT;
	if (their_counter > rc->counter) {
		/*
		 * Clear every word between the old top and the new one; a
		 * jump beyond the ring clears all of it, never more.
		 */
		index_current = rc->counter >> WORD_SHIFT;
		top = index - index_current;
		if (top > RING_WORDS)
			top = RING_WORDS;
		for (i = 1; i <= top; ++i)
			rc->backtrack[(index_current + i) &
				      (RING_WORDS - 1)] = 0;
		rc->counter = their_counter;
	}

	index &= RING_WORDS - 1;
	bit = 1ULL << (their_counter & (REPLAY_WORD_BITS - 1));
	if (rc->backtrack[index] & bit)
		return false;
	rc->backtrack[index] |= bit;
	return true;
}
