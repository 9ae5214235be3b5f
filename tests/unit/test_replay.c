// SPDX-License-Identifier: MIT
/*
 * The replay window against the sequence of the Linux driver's
 * selftest/counter.c (mirrored by wireguard-go's replay_test.go): the same
 * 34 fixed cases and the same six sweeps over the whole window, typed
 * from the original. Each T() names its case number when it fails.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "wg/replay.h"

/* The kernel's REJECT_AFTER_MESSAGES, which its selftest runs with. */
#define KERNEL_REJECT_AFTER (UINT64_MAX - REPLAY_WINDOW_SIZE - 1)
/* The whitepaper's 2^64 - 2^13 - 1, as wireguard-go's device uses. */
#define PAPER_REJECT_AFTER (UINT64_MAX - (1ULL << 13))

#define T_LIM (REPLAY_WINDOW_SIZE + 1ULL)

struct fixture {
	struct replay_counter rc;
	uint64_t reject_after;
	unsigned int test_num;
};

static void t(struct fixture *f, uint64_t n, bool expected)
{
	++f->test_num;
	if (replay_validate(&f->rc, n, f->reject_after) != expected)
		fail_msg("counter self-test %u: counter %llu should be %s",
			 f->test_num, (unsigned long long)n,
			 expected ? "accepted" : "rejected");
}

#define T(n, v) t(f, (n), (v))

static void t_init(struct fixture *f, uint64_t reject_after)
{
	replay_init(&f->rc);
	f->reject_after = reject_after;
	f->test_num = 0;
}

static void fixed_sequence(struct fixture *f, uint64_t reject_after)
{
	const uint64_t R = reject_after;

	t_init(f, reject_after);
	/*  1 */ T(0, true);
	/*  2 */ T(1, true);
	/*  3 */ T(1, false);
	/*  4 */ T(9, true);
	/*  5 */ T(8, true);
	/*  6 */ T(7, true);
	/*  7 */ T(7, false);
	/*  8 */ T(T_LIM, true);
	/*  9 */ T(T_LIM - 1, true);
	/* 10 */ T(T_LIM - 1, false);
	/* 11 */ T(T_LIM - 2, true);
	/* 12 */ T(2, true);
	/* 13 */ T(2, false);
	/* 14 */ T(T_LIM + 16, true);
	/* 15 */ T(3, false);
	/* 16 */ T(T_LIM + 16, false);
	/* 17 */ T(T_LIM * 4, true);
	/* 18 */ T(T_LIM * 4 - (T_LIM - 1), true);
	/* 19 */ T(10, false);
	/* 20 */ T(T_LIM * 4 - T_LIM, false);
	/* 21 */ T(T_LIM * 4 - (T_LIM + 1), false);
	/* 22 */ T(T_LIM * 4 - (T_LIM - 2), true);
	/* 23 */ T(T_LIM * 4 + 1 - T_LIM, false);
	/* 24 */ T(0, false);
	/* 25 */ T(R, false);
	/* 26 */ T(R - 1, true);
	/* 27 */ T(R, false);
	/* 28 */ T(R - 1, false);
	/* 29 */ T(R - 2, true);
	/* 30 */ T(R + 1, false);
	/* 31 */ T(R + 2, false);
	/* 32 */ T(R - 2, false);
	/* 33 */ T(R - 3, true);
	/* 34 */ T(0, false);
	assert_int_equal(f->test_num, 34);
}

static void test_fixed_kernel_limit(void **state)
{
	struct fixture fx, *f = &fx;

	(void)state;
	fixed_sequence(f, KERNEL_REJECT_AFTER);
}

/* The algorithm does not depend on the limit; the paper's value too. */
static void test_fixed_paper_limit(void **state)
{
	struct fixture fx, *f = &fx;

	(void)state;
	fixed_sequence(f, PAPER_REJECT_AFTER);
}

static void test_sweep_up_then_zero(void **state)
{
	struct fixture fx, *f = &fx;
	uint64_t i;

	(void)state;
	t_init(f, KERNEL_REJECT_AFTER);
	for (i = 1; i <= REPLAY_WINDOW_SIZE; ++i)
		T(i, true);
	T(0, true);
	T(0, false);
}

static void test_sweep_up_from_two_then_one(void **state)
{
	struct fixture fx, *f = &fx;
	uint64_t i;

	(void)state;
	t_init(f, KERNEL_REJECT_AFTER);
	for (i = 2; i <= REPLAY_WINDOW_SIZE + 1; ++i)
		T(i, true);
	T(1, true);
	T(0, false);
}

