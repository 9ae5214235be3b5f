/* SPDX-License-Identifier: MIT */
/*
 * Monotonic nanoseconds for every protocol timer and age, and the wall
 * clock only where the protocol or the user wants a date.
 */
#ifndef CVPC_BASE_TIME_H
#define CVPC_BASE_TIME_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

enum {
	NSEC_PER_MSEC = 1000000,
};
#define NSEC_PER_SEC 1000000000ULL

/*
 * CLOCK_MONOTONIC in nanoseconds. A real function, not an inline, so a
 * test can link with -Wl,--wrap=now_ns and drive every timer and age in
 * the library from a clock of its own.
 */
uint64_t now_ns(void);

/* True once more than `seconds` have passed since birthdate (monotonic). */
static inline bool birthdate_has_expired(uint64_t birthdate, uint64_t seconds,
					 uint64_t now)
{
	return (int64_t)(birthdate + seconds * NSEC_PER_SEC) <= (int64_t)now;
}

#endif
