// SPDX-License-Identifier: MIT
/*
 * The Internet checksum, TSO/USO segmentation and GRO coalescing.
 *
 * Checksums are checked against packets whose checksums a separate Python
 * script computed, and against a deliberately naive reference here that
 * sums big-endian words one at a time; packets are built by hand with that
 * reference, never with the code under test. Segmentation is checked field
 * by field against what Linux's software GSO produces; coalescing by the
 * writes it makes and by a round trip: every write, segmented again, must
 * give back exactly the packets that went in, in each flow's order.
 *
 * Every segment lives in a heap block of its exact size, so ASan catches
 * any read past a packet's end.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <endian.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/checksum.h"
#include "wg/offload.h"

#include "testutil.h"

enum {
	F_FIN = 0x01,
	F_SYN = 0x02,
	F_RST = 0x04,
	F_PSH = 0x08,
	F_ACK = 0x10,
	F_URG = 0x20,
	F_ECE = 0x40,
	F_CWR = 0x80,
	IPV4_DF = 0x4000,
	IPV4_MF = 0x2000,
	SEG_CAP = 70000, /* more than any IP packet with a virtio header */
	MAX_LIST = 4096,
};

/* --- Helpers ------------------------------------------------------- */

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void)
{
	return tu_xorshift64(&rng);
}

static uint32_t rnd_below(uint32_t n)
{
	return (uint32_t)(rnd() % n);
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static void *xmalloc(size_t len)
{
	void *p = malloc(len ? len : 1);

	assert_non_null(p);
	return p;
}

static void *memdup(const void *p, size_t len)
{
	void *q = xmalloc(len);

	memcpy(q, p, len);
	return q;
}

/* RFC 1071 the slow way: one big-endian word at a time, folded at once. */
static uint16_t naive_sum(const uint8_t *p, size_t len, uint32_t s)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2) {
		s += (uint32_t)p[i] << 8 | p[i + 1];
		s = (s & 0xffff) + (s >> 16);
	}
	if (len & 1) {
		s += (uint32_t)p[len - 1] << 8;
		s = (s & 0xffff) + (s >> 16);
	}
	return (uint16_t)s;
}

/* The pseudo-header, written out as bytes and summed. */
static uint16_t naive_pseudo(const uint8_t *ip, uint8_t proto, uint32_t len)
{
	uint8_t ph[40];

	memset(ph, 0, sizeof(ph));
	if (ip[0] >> 4 == 6) {
		memcpy(ph, ip + 8, 32);
		put32(ph + 32, len);
		ph[39] = proto;
		return naive_sum(ph, 40, 0);
	}
	memcpy(ph, ip + 12, 8);
	ph[9] = proto;
	put16(ph + 10, (uint16_t)len);
	return naive_sum(ph, 12, 0);
}

static bool naive_transport_ok(const uint8_t *ip, size_t iph, size_t len,
			       uint8_t proto)
{
	return naive_sum(ip + iph, len - iph,
			 naive_pseudo(ip, proto, (uint32_t)(len - iph))) == 0xffff;
}

/* --- Packets --------------------------------------------------------- */

struct flow {
	bool v6;
	uint8_t proto;
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
	uint8_t ttl, tos;
	uint16_t frag; /* IPv4 flags and fragment offset (DF = 0x4000) */
	uint16_t id;
	uint32_t label; /* IPv6 flow label */
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t window;
	uint8_t opts[40];
	uint8_t opts_len;   /* TCP options, a multiple of 4 */
	uint8_t ipopts_len; /* IPv4 options (NOPs), a multiple of 4 */
	uint8_t ext_len;    /* IPv6 hop-by-hop header, 0 or a multiple of 8 */
};

enum csum_mode { CSUM_FULL, CSUM_PSEUDO, CSUM_NONE };

static size_t ip_hlen(const struct flow *f)
{
	return f->v6 ? 40u + f->ext_len : 20u + f->ipopts_len;
}

static size_t l4_hlen(const struct flow *f)
{
	return f->proto == IPPROTO_TCP ? 20u + f->opts_len : 8u;
}

static void flow_init(struct flow *f, bool v6, uint8_t proto, unsigned int n)
{
	static const uint8_t ts[12] = { 1, 1, 8, 10, 0x11, 0x22, 0x33, 0x44,
					0x55, 0x66, 0x77, 0x88 };

	memset(f, 0, sizeof(*f));
	f->v6 = v6;
	f->proto = proto;
	if (v6) {
		static const uint8_t a[16] = { 0x20, 0x01, 0x0d, 0xb8 };

		memcpy(f->src, a, 16);
		memcpy(f->dst, a, 16);
		f->src[15] = 1;
		f->dst[15] = 2;
		f->src[14] = (uint8_t)n;
		f->label = 0x12345;
	} else {
		f->src[0] = 10;
		f->src[3] = 1;
		f->src[2] = (uint8_t)n;
		f->dst[0] = 10;
		f->dst[3] = 2;
		f->frag = IPV4_DF;
		f->id = (uint16_t)(0x1c46 + n * 1000);
	}
	f->sport = (uint16_t)(40000 + n);
	f->dport = 443;
	f->ttl = 64;
	f->seq = 0xfffff000u + n * 77777u; /* wraps within a few segments */
	f->ack = 0xa0b0c0d0;
	f->flags = F_ACK;
	f->window = 502;
	if (proto == IPPROTO_TCP) {
		memcpy(f->opts, ts, sizeof(ts));
		f->opts_len = sizeof(ts);
	}
}

/* Writes the IP packet f describes around payload into buf. */
static size_t build(uint8_t *buf, const struct flow *f, const uint8_t *payload,
		    size_t plen, enum csum_mode mode)
{
	size_t iph = ip_hlen(f), th = l4_hlen(f), len = iph + th + plen;
	uint8_t *t = buf + iph;
	size_t off = f->proto == IPPROTO_TCP ? 16 : 6;
	uint16_t c;

	memset(buf, 0, iph + th);
	if (f->v6) {
		put32(buf, 6u << 28 | (uint32_t)f->tos << 20 | f->label);
		put16(buf + 4, (uint16_t)(len - 40));
		buf[6] = f->ext_len ? 0 : f->proto;
		buf[7] = f->ttl;
		memcpy(buf + 8, f->src, 16);
		memcpy(buf + 24, f->dst, 16);
		if (f->ext_len) {
			buf[40] = f->proto;
			buf[41] = (uint8_t)(f->ext_len / 8 - 1);
			buf[42] = 1; /* PadN */
			buf[43] = (uint8_t)(f->ext_len - 4);
		}
	} else {
		buf[0] = (uint8_t)(0x40 | iph / 4);
		buf[1] = f->tos;
		put16(buf + 2, (uint16_t)len);
		put16(buf + 4, f->id);
		put16(buf + 6, f->frag);
		buf[8] = f->ttl;
		buf[9] = f->proto;
		memcpy(buf + 12, f->src, 4);
		memcpy(buf + 16, f->dst, 4);
		memset(buf + 20, 1, f->ipopts_len); /* NOPs */
		put16(buf + 10, (uint16_t)~naive_sum(buf, iph, 0));
	}
	put16(t, f->sport);
	put16(t + 2, f->dport);
	if (f->proto == IPPROTO_TCP) {
		put32(t + 4, f->seq);
		put32(t + 8, f->ack);
		t[12] = (uint8_t)(th / 4 << 4);
		t[13] = f->flags;
		put16(t + 14, f->window);
		memcpy(t + 20, f->opts, f->opts_len);
	} else {
		put16(t + 4, (uint16_t)(th + plen));
	}
	if (plen)
		memcpy(t + th, payload, plen);
	switch (mode) {
	case CSUM_FULL:
		c = (uint16_t)~naive_sum(t, len - iph,
					 naive_pseudo(buf, f->proto, (uint32_t)(len - iph)));
		if (f->proto == IPPROTO_UDP && !c)
			c = 0xffff;
		put16(t + off, c);
		break;
	case CSUM_PSEUDO:
		put16(t + off, naive_pseudo(buf, f->proto, (uint32_t)(len - iph)));
		break;
	case CSUM_NONE:
		break;
	}
	return len;
}

/* A TSO/USO super-packet as the TUN device hands it over. */
static size_t build_super(uint8_t *buf, const struct flow *f,
			  const uint8_t *payload, size_t plen, uint16_t gso_size)
{
	size_t len = build(buf + VNET_HDR_LEN, f, payload, plen, CSUM_PSEUDO);
	bool tcp = f->proto == IPPROTO_TCP;
	struct virtio_net_hdr h = {
		.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
		.gso_type = tcp ? (f->v6 ? VIRTIO_NET_HDR_GSO_TCPV6 :
					   VIRTIO_NET_HDR_GSO_TCPV4) :
				  VIRTIO_NET_HDR_GSO_UDP_L4,
		.hdr_len = htole16((uint16_t)(ip_hlen(f) + l4_hlen(f))),
		.gso_size = htole16(gso_size),
		.csum_start = htole16((uint16_t)ip_hlen(f)),
		.csum_offset = htole16(tcp ? 16 : 6),
	};

	if (tcp && (f->flags & F_CWR))
		h.gso_type |= VIRTIO_NET_HDR_GSO_ECN;
	memcpy(buf, &h, VNET_HDR_LEN);
	return VNET_HDR_LEN + len;
}

static uint8_t *random_payload(size_t len)
{
	uint8_t *p = xmalloc(len);

	for (size_t i = 0; i < len; ++i)
		p[i] = (uint8_t)rnd();
	return p;
}

/* Packets, each in a heap block of its exact size. */
struct list {
	uint8_t *pkt[MAX_LIST];
	size_t len[MAX_LIST];
	unsigned int n;
};

static struct list *list_new(void)
{
	struct list *l = xmalloc(sizeof(*l));

	l->n = 0;
	return l;
}

