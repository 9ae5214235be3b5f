// SPDX-License-Identifier: MIT
/*
 * The per-source token buckets, with time injected: a burst of five, one
 * token back every 50 ms, buckets per IPv4 address and per IPv6 /64,
 * idle buckets collected after a second, and a cap on the table.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/sockaddr.h"
#include "wg/ratelimiter.h"

#define MS 1000000ULL
#define SEC 1000000000ULL
/* An arbitrary monotonic "now", far from zero. */
#define T0 (1000 * SEC)

static int setup(void **state)
{
	struct ratelimiter *rl = ratelimiter_new();

	if (!rl)
		return -1;
	*state = rl;
	return 0;
}

static int teardown(void **state)
{
	ratelimiter_free(*state);
	return 0;
}

static union sockaddr_inet v4(const char *ip, uint16_t port)
{
	union sockaddr_inet a;

	memset(&a, 0, sizeof(a));
	a.in.sin_family = AF_INET;
	a.in.sin_port = htons(port);
	assert_int_equal(inet_pton(AF_INET, ip, &a.in.sin_addr), 1);
	return a;
}

static union sockaddr_inet v6(const char *ip, uint16_t port)
{
	union sockaddr_inet a;

	memset(&a, 0, sizeof(a));
	a.in6.sin6_family = AF_INET6;
	a.in6.sin6_port = htons(port);
	assert_int_equal(inet_pton(AF_INET6, ip, &a.in6.sin6_addr), 1);
	return a;
}

/* Takes tokens at one instant until refused; returns how many. */
static int drain(struct ratelimiter *rl, const union sockaddr_inet *src,
		 uint64_t now)
{
	int n = 0;

	while (ratelimiter_allow(rl, src, now)) {
		n++;
		assert_true(n <= 100);
	}
	return n;
}

static void test_burst_then_denied(void **state)
{
	struct ratelimiter *rl = *state;
	union sockaddr_inet a = v4("192.0.2.1", 51820);

	assert_int_equal(ratelimiter_entries(rl), 0);
	for (int i = 0; i < RATELIMITER_PACKETS_BURST; i++)
		assert_true(ratelimiter_allow(rl, &a, T0));
	assert_false(ratelimiter_allow(rl, &a, T0));
	assert_false(ratelimiter_allow(rl, &a, T0));
	assert_int_equal(ratelimiter_entries(rl), 1);
}

static void test_refill(void **state)
{
	struct ratelimiter *rl = *state;
	union sockaddr_inet a = v4("192.0.2.1", 51820);

	assert_int_equal(drain(rl, &a, T0), 5);
	/* One token costs 1/20 s. */
	assert_false(ratelimiter_allow(rl, &a, T0 + 50 * MS - 1));
	assert_true(ratelimiter_allow(rl, &a, T0 + 50 * MS));
	assert_false(ratelimiter_allow(rl, &a, T0 + 50 * MS));
	/* 20 a second, steadily. */
	for (int i = 2; i <= 21; i++)
		assert_true(ratelimiter_allow(rl, &a, T0 + (uint64_t)i * 50 * MS));
	assert_false(ratelimiter_allow(rl, &a, T0 + 21 * 50 * MS + 10 * MS));
	/* Two tokens after 100 ms, not more. */
	assert_int_equal(drain(rl, &a, T0 + 23 * 50 * MS), 2);
	/* However long the wait, the bucket holds only the burst. */
	assert_int_equal(drain(rl, &a, T0 + 3600 * SEC), 5);
}

static void test_per_ipv4_address(void **state)
{
	struct ratelimiter *rl = *state;
	union sockaddr_inet a = v4("192.0.2.1", 51820);
	union sockaddr_inet a_other_port = v4("192.0.2.1", 1);
	union sockaddr_inet b = v4("192.0.2.2", 51820);
	union sockaddr_inet c = v4("198.51.100.1", 51820);

	assert_int_equal(drain(rl, &a, T0), 5);
	/* The port does not make another source. */
	assert_false(ratelimiter_allow(rl, &a_other_port, T0));
	assert_int_equal(drain(rl, &b, T0), 5);
	assert_int_equal(drain(rl, &c, T0), 5);
	assert_int_equal(ratelimiter_entries(rl), 3);
}

