// SPDX-License-Identifier: MIT
/*
 * The UAPI set parser, fed whole requests the way the control socket
 * splits them: one "key=value" per line. Every reject checks the errno and
 * that the message names what was wrong.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/sockaddr.h"
#include "wg/config.h"

#define KEY_A "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20"
#define KEY_B "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
#define KEY_C "c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf"
#define KEY_D "e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff"
#define KEY_E "1111111111111111111111111111111111111111111111111111111111111111"
#define KEY_F "2222222222222222222222222222222222222222222222222222222222222222"
#define KEY_ZERO "0000000000000000000000000000000000000000000000000000000000000000"
/* 64 characters, not all hex. */
#define KEY_NOT_HEX "zza1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
#define KEY_SPACE " 102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20"

/*
 * Allocation failure: the test interposes malloc (libc's stays reachable as
 * __libc_malloc). ASan owns malloc itself, so its builds skip that test.
 */
#if defined(__SANITIZE_ADDRESS__)
#define HAVE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HAVE_ASAN 1
#endif
#endif

#ifndef HAVE_ASAN
extern void *__libc_malloc(size_t size);

static int mallocs_until_failure = -1; /* < 0: never fail */

void *malloc(size_t size)
{
	if (mallocs_until_failure == 0)
		return NULL;
	if (mallocs_until_failure > 0)
		mallocs_until_failure--;
	return __libc_malloc(size);
}

/*
 * Makes the next malloc fail. False when the interposition is not in
 * effect (valgrind, for one, replaces malloc in the executable too).
 */
static bool fail_next_malloc(void)
{
	void *(*volatile probe)(size_t) = malloc;
	void *p;

	mallocs_until_failure = 0;
	p = probe(1);
	if (!p)
		return true;
	mallocs_until_failure = -1;
	free(p);
	return false;
}
#endif

/* Byte i of KEY_A..KEY_D is base + i. */
static void assert_key(const uint8_t *key, uint8_t base)
{
	size_t i;

	for (i = 0; i < WG_KEY_LEN; i++)
		assert_int_equal(key[i], (uint8_t)(base + i));
}

static void assert_key_fill(const uint8_t *key, uint8_t byte)
{
	size_t i;

	for (i = 0; i < WG_KEY_LEN; i++)
		assert_int_equal(key[i], byte);
}

/*
 * Feeds a request line by line, stopping at the first error, whose
 * return value it returns.
 */
static int feed(struct wg_config *cfg, const char *request, char *err,
		size_t err_len)
{
	char *copy = strdup(request), *line, *next, *eq;
	int ret = 0;

	assert_non_null(copy);
	for (line = copy; !ret && line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		eq = strchr(line, '=');
		assert_non_null(eq);
		*eq = '\0';
		ret = wg_config_parse_line(cfg, line, eq + 1, err, err_len);
	}
	free(copy);
	return ret;
}

static void feed_ok(struct wg_config *cfg, const char *request)
{
	char err[256] = "";
	int ret = feed(cfg, request, err, sizeof(err));

	if (ret)
		fail_msg("request failed with %d: %s", ret, err);
}

static const char *endpoint_str(const struct wg_peer_config *peer)
{
	static char buf[SOCKADDR_STR_LEN];

	sockaddr_format(buf, sizeof(buf), &peer->endpoint);
	return buf;
}

static void assert_ip(const struct wg_allowedip *ip, int family,
		      const char *addr, int cidr, bool remove)
{
	char text[INET6_ADDRSTRLEN];

	assert_int_equal(ip->family, family);
	assert_non_null(inet_ntop(family, &ip->ip6, text, sizeof(text)));
	assert_string_equal(text, addr);
	assert_int_equal(ip->cidr, cidr);
	assert_int_equal(ip->remove, remove);
}