static void list_add(struct list *l, const uint8_t *p, size_t len)
{
	assert_true(l->n < MAX_LIST);
	l->pkt[l->n] = memdup(p, len);
	l->len[l->n++] = len;
}

static void list_free(struct list *l)
{
	for (unsigned int i = 0; i < l->n; ++i)
		free(l->pkt[i]);
	free(l);
}

/* Segments the TUN read buf into l; returns what init or next failed with. */
static int gso_all(const uint8_t *buf, size_t len, struct list *l)
{
	static uint8_t out[SEG_CAP];
	struct gso_iter it;
	uint32_t left;
	int ret;

	ret = gso_iter_init(&it, buf, len);
	if (ret < 0)
		return ret;
	left = gso_iter_remaining(&it);
	assert_true(left >= 1);
	while ((ret = gso_iter_next(&it, out, sizeof(out))) > 0) {
		list_add(l, out, (size_t)ret);
		assert_int_equal(gso_iter_remaining(&it), --left);
	}
	assert_int_equal(left, 0);
	assert_int_equal(gso_iter_next(&it, out, sizeof(out)), 0);
	return ret;
}

/* The segments Linux's software GSO would make of f around payload. */
static void check_segments(const struct flow *f, const uint8_t *payload,
			   size_t plen, size_t gso, const struct list *l)
{
	size_t iph = ip_hlen(f), th = l4_hlen(f), hl = iph + th, off = 0;
	unsigned int want = plen ? (unsigned int)((plen + gso - 1) / gso) : 1;
	uint8_t *ref = xmalloc(hl + plen);

	build(ref, f, payload, plen, CSUM_NONE);
	assert_int_equal(l->n, want);
	for (unsigned int i = 0; i < l->n; ++i) {
		const uint8_t *s = l->pkt[i], *t = s + iph, *rt = ref + iph;
		size_t len = l->len[i], p = plen - off < gso ? plen - off : gso;
		uint8_t flags = f->flags;

		assert_int_equal(len, hl + p);
		if (p)
			assert_memory_equal(s + hl, payload + off, p);
		if (f->v6) {
			assert_int_equal(get16(s + 4), len - 40);
			assert_memory_equal(s, ref, 4);
			assert_memory_equal(s + 6, ref + 6, iph - 6);
		} else {
			assert_int_equal(get16(s + 2), len);
			assert_int_equal(get16(s + 4), (uint16_t)(f->id + i));
			assert_int_equal(naive_sum(s, iph, 0), 0xffff);
			assert_memory_equal(s, ref, 2);
			assert_memory_equal(s + 6, ref + 6, 4);
			assert_memory_equal(s + 12, ref + 12, iph - 12);
		}
		assert_memory_equal(t, rt, 4); /* ports */
		if (f->proto == IPPROTO_TCP) {
			assert_int_equal(get32(t + 4), (uint32_t)(f->seq + off));
			if (i + 1 < l->n)
				flags &= (uint8_t)~(F_FIN | F_PSH);
			if (i > 0)
				flags &= (uint8_t)~F_CWR;
			assert_int_equal(t[13], flags);
			assert_memory_equal(t + 8, rt + 8, 5);
			assert_memory_equal(t + 14, rt + 14, 2);
			assert_memory_equal(t + 18, rt + 18, th - 18);
		} else {
			assert_int_equal(get16(t + 4), len - iph);
			assert_int_not_equal(get16(t + 6), 0);
		}
		assert_true(naive_transport_ok(s, iph, len, f->proto));
		off += p;
	}
	assert_int_equal(off, plen);
	free(ref);
}

/*
 * Which flow a packet belongs to, for the round trip: version, addresses,
 * protocol and ports when it has them; everything else is one class.
 */
struct key {
	uint8_t b[40];
};

static void key_of(const uint8_t *p, size_t len, struct key *k)
{
	memset(k, 0, sizeof(*k));
	if (len >= 40 && p[0] >> 4 == 6 && (p[6] == IPPROTO_TCP || p[6] == IPPROTO_UDP)) {
		k->b[0] = 6;
		k->b[1] = p[6];
		memcpy(k->b + 2, p + 8, 32);
		memcpy(k->b + 34, p + 40, 4);
	} else if (len >= 20 && p[0] >> 4 == 4 && (p[9] == IPPROTO_TCP || p[9] == IPPROTO_UDP) &&
		   len >= (size_t)(p[0] & 15) * 4 + 4) {
		k->b[0] = 4;
		k->b[1] = p[9];
		memcpy(k->b + 2, p + 12, 8);
		memcpy(k->b + 10, p + (p[0] & 15) * 4, 4);
	}
}

/* The bytes of one write, virtio header first, as the device reads them. */
static uint8_t *flatten(const struct gro_write *w, size_t *len)
{
	size_t n = 0;
	uint8_t *buf;

	for (unsigned int i = 0; i < w->iovcnt; ++i)
		n += w->iov[i].iov_len;
	buf = xmalloc(n);
	*len = 0;
	for (unsigned int i = 0; i < w->iovcnt; ++i) {
		memcpy(buf + *len, w->iov[i].iov_base, w->iov[i].iov_len);
		*len += w->iov[i].iov_len;
	}
	return buf;
}

/*
 * Coalesces the packets of in (untouched) and checks the writes: the
 * header and iovs are consistent, a write of one packet is that packet
 * unmodified behind an all-zero header, and segmenting every write again
 * gives back exactly the packets that went in, each flow in its order.
 * Stores each write's segment count in segs (if not NULL); returns nw.
 */
static unsigned int gro_check(const struct list *in, bool udp, unsigned int *segs)
{
	struct gro_packet *pkts = xmalloc(in->n * sizeof(*pkts));
	struct gro_write *w = xmalloc(in->n * sizeof(*w));
	bool *used = xmalloc(in->n);
	unsigned int nw, total = 0;

	for (unsigned int i = 0; i < in->n; ++i) {
		pkts[i].data = memdup(in->pkt[i], in->len[i]);
		pkts[i].len = (uint32_t)in->len[i];
		used[i] = false;
	}
	nw = gro_coalesce(pkts, in->n, udp, w);
	assert_true(nw <= in->n);
	for (unsigned int j = 0; j < nw; ++j) {
		struct list *again = list_new();
		static const struct virtio_net_hdr lone = {
			.flags = VIRTIO_NET_HDR_F_DATA_VALID,
		};
		size_t len;
		uint8_t *buf;

		assert_int_equal(w[j].iovcnt, w[j].segs + 1);
		assert_ptr_equal(w[j].iov[0].iov_base, &w[j].hdr);
		assert_int_equal(w[j].iov[0].iov_len, VNET_HDR_LEN);
		if (segs)
			segs[j] = w[j].segs;
		total += w[j].segs;
		if (w[j].segs == 1)
			assert_memory_equal(&w[j].hdr, &lone, sizeof(lone));
		else
			assert_int_equal(w[j].hdr.flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);

		buf = flatten(&w[j], &len);
		assert_int_equal(gso_all(buf, len, again), 0);
		assert_int_equal(again->n, w[j].segs);
		for (unsigned int s = 0; s < again->n; ++s) {
			struct key ka, kb;
			unsigned int i;

			/* the next packet of its flow not yet accounted for */
			key_of(again->pkt[s], again->len[s], &ka);
			for (i = 0; i < in->n; ++i) {
				if (used[i])
					continue;
				key_of(in->pkt[i], in->len[i], &kb);
				if (!memcmp(&ka, &kb, sizeof(ka)))
					break;
			}
			assert_true(i < in->n);
			used[i] = true;
			assert_int_equal(again->len[s], in->len[i]);
			assert_memory_equal(again->pkt[s], in->pkt[i], in->len[i]);
		}
		free(buf);
		list_free(again);
	}
	assert_int_equal(total, in->n);
	for (unsigned int i = 0; i < in->n; ++i)
		free(pkts[i].data);
	free(pkts);
	free(w);
	free(used);
	return nw;
}

/*
 * Sets the 16-bit word at t + at (even, in the payload) so that the
 * transport data, with its checksum field as it is, sums to 0xffff:
 * with the field 0, its checksum computes to 0.
 */
static void sum_to_ones(uint8_t *ip, size_t iph, size_t len, uint8_t proto,
			size_t at)
{
	uint8_t *t = ip + iph;
	uint16_t s;

	put16(t + at, 0);
	s = naive_sum(t, len - iph, naive_pseudo(ip, proto, (uint32_t)(len - iph)));
	put16(t + at, (uint16_t)~s);
	assert_int_equal(naive_sum(t, len - iph,
				   naive_pseudo(ip, proto, (uint32_t)(len - iph))), 0xffff);
}

/* --- Checksum -------------------------------------------------------- */

static void csum_rfc1071_example(void **state)
{
	/* RFC 1071, 3: the words 0001 f203 f4f5 f6f7 sum to ddf2. */
	static const uint8_t data[] = { 0x00, 0x01, 0xf2, 0x03,
					0xf4, 0xf5, 0xf6, 0xf7 };

	(void)state;
	assert_int_equal(csum_fold(csum_partial(data, sizeof(data), 0)), 0xddf2);
	/* the same in pieces, and starting one byte into a buffer */
	assert_int_equal(csum_fold(csum_partial(data + 2, 6,
						csum_partial(data, 2, 0))), 0xddf2);
	assert_int_equal(naive_sum(data, sizeof(data), 0), 0xddf2);
}

static void csum_ipv4_header_vector(void **state)
{
	/* The textbook header (Wikipedia, "IPv4 header checksum"): b861. */
	uint8_t h[21] = { 0, 0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00,
			  0x40, 0x11, 0xde, 0xad, 0xc0, 0xa8, 0x00, 0x01,
			  0xc0, 0xa8, 0x00, 0xc7 };

	(void)state;
	csum_ipv4_header(h + 1); /* at an odd address */
	assert_int_equal(get16(h + 11), 0xb861);
	assert_int_equal(csum_fold(csum_partial(h + 1, 20, 0)), 0xffff);
}

