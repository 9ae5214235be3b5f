// SPDX-License-Identifier: MIT
/*
 * A query is small and rigid: a header, one question, at most an EDNS
 * OPT record. Anything else a client may legally send (compression in the
 * question, several questions, TSIG) has no use here, so it is refused as
 * a format error rather than half-understood.
 */
#include <string.h>

#include "base/bytes.h"
#include "control/dns_msg.h"

enum {
	QNAME_OFFSET = DNS_HEADER_LEN, /* the question name in a response */
	PTR_MAX = 0x3fff,	       /* compression pointers have 14 bits */
	OPT_FIXED_LEN = 11,	       /* root, type, class, TTL, rdlength */
	SOA_REFRESH = 300,
	SOA_RETRY = 60,
	SOA_EXPIRE = 3600,
};

static uint8_t ascii_lower(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c + 'a' - 'A') : c;
}

/*
 * The question name at *off, into q->name and q->wire_name. A label
 * holding '.' or NUL has no unambiguous dotted form: *odd is set, and the
 * query is refused once it is parsed.
 */
static int parse_name(const uint8_t *msg, size_t len, size_t *off,
		      struct dns_query *q, bool *odd)
{
	size_t start = *off, pos = *off, out = 0;

	for (;;) {
		uint8_t label;

		if (pos >= len)
			return DNS_FORMERR;
		label = msg[pos];
		if (!label)
			break;
		/* 64..255 are a compression pointer (0xc0) or the extended
		 * label types: the first name of a message has nothing to
		 * point back to, and no client sends the others. */
		if (label > DNS_LABEL_MAX)
			return DNS_FORMERR;
		/* This label and the root byte still to come must fit. */
		if (pos - start + 1 + label + 1 > DNS_NAME_MAX ||
		    len - pos - 1 < label)
			return DNS_FORMERR;
		if (out)
			q->name[out++] = '.';
		for (size_t i = 1; i <= label; i++) {
			uint8_t c = msg[pos + i];

			*odd |= c == '.' || c == '\0';
			q->name[out++] = (char)ascii_lower(c);
		}
		pos += 1 + label;
	}
	pos++;
	q->name[out] = '\0';
	q->name_len = out;
	q->wire_name_len = pos - start;
	memcpy(q->wire_name, msg + start, q->wire_name_len);
	*off = pos;
	return 0;
}

/* The OPT pseudo-record (RFC 6891 6.1.2) at *off. */
static int parse_opt(const uint8_t *msg, size_t len, size_t *off,
		     struct dns_query *q)
{
	const uint8_t *p = msg + *off, *opts = p + OPT_FIXED_LEN;
	size_t rest = len - *off, rdlen, o;
	uint16_t size;

	if (rest < OPT_FIXED_LEN || p[0] != 0 ||
	    get_be16(p + 1) != DNS_TYPE_OPT)
		return DNS_FORMERR;
	rdlen = get_be16(p + 9);
	if (rest - OPT_FIXED_LEN < rdlen)
		return DNS_FORMERR;
	/* Options are code, length, data; they must tile the rdata. */
	for (o = 0; o < rdlen; o += 4 + (size_t)get_be16(opts + o + 2)) {
		if (rdlen - o < 4 || rdlen - o - 4 < get_be16(opts + o + 2))
			return DNS_FORMERR;
	}

	/* Below 512 is "512" (6.2.5); above 4096 risks fragments for
	 * nothing a MagicDNS answer needs. */
	size = get_be16(p + 3);
	q->udp_size = size < DNS_UDP_MIN ? DNS_UDP_MIN :
		      size > DNS_UDP_MAX ? DNS_UDP_MAX : size;
	q->has_edns = true;
	q->edns_do = p[7] & 0x80;
	*off += OPT_FIXED_LEN + rdlen;
	return p[6] ? DNS_BADVERS : 0;
}

