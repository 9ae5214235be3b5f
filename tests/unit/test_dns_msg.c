// SPDX-License-Identifier: MIT
/*
 * DNS messages: queries as dig 9.18 sends them (captured off the wire),
 * malformed ones, and the exact bytes of every kind of response.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/bytes.h"
#include "control/dns_msg.h"

#include "testutil.h"

/* dig web1.dstack.internal A: RD and AD, EDNS 1232 with a client cookie. */
static const char dig_a[] =
	"a9ad01200001000000000001"
	"04776562310664737461636b08696e7465726e616c00" "00010001"
	"00002904d000000000000c000a00081412b32ba6e6b514";
/* dig +nocookie web1.dstack.internal AAAA */
static const char dig_aaaa[] =
	"bebe01200001000000000001"
	"04776562310664737461636b08696e7465726e616c00" "001c0001"
	"00002904d0000000000000";
/* dig +noedns WEB1.dstack.internal A */
static const char dig_upper[] =
	"8aff01200001000000000000"
	"04574542310664737461636b08696e7465726e616c00" "00010001";

#define QNAME_HEX "04776562310664737461636b08696e7465726e616c00"

static const struct dns_soa soa = { "dstack.internal", 42 };

static size_t unhex(uint8_t *out, const char *hex)
{
	tu_unhex(out, strlen(hex) / 2, hex);
	return strlen(hex) / 2;
}

static int parse_hex(const char *hex, struct dns_query *q)
{
	uint8_t msg[512];

	return dns_query_parse(msg, unhex(msg, hex), q);
}

/* A query from a header and the question that follows it, as text. */
static int parse_parts(const char *header, const uint8_t *rest, size_t len,
		       struct dns_query *q)
{
	uint8_t msg[1024];
	size_t n = unhex(msg, header);

	memcpy(msg + n, rest, len);
	return dns_query_parse(msg, n + len, q);
}

static void assert_response(const struct dns_query *q,
			    const struct dns_reply *r, size_t cap,
			    const char *hex)
{
	uint8_t out[4096];
	size_t len = dns_response_build(out, cap, q, r);

	assert_int_equal(len, strlen(hex) / 2);
	tu_assert_hex_equal(out, len, hex);
}

static struct dns_answer answer_a(uint8_t last)
{
	struct dns_answer a = { .type = DNS_TYPE_A, .ttl = 60,
				.addr = { 100, 128, 0, last } };

	return a;
}

static void test_dig_a_with_cookie(void **state)
{
	struct dns_answer a = answer_a(5);
	struct dns_reply r = { .authoritative = true, .answers = &a,
			       .n_answers = 1 };
	struct dns_query q;

	(void)state;
	assert_int_equal(parse_hex(dig_a, &q), 0);
	assert_int_equal(q.id, 0xa9ad);
	assert_int_equal(q.flags, 0x0120);
	assert_int_equal(q.qtype, DNS_TYPE_A);
	assert_int_equal(q.qclass, DNS_CLASS_IN);
	assert_string_equal(q.name, "web1.dstack.internal");
	assert_int_equal(q.name_len, 20);
	assert_int_equal(q.wire_name_len, 22);
	assert_true(q.has_question);
	assert_true(q.has_edns);
	assert_false(q.edns_do);
	assert_int_equal(q.udp_size, 1232);

	/* QR AA RD (AD is not ours to echo), then the question, the answer
	 * pointing at it, and our OPT: 65 bytes, as dig reports. */
	assert_response(&q, &r, q.udp_size,
			"a9ad85000001000100000001" QNAME_HEX "00010001"
			"c00c00010001" "0000003c" "0004" "64800005"
			"00002904d0000000000000");
}

static void test_dig_aaaa(void **state)
{
	struct dns_answer a = { .type = DNS_TYPE_AAAA, .ttl = 300,
				.addr = { 0xfd, [15] = 5 } };
	struct dns_reply r = { .authoritative = true, .answers = &a,
			       .n_answers = 1 };
	struct dns_query q;

	(void)state;
	assert_int_equal(parse_hex(dig_aaaa, &q), 0);
	assert_int_equal(q.qtype, DNS_TYPE_AAAA);
	assert_int_equal(q.udp_size, 1232);
	assert_response(&q, &r, q.udp_size,
			"bebe85000001000100000001" QNAME_HEX "001c0001"
			"c00c001c0001" "0000012c" "0010"
			"fd000000000000000000000000000005"
			"00002904d0000000000000");
}