/* What `wg setconf` sends for a four-peer file, plus a remove. */
static const char full_request[] =
	"private_key=" KEY_A "\n"
	"listen_port=51820\n"
	"fwmark=0\n"
	"replace_peers=true\n"
	"public_key=" KEY_B "\n"
	"preshared_key=" KEY_C "\n"
	"endpoint=192.0.2.1:51820\n"
	"persistent_keepalive_interval=25\n"
	"replace_allowed_ips=true\n"
	"allowed_ip=10.0.0.2/32\n"
	"allowed_ip=fd00::2/128\n"
	"public_key=" KEY_D "\n"
	"endpoint=[2001:db8::1]:4500\n"
	"replace_allowed_ips=true\n"
	"allowed_ip=10.1.0.0/16\n"
	"allowed_ip=0.0.0.0/0\n"
	"allowed_ip=::/0\n"
	"public_key=" KEY_E "\n"
	"remove=true\n"
	"public_key=" KEY_F "\n"
	"update_only=true\n"
	"protocol_version=1\n"
	"preshared_key=" KEY_ZERO "\n"
	"endpoint=[fe80::1%lo]:1\n"
	"persistent_keepalive_interval=0\n"
	"allowed_ip=-10.9.0.1/32\n";

static void test_full_request(void **state)
{
	struct wg_config cfg;
	const struct wg_peer_config *p;

	(void)state;
	wg_config_init(&cfg);
	feed_ok(&cfg, full_request);

	assert_int_equal(cfg.flags, WGDEVICE_HAS_PRIVATE_KEY |
				    WGDEVICE_HAS_LISTEN_PORT |
				    WGDEVICE_HAS_FWMARK |
				    WGDEVICE_REPLACE_PEERS);
	assert_key(cfg.private_key, 0x01);
	assert_int_equal(cfg.listen_port, 51820);
	assert_int_equal(cfg.fwmark, 0);
	assert_int_equal(cfg.peers_len, 4);
	assert_int_equal(cfg.allowedips_total, 6);

	p = &cfg.peers[0];
	assert_int_equal(p->flags, WGPEER_HAS_PRESHARED_KEY |
				   WGPEER_HAS_ENDPOINT |
				   WGPEER_HAS_PERSISTENT_KEEPALIVE_INTERVAL |
				   WGPEER_REPLACE_ALLOWEDIPS);
	assert_key(p->public_key, 0xa0);
	assert_key(p->preshared_key, 0xc0);
	assert_string_equal(endpoint_str(p), "192.0.2.1:51820");
	assert_int_equal(p->persistent_keepalive_interval, 25);
	assert_int_equal(p->allowedips_len, 2);
	assert_ip(&p->allowedips[0], AF_INET, "10.0.0.2", 32, false);
	assert_ip(&p->allowedips[1], AF_INET6, "fd00::2", 128, false);

	p = &cfg.peers[1];
	assert_int_equal(p->flags, WGPEER_HAS_ENDPOINT |
				   WGPEER_REPLACE_ALLOWEDIPS);
	assert_key(p->public_key, 0xe0);
	assert_key_fill(p->preshared_key, 0);
	assert_string_equal(endpoint_str(p), "[2001:db8::1]:4500");
	assert_int_equal(p->allowedips_len, 3);
	assert_ip(&p->allowedips[0], AF_INET, "10.1.0.0", 16, false);
	assert_ip(&p->allowedips[1], AF_INET, "0.0.0.0", 0, false);
	assert_ip(&p->allowedips[2], AF_INET6, "::", 0, false);

	p = &cfg.peers[2];
	assert_int_equal(p->flags, WGPEER_REMOVE_ME);
	assert_key_fill(p->public_key, 0x11);
	assert_int_equal(p->endpoint.sa.sa_family, 0);
	assert_int_equal(p->allowedips_len, 0);

	p = &cfg.peers[3];
	assert_int_equal(p->flags, WGPEER_UPDATE_ONLY |
				   WGPEER_HAS_PRESHARED_KEY |
				   WGPEER_HAS_ENDPOINT |
				   WGPEER_HAS_PERSISTENT_KEEPALIVE_INTERVAL);
	assert_key_fill(p->public_key, 0x22);
	assert_key_fill(p->preshared_key, 0);
	assert_int_equal(p->endpoint.in6.sin6_scope_id, if_nametoindex("lo"));
	assert_string_equal(endpoint_str(p), "[fe80::1%lo]:1");
	assert_int_equal(p->persistent_keepalive_interval, 0);
	assert_int_equal(p->allowedips_len, 1);
	assert_ip(&p->allowedips[0], AF_INET, "10.9.0.1", 32, true);

	/* Freed means wiped and reusable. */
	wg_config_free(&cfg);
	assert_null(cfg.peers);
	assert_int_equal(cfg.peers_len, 0);
	assert_int_equal(cfg.flags, 0);
	assert_key_fill(cfg.private_key, 0);
	feed_ok(&cfg, "listen_port=1\npublic_key=" KEY_B "\n");
	assert_int_equal(cfg.peers_len, 1);
	wg_config_free(&cfg);
}