int dns_query_parse(const uint8_t *msg, size_t len, struct dns_query *q)
{
	size_t off = DNS_HEADER_LEN;
	bool odd = false;
	int ret = 0;

	memset(q, 0, sizeof(*q));
	q->udp_size = DNS_UDP_MIN;
	if (len < DNS_HEADER_LEN)
		return -1;
	q->id = get_be16(msg);
	q->flags = get_be16(msg + 2);
	if (q->flags & DNS_FLAG_QR)
		return -1;
	if (q->flags & DNS_OPCODE_MASK)
		return DNS_NOTIMP;
	/* One question, no answer or authority, at most the OPT record. */
	if (get_be16(msg + 4) != 1 || get_be16(msg + 6) ||
	    get_be16(msg + 8) || get_be16(msg + 10) > 1)
		return DNS_FORMERR;

	ret = parse_name(msg, len, &off, q, &odd);
	if (ret)
		return ret;
	if (odd) {
		q->name[0] = '\0';
		q->name_len = 0;
	}
	if (len - off < 4)
		return DNS_FORMERR;
	q->qtype = get_be16(msg + off);
	q->qclass = get_be16(msg + off + 2);
	off += 4;
	q->has_question = true;

	if (get_be16(msg + 10)) {
		ret = parse_opt(msg, len, &off, q);
		if (ret == DNS_FORMERR)
			return ret;
	}
	if (off != len)
		return DNS_FORMERR;
	if (ret)
		return ret;
	return odd ? DNS_REFUSED : 0;
}

bool dns_name_valid(const char *name)
{
	size_t wire = 1, label = 0;

	if (!*name)
		return true;
	for (const char *p = name;; p++) {
		if (*p && *p != '.') {
			label++;
			continue;
		}
		if (!label || label > DNS_LABEL_MAX)
			return false;
		wire += 1 + label;
		label = 0;
		if (!*p)
			break;
	}
	return wire <= DNS_NAME_MAX;
}

bool dns_zone_valid(const char *zone)
{
	return *zone && strlen(zone) <= DNS_ZONE_MAX && dns_name_valid(zone);
}

/* ---- Building ------------------------------------------------------------ */

/* Writes stop at cap and set full: the caller checks once, at the end. */
struct wbuf {
	uint8_t *p;
	size_t len, cap;
	bool full;
};

