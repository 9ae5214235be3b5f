/* SPDX-License-Identifier: MIT */
/*
 * DNS messages as MagicDNS needs them (RFC 1035, EDNS0 from RFC 6891):
 * one query in, one response out, on plain buffers. Nothing here does
 * I/O, so the parser, the only code that reads untrusted bytes, is fuzzed
 * alone (tests/fuzz/fuzz_dns.c).
 */
#ifndef CVPC_CONTROL_DNS_MSG_H
#define CVPC_CONTROL_DNS_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum dns_limits {
	DNS_HEADER_LEN = 12,
	DNS_NAME_MAX = 255,	/* wire form, length bytes and root too */
	DNS_LABEL_MAX = 63,
	DNS_UDP_MIN = 512,	/* what a client without EDNS takes */
	DNS_UDP_MAX = 4096,	/* the most we send an EDNS client */
	DNS_EDNS_OURS = 1232,	/* what we advertise (DNS flag day 2020) */
	DNS_TCP_MAX = 65535,
	/* The longest zone, dotted, for which hostmaster.<zone> still fits
	 * DNS_NAME_MAX (253 dotted). */
	DNS_ZONE_MAX = 253 - 11,
	/* Negative answers are cached this long (RFC 2308): short, because
	 * a node that is missing now may register a second later. */
	DNS_SOA_MINIMUM = 30,
};

enum dns_type {
	DNS_TYPE_A = 1,
	DNS_TYPE_NS = 2,
	DNS_TYPE_SOA = 6,
	DNS_TYPE_AAAA = 28,
	DNS_TYPE_OPT = 41,
	DNS_TYPE_IXFR = 251,
	DNS_TYPE_AXFR = 252,
	DNS_TYPE_ANY = 255,
};

enum { DNS_CLASS_IN = 1 };

/* Extended codes (BADVERS) go out split between header and OPT record. */
enum dns_rcode {
	DNS_NOERROR = 0,
	DNS_FORMERR = 1,
	DNS_SERVFAIL = 2,
	DNS_NXDOMAIN = 3,
	DNS_NOTIMP = 4,
	DNS_REFUSED = 5,
	DNS_BADVERS = 16,
};

/* Header flag bits, in the second 16-bit word. */
enum dns_flags {
	DNS_FLAG_QR = 0x8000,
	DNS_OPCODE_MASK = 0x7800,
	DNS_FLAG_AA = 0x0400,
	DNS_FLAG_TC = 0x0200,
	DNS_FLAG_RD = 0x0100,
	DNS_FLAG_RA = 0x0080,
	DNS_FLAG_CD = 0x0010,
	DNS_RCODE_MASK = 0x000f,
};

/*
 * A parsed query. The parser fills it as far as it got, so an error reply
 * can still echo what was understood: id and flags once the header is
 * there, the question once has_question, EDNS once has_edns.
 */
struct dns_query {
	uint16_t id, flags, qtype, qclass;
	/* Dotted, lowercase, no trailing dot; "" for the root, and for a
	 * name refused because a label holds '.' or NUL. */
	char name[DNS_NAME_MAX + 1];
	size_t name_len;
	/* The question name as it came, case kept for the echo (resolvers
	 * that randomize case check it, draft-vixie-dnsext-dns0x20). */
	uint8_t wire_name[DNS_NAME_MAX];
	size_t wire_name_len;
	uint16_t udp_size; /* the reply limit over UDP: 512, or EDNS clamped */
	bool has_question;
	bool has_edns;
	bool edns_do; /* DNSSEC OK, copied back (RFC 3225) */
};

/* One address record; the owner is always the question name. */
struct dns_answer {
	uint16_t type; /* DNS_TYPE_A (addr[0..3]) or DNS_TYPE_AAAA */
	uint32_t ttl;
	uint8_t addr[16];
};

/* The zone's SOA: mname ns.<zone>, rname hostmaster.<zone>. */
struct dns_soa {
	const char *zone; /* dotted, lowercase, no final dot; dns_zone_valid */
	uint32_t serial;
};

struct dns_reply {
	enum dns_rcode rcode;
	bool authoritative;	  /* AA: the name is in our zone */
	bool recursion_available; /* RA: other names are forwarded */
	const struct dns_answer *answers;
	size_t n_answers;
	/* In the authority section for negative answers (NXDOMAIN, NODATA),
	 * or the answer itself when soa_is_answer. NULL: no SOA. */
	const struct dns_soa *soa;
	bool soa_is_answer;
};

/*
 * Parses a query into q. Returns 0 to answer it, a dns_rcode to reply
 * with instead (FORMERR, NOTIMP, REFUSED, BADVERS), or -1 to send nothing:
 * shorter than a header, or a response (answering those would let two
 * servers bounce a packet between them forever).
 */
int dns_query_parse(const uint8_t *msg, size_t len, struct dns_query *q);

/*
 * Writes the response to q into out and returns its length, at most cap
 * (the client's UDP size, or DNS_TCP_MAX over TCP). When the answers and
 * authority do not fit, they are left out and TC is set, so the client
 * retries over TCP. Returns 0 if not even that fits, or r is malformed:
 * an answer neither A nor AAAA, answers without a question, a zone that
 * is not dns_zone_valid, BADVERS to a query without EDNS.
 */
size_t dns_response_build(uint8_t *out, size_t cap, const struct dns_query *q,
			  const struct dns_reply *r);

/*
 * Whether msg is a response to the question of q, whatever its ID: how a
 * forwarder checks an upstream answer before relaying it. The name is
 * compared without regard to case.
 */
bool dns_response_matches(const uint8_t *msg, size_t len,
			  const struct dns_query *q);

/* Whether name (dotted, no trailing dot) has a wire form: labels of 1..63
 * bytes, at most DNS_NAME_MAX bytes encoded. "" is the root. */
bool dns_name_valid(const char *name);
/* A valid name, not the root, at most DNS_ZONE_MAX long. */
bool dns_zone_valid(const char *zone);

#endif
