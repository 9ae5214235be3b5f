// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for MagicDNS messages: the input is a datagram as it
 * arrives on port 53. It goes through dns_query_parse, then, as the server
 * would, dns_response_build for what was parsed, into a buffer of the
 * client's UDP size and into one of 65535 bytes. The query ID, which the
 * fuzzer controls like any other byte, picks the reply: rcode, how many
 * answers, whether a SOA goes with them and for which zone.
 *
 * Beyond "no crash", each input is checked against these oracles:
 *  - the parsed query keeps its invariants (name length, lowercase,
 *    clamped UDP size);
 *  - the question re-encoded alone parses back to the same name;
 *  - every response fits its buffer and decodes, by a walker written here
 *    independently of the builder, into exactly the records its header
 *    counts, with compression pointers only pointing backwards;
 *  - a response that carries the question matches it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/bytes.h"
#include "control/dns_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void die(const char *what)
{
	fprintf(stderr, "fuzz_dns: %s\n", what);
	abort();
}

/* The offset after the name at off, or 0 if it does not decode. */
static size_t skip_name(const uint8_t *m, size_t len, size_t off)
{
	size_t pos = off, end = 0, total = 1, limit = off;

	for (;;) {
		if (pos >= len)
			return 0;
		if ((m[pos] & 0xc0) == 0xc0) {
			size_t to;

			if (pos + 1 >= len)
				return 0;
			to = (size_t)(m[pos] & 0x3f) << 8 | m[pos + 1];
			/* Strictly backwards, so the walk must end. */
			if (to >= limit)
				return 0;
			if (!end)
				end = pos + 2;
			pos = limit = to;
			continue;
		}
		if (m[pos] > 63)
			return 0;
		if (!m[pos])
			break;
		total += 1 + m[pos];
		if (total > DNS_NAME_MAX)
			return 0;
		pos += 1 + m[pos];
	}
	return end ? end : pos + 1;
}

/* The record at off: its name, fixed part and rdata, checked by type. */
static size_t skip_record(const uint8_t *m, size_t len, size_t off)
{
	size_t pos = skip_name(m, len, off), rdlen, rd;
	uint16_t type;

	if (!pos || len - pos < 10)
		return 0;
	type = get_be16(m + pos);
	rdlen = get_be16(m + pos + 8);
	rd = pos + 10;
	if (len - rd < rdlen)
		return 0;
	switch (type) {
	case DNS_TYPE_A:
		return rdlen == 4 ? rd + rdlen : 0;
	case DNS_TYPE_AAAA:
		return rdlen == 16 ? rd + rdlen : 0;
	case DNS_TYPE_OPT:
		return pos == off + 1 && !rdlen ? rd : 0;
	case DNS_TYPE_SOA:
		pos = skip_name(m, rd + rdlen, rd);
		pos = pos ? skip_name(m, rd + rdlen, pos) : 0;
		return pos && rd + rdlen - pos == 20 ? rd + rdlen : 0;
	default:
		return 0;
	}
}

static void check_response(const uint8_t *m, size_t len, size_t cap,
			   const struct dns_query *q)
{
	size_t off = DNS_HEADER_LEN, records;
	uint16_t flags;

	if (!len)
		return;
	if (len > cap || len < DNS_HEADER_LEN)
		die("response length out of bounds");
	flags = get_be16(m + 2);
	if (get_be16(m) != q->id || !(flags & DNS_FLAG_QR))
		die("response header wrong");
	if (get_be16(m + 4) > 1 || get_be16(m + 4) != q->has_question)
		die("question count wrong");
	if ((flags & DNS_FLAG_TC) && (get_be16(m + 6) || get_be16(m + 8)))
		die("truncated response still has records");
	if (q->has_question) {
		off = skip_name(m, len, off);
		if (!off || len - off < 4)
			die("question does not decode");
		off += 4;
		if (!dns_response_matches(m, len, q))
			die("response does not match its query");
	}
	records = (size_t)get_be16(m + 6) + get_be16(m + 8) + get_be16(m + 10);
	for (size_t i = 0; i < records; i++) {
		off = skip_record(m, len, off);
		if (!off)
			die("record does not decode");
	}
	if (off != len)
		die("bytes after the last record");
}