/* Packets and checksums from a Python script using struct (see below). */
static const uint8_t py_tcp4[] = {
	0x45, 0x00, 0x00, 0x41, 0x1c, 0x46, 0x40, 0x00, 0x40, 0x06, 0x32, 0x35,
	0xc0, 0x00, 0x02, 0x01, 0xc6, 0x33, 0x64, 0x07, 0x9c, 0x40, 0x01, 0xbb,
	0x01, 0x02, 0x03, 0x04, 0xa0, 0xb0, 0xc0, 0xd0, 0x80, 0x18, 0x01, 0xf6,
	0x29, 0x52, 0x00, 0x00, 0x01, 0x01, 0x08, 0x0a, 0x11, 0x22, 0x33, 0x44,
	0x55, 0x66, 0x77, 0x88, 0x68, 0x65, 0x6c, 0x6c, 0x6f, 0x2c, 0x20, 0x77,
	0x6f, 0x72, 0x6c, 0x64, 0x0a,
};
static const uint8_t py_tcp6[] = {
	0x61, 0x2a, 0xbc, 0xde, 0x00, 0x1f, 0x06, 0x40, 0x20, 0x01, 0x0d, 0xb8,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x02, 0xc7, 0x38, 0x00, 0x16, 0xff, 0xff, 0xff, 0xf0,
	0x12, 0x34, 0x56, 0x78, 0x50, 0x10, 0xff, 0xff, 0xa4, 0x7f, 0x00, 0x00,
	0x53, 0x53, 0x48, 0x2d, 0x32, 0x2e, 0x30, 0x2d, 0x78, 0x0d, 0x0a,
};
static const uint8_t py_udp4[] = {
	0x45, 0x00, 0x00, 0x25, 0xbe, 0xef, 0x00, 0x00, 0x11, 0x11, 0xd6, 0xd6,
	0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02, 0x00, 0x35, 0x14, 0xe9,
	0x00, 0x11, 0x7e, 0x93, 0x12, 0x34, 0x81, 0x80, 0x00, 0x01, 0x61, 0x62,
	0x63,
};
static const uint8_t py_udp6[] = {
	0x60, 0x00, 0x00, 0x00, 0x00, 0x0f, 0x11, 0x01, 0x20, 0x01, 0x0d, 0xb8,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x02, 0x11, 0x94, 0x11, 0x94, 0x00, 0x0f, 0x64, 0x39,
	0x71, 0x75, 0x69, 0x63, 0x21, 0x21, 0x21,
};

static void check_known(const uint8_t *pkt, size_t len, size_t iph,
			uint8_t proto, size_t off, uint16_t want)
{
	uint8_t *p = memdup(pkt, len);
	uint32_t tlen = (uint32_t)(len - iph);
	uint16_t c;

	assert_int_equal(get16(p + iph + off), want);
	assert_int_equal(csum_fold(csum_partial(p + iph, tlen,
						csum_pseudo(p, proto, tlen))), 0xffff);
	put16(p + iph + off, 0);
	c = (uint16_t)~csum_fold(csum_partial(p + iph, tlen, csum_pseudo(p, proto, tlen)));
	assert_int_equal(c, want);
	assert_int_equal(csum_fold(csum_pseudo(p, proto, tlen)),
			 naive_pseudo(p, proto, tlen));
	if (p[0] >> 4 == 4) {
		uint16_t ip = get16(p + 10);

		csum_ipv4_header(p);
		assert_int_equal(get16(p + 10), ip);
	}
	free(p);
}

static void csum_known_packets(void **state)
{
	(void)state;
	check_known(py_tcp4, sizeof(py_tcp4), 20, IPPROTO_TCP, 16, 0x2952);
	check_known(py_tcp6, sizeof(py_tcp6), 40, IPPROTO_TCP, 16, 0xa47f);
	check_known(py_udp4, sizeof(py_udp4), 20, IPPROTO_UDP, 6, 0x7e93);
	check_known(py_udp6, sizeof(py_udp6), 40, IPPROTO_UDP, 6, 0x6439);
	assert_int_equal(get16(py_tcp4 + 10), 0x3235);
	assert_int_equal(get16(py_udp4 + 10), 0xd6d6);
}

static void csum_odd_lengths_unaligned(void **state)
{
	uint8_t buf[300];

	(void)state;
	for (size_t i = 0; i < sizeof(buf); ++i)
		buf[i] = (uint8_t)rnd();
	for (size_t off = 0; off < 8; ++off)
		for (size_t len = 0; len + off <= sizeof(buf) && len < 290; ++len)
			assert_int_equal(csum_fold(csum_partial(buf + off, len, 0)),
					 naive_sum(buf + off, len, 0));
}

static void csum_random_vs_naive(void **state)
{
	uint8_t *buf = xmalloc(65536 + 8);

	(void)state;
	for (int round = 0; round < 300; ++round) {
		size_t len = rnd_below(65536), off = rnd_below(8), cut;
		int fill = round % 3;

		/* random bytes, all ones (carries everywhere), sparse */
		for (size_t i = 0; i < len + off; ++i)
			buf[i] = fill == 0 ? (uint8_t)rnd() : fill == 1 ? 0xff :
				 (rnd_below(50) ? 0 : (uint8_t)rnd());
		assert_int_equal(csum_fold(csum_partial(buf + off, len, 0)),
				 naive_sum(buf + off, len, 0));
		/* in two pieces split at an even offset, with a start value */
		cut = len ? rnd_below((uint32_t)len) & ~(size_t)1 : 0;
		assert_int_equal(
			csum_fold(csum_partial(buf + off + cut, len - cut,
					       csum_partial(buf + off, cut, htobe16(0x1234)))),
			naive_sum(buf + off, len, 0x1234));
	}
	free(buf);
}

static void csum_large_carries(void **state)
{
	size_t len = 1u << 24;
	uint8_t *buf = xmalloc(len);
	uint64_t big = ~0ULL;

	(void)state;
	memset(buf, 0xff, len);
	assert_int_equal(csum_fold(csum_partial(buf, len, 0)), 0xffff);
	buf[len - 1] = 0xfe; /* minus one */
	assert_int_equal(csum_fold(csum_partial(buf, len, 0)), 0xfffe);
	/* a start value near the top must carry around, not wrap */
	assert_int_equal(csum_fold(csum_partial(buf, 2, big)), 0xffff);
	assert_int_equal(csum_fold(big), 0xffff);
	assert_int_equal(csum_fold(0), 0);
	assert_int_equal(csum_fold(htobe16(0x0102)), 0x0102);
	free(buf);
}

static void csum_pseudo_vs_naive(void **state)
{
	uint8_t ip[40];

	(void)state;
	for (int round = 0; round < 1000; ++round) {
		uint32_t len = round & 1 ? rnd_below(65536) : (uint32_t)rnd();
		uint8_t proto = (uint8_t)rnd();

		for (size_t i = 0; i < sizeof(ip); ++i)
			ip[i] = (uint8_t)rnd();
		ip[0] = round & 2 ? 0x60 : 0x45;
		if (ip[0] == 0x45)
			len &= 0xffff;
		assert_int_equal(csum_fold(csum_pseudo(ip, proto, len)),
				 naive_pseudo(ip, proto, len));
	}
}

/* --- Segmentation ---------------------------------------------------- */

struct gso_case {
	size_t plen;
	uint16_t gso;
	uint8_t flags;
};

static const struct gso_case tso_cases[] = {
	{ 1380 * 10, 1380, F_ACK | F_PSH },
	{ 1380 * 10 + 7, 1380, F_FIN | F_PSH | F_ACK },
	{ 5000, 536, F_CWR | F_ACK | F_PSH },
	{ 536 * 4, 536, F_CWR | F_ECE | F_ACK },
	{ 50, 1, F_ACK | F_PSH },
	{ 1381, 1380, F_ACK | F_URG },
	{ 1380, 1380, F_ACK | F_PSH }, /* exactly one segment */
	{ 1, 1380, F_ACK },
	{ 0, 1380, F_ACK | F_FIN },      /* nothing to cut: one segment */
	{ 65535 - 52, 1448, F_ACK | F_PSH }, /* the largest IPv4 packet */
	{ 65535 - 52, 65535, F_ACK },
};

static void run_gso(struct flow *f, const struct gso_case *c)
{
	uint8_t *payload = random_payload(c->plen);
	uint8_t *buf = xmalloc(VNET_HDR_LEN + 60 + 60 + c->plen + 8);
	struct list *l = list_new();
	size_t len;

	f->flags = f->proto == IPPROTO_TCP ? c->flags : 0;
	len = build_super(buf, f, payload, c->plen, c->gso);
	assert_int_equal(gso_all(buf, len, l), 0);
	check_segments(f, payload, c->plen, c->gso, l);
	list_free(l);
	free(buf);
	free(payload);
}

static void gso_tso4(void **state)
{
	struct flow f;

	(void)state;
	for (size_t i = 0; i < sizeof(tso_cases) / sizeof(tso_cases[0]); ++i) {
		flow_init(&f, false, IPPROTO_TCP, (unsigned int)i);
		run_gso(&f, &tso_cases[i]);
		/* without DF, and with an id about to wrap */
		f.frag = 0;
		f.id = 0xfffe;
		run_gso(&f, &tso_cases[i]);
	}
}

static void gso_tso6(void **state)
{
	struct flow f;

	(void)state;
	for (size_t i = 0; i < sizeof(tso_cases) / sizeof(tso_cases[0]); ++i) {
		flow_init(&f, true, IPPROTO_TCP, (unsigned int)i);
		run_gso(&f, &tso_cases[i]);
		f.opts_len = 0; /* and without options */
		run_gso(&f, &tso_cases[i]);
	}
}