static void test_uppercase(void **state)
{
	struct dns_answer a = answer_a(5);
	struct dns_reply r = { .authoritative = true, .answers = &a,
			       .n_answers = 1 };
	struct dns_query q;

	(void)state;
	assert_int_equal(parse_hex(dig_upper, &q), 0);
	assert_string_equal(q.name, "web1.dstack.internal");
	assert_false(q.has_edns);
	assert_int_equal(q.udp_size, 512);
	/* The echo keeps the client's case; no OPT without EDNS. */
	assert_response(&q, &r, q.udp_size,
			"8aff85000001000100000000"
			"04574542310664737461636b08696e7465726e616c00" "00010001"
			"c00c00010001" "0000003c" "0004" "64800005");
}

static void test_compression_rejected(void **state)
{
	struct dns_reply r = { .rcode = DNS_FORMERR };
	struct dns_query q;

	(void)state;
	/* A pointer as the whole name, and after a first label. */
	assert_int_equal(parse_hex("123401000001000000000000c00c00010001", &q),
			 DNS_FORMERR);
	assert_int_equal(q.id, 0x1234);
	assert_false(q.has_question);
	assert_int_equal(parse_hex("12340100000100000000000004776562" "31c00c"
				   "00010001", &q),
			 DNS_FORMERR);
	/* The extended label types 0x40 and 0x80 too. */
	assert_int_equal(parse_hex("1234010000010000000000004100010001", &q),
			 DNS_FORMERR);
	assert_int_equal(parse_hex("1234010000010000000000008100010001", &q),
			 DNS_FORMERR);
	/* FORMERR: the header alone, ID and RD echoed. */
	assert_response(&q, &r, 512, "123481010000000000000000");
}

static void test_label_length(void **state)
{
	uint8_t name[70];
	struct dns_query q;

	(void)state;
	name[0] = 63;
	memset(name + 1, 'a', 64);
	memcpy(name + 64, "\0\0\1\0\1", 5);
	assert_int_equal(parse_parts("000001000001000000000000", name, 69, &q),
			 0);
	assert_int_equal(q.name_len, 63);

	name[0] = 64;
	memset(name + 1, 'a', 64);
	memcpy(name + 65, "\0\0\1\0\1", 5);
	assert_int_equal(parse_parts("000001000001000000000000", name, 70, &q),
			 DNS_FORMERR);
}

/* Labels of 63 bytes, then one of `last` bytes: 3 * 64 + 1 + last + 1. */
static int parse_long_name(size_t last, struct dns_query *q)
{
	uint8_t name[300];
	size_t n = 0;

	for (int i = 0; i < 3; i++) {
		name[n++] = 63;
		memset(name + n, 'a' + i, 63);
		n += 63;
	}
	name[n++] = (uint8_t)last;
	memset(name + n, 'z', last);
	n += last;
	memcpy(name + n, "\0\0\1\0\1", 5);
	return parse_parts("000001000001000000000000", name, n + 5, q);
}

static void test_name_length(void **state)
{
	struct dns_query q;

	(void)state;
	/* 255 bytes on the wire, 253 dotted: the longest name there is. */
	assert_int_equal(parse_long_name(61, &q), 0);
	assert_int_equal(q.wire_name_len, 255);
	assert_int_equal(q.name_len, 253);
	assert_int_equal(strlen(q.name), 253);
	assert_int_equal(parse_long_name(62, &q), DNS_FORMERR);
	assert_int_equal(parse_long_name(63, &q), DNS_FORMERR);
}

static void test_counts(void **state)
{
	struct dns_query q;

	(void)state;
	/* Two questions, none, an answer, an authority record, two
	 * additional records: FORMERR, the ID still known. */
	assert_int_equal(parse_hex("beef01000002000000000000" QNAME_HEX
				   "00010001" QNAME_HEX "00010001", &q),
			 DNS_FORMERR);
	assert_int_equal(q.id, 0xbeef);
	assert_int_equal(parse_hex("beef01000000000000000000", &q),
			 DNS_FORMERR);
	assert_int_equal(parse_hex("beef01000001000100000000" QNAME_HEX
				   "00010001", &q), DNS_FORMERR);
	assert_int_equal(parse_hex("beef01000001000000010000" QNAME_HEX
				   "00010001", &q), DNS_FORMERR);
	assert_int_equal(parse_hex("beef01000001000000000002" QNAME_HEX
				   "00010001" "0000290200000000000000"
				   "0000290200000000000000", &q),
			 DNS_FORMERR);
}