static void check_query(const struct dns_query *q, int ret)
{
	uint8_t msg[DNS_HEADER_LEN + DNS_NAME_MAX + 4] = { 0 };
	struct dns_query again;

	if (q->udp_size < DNS_UDP_MIN || q->udp_size > DNS_UDP_MAX)
		die("udp_size not clamped");
	if (!q->has_question)
		return;
	/* A label with '.' or NUL: refused, the dotted name left empty. */
	if (q->wire_name_len > 1 && !q->name_len) {
		if (!ret || q->name[0])
			die("odd name not refused");
		return;
	}
	/* "a.b" is \1a\1b\0: one byte more than the dots, and the root. */
	if (q->name_len > DNS_NAME_MAX - 2 || strlen(q->name) != q->name_len ||
	    q->wire_name_len != q->name_len + 1 + (q->name_len > 0))
		die("name lengths inconsistent");
	for (size_t i = 0; i < q->name_len; i++) {
		if (q->name[i] >= 'A' && q->name[i] <= 'Z')
			die("name not lowercase");
	}
	/* The question alone, as a query. */
	put_be16(msg + 4, 1);
	memcpy(msg + DNS_HEADER_LEN, q->wire_name, q->wire_name_len);
	put_be16(msg + DNS_HEADER_LEN + q->wire_name_len, q->qtype);
	put_be16(msg + DNS_HEADER_LEN + q->wire_name_len + 2, q->qclass);
	if (dns_query_parse(msg, DNS_HEADER_LEN + q->wire_name_len + 4,
			    &again) < 0 ||
	    !again.has_question || strcmp(again.name, q->name))
		die("question does not parse back");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum dns_rcode rcodes[] = {
		DNS_NOERROR, DNS_NXDOMAIN, DNS_SERVFAIL, DNS_REFUSED,
		DNS_NOERROR, DNS_NXDOMAIN, DNS_FORMERR, DNS_BADVERS,
	};
	static const size_t counts[] = { 0, 1, 2, 200 };
	static uint8_t big[DNS_TCP_MAX];
	struct dns_answer answers[200];
	struct dns_soa soa;
	struct dns_reply r = { 0 };
	uint8_t small[DNS_UDP_MAX];
	struct dns_query q;
	int ret;
	size_t len;

	ret = dns_query_parse(data, size, &q);
	if (ret < -1 || (ret > 0 && ret != DNS_FORMERR && ret != DNS_NOTIMP &&
			 ret != DNS_REFUSED && ret != DNS_BADVERS))
		die("unexpected parse result");
	if (ret < 0)
		return 0;
	check_query(&q, ret);

	/* The ID's bits choose the reply. */
	r.rcode = ret ? (enum dns_rcode)ret : rcodes[q.id >> 13];
	r.n_answers = q.has_question ? counts[q.id & 3] : 0;
	for (size_t i = 0; i < r.n_answers; i++) {
		answers[i].type = (i + q.id) & 4 ? DNS_TYPE_AAAA : DNS_TYPE_A;
		answers[i].ttl = (uint32_t)i;
		memset(answers[i].addr, (int)i, sizeof(answers[i].addr));
	}
	r.answers = answers;
	soa.zone = q.id & 8 ? q.name : "dstack.internal";
	soa.serial = q.id;
	r.soa = q.id & 16 ? &soa : NULL;
	r.soa_is_answer = q.id & 32;
	r.authoritative = q.id & 64;
	r.recursion_available = q.id & 128;

	len = dns_response_build(small, q.udp_size, &q, &r);
	check_response(small, len, q.udp_size, &q);
	len = dns_response_build(big, sizeof(big), &q, &r);
	check_response(big, len, sizeof(big), &q);
	/* A bad zone name or BADVERS without EDNS are the only refusals. */
	if (!len && (!r.soa || dns_zone_valid(r.soa->zone)) &&
	    (r.rcode <= 15 || q.has_edns))
		die("a valid reply did not build");
	return 0;
}
