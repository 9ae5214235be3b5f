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

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

/* True once more than `seconds` have passed since birthdate (monotonic). */
static inline bool birthdate_has_expired(uint64_t birthdate, uint64_t seconds,
					 uint64_t now)
{
	return (int64_t)(birthdate + seconds * NSEC_PER_SEC) <= (int64_t)now;
}

#endif