static void test_device_values(void **state)
{
	struct wg_config cfg;

	(void)state;
	wg_config_init(&cfg);
	feed_ok(&cfg, "private_key=" KEY_ZERO "\nlisten_port=0\n"
		      "fwmark=4294967295\n");
	assert_int_equal(cfg.flags, WGDEVICE_HAS_PRIVATE_KEY |
				    WGDEVICE_HAS_LISTEN_PORT |
				    WGDEVICE_HAS_FWMARK);
	assert_key_fill(cfg.private_key, 0);
	assert_int_equal(cfg.listen_port, 0);
	assert_int_equal(cfg.fwmark, 4294967295U);

	/* Later lines win, upper-case hex is hex, leading zeros are digits. */
	feed_ok(&cfg, "listen_port=65535\nfwmark=007\nprivate_key="
		      "0102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F20\n");
	assert_int_equal(cfg.listen_port, 65535);
	assert_int_equal(cfg.fwmark, 7);
	assert_key(cfg.private_key, 0x01);
	assert_int_equal(cfg.peers_len, 0);
	wg_config_free(&cfg);
}

static void test_allowed_ips(void **state)
{
	struct wg_config cfg;
	const struct wg_peer_config *p;

	(void)state;
	wg_config_init(&cfg);
	feed_ok(&cfg, "public_key=" KEY_B "\n"
		      "allowed_ip=-10.0.0.1/32\n"
		      "allowed_ip=10.0.0.77/24\n"
		      "allowed_ip=-fd00::/64\n"
		      "allowed_ip=::ffff:10.0.0.1/128\n"
		      "allowed_ip=255.255.255.255/32\n"
		      "allowed_ip=ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128\n");
	p = &cfg.peers[0];
	assert_int_equal(p->allowedips_len, 6);
	assert_ip(&p->allowedips[0], AF_INET, "10.0.0.1", 32, true);
	/* Host bits are the table's to mask, not the parser's. */
	assert_ip(&p->allowedips[1], AF_INET, "10.0.0.77", 24, false);
	assert_ip(&p->allowedips[2], AF_INET6, "fd00::", 64, true);
	assert_ip(&p->allowedips[3], AF_INET6, "::ffff:10.0.0.1", 128, false);
	assert_ip(&p->allowedips[4], AF_INET, "255.255.255.255", 32, false);
	assert_ip(&p->allowedips[5], AF_INET6,
		  "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 128, false);
	assert_int_equal(p->flags, 0);

	/*
	 * wireguard-go empties the peer's prefixes when it reads
	 * replace_allowed_ips, so earlier lines of the section are lost.
	 */
	feed_ok(&cfg, "replace_allowed_ips=true\nallowed_ip=10.2.0.0/16\n"
		      "public_key=" KEY_D "\nallowed_ip=10.3.0.0/16\n");
	p = &cfg.peers[0];
	assert_int_equal(p->flags, WGPEER_REPLACE_ALLOWEDIPS);
	assert_int_equal(p->allowedips_len, 1);
	assert_ip(&p->allowedips[0], AF_INET, "10.2.0.0", 16, false);
	assert_int_equal(cfg.peers[1].allowedips_len, 1);
	assert_int_equal(cfg.allowedips_total, 2);
	wg_config_free(&cfg);
}

/* Growth past several doublings keeps every entry in order. */
static void test_many(void **state)
{
	struct wg_config cfg;
	char value[80];
	size_t i;

	(void)state;
	wg_config_init(&cfg);
	for (i = 0; i < 300; i++) {
		snprintf(value, sizeof(value), "%064zx", i);
		assert_int_equal(wg_config_parse_line(&cfg, "public_key", value,
						      NULL, 0), 0);
	}
	for (i = 0; i < 1000; i++) {
		snprintf(value, sizeof(value), "10.%zu.%zu.0/24", i >> 8,
			 i & 255);
		assert_int_equal(wg_config_parse_line(&cfg, "allowed_ip", value,
						      NULL, 0), 0);
	}
	assert_int_equal(cfg.peers_len, 300);
	for (i = 0; i < 300; i++) {
		assert_int_equal(cfg.peers[i].public_key[31], i & 255);
		assert_int_equal(cfg.peers[i].public_key[30], i >> 8);
	}
	assert_int_equal(cfg.peers[299].allowedips_len, 1000);
	assert_int_equal(cfg.peers[299].allowedips[999].ip4.s_addr,
			 htonl(0x0a03e700));
	wg_config_free(&cfg);
}

struct bad_line {
	const char *setup; /* lines fed first, which must succeed */
	const char *key, *value;
	const char *want; /* must appear in the error text */
};

#define PEER "public_key=" KEY_B "\n"

static const struct bad_line bad_lines[] = {
	/* Keys: public ones are quoted, secret ones only described. */
	{ "", "public_key", KEY_B "0", KEY_B "0" },
	{ "", "public_key", &KEY_B[1], &KEY_B[1] },
	{ "", "public_key", KEY_NOT_HEX, KEY_NOT_HEX },
	{ "", "public_key", "", "Invalid public_key: `'" },
	{ "", "private_key", &KEY_A[1], "Invalid private_key: not 64 hex digits (63 characters)" },
	{ "", "private_key", KEY_A "1", "Invalid private_key: not 64 hex digits (65 characters)" },
	{ "", "private_key", KEY_NOT_HEX, "Invalid private_key: not 64 hex digits (64 characters)" },
	{ PEER, "preshared_key", &KEY_C[1], "Invalid preshared_key: not 64 hex digits (63 characters)" },
	{ PEER, "preshared_key", KEY_C "0", "Invalid preshared_key: not 64 hex digits (65 characters)" },
	{ PEER, "preshared_key", KEY_SPACE, "Invalid preshared_key: not 64 hex digits (64 characters)" },

	{ "", "listen_port", "65536", "Invalid listen_port: `65536'" },
	{ "", "listen_port", "-1", "Invalid listen_port: `-1'" },
	{ "", "listen_port", "", "Invalid listen_port: `'" },
	{ "", "listen_port", " 1", "Invalid listen_port: ` 1'" },
	{ "", "listen_port", "1 ", "Invalid listen_port: `1 '" },
	{ "", "listen_port", "+1", "Invalid listen_port: `+1'" },
	{ "", "listen_port", "0x10", "Invalid listen_port: `0x10'" },
	{ "", "listen_port", "18446744073709551617", "`18446744073709551617'" },
	{ "", "fwmark", "4294967296", "Invalid fwmark: `4294967296'" },
	{ "", "fwmark", "18446744073709551616", "Invalid fwmark: `18446744073709551616'" },
	{ "", "fwmark", "-1", "Invalid fwmark: `-1'" },
	{ "", "fwmark", "0x1", "Invalid fwmark: `0x1'" },
	{ "", "fwmark", "off", "Invalid fwmark: `off'" },
	{ "", "replace_peers", "false", "Invalid replace_peers: `false'" },
	{ "", "replace_peers", "TRUE", "Invalid replace_peers: `TRUE'" },
	{ "", "replace_peers", "", "Invalid replace_peers: `'" },

	{ PEER, "remove", "false", "Invalid remove: `false'" },
	{ PEER, "update_only", "1", "Invalid update_only: `1'" },
	{ PEER, "replace_allowed_ips", "yes", "Invalid replace_allowed_ips: `yes'" },
	{ PEER, "protocol_version", "2", "Invalid protocol_version: `2'" },
	{ PEER, "protocol_version", "01", "Invalid protocol_version: `01'" },
	{ PEER, "protocol_version", "", "Invalid protocol_version: `'" },
	{ PEER, "persistent_keepalive_interval", "65536", "`65536'" },
	{ PEER, "persistent_keepalive_interval", "-1", "`-1'" },
	{ PEER, "persistent_keepalive_interval", "", "Invalid persistent_keepalive_interval: `'" },

	{ PEER, "allowed_ip", "10.0.0.1", "Invalid allowed_ip: `10.0.0.1'" },
	{ PEER, "allowed_ip", "fd00::1", "Invalid allowed_ip: `fd00::1'" },
	{ PEER, "allowed_ip", "10.0.0.1/", "`10.0.0.1/'" },
	{ PEER, "allowed_ip", "10.0.0.0/33", "Invalid allowed_ip: `10.0.0.0/33'" },
	{ PEER, "allowed_ip", "fd00::/129", "Invalid allowed_ip: `fd00::/129'" },
	{ PEER, "allowed_ip", "10.0.0.0/4294967304", "`10.0.0.0/4294967304'" },
	{ PEER, "allowed_ip", "10.0.0.0/+8", "`10.0.0.0/+8'" },
	{ PEER, "allowed_ip", "10.0.0.0/-8", "`10.0.0.0/-8'" },
	{ PEER, "allowed_ip", "10.0.0.0/ 8", "`10.0.0.0/ 8'" },
	{ PEER, "allowed_ip", "10.0.0.0/08", "`10.0.0.0/08'" },
	{ PEER, "allowed_ip", "10.0.0.0/8 ", "`10.0.0.0/8 '" },
	{ PEER, "allowed_ip", " 10.0.0.0/8", "` 10.0.0.0/8'" },
	{ PEER, "allowed_ip", "+10.0.0.0/8", "`+10.0.0.0/8'" },
	{ PEER, "allowed_ip", "--10.0.0.1/32", "`--10.0.0.1/32'" },
	{ PEER, "allowed_ip", "- 10.0.0.1/32", "`- 10.0.0.1/32'" },
	{ PEER, "allowed_ip", "-/8", "`-/8'" },
	{ PEER, "allowed_ip", "/8", "`/8'" },
	{ PEER, "allowed_ip", "10.0.0/8", "`10.0.0/8'" },
	{ PEER, "allowed_ip", "10.0.0.0/8/8", "`10.0.0.0/8/8'" },
	{ PEER, "allowed_ip", "fe80::1%lo/64", "`fe80::1%lo/64'" },
	{ PEER, "allowed_ip", "example.com/32", "`example.com/32'" },
	{ PEER, "allowed_ip", "", "Invalid allowed_ip: `'" },

	{ PEER, "endpoint", "vpn.example.com:51820", "Invalid endpoint: `vpn.example.com:51820'" },
	{ PEER, "endpoint", "localhost:51820", "`localhost:51820'" },
	{ PEER, "endpoint", "192.0.2.1", "Invalid endpoint: `192.0.2.1'" },
	{ PEER, "endpoint", "192.0.2.1:70000", "Invalid endpoint: `192.0.2.1:70000'" },
	{ PEER, "endpoint", "2001:db8::1:51820", "Invalid endpoint: `2001:db8::1:51820'" },
	{ PEER, "endpoint", "[192.0.2.1]:51820", "`[192.0.2.1]:51820'" },
	{ PEER, "endpoint", "[fe80::1%no-such-if0]:1", "`[fe80::1%no-such-if0]:1'" },
	{ PEER, "endpoint", "", "Invalid endpoint: `'" },

	/* wg's get-only keys, amneziawg's, typos and case are all unknown. */
	{ "", "listenport", "1", "Unknown key: `listenport'" },
	{ "", "PRIVATE_KEY", KEY_A, "Unknown key: `PRIVATE_KEY'" },
	{ "", "", "1", "Unknown key: `'" },
	{ "", "get", "1", "Unknown key: `get'" },
	{ "", "jc", "4", "Unknown key: `jc'" },
	{ PEER, "rx_bytes", "0", "Unknown key: `rx_bytes'" },
	{ PEER, "last_handshake_time_sec", "0", "`last_handshake_time_sec'" },
	{ PEER, "errno", "0", "Unknown key: `errno'" },

	{ PEER, "private_key", KEY_A, "Device key after a public_key: `private_key'" },
	{ PEER, "listen_port", "1", "Device key after a public_key: `listen_port'" },
	{ PEER, "fwmark", "1", "Device key after a public_key: `fwmark'" },
	{ PEER "remove=true\n", "replace_peers", "true", "`replace_peers'" },
	{ "", "remove", "true", "Peer key before any public_key: `remove'" },
	{ "", "update_only", "true", "Peer key before any public_key: `update_only'" },
	{ "", "replace_allowed_ips", "true", "`replace_allowed_ips'" },
	{ "listen_port=1\n", "preshared_key", KEY_C, "Peer key before any public_key: `preshared_key'" },
	{ "", "endpoint", "192.0.2.1:1", "Peer key before any public_key: `endpoint'" },
	{ "", "persistent_keepalive_interval", "1", "`persistent_keepalive_interval'" },
	{ "", "allowed_ip", "10.0.0.0/8", "Peer key before any public_key: `allowed_ip'" },
	{ "", "protocol_version", "1", "Peer key before any public_key: `protocol_version'" },
};

static void test_bad_lines(void **state)
{
	const struct bad_line *b;
	struct wg_config cfg;
	char err[512];
	size_t i;
	int ret;

	(void)state;
	for (i = 0; i < sizeof(bad_lines) / sizeof(bad_lines[0]); i++) {
		b = &bad_lines[i];
		wg_config_init(&cfg);
		feed_ok(&cfg, b->setup);
		strcpy(err, "untouched");
		ret = wg_config_parse_line(&cfg, b->key, b->value, err,
					   sizeof(err));
		if (ret != -EINVAL)
			fail_msg("%s=%s: returned %d", b->key, b->value, ret);
		if (!strstr(err, b->want))
			fail_msg("%s=%s: error `%s' lacks `%s'", b->key,
				 b->value, err, b->want);
		/* Secrets never reach the error text, even malformed. */
		if (strstr(b->key, "_key") && strcmp(b->key, "public_key") &&
		    *b->value && strstr(err, b->value))
			fail_msg("%s leaked into `%s'", b->key, err);
		wg_config_free(&cfg);
	}
}

/* A failed line leaves the config as it was. */
static void test_failed_line_changes_nothing(void **state)
{
	struct wg_config cfg;

	(void)state;
	wg_config_init(&cfg);
	feed_ok(&cfg, "private_key=" KEY_A "\nlisten_port=7\n" PEER
		      "allowed_ip=10.0.0.0/8\n");
	assert_int_equal(wg_config_parse_line(&cfg, "public_key", "x", NULL, 0),
			 -EINVAL);
	assert_int_equal(wg_config_parse_line(&cfg, "allowed_ip", "10.0.0.0/33",
					      NULL, 0), -EINVAL);
	assert_int_equal(wg_config_parse_line(&cfg, "endpoint", "x:1", NULL, 0),
			 -EINVAL);
	assert_int_equal(wg_config_parse_line(&cfg, "private_key", KEY_ZERO,
					      NULL, 0), -EINVAL);
	assert_int_equal(wg_config_parse_line(&cfg, "preshared_key", KEY_C "0",
					      NULL, 0), -EINVAL);
	assert_int_equal(cfg.peers_len, 1);
	assert_int_equal(cfg.peers[0].allowedips_len, 1);
	assert_int_equal(cfg.peers[0].flags, 0);
	assert_int_equal(cfg.peers[0].endpoint.sa.sa_family, 0);
	assert_key_fill(cfg.peers[0].preshared_key, 0);
	assert_key(cfg.private_key, 0x01);
	assert_int_equal(cfg.listen_port, 7);
	wg_config_free(&cfg);
}

/* Client bytes in the error text cannot smuggle terminal escapes. */
static void test_error_text_sanitised(void **state)
{
	struct wg_config cfg;
	char err[64];

	(void)state;
	wg_config_init(&cfg);
	assert_int_equal(wg_config_parse_line(&cfg, "listen_port",
					      "1\x1b[2J\r\xff", err,
					      sizeof(err)), -EINVAL);
	assert_string_equal(err, "Invalid listen_port: `1?[2J?" "?'");
	/* Truncated to the buffer, and a NULL buffer is fine. */
	assert_int_equal(wg_config_parse_line(&cfg, "nope", "1", err, 8),
			 -EINVAL);
	assert_string_equal(err, "Unknown");
	assert_int_equal(wg_config_parse_line(&cfg, "nope", "1", NULL, 0),
			 -EINVAL);
	assert_int_equal(wg_config_parse_line(&cfg, NULL, "1", err,
					      sizeof(err)), -EINVAL);
	assert_int_equal(wg_config_parse_line(&cfg, "fwmark", NULL, err,
					      sizeof(err)), -EINVAL);
	wg_config_free(&cfg);
}

/* One request may not hold more than 1 << 20 allowed IPs in total. */
static void test_allowedips_cap(void **state)
{
	struct wg_config cfg;
	char err[128];
	size_t i;

	(void)state;
	wg_config_init(&cfg);
	feed_ok(&cfg, PEER);
	for (i = 0; i < (1 << 19); i++)
		assert_int_equal(wg_config_parse_line(&cfg, "allowed_ip",
						      "10.0.0.0/8", NULL, 0), 0);
	feed_ok(&cfg, "public_key=" KEY_D "\n");
	for (i = 0; i < (1 << 19); i++)
		assert_int_equal(wg_config_parse_line(&cfg, "allowed_ip",
						      "fd00::/8", NULL, 0), 0);
	assert_int_equal(cfg.allowedips_total, 1 << 20);
	assert_int_equal(wg_config_parse_line(&cfg, "allowed_ip", "10.0.0.0/8",
					      err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "Too many allowed IPs"));
	assert_non_null(strstr(err, "`10.0.0.0/8'"));

	/* Replacing frees room in the count. */
	feed_ok(&cfg, "replace_allowed_ips=true\nallowed_ip=10.0.0.0/8\n");
	assert_int_equal(cfg.allowedips_total, (1 << 19) + 1);
	wg_config_free(&cfg);
}

/* Nor more than 1 << 20 peer sections. */
static void test_peers_cap(void **state)
{
	struct wg_config cfg;
	char value[80], err[128];
	size_t i;

	(void)state;
	wg_config_init(&cfg);
	for (i = 0; i < (1 << 20); i++) {
		snprintf(value, sizeof(value), "%064zx", i);
		if (wg_config_parse_line(&cfg, "public_key", value, NULL, 0))
			fail_msg("peer %zu rejected", i);
	}
	assert_int_equal(cfg.peers_len, 1 << 20);
	assert_int_equal(cfg.peers[(1 << 20) - 1].public_key[29], 0x0f);
	assert_int_equal(wg_config_parse_line(&cfg, "public_key", KEY_B, err,
					      sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "Too many peers"));
	assert_int_equal(cfg.peers_len, 1 << 20);
	/* The last section is still open for its own keys. */
	feed_ok(&cfg, "remove=true\n");
	wg_config_free(&cfg);
}

/* -ENOMEM leaves every entry parsed so far in place, and freeable. */
static void test_enomem(void **state)
{
#ifdef HAVE_ASAN
	(void)state;
	skip();
#else
	struct wg_config cfg;
	char value[80], err[128];
	size_t i, n;
	int ret;

	(void)state;
	wg_config_init(&cfg);
	feed_ok(&cfg, PEER "preshared_key=" KEY_C "\nallowed_ip=10.0.0.0/8\n");
	/* Fill the first peer's allowed-IP array, so the next line grows it. */
	for (i = cfg.peers[0].allowedips_len; i < cfg.peers[0].allowedips_cap;
	     i++)
		feed_ok(&cfg, "allowed_ip=10.0.0.0/8\n");
	n = cfg.peers[0].allowedips_len;
	if (!fail_next_malloc()) {
		wg_config_free(&cfg);
		skip();
	}
	ret = wg_config_parse_line(&cfg, "allowed_ip", "10.9.0.0/16", err,
				   sizeof(err));
	mallocs_until_failure = -1;
	assert_int_equal(ret, -ENOMEM);
	assert_non_null(strstr(err, "`10.9.0.0/16'"));
	assert_int_equal(cfg.peers[0].allowedips_len, n);
	assert_int_equal(cfg.allowedips_total, n);

	/* Same for the peer array, with more peers than its first block. */
	for (i = cfg.peers_len; i < cfg.peers_cap; i++) {
		snprintf(value, sizeof(value), "%064zx", i);
		assert_int_equal(wg_config_parse_line(&cfg, "public_key", value,
						      NULL, 0), 0);
	}
	assert_true(fail_next_malloc());
	ret = wg_config_parse_line(&cfg, "public_key", KEY_D, err, sizeof(err));
	mallocs_until_failure = -1;
	assert_int_equal(ret, -ENOMEM);
	assert_int_equal(cfg.peers_len, cfg.peers_cap);
	assert_key(cfg.peers[0].public_key, 0xa0);
	assert_key(cfg.peers[0].preshared_key, 0xc0);
	assert_int_equal(cfg.peers[0].allowedips_len, n);

	/* Memory back: the same config carries on. */
	n = cfg.peers_len;
	feed_ok(&cfg, "public_key=" KEY_D "\nallowed_ip=10.9.0.0/16\n");
	assert_int_equal(cfg.peers_len, n + 1);
	assert_key(cfg.peers[0].preshared_key, 0xc0);
	assert_key(cfg.peers[n].public_key, 0xe0);
	wg_config_free(&cfg);
	assert_null(cfg.peers);
#endif
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_request),
		cmocka_unit_test(test_device_values),
		cmocka_unit_test(test_allowed_ips),
		cmocka_unit_test(test_many),
		cmocka_unit_test(test_bad_lines),
		cmocka_unit_test(test_failed_line_changes_nothing),
		cmocka_unit_test(test_error_text_sanitised),
		cmocka_unit_test(test_allowedips_cap),
		cmocka_unit_test(test_peers_cap),
		cmocka_unit_test(test_enomem),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
