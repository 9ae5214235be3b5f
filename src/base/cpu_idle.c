// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/cpu_idle.h"
#include "base/time.h"

void cpu_idle_init(struct cpu_idle *g, const char *path)
{
	long n;

	memset(g, 0, sizeof(*g));
	g->path = path ? path : "/proc/stat";
	n = sysconf(_SC_NPROCESSORS_ONLN);
	g->cpus = n > 0 ? (unsigned int)n : 1;
	/* Until two readings exist: as if every CPU but ours were free. */
	g->idle_cpus = 1e9;
}

bool cpu_idle_parse(const char *text, uint64_t *idle, uint64_t *total)
{
	uint64_t v[8] = { 0 };
	int n;

	if (strncmp(text, "cpu ", 4))
		return false;
	n = sscanf(text + 4,
		   "%" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64
		   " %" SCNu64 " %" SCNu64 " %" SCNu64,
		   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]);
	if (n < 4)
		return false;
	/* user nice system idle iowait irq softirq steal */
	*idle = v[3] + v[4];
	*total = 0;
	for (int i = 0; i < 8; i++)
		*total += v[i];
	return true;
}

/* The file's start, which holds the aggregate line. */
static bool read_stat(const char *path, char *buf, size_t size)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	do
		n = read(fd, buf, size - 1);
	while (n < 0 && errno == EINTR);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	return true;
}

double cpu_idle_cpus(struct cpu_idle *g, uint64_t now)
{
	char buf[256];
	uint64_t idle, total;

	if (g->sampled && now - g->sampled < CPU_IDLE_INTERVAL_MS * NSEC_PER_MSEC)
		return g->idle_cpus;
	g->sampled = now;
	if (!read_stat(g->path, buf, sizeof(buf)) ||
	    !cpu_idle_parse(buf, &idle, &total))
		return g->idle_cpus;
	if (g->total && total > g->total && idle >= g->idle)
		g->idle_cpus = (double)(idle - g->idle) /
			       (double)(total - g->total) * g->cpus;
	g->idle = idle;
	g->total = total;
	return g->idle_cpus;
}
