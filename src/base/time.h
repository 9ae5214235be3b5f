/* SPDX-License-Identifier: MIT */
/*
 * Boot-time nanoseconds for every protocol timer and age, and the wall
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
 * CLOCK_BOOTTIME in nanoseconds: like the kernel, keys age while the
 * machine sleeps, so a laptop waking up rekeys at once instead of sending
 * into sessions its peers dropped long ago. A real function, not an
 * inline, so a test can link with -Wl,--wrap=now_ns and drive every timer
 * and age in the library from a clock of its own.
 */
uint64_t now_ns(void);

/* True once `seconds` have passed since birthdate (both from now_ns). */
static inline bool birthdate_has_expired(uint64_t birthdate, uint64_t seconds,
					 uint64_t now)
{
	return (int64_t)(birthdate + seconds * NSEC_PER_SEC) <= (int64_t)now;
}

#endif
