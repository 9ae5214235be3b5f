// SPDX-License-Identifier: MIT
/*
 * Bearer tokens and overlay addresses: a token matches only its own hash,
 * every malformed form is refused, and the address plan maps host indexes
 * to the addresses the API promises.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "control/ipam.h"
#include "control/token.h"

static void test_token_round_trip(void **state)
{
	char token[TOKEN_MAX], hash[TOKEN_HASH_HEX + 1], other[TOKEN_MAX],
		other_hash[TOKEN_HASH_HEX + 1];
	uint64_t id = 0;

	(void)state;
	token_create(token, hash, TOKEN_NODE, 4242);
	assert_int_equal(strncmp(token, "cvpcn_4242_", 11), 0);
	assert_int_equal(strlen(token), 11 + TOKEN_SECRET_HEX);
	assert_true(token_parse(token, TOKEN_NODE, &id));
	assert_int_equal(id, 4242);
	assert_false(token_parse(token, TOKEN_API_KEY, &id));
	assert_true(token_matches(token, hash));
	token_create(other, other_hash, TOKEN_NODE, 4242);
	assert_string_not_equal(token, other);
	assert_false(token_matches(token, other_hash));
	assert_false(token_matches(other, hash));
	/* One flipped digit of the secret. */
	token[20] = token[20] == '0' ? '1' : '0';
	assert_false(token_matches(token, hash));
}

static void test_token_malformed(void **state)
{
	static const char *const bad[] = {
		"", "cvpc", "cvpck_", "cvpck_1_", "cvpck__aaaa",
		"cvpck_1_00000000000000000000000000000000000000000000000000000000000000",
		"cvpck_1_0000000000000000000000000000000000000000000000000000000000000000f",
		"cvpck_1_000000000000000000000000000000000000000000000000000000000000000G",
		"cvpck_1_000000000000000000000000000000000000000000000000000000000000000A",
		"cvpck_12345678901234567890_0000000000000000000000000000000000000000000000000000000000000000",
		"cvpck_-1_0000000000000000000000000000000000000000000000000000000000000000",
		"xvpck_1_0000000000000000000000000000000000000000000000000000000000000000",
	};
	char hash[TOKEN_HASH_HEX + 1];
	uint64_t id;

	(void)state;
	memset(hash, 'a', TOKEN_HASH_HEX);
	hash[TOKEN_HASH_HEX] = '\0';
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_false(token_parse(bad[i], TOKEN_AUTH_KEY, &id));
		assert_false(token_matches(bad[i], hash));
	}
	assert_true(token_parse("cvpck_1_0000000000000000000000000000000000000000000000000000000000000000",
				TOKEN_AUTH_KEY, &id));
	assert_false(token_matches("cvpck_1_0000000000000000000000000000000000000000000000000000000000000000",
				   "short"));
}

static void test_ipam(void **state)
{
	char v4[INET_ADDRSTRLEN], v6[INET6_ADDRSTRLEN], text[32], err[128];
	struct ipam_pool pool;

	(void)state;
	assert_true(ipam_pool_parse(&pool, "100.128.0.0/10", err, sizeof(err)));
	assert_int_equal(ipam_pool_hosts(&pool), (1u << 22) - 2);
	assert_true(ipam_ula_parse(&pool, "fd12:3456:789a"));
	ipam_addr4(&pool, 1, v4);
	assert_string_equal(v4, "100.128.0.1");
	ipam_addr4(&pool, 256 + 5, v4);
	assert_string_equal(v4, "100.128.1.5");
	ipam_addr6(&pool, 256 + 5, v6);
	assert_string_equal(v6, "fd12:3456:789a::6480:105");
	ipam_pool_format(&pool, text);
	assert_string_equal(text, "100.128.0.0/10");
	ipam_ula_cidr(&pool, text);
	assert_string_equal(text, "fd12:3456:789a::/48");
	assert_false(ipam_pool_parse(&pool, "100.128.0.1/10", err, sizeof(err)));
	assert_string_equal(err, "`100.128.0.1/10' has host bits set");
	assert_false(ipam_pool_parse(&pool, "100.128.0.0/31", err, sizeof(err)));
	assert_false(ipam_pool_parse(&pool, "100.128.0.0", err, sizeof(err)));
	assert_false(ipam_pool_parse(&pool, "10.0.0.0/x", err, sizeof(err)));
	assert_false(ipam_ula_parse(&pool, "fc12:3456:789a"));
	assert_false(ipam_ula_parse(&pool, "fd12:3456:789a:1"));
	ipam_ula_generate(&pool);
	assert_int_equal(pool.ula[0], 0xfd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_token_round_trip),
		cmocka_unit_test(test_token_malformed),
		cmocka_unit_test(test_ipam),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
