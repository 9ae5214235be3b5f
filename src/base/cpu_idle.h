/* SPDX-License-Identifier: MIT */
/*
 * How much CPU the machine leaves idle, from /proc/stat: the data path
 * asks before spreading work over threads that would otherwise only take
 * CPU share from the applications it delivers to.
 */
#ifndef CVPC_BASE_CPU_IDLE_H
#define CVPC_BASE_CPU_IDLE_H

#include <stdbool.h>
#include <stdint.h>

struct cpu_idle {
	const char *path;   /* /proc/stat, or a test's file */
	uint64_t sampled;   /* now_ns() of the last reading, 0 before any */
	uint64_t idle, total; /* the aggregate line's jiffies then */
	double idle_cpus;   /* CPUs' worth idle over the last interval */
	unsigned int cpus;  /* online CPUs */
};

/* Reads from path (NULL: /proc/stat); until known, reports plenty idle. */
void cpu_idle_init(struct cpu_idle *g, const char *path);

/*
 * CPUs' worth of idle time (idle + iowait) between the last two readings,
 * re-reading when the last is older than CPU_IDLE_INTERVAL_MS. When the
 * file cannot be read or parsed, the last value stands.
 */
enum { CPU_IDLE_INTERVAL_MS = 100 };
double cpu_idle_cpus(struct cpu_idle *g, uint64_t now);

/*
 * Parses the aggregate "cpu " line that starts a /proc/stat text into
 * idle (idle + iowait) and total jiffies: false if it is not there.
 */
bool cpu_idle_parse(const char *text, uint64_t *idle, uint64_t *total);

#endif