static void test_short_and_truncated(void **state)
{
	uint8_t msg[64];
	size_t len = unhex(msg, dig_upper);
	struct dns_query q;

	(void)state;
	/* Under a header: nothing to answer with, not even an ID. */
	for (size_t n = 0; n < DNS_HEADER_LEN; n++)
		assert_int_equal(dns_query_parse(msg, n, &q), -1);
	/* A header and part of the question: FORMERR. */
	for (size_t n = DNS_HEADER_LEN; n < len; n++) {
		assert_int_equal(dns_query_parse(msg, n, &q), DNS_FORMERR);
		assert_int_equal(q.id, 0x8aff);
	}
	assert_int_equal(dns_query_parse(msg, len, &q), 0);
	/* A response is never answered. */
	msg[2] |= 0x80;
	assert_int_equal(dns_query_parse(msg, len, &q), -1);
}

static void test_opcode_notimp(void **state)
{
	struct dns_reply r = { .rcode = DNS_NOTIMP };
	struct dns_query q;

	(void)state;
	/* STATUS (2) and UPDATE (5). */
	assert_int_equal(parse_hex("4242110000010000000000000000010001", &q),
			 DNS_NOTIMP);
	assert_response(&q, &r, 512, "424291040000000000000000");
	assert_int_equal(parse_hex("4242290000010000000000000000010001", &q),
			 DNS_NOTIMP);
}

static void test_trailing_garbage(void **state)
{
	struct dns_query q;

	(void)state;
	assert_int_equal(parse_hex("8aff01200001000000000000" QNAME_HEX
				   "0001000100", &q), DNS_FORMERR);
	assert_int_equal(parse_hex("a9ad01200001000000000001" QNAME_HEX
				   "00010001" "00002904d0000000000000" "ff", &q),
			 DNS_FORMERR);
	/* An additional record that is not OPT (here a TSIG-like one). */
	assert_int_equal(parse_hex("a9ad01200001000000000001" QNAME_HEX
				   "00010001" "0000fa00ff000000000000", &q),
			 DNS_FORMERR);
}

static void test_edns(void **state)
{
	struct dns_reply r = { .rcode = DNS_BADVERS };
	struct dns_query q;

	(void)state;
	/* Sizes clamped to 512..4096; DO kept. */
	assert_int_equal(parse_hex("000101000001000000000001" "0000010001"
				   "0000290064000080000000", &q), 0);
	assert_int_equal(q.udp_size, 512);
	assert_true(q.edns_do);
	assert_int_equal(parse_hex("000101000001000000000001" "0000010001"
				   "000029ffff000000000000", &q), 0);
	assert_int_equal(q.udp_size, 4096);
	/* OPT with a name, options that overrun or fall short. */
	assert_int_equal(parse_hex("000101000001000000000001" "0000010001"
				   "01610000290200000000000000", &q),
			 DNS_FORMERR);
	assert_int_equal(parse_hex("000101000001000000000001" "0000010001"
				   "0000290200000000000006000a0004aabb", &q),
			 DNS_FORMERR);
	assert_int_equal(parse_hex("000101000001000000000001" "0000010001"
				   "0000290200000000000003000a00", &q),
			 DNS_FORMERR);
	assert_int_equal(parse_hex("000101000001000000000001" "0000010001"
				   "00002902000000000000", &q),
			 DNS_FORMERR);
	/* EDNS version 1: BADVERS (16), 0 in the header, 1 in the OPT. */
	assert_int_equal(parse_hex("000101000001000000000001" "0000010001"
				   "0000290200000100000000", &q),
			 DNS_BADVERS);
	assert_true(q.has_question);
	assert_response(&q, &r, 512,
			"000181000001000000000001" "0000010001"
			"00002904d0010000000000");
}

static void test_odd_label_refused(void **state)
{
	struct dns_query q;

	(void)state;
	/* "a.b" as one label would read as two once dotted. */
	assert_int_equal(parse_hex("000101000001000000000000" "03612e6200"
				   "00010001", &q), DNS_REFUSED);
	assert_true(q.has_question);
	assert_int_equal(parse_hex("000101000001000000000000" "0361006200"
				   "00010001", &q), DNS_REFUSED);
}