static const struct gso_case uso_cases[] = {
	{ 1200 * 5, 1200, 0 },
	{ 1200 * 5 + 1, 1200, 0 },
	{ 7, 1, 0 },
	{ 1199, 1200, 0 },
	{ 0, 1200, 0 },
	{ 65535 - 28, 1472, 0 },
};

static void gso_uso(void **state)
{
	struct flow f;

	(void)state;
	for (size_t i = 0; i < sizeof(uso_cases) / sizeof(uso_cases[0]); ++i) {
		flow_init(&f, false, IPPROTO_UDP, (unsigned int)i);
		run_gso(&f, &uso_cases[i]);
		flow_init(&f, true, IPPROTO_UDP, (unsigned int)i);
		run_gso(&f, &uso_cases[i]);
	}
}

/* A segment whose UDP checksum comes out 0 is sent with 0xffff. */
static void gso_udp_zero_checksum(void **state)
{
	uint8_t payload[200], buf[400], seg[300];
	struct gso_iter it;
	struct flow f;
	size_t len;
	int ret;

	(void)state;
	flow_init(&f, false, IPPROTO_UDP, 1);
	for (size_t i = 0; i < sizeof(payload); ++i)
		payload[i] = (uint8_t)rnd();
	/* make the first 100-byte segment sum to 0xffff: checksum 0 */
	build(seg, &f, payload, 100, CSUM_NONE);
	sum_to_ones(seg, 20, 128, IPPROTO_UDP, 8 + 98);
	memcpy(payload + 98, seg + 20 + 8 + 98, 2);

	len = build_super(buf, &f, payload, sizeof(payload), 100);
	assert_int_equal(gso_iter_init(&it, buf, len), 0);
	ret = gso_iter_next(&it, seg, sizeof(seg));
	assert_int_equal(ret, 128);
	assert_int_equal(get16(seg + 26), 0xffff);
	assert_true(naive_transport_ok(seg, 20, 128, IPPROTO_UDP));
}

/* GSO_NONE with NEEDS_CSUM: the field holds the pseudo sum, as Linux leaves it. */
static void gso_needs_csum_single(void **state)
{
	uint8_t payload[1001], buf[1200], out[1200];
	struct virtio_net_hdr h;
	struct gso_iter it;
	struct flow f;

	(void)state;
	for (size_t i = 0; i < sizeof(payload); ++i)
		payload[i] = (uint8_t)rnd();
	for (int v = 0; v < 4; ++v) {
		size_t plen = v & 2 ? 1001 : 1000, len, iph;
		uint8_t *ref = xmalloc(1200);

		flow_init(&f, v & 1, v & 2 ? IPPROTO_UDP : IPPROTO_TCP, 3);
		f.flags = F_ACK | F_PSH;
		iph = ip_hlen(&f);
		len = build(buf + VNET_HDR_LEN, &f, payload, plen, CSUM_PSEUDO);
		build(ref, &f, payload, plen, CSUM_FULL);
		memset(&h, 0, sizeof(h));
		h.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
		h.csum_start = htole16((uint16_t)iph);
		h.csum_offset = htole16(f.proto == IPPROTO_TCP ? 16 : 6);
		memcpy(buf, &h, sizeof(h));

		assert_int_equal(gso_iter_init(&it, buf, VNET_HDR_LEN + len), 0);
		assert_int_equal(gso_iter_remaining(&it), 1);
		assert_int_equal(gso_iter_next(&it, out, len - 1), -ENOSPC);
		assert_int_equal(gso_iter_remaining(&it), 1);
		assert_int_equal(gso_iter_next(&it, out, len), (int)len);
		assert_memory_equal(out, ref, len);
		assert_int_equal(gso_iter_remaining(&it), 0);
		assert_int_equal(gso_iter_next(&it, out, sizeof(out)), 0);
		free(ref);
	}

	/* a checksum that comes out 0 goes out as 0xffff, as Linux does */
	flow_init(&f, false, IPPROTO_UDP, 3);
	build(buf + VNET_HDR_LEN, &f, payload, 1000, CSUM_NONE);
	sum_to_ones(buf + VNET_HDR_LEN, 20, 1028, IPPROTO_UDP, 8 + 500);
	put16(buf + VNET_HDR_LEN + 26, naive_pseudo(buf + VNET_HDR_LEN, IPPROTO_UDP, 1008));
	memset(&h, 0, sizeof(h));
	h.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	h.csum_start = htole16(20);
	h.csum_offset = htole16(6);
	memcpy(buf, &h, sizeof(h));
	assert_int_equal(gso_iter_init(&it, buf, VNET_HDR_LEN + 1028), 0);
	assert_int_equal(gso_iter_next(&it, out, sizeof(out)), 1028);
	assert_int_equal(get16(out + 26), 0xffff);
	assert_true(naive_transport_ok(out, 20, 1028, IPPROTO_UDP));
}

/* No offload asked for: the packet comes out byte for byte. */
static void gso_none_copied(void **state)
{
	uint8_t buf[VNET_HDR_LEN + 5] = { [VNET_HDR_LEN] = 1, 2, 3, 4, 5 };
	struct list *l = list_new();

	(void)state;
	/* DATA_VALID is allowed; the payload need not even be IP */
	buf[0] = VIRTIO_NET_HDR_F_DATA_VALID;
	assert_int_equal(gso_all(buf, sizeof(buf), l), 0);
	assert_int_equal(l->n, 1);
	assert_int_equal(l->len[0], 5);
	assert_memory_equal(l->pkt[0], buf + VNET_HDR_LEN, 5);
	list_free(l);
}

static void gso_ipv4_options(void **state)
{
	static const struct gso_case c = { 3000, 1000, F_ACK | F_PSH };
	struct flow f;

	(void)state;
	flow_init(&f, false, IPPROTO_TCP, 0);
	f.ipopts_len = 8;
	run_gso(&f, &c);
	flow_init(&f, false, IPPROTO_UDP, 0);
	f.ipopts_len = 40;
	run_gso(&f, &uso_cases[1]);
}

static void gso_ipv6_exthdr(void **state)
{
	static const struct gso_case c = { 3001, 1000, F_ACK | F_PSH };
	uint8_t *payload = random_payload(100);
	uint8_t buf[400];
	struct list *l = list_new();
	struct flow f;
	size_t len;

	(void)state;
	flow_init(&f, true, IPPROTO_TCP, 0);
	f.ext_len = 16;
	run_gso(&f, &c);
	flow_init(&f, true, IPPROTO_UDP, 0);
	f.ext_len = 8;
	run_gso(&f, &uso_cases[0]);

	/* a routing header instead: the pseudo-header would need its last hop */
	flow_init(&f, true, IPPROTO_TCP, 0);
	f.ext_len = 8;
	len = build_super(buf, &f, payload, 100, 50);
	buf[VNET_HDR_LEN + 6] = 43;
	assert_int_equal(gso_all(buf, len, l), -EINVAL);
	/* a fragment header */
	buf[VNET_HDR_LEN + 6] = 44;
	assert_int_equal(gso_all(buf, len, l), -EINVAL);
	/* an extension header running past the packet */
	buf[VNET_HDR_LEN + 6] = 0;
	buf[VNET_HDR_LEN + 41] = 200;
	assert_int_equal(gso_all(buf, len, l), -EINVAL);
	assert_int_equal(l->n, 0);
	list_free(l);
	free(payload);
}

/* hdr_len is a hint: too short or too long, the packet's own is used. */
static void gso_hdr_len_hint(void **state)
{
	static const uint16_t hints[] = { 0, 20, 54, 52, 100, 1000 };
	uint8_t *payload = random_payload(3000);
	uint8_t *buf = xmalloc(VNET_HDR_LEN + 3100);
	struct flow f;

	(void)state;
	flow_init(&f, false, IPPROTO_TCP, 0);
	f.flags = F_ACK;
	for (size_t i = 0; i < sizeof(hints) / sizeof(hints[0]); ++i) {
		struct list *l = list_new();
		struct virtio_net_hdr h;
		size_t len = build_super(buf, &f, payload, 3000, 1448);

		memcpy(&h, buf, sizeof(h));
		h.hdr_len = htole16(hints[i]);
		memcpy(buf, &h, sizeof(h));
		assert_int_equal(gso_all(buf, len, l), 0);
		check_segments(&f, payload, 3000, 1448, l);
		list_free(l);
	}
	free(buf);
	free(payload);
}

struct bad_case {
	const char *name;
	bool v6, udp;
	void (*mutate)(uint8_t *buf, size_t *len);
};

static struct virtio_net_hdr *vh(uint8_t *buf)
{
	return (struct virtio_net_hdr *)(void *)buf;
}

#define IP(buf) ((buf) + VNET_HDR_LEN)
#define MUT(name, ...)                                               \
	static void mut_##name(uint8_t *buf, size_t *len)            \
	{                                                            \
		(void)buf;                                           \
		(void)len;                                           \
		__VA_ARGS__;                                         \
	}

