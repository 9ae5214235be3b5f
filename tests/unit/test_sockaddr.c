// SPDX-License-Identifier: MIT
/*
 * sockaddr literals: what parses, what it parses to, that formatting gives
 * the same text back, and that everything netip.ParseAddrPort refuses (and
 * every hostname) is refused here too.
 */
#include <arpa/inet.h>
#include <net/if.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "base/sockaddr.h"

static union sockaddr_inet parse_ok(const char *text)
{
	union sockaddr_inet a;

	memset(&a, 0xa5, sizeof(a));
	if (!sockaddr_parse(&a, text))
		fail_msg("rejected `%s'", text);
	return a;
}

static void assert_round_trip(const char *text)
{
	union sockaddr_inet a = parse_ok(text);
	char buf[SOCKADDR_STR_LEN];

	sockaddr_format(buf, sizeof(buf), &a);
	assert_string_equal(buf, text);
}

static void test_parse_ipv4(void **state)
{
	union sockaddr_inet a = parse_ok("192.0.2.1:51820");

	(void)state;
	assert_int_equal(a.sa.sa_family, AF_INET);
	assert_int_equal(ntohl(a.in.sin_addr.s_addr), 0xc0000201);
	assert_int_equal(ntohs(a.in.sin_port), 51820);
	assert_int_equal(sockaddr_len(&a), sizeof(struct sockaddr_in));
	/* memset 0xa5 above: parse must clear the padding. */
	assert_true(a.in.sin_zero[0] == 0 && a.in.sin_zero[7] == 0);

	a = parse_ok("0.0.0.0:0");
	assert_int_equal(a.in.sin_addr.s_addr, 0);
	assert_int_equal(a.in.sin_port, 0);
	a = parse_ok("255.255.255.255:65535");
	assert_int_equal(a.in.sin_addr.s_addr, 0xffffffff);
	assert_int_equal(ntohs(a.in.sin_port), 65535);
	/* Go's strconv.ParseUint takes leading zeros, so netip does too. */
	a = parse_ok("192.0.2.1:0080");
	assert_int_equal(ntohs(a.in.sin_port), 80);
}

static void test_parse_ipv6(void **state)
{
	static const uint8_t want[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	union sockaddr_inet a = parse_ok("[2001:db8::1]:51820");

	(void)state;
	assert_int_equal(a.sa.sa_family, AF_INET6);
	assert_memory_equal(&a.in6.sin6_addr, want, 16);
	assert_int_equal(ntohs(a.in6.sin6_port), 51820);
	assert_int_equal(a.in6.sin6_scope_id, 0);
	assert_int_equal(a.in6.sin6_flowinfo, 0);
	assert_int_equal(sockaddr_len(&a), sizeof(struct sockaddr_in6));

	a = parse_ok("[::]:1");
	assert_true(IN6_IS_ADDR_UNSPECIFIED(&a.in6.sin6_addr));
	a = parse_ok("[::ffff:192.0.2.1]:1");
	assert_int_equal(a.sa.sa_family, AF_INET6);
	assert_true(IN6_IS_ADDR_V4MAPPED(&a.in6.sin6_addr));
}

static void test_parse_scope(void **state)
{
	unsigned int lo = if_nametoindex("lo");
	union sockaddr_inet a;

	(void)state;
	assert_int_not_equal(lo, 0);
	a = parse_ok("[fe80::1%lo]:51820");
	assert_int_equal(a.in6.sin6_scope_id, lo);
	assert_int_equal(ntohs(a.in6.sin6_port), 51820);

	a = parse_ok("[fe80::1%3]:51820");
	assert_int_equal(a.in6.sin6_scope_id, 3);
	a = parse_ok("[fe80::1%4294967295]:1");
	assert_int_equal(a.in6.sin6_scope_id, 4294967295U);
	a = parse_ok("[fe80::1%0]:1");
	assert_int_equal(a.in6.sin6_scope_id, 0);
}

static void test_round_trip(void **state)
{
	char scoped[64], idx[IF_NAMESIZE], buf[SOCKADDR_STR_LEN];
	union sockaddr_inet a;

	(void)state;
	assert_round_trip("192.0.2.1:51820");
	assert_round_trip("10.0.0.1:0");
	assert_round_trip("[2001:db8::1]:51820");
	assert_round_trip("[::1]:65535");
	assert_round_trip("[::ffff:192.0.2.1]:7");
	assert_round_trip("[fe80::1%lo]:51820");
	/* An index with no interface formats as the number it was. */
	assert_null(if_indextoname(4000000000U, idx));
	assert_round_trip("[fe80::1%4000000000]:51820");

	/* A numeric scope naming a live interface comes back as its name. */
	snprintf(scoped, sizeof(scoped), "[fe80::1%%%u]:1", if_nametoindex("lo"));
	a = parse_ok(scoped);
	sockaddr_format(buf, sizeof(buf), &a);
	assert_string_equal(buf, "[fe80::1%lo]:1");
}

static void test_rejects(void **state)
{
	static const char *const bad[] = {
		"",
		"192.0.2.1", /* no port */
		"192.0.2.1:",
		"[2001:db8::1]",
		"[2001:db8::1]:",
		"[2001:db8::1]51820",
		":51820", /* empty host */
		"[]:51820",
		"[%lo]:51820",
		"192.0.2.1:65536",
		"192.0.2.1:70000",
		"192.0.2.1:99999999999999999999999",
		"192.0.2.1:-1",
		"192.0.2.1:+80",
		"192.0.2.1: 80",
		"192.0.2.1:80 ", /* trailing garbage */
		"192.0.2.1:80x",
		"192.0.2.1:80:80",
		"[::1]:80]",
		"[::1]]:80",
		" 192.0.2.1:80",
		"localhost:51820", /* no DNS, ever */
		"example.com:51820",
		"[localhost]:51820",
		"[192.0.2.1]:51820", /* brackets around IPv4 */
		"2001:db8::1:51820", /* IPv6 without brackets */
		"::1:51820",
		"fe80::1%lo:51820",
		"[[::1]]:51820",
		"[::1",
		"::1]:51820",
		"192.0.2:80", /* inet_pton is strict, unlike inet_aton */
		"0xc0000201:80",
		"3221225985:80",
		"192.0.2.01:80",
		"192.0.2.1%lo:80",
		"[fe80::1%]:51820", /* empty zone */
		"[fe80::1%lo%lo]:51820",
		"[fe80::1%no-such-if0]:51820",
		"[fe80::1%4294967296]:51820",
		"[fe80::1%-1]:51820",
		"[fe80::1%averyveryverylongname]:51820",
		"[2001:db8::g]:51820",
		"[2001:db8:::1]:51820",
	};
	union sockaddr_inet a, before;
	size_t i;

	(void)state;
	memset(&before, 0x5a, sizeof(before));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		a = before;
		if (sockaddr_parse(&a, bad[i]))
			fail_msg("accepted `%s'", bad[i]);
		/* A failed parse must not clobber a live endpoint. */
		assert_memory_equal(&a, &before, sizeof(a));
	}
	assert_false(sockaddr_parse(&a, NULL));
}