static void test_truncation(void **state)
{
	struct dns_answer a[40];
	struct dns_reply r = { .authoritative = true, .answers = a,
			       .n_answers = 40 };
	static uint8_t out[DNS_TCP_MAX];
	struct dns_query q;

	(void)state;
	for (int i = 0; i < 40; i++)
		a[i] = answer_a((uint8_t)i);
	/* 12 + 26 + 40 * 16 = 678 bytes do not fit in 512: TC, header and
	 * question only. */
	assert_int_equal(parse_hex(dig_upper, &q), 0);
	assert_response(&q, &r, q.udp_size,
			"8aff87000001000000000000"
			"04574542310664737461636b08696e7465726e616c00" "00010001");
	/* Over TCP they fit. */
	assert_int_equal(dns_response_build(out, DNS_TCP_MAX, &q, &r), 678);
	assert_int_equal(get_be16(out + 2), 0x8500);
	assert_int_equal(get_be16(out + 6), 40);

	/* With EDNS 1232 they fit over UDP too, the OPT record after. */
	assert_int_equal(parse_hex(dig_a, &q), 0);
	assert_int_equal(dns_response_build(out, q.udp_size, &q, &r), 689);
	assert_int_equal(get_be16(out + 2), 0x8500);
	/* And when not, the OPT record stays with the TC bit. */
	r.n_answers = 0;
	r.answers = NULL;
	q.udp_size = 512;
	{
		struct dns_answer many[DNS_TCP_MAX / 16];

		for (size_t i = 0; i < sizeof(many) / sizeof(many[0]); i++)
			many[i] = answer_a(1);
		r.answers = many;
		r.n_answers = 31;
		assert_int_equal(dns_response_build(out, 512, &q, &r), 49);
		assert_int_equal(get_be16(out + 2), 0x8700);
		assert_int_equal(get_be16(out + 10), 1);
		/* More than a TCP message holds: truncated there too. */
		r.n_answers = sizeof(many) / sizeof(many[0]);
		assert_int_equal(dns_response_build(out, DNS_TCP_MAX, &q, &r),
				 49);
	}
}

static void test_nxdomain_soa(void **state)
{
	struct dns_reply r = { .rcode = DNS_NXDOMAIN, .authoritative = true,
			       .soa = &soa };
	struct dns_query q;

	(void)state;
	assert_int_equal(parse_hex("77770100000100000000000004" "6e6f7065"
				   "0664737461636b08696e7465726e616c00"
				   "00010001", &q), 0);
	/* The SOA's names all point at "dstack.internal" inside the
	 * question (offset 17): owner, ns.<zone>, hostmaster.<zone>. */
	assert_response(&q, &r, 512,
			"777785030001000000010000"
			"046e6f70650664737461636b08696e7465726e616c00" "00010001"
			"c011" "00060001" "0000001e" "0026"
			"026e73" "c011" "0a686f73746d6173746572" "c011"
			"0000002a" "0000012c" "0000003c" "00000e10" "0000001e");
}

static void test_soa_answer_at_apex(void **state)
{
	struct dns_reply r = { .authoritative = true, .soa = &soa,
			       .soa_is_answer = true };
	struct dns_query q;

	(void)state;
	assert_int_equal(parse_hex("00050000000100000000000006" "44535441434b"
				   "08696e7465726e616c00" "00060001", &q), 0);
	assert_response(&q, &r, 512,
			"000584000001000100000000"
			"0644535441434b08696e7465726e616c00" "00060001"
			"c00c" "00060001" "0000001e" "0026"
			"026e73" "c00c" "0a686f73746d6173746572" "c00c"
			"0000002a" "0000012c" "0000003c" "00000e10" "0000001e");
}

static void test_soa_elsewhere(void **state)
{
	struct dns_reply r = { .rcode = DNS_NXDOMAIN, .soa = &soa };
	struct dns_query q;

	(void)state;
	/* "xdstack.internal" ends with the zone, but not on a label: the
	 * zone is written out once, then pointed at (offset 34). */
	assert_int_equal(parse_hex("00060000000100000000000007" "78" "647374"
				   "61636b08696e7465726e616c00" "00010001", &q),
			 0);
	assert_response(&q, &r, 512,
			"000680030001000000010000"
			"0778647374" "61636b08696e7465726e616c00" "00010001"
			"0664737461636b08696e7465726e616c00" "00060001"
			"0000001e" "0026"
			"026e73" "c022" "0a686f73746d6173746572" "c022"
			"0000002a" "0000012c" "0000003c" "00000e10" "0000001e");
}