MUT(gso_size_0, vh(buf)->gso_size = 0)
MUT(csum_start_beyond, vh(buf)->csum_start = htole16(0xffff))
MUT(csum_start_past_len, vh(buf)->csum_start = htole16((uint16_t)(*len)))
MUT(csum_start_not_l4, vh(buf)->csum_start = htole16(24))
MUT(csum_offset_wrong, vh(buf)->csum_offset = htole16(10))
MUT(hdr_len_beyond, vh(buf)->hdr_len = htole16((uint16_t)(*len - VNET_HDR_LEN + 1)))
MUT(no_needs_csum, vh(buf)->flags = 0)
MUT(unknown_flag, vh(buf)->flags |= 4)
MUT(unknown_type, vh(buf)->gso_type = 2)
MUT(ufo_type, vh(buf)->gso_type = 3)
MUT(type_6, vh(buf)->gso_type = 6)
MUT(ecn_alone, vh(buf)->gso_type = VIRTIO_NET_HDR_GSO_ECN)
MUT(ecn_udp, vh(buf)->gso_type = VIRTIO_NET_HDR_GSO_UDP_L4 | VIRTIO_NET_HDR_GSO_ECN)
MUT(v4_as_v6, vh(buf)->gso_type = VIRTIO_NET_HDR_GSO_TCPV6)
MUT(v6_as_v4, vh(buf)->gso_type = VIRTIO_NET_HDR_GSO_TCPV4)
MUT(version_5, IP(buf)[0] = (uint8_t)(0x50 | (IP(buf)[0] & 15)))
MUT(truncated_ip, *len = VNET_HDR_LEN + 10)
MUT(truncated_ip6, *len = VNET_HDR_LEN + 39)
MUT(only_vnet, *len = VNET_HDR_LEN)
MUT(short_vnet, *len = VNET_HDR_LEN - 1)
MUT(empty, *len = 0)
MUT(ihl_4, IP(buf)[0] = 0x44)
MUT(ihl_beyond, IP(buf)[0] = 0x4f; *len = VNET_HDR_LEN + 50;
    put16(IP(buf) + 2, 50); vh(buf)->hdr_len = 0)
MUT(tot_len_short, put16(IP(buf) + 2, (uint16_t)(get16(IP(buf) + 2) - 1)))
MUT(tot_len_long, *len -= 1)
MUT(fragment_mf, IP(buf)[6] |= IPV4_MF >> 8)
MUT(fragment_offset, IP(buf)[7] = 1)
MUT(proto_udp_in_tcpv4, IP(buf)[9] = IPPROTO_UDP)
MUT(proto_tcp_in_uso, IP(buf)[9] = IPPROTO_TCP)
MUT(next_header_wrong, IP(buf)[6] = IPPROTO_UDP)
MUT(exthdr_truncated, IP(buf)[6] = 0; *len = VNET_HDR_LEN + 44;
    put16(IP(buf) + 4, 4); vh(buf)->hdr_len = 0)
MUT(exthdr_at_end, IP(buf)[6] = 60; *len = VNET_HDR_LEN + 40;
    put16(IP(buf) + 4, 0); vh(buf)->hdr_len = 0)
MUT(payload_len_wrong, put16(IP(buf) + 4, (uint16_t)(get16(IP(buf) + 4) + 1)))
MUT(jumbogram, put16(IP(buf) + 4, 0))
MUT(doff_4, IP(buf)[20 + 12] = 0x40)
MUT(doff_0, IP(buf)[20 + 12] = 0x00)
MUT(doff_beyond, IP(buf)[20 + 12] = 0xf0; *len = VNET_HDR_LEN + 20 + 32 + 10;
    put16(IP(buf) + 2, 62); vh(buf)->hdr_len = 0)
MUT(tcp_truncated, *len = VNET_HDR_LEN + 30; put16(IP(buf) + 2, 30);
    vh(buf)->hdr_len = 0)
MUT(udp_truncated, *len = VNET_HDR_LEN + 27; put16(IP(buf) + 2, 27);
    vh(buf)->hdr_len = 0)
MUT(none_csum_start_beyond, vh(buf)->gso_type = 0;
    vh(buf)->csum_start = htole16((uint16_t)(*len - VNET_HDR_LEN)))
MUT(none_csum_offset_beyond, vh(buf)->gso_type = 0;
    vh(buf)->csum_offset = htole16((uint16_t)(*len - VNET_HDR_LEN - 20)))
MUT(none_csum_offset_odd, vh(buf)->gso_type = 0; vh(buf)->csum_offset = htole16(15))
MUT(none_hdr_len_beyond, vh(buf)->gso_type = 0; vh(buf)->flags = 0;
    vh(buf)->hdr_len = htole16((uint16_t)(*len - VNET_HDR_LEN + 1)))

static const struct bad_case bad_cases[] = {
#define B(n, v6, udp) { #n, v6, udp, mut_##n }
	B(gso_size_0, false, false),
	B(gso_size_0, false, true),
	B(csum_start_beyond, false, false),
	B(csum_start_past_len, true, false),
	B(csum_start_not_l4, false, false),
	B(csum_start_not_l4, true, true),
	B(csum_offset_wrong, false, false),
	B(csum_offset_wrong, false, true),
	B(hdr_len_beyond, false, false),
	B(hdr_len_beyond, true, true),
	B(no_needs_csum, false, false),
	B(unknown_flag, false, false),
	B(unknown_type, false, false),
	B(ufo_type, false, true),
	B(type_6, false, false),
	B(ecn_alone, false, false),
	B(ecn_udp, false, true),
	B(v4_as_v6, false, false),
	B(v6_as_v4, true, false),
	B(version_5, false, false),
	B(version_5, true, true),
	B(truncated_ip, false, false),
	B(truncated_ip6, true, false),
	B(only_vnet, false, false),
	B(short_vnet, false, false),
	B(empty, false, false),
	B(ihl_4, false, false),
	B(ihl_beyond, false, false),
	B(tot_len_short, false, false),
	B(tot_len_long, false, true),
	B(fragment_mf, false, false),
	B(fragment_offset, false, true),
	B(proto_udp_in_tcpv4, false, false),
	B(proto_tcp_in_uso, false, true),
	B(next_header_wrong, true, false),
	B(exthdr_truncated, true, false),
	B(exthdr_at_end, true, true),
	B(payload_len_wrong, true, false),
	B(jumbogram, true, true),
	B(doff_4, false, false),
	B(doff_0, false, false),
	B(doff_beyond, false, false),
	B(tcp_truncated, false, false),
	B(udp_truncated, false, true),
	B(none_csum_start_beyond, false, false),
	B(none_csum_offset_beyond, false, false),
	B(none_csum_offset_odd, false, false),
	B(none_hdr_len_beyond, false, false),
#undef B
};

static void gso_malformed(void **state)
{
	uint8_t *payload = random_payload(3000);

	(void)state;
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); ++i) {
		const struct bad_case *c = &bad_cases[i];
		uint8_t *buf = xmalloc(VNET_HDR_LEN + 3100), *copy;
		struct gso_iter it;
		struct flow f;
		size_t len;
		int ret;

		flow_init(&f, c->v6, c->udp ? IPPROTO_UDP : IPPROTO_TCP, 0);
		f.opts_len = 0;
		len = build_super(buf, &f, payload, 3000, 1000);
		c->mutate(buf, &len);
		/* exactly len bytes, so ASan sees any read past them */
		copy = memdup(buf, len);
		ret = gso_iter_init(&it, copy, len);
		if (ret != -EINVAL)
			fail_msg("%s (%s%s): gso_iter_init returned %d", c->name,
				 c->v6 ? "IPv6" : "IPv4", c->udp ? " UDP" : "", ret);
		assert_int_equal(gso_iter_remaining(&it), 0);
		assert_int_equal(gso_iter_next(&it, buf, VNET_HDR_LEN + 3100), 0);
		free(copy);
		free(buf);
	}
	free(payload);
}

static void gso_enospc(void **state)
{
	uint8_t *payload = random_payload(2500);
	uint8_t *buf = xmalloc(VNET_HDR_LEN + 2600);
	struct gso_iter it;
	struct flow f;
	size_t len;

	(void)state;
	flow_init(&f, true, IPPROTO_TCP, 0);
	len = build_super(buf, &f, payload, 2500, 1000);
	assert_int_equal(gso_iter_init(&it, buf, len), 0);
	assert_int_equal(gso_iter_remaining(&it), 3);
	for (int i = 0; i < 3; ++i) {
		size_t seg = 40 + 32 + (i < 2 ? 1000 : 500);
		uint8_t *out = xmalloc(seg); /* exact: ASan checks the bound */

		assert_int_equal(gso_iter_next(&it, out, seg - 1), -ENOSPC);
		assert_int_equal(gso_iter_next(&it, out, 0), -ENOSPC);
		assert_int_equal(gso_iter_remaining(&it), 3 - i);
		assert_int_equal(gso_iter_next(&it, out, seg), (int)seg);
		assert_int_equal(get32(out + 44), f.seq + 1000u * (uint32_t)i);
		free(out);
	}
	assert_int_equal(gso_iter_remaining(&it), 0);
	free(buf);
	free(payload);
}

/* --- Coalescing ------------------------------------------------------ */

/*
 * A stream of n segments of f, each of plen bytes unless mutate changes
 * it (it sees the segment's flow and length and may change either), with
 * seq and id advancing as a sender's would.
 */
typedef void (*mutate_fn)(struct flow *f, size_t *plen, unsigned int i);

static void stream(struct list *l, const struct flow *base, unsigned int n,
		   size_t plen, mutate_fn mutate)
{
	uint8_t *payload = random_payload(65536);
	uint8_t *buf = xmalloc(65536 + 200);
	struct flow f = *base;

	for (unsigned int i = 0; i < n; ++i) {
		struct flow g = f;
		size_t p = plen;

		if (mutate)
			mutate(&g, &p, i);
		list_add(l, buf, build(buf, &g, payload + (i * 7) % 1000, p, CSUM_FULL));
		f.seq = g.seq + (uint32_t)p;
		f.id = (uint16_t)(g.id + 1);
	}
	free(buf);
	free(payload);
}

/*
 * Only the writes' segment counts, for merges that are by design not
 * undone exactly (Linux keeps the first segment's window, for one).
 */
static unsigned int gro_count(const struct list *in, bool udp, unsigned int *segs)
{
	struct gro_packet *pkts = xmalloc(in->n * sizeof(*pkts));
	struct gro_write *w = xmalloc(in->n * sizeof(*w));
	unsigned int nw;

	for (unsigned int i = 0; i < in->n; ++i) {
		pkts[i].data = memdup(in->pkt[i], in->len[i]);
		pkts[i].len = (uint32_t)in->len[i];
	}
	nw = gro_coalesce(pkts, in->n, udp, w);
	for (unsigned int j = 0; j < nw; ++j)
		segs[j] = w[j].segs;
	for (unsigned int i = 0; i < in->n; ++i)
		free(pkts[i].data);
	free(pkts);
	free(w);
	return nw;
}