static void put(struct wbuf *b, const void *data, size_t n)
{
	if (b->full || b->cap - b->len < n) {
		b->full = true;
		return;
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
}

static void put8(struct wbuf *b, uint8_t v)
{
	put(b, &v, 1);
}

static void put16(struct wbuf *b, uint16_t v)
{
	uint8_t x[2];

	put_be16(x, v);
	put(b, x, 2);
}

static void put32(struct wbuf *b, uint32_t v)
{
	uint8_t x[4];

	put_be32(x, v);
	put(b, x, 4);
}

/* A valid (dns_name_valid) dotted name in wire form. */
static void put_dotted(struct wbuf *b, const char *name)
{
	while (*name) {
		size_t n = strcspn(name, ".");

		put8(b, (uint8_t)n);
		put(b, name, n);
		name += n + (name[n] == '.');
	}
	put8(b, 0);
}

/*
 * Where the zone starts inside the echoed question name, or 0. The match
 * is on the dotted name, then confirmed to fall on a label boundary of
 * the wire name, so a pointer to it always lands on a length byte.
 */
static uint16_t zone_in_question(const struct dns_query *q, const char *zone)
{
	size_t zl = strlen(zone), target, pos = 0;

	if (!q->has_question || zl > q->name_len ||
	    memcmp(q->name + q->name_len - zl, zone, zl))
		return 0;
	if (zl < q->name_len && q->name[q->name_len - zl - 1] != '.')
		return 0;
	/* Dotted index i of a label is the wire index of its length byte. */
	target = q->name_len - zl;
	while (pos < target && q->wire_name[pos])
		pos += 1 + q->wire_name[pos];
	return pos == target ? (uint16_t)(QNAME_OFFSET + pos) : 0;
}

/* The zone, or a pointer to where it was written before. */
static void put_zone(struct wbuf *b, const char *zone, uint16_t *zone_off)
{
	size_t at = b->len;

	if (*zone_off) {
		put16(b, 0xc000 | *zone_off);
		return;
	}
	put_dotted(b, zone);
	if (!b->full && at <= PTR_MAX)
		*zone_off = (uint16_t)at;
}

static void put_soa(struct wbuf *b, const struct dns_soa *soa,
		    uint16_t *zone_off)
{
	size_t rdlen_at;

	put_zone(b, soa->zone, zone_off);
	put16(b, DNS_TYPE_SOA);
	put16(b, DNS_CLASS_IN);
	/* RFC 2308: a negative answer is cached for min(TTL, MINIMUM). */
	put32(b, DNS_SOA_MINIMUM);
	rdlen_at = b->len;
	put16(b, 0);
	put(b, "\2ns", 3);
	put_zone(b, soa->zone, zone_off);
	put(b, "\12hostmaster", 11);
	put_zone(b, soa->zone, zone_off);
	put32(b, soa->serial);
	put32(b, SOA_REFRESH);
	put32(b, SOA_RETRY);
	put32(b, SOA_EXPIRE);
	put32(b, DNS_SOA_MINIMUM);
	if (!b->full)
		put_be16(b->p + rdlen_at, (uint16_t)(b->len - rdlen_at - 2));
}

static size_t build(uint8_t *out, size_t cap, const struct dns_query *q,
		    const struct dns_reply *r, bool truncate)
{
	struct wbuf b = { out, 0, cap, false };
	bool soa_an = !truncate && r->soa && r->soa_is_answer;
	bool soa_ns = !truncate && r->soa && !r->soa_is_answer;
	size_t an = (truncate ? 0 : r->n_answers) + soa_an;
	uint16_t zone_off = r->soa ? zone_in_question(q, r->soa->zone) : 0;
	uint16_t flags = DNS_FLAG_QR | (r->rcode & DNS_RCODE_MASK) |
			 (q->flags & (DNS_OPCODE_MASK | DNS_FLAG_RD |
				      DNS_FLAG_CD));

	if (r->authoritative)
		flags |= DNS_FLAG_AA;
	if (r->recursion_available)
		flags |= DNS_FLAG_RA;
	if (truncate)
		flags |= DNS_FLAG_TC;
	put16(&b, q->id);
	put16(&b, flags);
	put16(&b, q->has_question);
	put16(&b, (uint16_t)an);
	put16(&b, soa_ns);
	put16(&b, q->has_edns);
	if (q->has_question) {
		put(&b, q->wire_name, q->wire_name_len);
		put16(&b, q->qtype);
		put16(&b, q->qclass);
	}
	for (size_t i = 0; !truncate && i < r->n_answers; i++) {
		const struct dns_answer *a = &r->answers[i];
		uint16_t alen = a->type == DNS_TYPE_A ? 4 : 16;

		put16(&b, 0xc000 | QNAME_OFFSET);
		put16(&b, a->type);
		put16(&b, DNS_CLASS_IN);
		put32(&b, a->ttl);
		put16(&b, alen);
		put(&b, a->addr, alen);
	}
	if (soa_an || soa_ns)
		put_soa(&b, r->soa, &zone_off);
	if (q->has_edns) {
		put8(&b, 0);
		put16(&b, DNS_TYPE_OPT);
		put16(&b, DNS_EDNS_OURS);
		put8(&b, (uint8_t)(r->rcode >> 4));
		put8(&b, 0);
		put16(&b, q->edns_do ? 0x8000 : 0);
		put16(&b, 0);
	}
	return b.full ? 0 : b.len;
}

size_t dns_response_build(uint8_t *out, size_t cap, const struct dns_query *q,
			  const struct dns_reply *r)
{
	size_t len;

	/* Answers point at the question name, so they need one. */
	if (r->n_answers && (!q->has_question || r->n_answers > UINT16_MAX - 1))
		return 0;
	for (size_t i = 0; i < r->n_answers; i++) {
		if (r->answers[i].type != DNS_TYPE_A &&
		    r->answers[i].type != DNS_TYPE_AAAA)
			return 0;
	}
	if (r->soa && !dns_zone_valid(r->soa->zone))
		return 0;
	/* Extended codes need the OPT record to carry their high bits. */
	if (r->rcode > 0xf && (!q->has_edns || r->rcode > 0xfff))
		return 0;
	len = build(out, cap, q, r, false);
	if (!len)
		len = build(out, cap, q, r, true);
	return len;
}

bool dns_response_matches(const uint8_t *msg, size_t len,
			  const struct dns_query *q)
{
	const uint8_t *name = msg + DNS_HEADER_LEN;

	if (!q->has_question || len < DNS_HEADER_LEN + q->wire_name_len + 4 ||
	    !(get_be16(msg + 2) & DNS_FLAG_QR) || get_be16(msg + 4) != 1)
		return false;
	/* Length bytes are below 64, so lowering them changes nothing. */
	for (size_t i = 0; i < q->wire_name_len; i++) {
		if (ascii_lower(name[i]) != ascii_lower(q->wire_name[i]))
			return false;
	}
	return get_be16(name + q->wire_name_len) == q->qtype &&
	       get_be16(name + q->wire_name_len + 2) == q->qclass;
}