static void test_per_ipv6_prefix(void **state)
{
	struct ratelimiter *rl = *state;
	union sockaddr_inet a = v6("2001:db8:1:2::1", 51820);
	union sockaddr_inet same64 = v6("2001:db8:1:2:ffff:ffff:ffff:fffe", 9);
	union sockaddr_inet next64 = v6("2001:db8:1:3::1", 51820);
	union sockaddr_inet other = v6("2001:db8:2:2::1", 51820);
	/* The same leading bytes as an IPv4 address: another family. */
	union sockaddr_inet v6_like_v4 = v6("c000:0201::", 1);
	union sockaddr_inet v4_addr = v4("192.0.2.1", 1);

	assert_int_equal(drain(rl, &a, T0), 5);
	assert_false(ratelimiter_allow(rl, &same64, T0));
	assert_int_equal(drain(rl, &next64, T0), 5);
	assert_int_equal(drain(rl, &other, T0), 5);
	assert_int_equal(ratelimiter_entries(rl), 3);

	assert_int_equal(drain(rl, &v6_like_v4, T0), 5);
	assert_int_equal(drain(rl, &v4_addr, T0), 5);
	assert_int_equal(ratelimiter_entries(rl), 5);
}

static void test_gc(void **state)
{
	struct ratelimiter *rl = *state;
	union sockaddr_inet a = v4("192.0.2.1", 1), b = v4("192.0.2.2", 1);
	union sockaddr_inet c = v6("2001:db8::1", 1);

	assert_int_equal(drain(rl, &a, T0), 5);
	assert_true(ratelimiter_allow(rl, &b, T0));
	assert_true(ratelimiter_allow(rl, &c, T0 + 500 * MS));
	assert_int_equal(ratelimiter_entries(rl), 3);

	/* Exactly one second idle is not yet "more than a second". */
	ratelimiter_gc(rl, T0 + SEC);
	assert_int_equal(ratelimiter_entries(rl), 3);
	ratelimiter_gc(rl, T0 + SEC + 1);
	assert_int_equal(ratelimiter_entries(rl), 1);
	/* c was used later and survives until its own second is up. */
	ratelimiter_gc(rl, T0 + 1500 * MS);
	assert_int_equal(ratelimiter_entries(rl), 1);
	ratelimiter_gc(rl, T0 + 1500 * MS + 1);
	assert_int_equal(ratelimiter_entries(rl), 0);

	/* A collected source starts again with a full burst. */
	assert_int_equal(drain(rl, &a, T0 + 3 * SEC), 5);
	assert_int_equal(ratelimiter_entries(rl), 1);
	/* Collecting an empty table, or one with nothing idle, is fine. */
	ratelimiter_gc(rl, T0 + 3 * SEC);
	assert_int_equal(ratelimiter_entries(rl), 1);
}

static void test_table_cap(void **state)
{
	struct ratelimiter *rl = *state;
	union sockaddr_inet a = v4("10.0.0.0", 1);
	union sockaddr_inet first = v4("10.0.0.0", 1);
	uint32_t base = ntohl(a.in.sin_addr.s_addr);

	/* As many sources as the table holds, each its own bucket. */
	for (uint32_t i = 0; i < RATELIMITER_MAX_ENTRIES; i++) {
		a.in.sin_addr.s_addr = htonl(base + i);
		if (!ratelimiter_allow(rl, &a, T0))
			fail_msg("source %u refused below the cap", i);
	}
	assert_int_equal(ratelimiter_entries(rl), RATELIMITER_MAX_ENTRIES);
	/* A new source is refused, and the table does not grow. */
	a.in.sin_addr.s_addr = htonl(base + RATELIMITER_MAX_ENTRIES);
	assert_false(ratelimiter_allow(rl, &a, T0));
	assert_false(ratelimiter_allow(rl, &a, T0 + 10 * SEC));
	assert_int_equal(ratelimiter_entries(rl), RATELIMITER_MAX_ENTRIES);
	/* Known sources keep their buckets. */
	assert_int_equal(drain(rl, &first, T0), 4);

	/* Once the idle ones are collected, new sources fit again. */
	assert_true(ratelimiter_allow(rl, &first, T0 + 2 * SEC));
	ratelimiter_gc(rl, T0 + 2 * SEC + 1);
	assert_int_equal(ratelimiter_entries(rl), 1);
	assert_true(ratelimiter_allow(rl, &a, T0 + 2 * SEC + 1));
	assert_int_equal(ratelimiter_entries(rl), 2);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_burst_then_denied),
		T(test_refill),
		T(test_per_ipv4_address),
		T(test_per_ipv6_prefix),
		T(test_gc),
		T(test_table_cap),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