static void expect_segs_how(const struct list *l, bool udp, bool exact,
			    const unsigned int *want, unsigned int nwant,
			    const char *name)
{
	unsigned int *segs = xmalloc(l->n * sizeof(*segs));
	unsigned int nw = exact ? gro_check(l, udp, segs) : gro_count(l, udp, segs);
	bool ok = nw == nwant;

	for (unsigned int i = 0; ok && i < nw; ++i)
		ok = segs[i] == want[i];
	if (!ok) {
		char got[256] = "", *p = got;

		for (unsigned int i = 0; i < nw && p < got + sizeof(got) - 12; ++i)
			p += sprintf(p, "%u ", segs[i]);
		fail_msg("%s: writes of %s", name, got);
	}
	free(segs);
}

static void expect_segs(const struct list *l, bool udp, const unsigned int *want,
			unsigned int nwant, const char *name)
{
	expect_segs_how(l, udp, true, want, nwant, name);
}

/* A stream coalesced into one write is the super-packet it was cut from. */
static void gro_tso_roundtrip(void **state)
{
	(void)state;
	for (int v = 0; v < 4; ++v) {
		size_t plen = v & 2 ? 9 * 1448 + 100 : 8 * 1380;
		uint16_t gso = v & 2 ? 1448 : 1380;
		uint8_t *payload = random_payload(plen);
		uint8_t *super = xmalloc(VNET_HDR_LEN + 200 + plen), *flat;
		struct list *segs = list_new();
		struct gro_packet pkts[16];
		struct gro_write w[16];
		size_t len, iph, hl, flen;
		struct flow f;
		unsigned int nw;

		flow_init(&f, v & 1, IPPROTO_TCP, 1);
		f.flags = F_ACK | F_PSH;
		iph = ip_hlen(&f);
		hl = iph + l4_hlen(&f);
		len = build_super(super, &f, payload, plen, gso);
		assert_int_equal(gso_all(super, len, segs), 0);
		assert_int_equal(segs->n, v & 2 ? 10 : 8);
		for (unsigned int i = 0; i < segs->n; ++i) {
			pkts[i].data = segs->pkt[i];
			pkts[i].len = (uint32_t)segs->len[i];
		}
		nw = gro_coalesce(pkts, segs->n, false, w);
		assert_int_equal(nw, 1);
		assert_int_equal(w[0].segs, segs->n);
		assert_int_equal(w[0].iovcnt, segs->n + 1);
		assert_ptr_equal(w[0].iov[1].iov_base, segs->pkt[0]);
		assert_int_equal(w[0].iov[1].iov_len, segs->len[0]);
		for (unsigned int i = 1; i < segs->n; ++i) {
			assert_ptr_equal(w[0].iov[i + 1].iov_base, segs->pkt[i] + hl);
			assert_int_equal(w[0].iov[i + 1].iov_len, segs->len[i] - hl);
		}
		assert_int_equal(w[0].hdr.flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
		assert_int_equal(w[0].hdr.gso_type, v & 1 ? VIRTIO_NET_HDR_GSO_TCPV6 :
							    VIRTIO_NET_HDR_GSO_TCPV4);
		assert_int_equal(le16toh(w[0].hdr.hdr_len), hl);
		assert_int_equal(le16toh(w[0].hdr.gso_size), gso);
		assert_int_equal(le16toh(w[0].hdr.csum_start), iph);
		assert_int_equal(le16toh(w[0].hdr.csum_offset), 16);

		/* the same bytes as the super-packet, header and all */
		flat = flatten(&w[0], &flen);
		assert_int_equal(flen, len);
		assert_memory_equal(flat, super, len);
		if (!f.v6)
			assert_int_equal(naive_sum(flat + VNET_HDR_LEN, 20, 0), 0xffff);
		assert_int_equal(get16(flat + VNET_HDR_LEN + iph + 16),
				 naive_pseudo(flat + VNET_HDR_LEN, IPPROTO_TCP,
					      (uint32_t)(len - VNET_HDR_LEN - iph)));
		free(flat);
		list_free(segs);
		free(super);
		free(payload);
	}
}

static void gro_lone_packet(void **state)
{
	static const struct virtio_net_hdr lone = {
		.flags = VIRTIO_NET_HDR_F_DATA_VALID,
	};
	struct list *l = list_new();
	struct gro_packet pkt;
	struct gro_write w;
	struct flow f;
	uint8_t *copy;

	(void)state;
	flow_init(&f, false, IPPROTO_TCP, 0);
	stream(l, &f, 1, 1000, NULL);
	copy = memdup(l->pkt[0], l->len[0]);
	pkt.data = l->pkt[0];
	pkt.len = (uint32_t)l->len[0];
	memset(&w, 0xa5, sizeof(w));
	assert_int_equal(gro_coalesce(&pkt, 1, true, &w), 1);
	assert_memory_equal(&w.hdr, &lone, sizeof(lone));
	assert_int_equal(w.iovcnt, 2);
	assert_int_equal(w.segs, 1);
	assert_ptr_equal(w.iov[1].iov_base, l->pkt[0]);
	assert_int_equal(w.iov[1].iov_len, l->len[0]);
	assert_memory_equal(l->pkt[0], copy, l->len[0]);
	assert_int_equal(gro_coalesce(&pkt, 0, true, &w), 0);
	free(copy);
	list_free(l);
}

static void gro_interleaved_flows(void **state)
{
	struct list *a = list_new(), *b = list_new(), *l = list_new();
	struct gro_packet pkts[12];
	struct gro_write w[12];
	struct flow fa, fb;

	(void)state;
	flow_init(&fa, false, IPPROTO_TCP, 1);
	flow_init(&fb, true, IPPROTO_TCP, 2);
	stream(a, &fa, 6, 1000, NULL);
	stream(b, &fb, 6, 1200, NULL);
	for (unsigned int i = 0; i < 6; ++i) {
		list_add(l, b->pkt[i], b->len[i]);
		list_add(l, a->pkt[i], a->len[i]);
	}
	expect_segs(l, false, (const unsigned int[]){ 6, 6 }, 2, "two flows");
	/* b came first, so its write does */
	for (unsigned int i = 0; i < l->n; ++i) {
		pkts[i].data = l->pkt[i];
		pkts[i].len = (uint32_t)l->len[i];
	}
	assert_int_equal(gro_coalesce(pkts, l->n, false, w), 2);
	assert_ptr_equal(w[0].iov[1].iov_base, l->pkt[0]);
	assert_ptr_equal(w[1].iov[1].iov_base, l->pkt[1]);
	list_free(a);
	list_free(b);
	list_free(l);
}

/* More flows than the table holds, round robin: nothing lost or reordered. */
static void gro_many_flows(void **state)
{
	struct list *f[12], *l = list_new();
	struct flow fl;

	(void)state;
	for (unsigned int k = 0; k < 12; ++k) {
		f[k] = list_new();
		flow_init(&fl, k & 1, IPPROTO_TCP, k);
		stream(f[k], &fl, 5, 500, NULL);
	}
	/* flows 0-5 in blocks of two, then 0-11 round robin */
	for (unsigned int i = 0; i < 2; ++i)
		for (unsigned int k = 0; k < 6; ++k)
			list_add(l, f[k]->pkt[i], f[k]->len[i]);
	for (unsigned int i = 2; i < 5; ++i)
		for (unsigned int k = 0; k < 12; ++k)
			list_add(l, f[k]->pkt[i], f[k]->len[i]);
	for (unsigned int i = 0; i < 2; ++i)
		for (unsigned int k = 6; k < 12; ++k)
			list_add(l, f[k]->pkt[i], f[k]->len[i]);
	gro_check(l, false, NULL);
	for (unsigned int k = 0; k < 12; ++k)
		list_free(f[k]);
	list_free(l);
}

/* Changes segment 3 only; what is carried on (seq, id) carries it on. */
#define AT3(name, ...)                                                   \
	static void m_##name(struct flow *f, size_t *plen, unsigned int i) \
	{                                                                \
		(void)f;                                                 \
		(void)plen;                                              \
		if (i == 3) {                                            \
			__VA_ARGS__;                                     \
		}                                                        \
	}
/* Changes every segment from 3 on. */
#define FROM3(name, ...)                                                 \
	static void m_##name(struct flow *f, size_t *plen, unsigned int i) \
	{                                                                \
		(void)f;                                                 \
		(void)plen;                                              \
		if (i >= 3) {                                            \
			__VA_ARGS__;                                     \
		}                                                        \
	}

AT3(seq_gap, f->seq += 100)
AT3(seq_back, f->seq -= 1)
FROM3(ack_from, f->ack += 1000)
AT3(ack_at, f->ack += 1000)
AT3(syn, f->flags |= F_SYN)
AT3(fin, f->flags |= F_FIN)
AT3(rst, f->flags = F_RST)
AT3(urg, f->flags |= F_URG)
AT3(ece, f->flags |= F_ECE)
AT3(cwr, f->flags |= F_CWR)
AT3(no_ack, f->flags = F_PSH)
AT3(psh, f->flags |= F_PSH)
AT3(options_at, f->opts[7] ^= 1)
FROM3(options_from, f->opts[7] ^= 1)
AT3(no_options, f->opts_len = 0)
AT3(shorter, *plen = 500)
AT3(longer, *plen = 1200)
AT3(empty, *plen = 0)
AT3(ttl, f->ttl = 63)
AT3(tos, f->tos = 4)
AT3(df, f->frag = 0)
AT3(ip_options, f->ipopts_len = 4)
FROM3(ip_options_from, f->ipopts_len = 4)
AT3(window, f->window = 1000)
AT3(id_jump, f->id = (uint16_t)(f->id + 5))
AT3(label, f->label ^= 1)
AT3(hop_limit, f->ttl = 1)
AT3(traffic_class, f->tos = 0x20)
AT3(exthdr, f->ext_len = 8)
FROM3(exthdr_from, f->ext_len = 8)

static void m_no_df(struct flow *f, size_t *plen, unsigned int i)
{
	(void)plen;
	(void)i;
	f->frag = 0;
}

static void m_no_df_id_jump(struct flow *f, size_t *plen, unsigned int i)
{
	m_no_df(f, plen, i);
	m_id_jump(f, plen, i);
}

struct split_case {
	const char *name;
	bool v6;
	mutate_fn mutate;
	unsigned int nw;
	unsigned int segs[8];
	bool lossy; /* merged, but not given back exactly by segmenting */
};

static const struct split_case split_cases[] = {
	{ "none", false, NULL, 1, { 8 }, false },
	{ "none v6", true, NULL, 1, { 8 }, false },
	{ "seq gap", false, m_seq_gap, 2, { 3, 5 }, false },
	{ "seq back", true, m_seq_back, 2, { 3, 5 }, false },
	{ "ack changes", false, m_ack_from, 2, { 3, 5 }, false },
	{ "one other ack", false, m_ack_at, 3, { 3, 1, 4 }, false },
	{ "SYN", false, m_syn, 3, { 3, 1, 4 }, false },
	{ "FIN", true, m_fin, 3, { 3, 1, 4 }, false },
	{ "RST", false, m_rst, 3, { 3, 1, 4 }, false },
	{ "URG", false, m_urg, 3, { 3, 1, 4 }, false },
	{ "ECE", false, m_ece, 3, { 3, 1, 4 }, false },
	{ "CWR", true, m_cwr, 3, { 3, 1, 4 }, false },
	{ "no ACK", false, m_no_ack, 3, { 3, 1, 4 }, false },
	{ "PSH in the middle", false, m_psh, 2, { 4, 4 }, false },
	{ "PSH in the middle v6", true, m_psh, 2, { 4, 4 }, false },
	{ "one other option", false, m_options_at, 3, { 3, 1, 4 }, false },
	{ "options change", true, m_options_from, 2, { 3, 5 }, false },
	{ "options dropped", false, m_no_options, 3, { 3, 1, 4 }, false },
	{ "shorter middle", false, m_shorter, 2, { 4, 4 }, false },
	{ "longer middle", true, m_longer, 3, { 3, 2, 3 }, false },
	{ "pure ACK", false, m_empty, 3, { 3, 1, 4 }, false },
	{ "TTL", false, m_ttl, 3, { 3, 1, 4 }, false },
	{ "TOS", false, m_tos, 3, { 3, 1, 4 }, false },
	{ "DF", false, m_df, 3, { 3, 1, 4 }, false },
	{ "IPv4 options", false, m_ip_options, 3, { 3, 1, 4 }, false },
	{ "window (ignored)", false, m_window, 1, { 8 }, true },
	{ "id jump with DF (ignored)", false, m_id_jump, 1, { 8 }, true },
	{ "ids counting without DF", false, m_no_df, 1, { 8 }, false },
	{ "id jump without DF", false, m_no_df_id_jump, 2, { 3, 5 }, false },
	{ "flow label", true, m_label, 3, { 3, 1, 4 }, false },
	{ "hop limit", true, m_hop_limit, 3, { 3, 1, 4 }, false },
	{ "traffic class", true, m_traffic_class, 3, { 3, 1, 4 }, false },
	{ "extension header", true, m_exthdr, 3, { 3, 1, 4 }, false },
	/* neither would be cut back the same way: never merged */
	{ "IPv4 options from 3", false, m_ip_options_from, 6, { 3, 1, 1, 1, 1, 1 }, false },
	{ "extension headers from 3", true, m_exthdr_from, 6, { 3, 1, 1, 1, 1, 1 }, false },
};

static void gro_splits(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(split_cases) / sizeof(split_cases[0]); ++i) {
		const struct split_case *c = &split_cases[i];
		struct list *l = list_new();
		struct flow f;

		flow_init(&f, c->v6, IPPROTO_TCP, 0);
		stream(l, &f, 8, 1000, c->mutate);
		expect_segs_how(l, false, !c->lossy, c->segs, c->nw, c->name);
		list_free(l);
	}
}