static void test_sweep_down_whole_window(void **state)
{
	struct fixture fx, *f = &fx;
	uint64_t i;

	(void)state;
	t_init(f, KERNEL_REJECT_AFTER);
	for (i = REPLAY_WINDOW_SIZE + 1; i-- > 0;)
		T(i, true);
	assert_int_equal(f->test_num, REPLAY_WINDOW_SIZE + 1);
}

static void test_sweep_down_then_too_old(void **state)
{
	struct fixture fx, *f = &fx;
	uint64_t i;

	(void)state;
	t_init(f, KERNEL_REJECT_AFTER);
	for (i = REPLAY_WINDOW_SIZE + 2; i-- > 1;)
		T(i, true);
	T(0, false);
}

static void test_sweep_down_then_advance(void **state)
{
	struct fixture fx, *f = &fx;
	uint64_t i;

	(void)state;
	t_init(f, KERNEL_REJECT_AFTER);
	for (i = REPLAY_WINDOW_SIZE + 1; i-- > 1;)
		T(i, true);
	T(REPLAY_WINDOW_SIZE + 1, true);
	T(0, false);
}

static void test_sweep_down_zero_then_advance(void **state)
{
	struct fixture fx, *f = &fx;
	uint64_t i;

	(void)state;
	t_init(f, KERNEL_REJECT_AFTER);
	for (i = REPLAY_WINDOW_SIZE + 1; i-- > 1;)
		T(i, true);
	T(0, true);
	T(REPLAY_WINDOW_SIZE + 1, true);
}

/*
 * Beyond the selftest: the ring is REPLAY_BITS_TOTAL bits, so a counter
 * aliases the bit of every counter a multiple of 8192 away. Moving ahead
 * must clear exactly the words it passes, no fewer (stale aliases would
 * reject fresh counters) and no more (cleared history would accept
 * replays still inside the window).
 */
static void test_jump_clears_exactly(void **state)
{
	struct fixture fx, *f = &fx;
	const uint64_t far = 7ULL * REPLAY_BITS_TOTAL + 17;
	const uint64_t near = far + 3 * REPLAY_WORD_BITS + 5;
	uint64_t i;

	(void)state;
	t_init(f, KERNEL_REJECT_AFTER);
	for (i = 0; i < 2 * REPLAY_BITS_TOTAL; ++i)
		T(i, true);

	/* A jump past the whole ring. */
	T(far, true);
	assert_int_equal(f->rc.counter, far + 1);
	for (i = far - REPLAY_WINDOW_SIZE; i < far; ++i)
		T(i, true);

	/* A jump of a few words, onto words full of accepted history. */
	T(near, true);
	for (i = far + 1; i < near; ++i)
		T(i, true);
	for (i = near - REPLAY_WINDOW_SIZE; i <= near; ++i)
		T(i, false);
	T(near - REPLAY_WINDOW_SIZE - 1, false);
}

/* A rejected counter must not move the window, whatever the reason. */
static void test_reject_leaves_window(void **state)
{
	static struct replay_counter before;
	struct fixture fx, *f = &fx;
	const uint64_t top = 3ULL * REPLAY_BITS_TOTAL;

	(void)state;
	t_init(f, KERNEL_REJECT_AFTER);
	T(top, true);
	T(top - 100, true);
	memcpy(&before, &f->rc, sizeof(before));

	T(top - 100, false); /* seen */
	T(top - REPLAY_WINDOW_SIZE - 1, false); /* too old */
	T(KERNEL_REJECT_AFTER, false); /* past the limit */
	T(UINT64_MAX, false);
	assert_memory_equal(&before, &f->rc, sizeof(before));

	/* and the one-past-highest convention of the header */
	assert_int_equal(f->rc.counter, top + 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixed_kernel_limit),
		cmocka_unit_test(test_fixed_paper_limit),
		cmocka_unit_test(test_sweep_up_then_zero),
		cmocka_unit_test(test_sweep_up_from_two_then_one),
		cmocka_unit_test(test_sweep_down_whole_window),
		cmocka_unit_test(test_sweep_down_then_too_old),
		cmocka_unit_test(test_sweep_down_then_advance),
		cmocka_unit_test(test_sweep_down_zero_then_advance),
		cmocka_unit_test(test_jump_clears_exactly),
		cmocka_unit_test(test_reject_leaves_window),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