static void test_build_rejects(void **state)
{
	struct dns_answer a = answer_a(1);
	struct dns_soa bad = { "a..b", 1 };
	struct dns_reply r = { .answers = &a, .n_answers = 1 };
	uint8_t out[512];
	struct dns_query q;

	(void)state;
	assert_int_equal(parse_hex(dig_upper, &q), 0);
	a.type = 15;
	assert_int_equal(dns_response_build(out, sizeof(out), &q, &r), 0);
	a.type = DNS_TYPE_A;
	/* Not even the header fits. */
	assert_int_equal(dns_response_build(out, 11, &q, &r), 0);
	/* BADVERS needs the OPT record the query did not have. */
	r.rcode = DNS_BADVERS;
	assert_int_equal(dns_response_build(out, sizeof(out), &q, &r), 0);
	r.rcode = DNS_NOERROR;
	r.soa = &bad;
	assert_int_equal(dns_response_build(out, sizeof(out), &q, &r), 0);
	/* Answers without a question have no name to point at. */
	r.soa = NULL;
	q.has_question = false;
	assert_int_equal(dns_response_build(out, sizeof(out), &q, &r), 0);
}

static void test_response_matches(void **state)
{
	struct dns_answer a = answer_a(5);
	struct dns_reply r = { .answers = &a, .n_answers = 1 };
	uint8_t out[512];
	struct dns_query q, upper;
	size_t len;

	(void)state;
	assert_int_equal(parse_hex(dig_a, &q), 0);
	assert_int_equal(parse_hex(dig_upper, &upper), 0);
	len = dns_response_build(out, sizeof(out), &q, &r);
	assert_true(dns_response_matches(out, len, &q));
	assert_true(dns_response_matches(out, len, &upper));
	assert_false(dns_response_matches(out, 12 + 22 + 3, &q));
	out[12 + 1] = 'x';
	assert_false(dns_response_matches(out, len, &q));
	out[12 + 1] = 'w';
	out[12 + 23] = DNS_TYPE_AAAA;
	assert_false(dns_response_matches(out, len, &q));
	out[12 + 23] = DNS_TYPE_A;
	out[2] &= 0x7f; /* a query, not a response */
	assert_false(dns_response_matches(out, len, &q));
}

static void test_name_valid(void **state)
{
	static const struct {
		const char *name;
		bool valid;
	} cases[] = {
		{ "", true },
		{ "dstack.internal", true },
		{ "a", true },
		{ ".", false },
		{ "a.", false },
		{ ".a", false },
		{ "a..b", false },
		{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		  true },
		{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		  false },
	};
	char name[300];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (dns_name_valid(cases[i].name) != cases[i].valid)
			fail_msg("`%s' should be %s", cases[i].name,
				 cases[i].valid ? "valid" : "invalid");
	}
	/* 127 "a." and "a": 253 characters, 255 on the wire. */
	for (int i = 0; i < 127; i++)
		memcpy(name + 2 * i, "a.", 2);
	name[253] = '\0';
	assert_true(dns_name_valid(name));
	name[253] = 'a';
	name[254] = '\0';
	assert_false(dns_name_valid(name));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dig_a_with_cookie),
		cmocka_unit_test(test_dig_aaaa),
		cmocka_unit_test(test_uppercase),
		cmocka_unit_test(test_compression_rejected),
		cmocka_unit_test(test_label_length),
		cmocka_unit_test(test_name_length),
		cmocka_unit_test(test_counts),
		cmocka_unit_test(test_short_and_truncated),
		cmocka_unit_test(test_opcode_notimp),
		cmocka_unit_test(test_trailing_garbage),
		cmocka_unit_test(test_edns),
		cmocka_unit_test(test_odd_label_refused),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_nxdomain_soa),
		cmocka_unit_test(test_soa_answer_at_apex),
		cmocka_unit_test(test_soa_elsewhere),
		cmocka_unit_test(test_build_rejects),
		cmocka_unit_test(test_response_matches),
		cmocka_unit_test(test_name_valid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
