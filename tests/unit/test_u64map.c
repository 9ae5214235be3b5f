// SPDX-License-Identifier: MIT
/*
 * The u64 hash map against a plain array of (key, value, present), under
 * random puts and deletes on a key space small enough to collide, with
 * 0 and UINT64_MAX among the keys.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "base/u64map.h"
#include "testutil.h"

enum { KEYS = 600, STEPS = 200000 };

static uint64_t key_of(size_t i)
{
	/* Sequential ids, big ones, and both ends of the range. */
	if (i == 0)
		return 0;
	if (i == 1)
		return UINT64_MAX;
	return i < KEYS / 2 ? i : (uint64_t)i << 40;
}

static void test_against_array(void **state)
{
	static uint64_t values[KEYS];
	static bool present[KEYS];
	struct u64map m = U64MAP_INIT;
	uint64_t seed = 0x64a9, *got;
	size_t len = 0;

	(void)state;
	assert_null(u64map_get(&m, 0));
	assert_false(u64map_del(&m, 0));
	for (int step = 0; step < STEPS; step++) {
		uint64_t r = tu_xorshift64(&seed);
		size_t i = r % KEYS;

		/* Mostly puts early, mostly deletes late: the map fills, drains. */
		if ((r >> 32) % STEPS < (uint64_t)step) {
			assert_true(u64map_del(&m, key_of(i)) == present[i]);
			len -= present[i];
			present[i] = false;
		} else {
			assert_int_equal(u64map_put(&m, key_of(i), r), 0);
			len += !present[i];
			present[i] = true;
			values[i] = r;
		}
		if (step % 1000)
			continue;
		assert_int_equal(m.len, len);
		for (i = 0; i < KEYS; i++) {
			got = u64map_get(&m, key_of(i));
			assert_true(!got == !present[i]);
			if (got)
				assert_true(*got == values[i]);
		}
	}
	u64map_free(&m);
	assert_int_equal(m.len, 0);
	assert_null(u64map_get(&m, 5));
}

int main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_against_array),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
