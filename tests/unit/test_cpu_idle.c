// SPDX-License-Identifier: MIT
/*
 * The idle-CPU gauge: parsing /proc/stat's aggregate line, and the idle
 * CPUs it reports between readings of a file the test rewrites, with time
 * passed in rather than slept.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/cpu_idle.h"
#include "base/time.h"

static void test_parse(void **state)
{
	uint64_t idle, total;

	(void)state;
	assert_true(cpu_idle_parse("cpu  10 1 20 300 5 0 4 0 0 0\ncpu0 5 0 10 150 2 0 2 0 0 0\n",
				   &idle, &total));
	assert_int_equal(idle, 305);
	assert_int_equal(total, 340);
	/* Old kernels: only four fields. */
	assert_true(cpu_idle_parse("cpu 1 2 3 4\n", &idle, &total));
	assert_int_equal(idle, 4);
	assert_int_equal(total, 10);
	assert_false(cpu_idle_parse("cpu0 1 2 3 4\n", &idle, &total));
	assert_false(cpu_idle_parse("intr 1 2 3\n", &idle, &total));
	assert_false(cpu_idle_parse("cpu  1 2\n", &idle, &total));
	assert_false(cpu_idle_parse("", &idle, &total));
}

static void write_stat(const char *path, uint64_t busy, uint64_t idle)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fprintf(f, "cpu  %llu 0 0 %llu 0 0 0 0 0 0\n",
		(unsigned long long)busy, (unsigned long long)idle);
	assert_int_equal(fclose(f), 0);
}

static void test_gauge(void **state)
{
	char path[] = "/tmp/cvpc-test-stat.XXXXXX";
	const uint64_t ms = NSEC_PER_MSEC;
	struct cpu_idle g;
	unsigned int cpus;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	cpu_idle_init(&g, path);
	cpus = g.cpus;

	write_stat(path, 1000, 1000);
	/* One reading is not an interval yet: plenty idle. */
	assert_true(cpu_idle_cpus(&g, 1000 * ms) > 1000);
	/* All busy in the next interval. */
	write_stat(path, 1100, 1000);
	assert_true(cpu_idle_cpus(&g, 1200 * ms) == 0.0);
	/* Within the interval the file is not read again. */
	write_stat(path, 1100, 1100);
	assert_true(cpu_idle_cpus(&g, 1250 * ms) == 0.0);
	/* Half idle since the last reading: half the CPUs. */
	write_stat(path, 1200, 1100);
	{
		double got = cpu_idle_cpus(&g, 1400 * ms);

		assert_true(got > cpus * 0.49 && got < cpus * 0.51);
	}
	/* An unreadable file leaves the last value. */
	unlink(path);
	{
		double got = cpu_idle_cpus(&g, 1600 * ms);

		assert_true(got > cpus * 0.49 && got < cpus * 0.51);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_gauge),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