static void test_format_special(void **state)
{
	union sockaddr_inet a;
	char buf[SOCKADDR_STR_LEN], small[8], name[IF_NAMESIZE];

	(void)state;
	memset(&a, 0, sizeof(a));
	sockaddr_format(buf, sizeof(buf), &a);
	assert_string_equal(buf, "(none)");
	assert_int_equal(sockaddr_len(&a), 0);

	a.sa.sa_family = AF_UNIX;
	sockaddr_format(buf, sizeof(buf), &a);
	assert_string_equal(buf, "(unknown)");
	assert_int_equal(sockaddr_len(&a), 0);

	/* Truncated, but always terminated. */
	a = parse_ok("[2001:db8::1]:51820");
	memset(small, 'x', sizeof(small));
	sockaddr_format(small, sizeof(small), &a);
	assert_string_equal(small, "[2001:d");

	/* The longest form fits SOCKADDR_STR_LEN. */
	assert_null(if_indextoname(4294967295U, name));
	assert_round_trip("[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff%4294967295]"
			  ":65535");
}

static void test_equal(void **state)
{
	union sockaddr_inet v4 = parse_ok("192.0.2.1:51820");
	union sockaddr_inet v6 = parse_ok("[2001:db8::1]:51820");
	union sockaddr_inet a, b;

	(void)state;
	a = parse_ok("192.0.2.1:51820");
	assert_true(sockaddr_equal(&v4, &a));
	a = parse_ok("192.0.2.1:51821");
	assert_false(sockaddr_equal(&v4, &a));
	a = parse_ok("192.0.2.2:51820");
	assert_false(sockaddr_equal(&v4, &a));

	a = parse_ok("[2001:db8::1]:51820");
	assert_true(sockaddr_equal(&v6, &a));
	a = parse_ok("[2001:db8::2]:51820");
	assert_false(sockaddr_equal(&v6, &a));
	a = parse_ok("[2001:db8::1]:1");
	assert_false(sockaddr_equal(&v6, &a));
	a = parse_ok("[2001:db8::1%1]:51820");
	assert_false(sockaddr_equal(&v6, &a));
	b = parse_ok("[2001:db8::1%1]:51820");
	assert_true(sockaddr_equal(&a, &b));

	/* Same bytes, different family. */
	a = parse_ok("[::ffff:192.0.2.1]:51820");
	assert_false(sockaddr_equal(&v4, &a));
	assert_false(sockaddr_equal(&v4, &v6));

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	assert_true(sockaddr_equal(&a, &b));
	assert_false(sockaddr_equal(&a, &v4));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_ipv4),
		cmocka_unit_test(test_parse_ipv6),
		cmocka_unit_test(test_parse_scope),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_rejects),
		cmocka_unit_test(test_format_special),
		cmocka_unit_test(test_equal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