/* A bad IPv4 header checksum keeps its packet alone and untouched. */
static void gro_bad_checksums(void **state)
{
	static const struct {
		unsigned int at, nw, segs[3];
	} cases[] = {
		{ 3, 3, { 3, 1, 4 } },
		{ 0, 2, { 1, 7 } },
		{ 7, 2, { 7, 1 } },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); ++i) {
		struct list *l = list_new();
		struct flow f;

		flow_init(&f, false, IPPROTO_TCP, 0);
		stream(l, &f, 8, 1000, NULL);
		l->pkt[cases[i].at][11] ^= 0x40;
		expect_segs(l, false, cases[i].segs, cases[i].nw, "bad checksum");
		list_free(l);
	}
}

/*
 * Transport checksums are the authenticated peer's business (see gro.c):
 * a payload whose TCP checksum is wrong still merges, and the write asks
 * the kernel to compute the checksum rather than to verify it.
 */
static void gro_trusts_transport_checksums(void **state)
{
	struct gro_packet pkts[8];
	struct gro_write w[8];
	struct list *l = list_new();
	struct flow f;

	(void)state;
	flow_init(&f, false, IPPROTO_TCP, 0);
	stream(l, &f, 8, 1000, NULL);
	l->pkt[3][100] ^= 0x40;
	for (unsigned int i = 0; i < 8; ++i) {
		pkts[i].data = l->pkt[i];
		pkts[i].len = (uint32_t)l->len[i];
	}
	assert_int_equal(gro_coalesce(pkts, 8, false, w), 1);
	assert_int_equal(w[0].segs, 8);
	assert_int_equal(w[0].hdr.flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
	list_free(l);
}

static void m_exact(struct flow *f, size_t *plen, unsigned int i)
{
	(void)f;
	if (i == 1)
		*plen -= 1;
}

static void gro_limits(void **state)
{
	struct list *l;
	struct flow f;
	unsigned int n;

	(void)state;
	/* > 64 segments */
	l = list_new();
	flow_init(&f, false, IPPROTO_TCP, 0);
	stream(l, &f, 150, 100, NULL);
	expect_segs(l, false, (const unsigned int[]){ 64, 64, 22 }, 3, "150 segments");
	list_free(l);

	/* > 65535 bytes: as many 1448-byte segments as fit after the headers */
	for (int v6 = 0; v6 < 2; ++v6) {
		l = list_new();
		flow_init(&f, v6, IPPROTO_TCP, 0);
		n = (unsigned int)((65535 - ip_hlen(&f) - l4_hlen(&f)) / 1448);
		stream(l, &f, 50, 1448, NULL);
		expect_segs(l, false, (const unsigned int[]){ n, 50 - n }, 2, "65535 bytes");
		list_free(l);
	}

	/* exactly 65535 bytes: the last one fits */
	l = list_new();
	flow_init(&f, false, IPPROTO_TCP, 0);
	f.opts_len = 0;
	stream(l, &f, 2, (65535 - 40) / 2 + 1, NULL); /* 32748 each */
	expect_segs(l, false, (const unsigned int[]){ 1, 1 }, 2, "just over");
	list_free(l);
	l = list_new();
	stream(l, &f, 3, (65535 - 40) / 2 - 1, NULL);
	expect_segs(l, false, (const unsigned int[]){ 2, 1 }, 2, "just under");
	list_free(l);
	l = list_new();
	stream(l, &f, 2, (65535 - 40) / 2 + 1, m_exact);
	expect_segs(l, false, (const unsigned int[]){ 2 }, 1, "exactly 65535");
	assert_int_equal(l->len[0] + l->len[1] - 40, 65535);
	list_free(l);
}

static void m_udp_sizes(struct flow *f, size_t *plen, unsigned int i)
{
	static const size_t sizes[] = { 1200, 1200, 600, 1200, 1200, 1300, 1200 };

	(void)f;
	*plen = sizes[i];
}

static void gro_udp(void **state)
{
	uint8_t buf[2000], payload[1200] = { 1 };
	struct list *l;
	struct flow f;

	(void)state;
	for (int v6 = 0; v6 < 2; ++v6) {
		struct gro_packet pkts[5];
		struct gro_write w[5];

		l = list_new();
		flow_init(&f, v6, IPPROTO_UDP, 0);
		stream(l, &f, 5, 1200, NULL);
		expect_segs(l, true, (const unsigned int[]){ 5 }, 1, "udp");
		expect_segs(l, false, (const unsigned int[]){ 1, 1, 1, 1, 1 }, 5,
			    "udp off");
		for (unsigned int i = 0; i < 5; ++i) {
			pkts[i].data = l->pkt[i];
			pkts[i].len = (uint32_t)l->len[i];
		}
		assert_int_equal(gro_coalesce(pkts, 5, true, w), 1);
		assert_int_equal(w[0].hdr.gso_type, VIRTIO_NET_HDR_GSO_UDP_L4);
		assert_int_equal(le16toh(w[0].hdr.csum_offset), 6);
		assert_int_equal(le16toh(w[0].hdr.gso_size), 1200);
		assert_int_equal(le16toh(w[0].hdr.hdr_len), ip_hlen(&f) + 8);
		assert_int_equal(get16(l->pkt[0] + ip_hlen(&f) + 4), 8 + 5 * 1200);
		assert_int_equal(get16(l->pkt[0] + ip_hlen(&f) + 6),
				 naive_pseudo(l->pkt[0], IPPROTO_UDP, 8 + 5 * 1200));
		list_free(l);

		l = list_new();
		stream(l, &f, 7, 0, m_udp_sizes);
		/* a shorter one ends a group, a longer one leads the next */
		expect_segs(l, true, (const unsigned int[]){ 3, 2, 2 }, 3,
			    "udp sizes");
		list_free(l);

		/* UDP runs stop at GRO_MAX_UDP_SEGS; TCP's go on */
		l = list_new();
		stream(l, &f, 20, 1200, NULL);
		expect_segs(l, true, (const unsigned int[]){ 8, 8, 4 }, 3,
			    "udp run cap");
		list_free(l);
		l = list_new();
		flow_init(&f, v6, IPPROTO_TCP, 0);
		stream(l, &f, 20, 1200, NULL);
		expect_segs(l, false, (const unsigned int[]){ 20 }, 1, "tcp run");
		list_free(l);
	}

	/* IPv4 UDP without a checksum goes alone */
	l = list_new();
	flow_init(&f, false, IPPROTO_UDP, 0);
	stream(l, &f, 5, 1200, NULL);
	put16(l->pkt[2] + 26, 0);
	expect_segs(l, true, (const unsigned int[]){ 2, 1, 2 }, 3, "udp csum 0");
	/* even one whose data would pass for a checksum of 0xffff */
	sum_to_ones(l->pkt[2], 20, l->len[2], IPPROTO_UDP, 8 + 100);
	expect_segs(l, true, (const unsigned int[]){ 2, 1, 2 }, 3, "udp csum 0, sums");
	/* and a UDP length that is not the packet's too */
	free(l->pkt[2]);
	l->pkt[2] = memdup(buf, build(buf, &f, payload, 1200, CSUM_FULL));
	put16(l->pkt[2] + 24, 1000);
	put16(l->pkt[2] + 26, 0);
	sum_to_ones(l->pkt[2], 20, l->len[2], IPPROTO_UDP, 8);
	put16(l->pkt[2] + 26, 0xffff);
	expect_segs(l, true, (const unsigned int[]){ 2, 1, 2 }, 3, "udp length");
	list_free(l);
}

static void m_longer_1_to_3(struct flow *f, size_t *plen, unsigned int i)
{
	(void)f;
	if (i >= 1 && i <= 3)
		*plen += 1;
}

/* Sequence numbers as if the 4 bytes under a data offset of 4 were data. */
static void m_doff4_seq(struct flow *f, size_t *plen, unsigned int i)
{
	(void)plen;
	if (i >= 2 && i <= 3)
		f->seq += 4;
}

/*
 * Headers that do not describe the packet: an IP length one short of the
 * packet (whose transport checksum covers it all), a TCP data offset
 * under 5 (checksum made right). Never merged, though the checksums and
 * sequence numbers would let them if the headers were believed.
 */
static void gro_bad_lengths(void **state)
{
	for (int v = 0; v < 3; ++v) {
		struct list *l = list_new();
		struct flow f;

		flow_init(&f, v == 1, IPPROTO_TCP, 0);
		if (v == 2)
			f.opts_len = 0;
		stream(l, &f, 5, 1000, v < 2 ? m_longer_1_to_3 : m_doff4_seq);
		for (unsigned int i = 1; i < 4; ++i) {
			uint8_t *p = l->pkt[i], *t = p + ip_hlen(&f);
			uint32_t tlen = (uint32_t)(l->len[i] - ip_hlen(&f));

			if (v == 0) {
				put16(p + 2, (uint16_t)(l->len[i] - 1));
				put16(p + 10, 0);
				put16(p + 10, (uint16_t)~naive_sum(p, 20, 0));
			} else if (v == 1) {
				put16(p + 4, (uint16_t)(tlen - 1));
			} else {
				t[12] = 0x40;
				put16(t + 16, 0);
				put16(t + 16, (uint16_t)~naive_sum(t, tlen,
								   naive_pseudo(p, IPPROTO_TCP, tlen)));
			}
			assert_true(naive_transport_ok(p, ip_hlen(&f), l->len[i], IPPROTO_TCP));
		}
		expect_segs(l, false, (const unsigned int[]){ 1, 1, 1, 1, 1 }, 5,
			    v == 2 ? "doff 4" : "IP length");
		list_free(l);
	}
	(void)state;
}

/* Packets that are no flow at all pass through in order among the rest. */
static void gro_other_packets(void **state)
{
	static const uint8_t junk[][4] = { { 0 }, { 0x45, 1, 2, 3 }, { 0x60 } };
	uint8_t icmp[28] = { 0x45, 0, 0, 28, 0, 0, 0x40, 0, 64, 1 };
	struct list *s = list_new(), *l = list_new();
	struct flow f;

	(void)state;
	flow_init(&f, false, IPPROTO_TCP, 0);
	stream(s, &f, 6, 1000, NULL);
	for (unsigned int i = 0; i < 6; ++i) {
		list_add(l, s->pkt[i], s->len[i]);
		if (i < 3)
			list_add(l, junk[i], i + 1);
	}
	list_add(l, icmp, sizeof(icmp));
	/* a first fragment of the flow */
	list_add(l, s->pkt[0], s->len[0]);
	l->pkt[l->n - 1][6] |= IPV4_MF >> 8;
	expect_segs(l, false, (const unsigned int[]){ 6, 1, 1, 1, 1, 1 }, 6, "junk");
	list_free(s);
	list_free(l);
}

/*
 * Random flows, TCP and UDP, v4 and v6, some with IPv4 options or IPv6
 * extension headers, some ending in PSH or FIN or starting with CWR:
 * segmented, shuffled together with each flow kept in order, coalesced,
 * segmented again: the same packets must come out.
 */
static void gro_roundtrip_property(void **state)
{
	static const uint8_t flagsets[] = { F_ACK, F_ACK | F_PSH, F_ACK | F_FIN | F_PSH,
					    F_ACK | F_CWR, F_ACK | F_ECE, F_ACK | F_PSH };

	(void)state;
	for (int round = 0; round < 300; ++round) {
		unsigned int nflows = 1 + rnd_below(12), next[12] = { 0 };
		struct list *flows[12], *l = list_new();
		bool udp = rnd_below(2);
		unsigned int total = 0;

		for (unsigned int k = 0; k < nflows; ++k) {
			struct flow f;
			size_t plen, max;
			uint16_t gso;
			uint8_t *payload, *buf;

			flow_init(&f, rnd_below(2), rnd_below(3) ? IPPROTO_TCP : IPPROTO_UDP, k);
			if (f.proto == IPPROTO_TCP)
				f.flags = flagsets[rnd_below(sizeof(flagsets))];
			if (!f.v6 && !rnd_below(2))
				f.frag = 0;
			if (!rnd_below(10)) {
				if (f.v6)
					f.ext_len = 8;
				else
					f.ipopts_len = 4;
			}
			if (f.proto == IPPROTO_TCP && !rnd_below(4))
				f.opts_len = 0;
			gso = rnd_below(4) ? (uint16_t)(500 + rnd_below(1000)) :
					     (uint16_t)(1 + rnd_below(100));
			max = 65535 - ip_hlen(&f) - l4_hlen(&f);
			plen = rnd_below(8) ? rnd_below(30) * gso + rnd_below(gso) :
					      rnd_below(20000);
			if (plen > max)
				plen = max;
			if (plen / gso > 120)
				plen = 120 * (size_t)gso;
			payload = random_payload(plen);
			buf = xmalloc(VNET_HDR_LEN + 200 + plen);
			flows[k] = list_new();
			assert_int_equal(gso_all(buf, build_super(buf, &f, payload, plen, gso),
						 flows[k]), 0);
			total += flows[k]->n;
			free(buf);
			free(payload);
		}
		/* shuffle, keeping each flow's order; in runs, as bursts come */
		while (l->n < total) {
			unsigned int k = rnd_below(nflows), run = 1 + rnd_below(8);

			for (; run && next[k] < flows[k]->n; --run, ++next[k])
				list_add(l, flows[k]->pkt[next[k]], flows[k]->len[next[k]]);
		}
		gro_check(l, udp, NULL);
		for (unsigned int k = 0; k < nflows; ++k)
			list_free(flows[k]);
		list_free(l);
	}
}

int main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test(csum_rfc1071_example),
		cmocka_unit_test(csum_ipv4_header_vector),
		cmocka_unit_test(csum_known_packets),
		cmocka_unit_test(csum_odd_lengths_unaligned),
		cmocka_unit_test(csum_random_vs_naive),
		cmocka_unit_test(csum_large_carries),
		cmocka_unit_test(csum_pseudo_vs_naive),
		cmocka_unit_test(gso_tso4),
		cmocka_unit_test(gso_tso6),
		cmocka_unit_test(gso_uso),
		cmocka_unit_test(gso_udp_zero_checksum),
		cmocka_unit_test(gso_needs_csum_single),
		cmocka_unit_test(gso_none_copied),
		cmocka_unit_test(gso_ipv4_options),
		cmocka_unit_test(gso_ipv6_exthdr),
		cmocka_unit_test(gso_hdr_len_hint),
		cmocka_unit_test(gso_malformed),
		cmocka_unit_test(gso_enospc),
		cmocka_unit_test(gro_tso_roundtrip),
		cmocka_unit_test(gro_lone_packet),
		cmocka_unit_test(gro_interleaved_flows),
		cmocka_unit_test(gro_many_flows),
		cmocka_unit_test(gro_splits),
		cmocka_unit_test(gro_bad_checksums),
		cmocka_unit_test(gro_trusts_transport_checksums),
		cmocka_unit_test(gro_limits),
		cmocka_unit_test(gro_udp),
		cmocka_unit_test(gro_bad_lengths),
		cmocka_unit_test(gro_other_packets),
		cmocka_unit_test(gro_roundtrip_property),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
