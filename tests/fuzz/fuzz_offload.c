// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the TUN offloads (offload.h): segmentation of
 * whatever a TUN read might hold, and coalescing of what comes out, on
 * plain buffers. Every packet sits in a heap block of its exact size and
 * every output buffer is exactly as large as the capacity passed, so ASan
 * sees any access out of bounds. The input:
 *
 *   u8   flags: FLAG_UDP lets UDP coalesce, FLAG_MIX runs a second
 *        coalescing pass with the extra packets mixed in
 *   u16  the capacity of the first try at each segment (little-endian);
 *        when it is too small the same segment must come out of a
 *        second try with room enough, the iterator unmoved
 *   u16  n, then n bytes: one TUN read, virtio header first
 *   rest extra packets, each a u8 count of segments to go before it, a
 *        u16 length (little-endian) and its bytes
 *
 * What must hold:
 *   - the iterator counts down one per segment and ends with 0;
 *   - segments of a super-packet have the lengths, checksums and payload
 *     bytes of the super-packet cut at gso_size; a packet with no offload
 *     comes out as it went in;
 *   - the segments, coalesced, make writes that segment back into exactly
 *     the same packets; a clean TSO super-packet of at most GRO_MAX_SEGS
 *     segments (USO: GRO_MAX_UDP_SEGS) comes back as one write of its
 *     own length; a packet written alone is marked DATA_VALID;
 *   - mixed with arbitrary packets: every packet is in exactly one write,
 *     written alone untouched or re-segmented into its own length.
 *
 * The seeds in tests/fuzz/corpus/fuzz_offload were written by a throwaway
 * Python script with struct: TSO over IPv4 (timestamps, PSH) and IPv6
 * (ECN, CWR, an odd tail), a FIN with gso_size 1, USO over IPv4 and IPv6
 * (the latter mixed with another flow's segments and junk), a single
 * packet with NEEDS_CSUM, one with no offload that is not even IP, and a
 * csum_start beyond the packet.
 */
#include <endian.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wg/offload.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum {
	FLAG_UDP = 1,
	FLAG_MIX = 2,
	MAX_SEGS = 512, /* segments kept for coalescing */
	MAX_EXTRA = 64,
};

struct input {
	const uint8_t *p;
	size_t len;
};

static uint8_t take_u8(struct input *in)
{
	uint8_t v = 0;

	if (in->len) {
		v = *in->p++;
		--in->len;
	}
	return v;
}

static uint16_t take_u16(struct input *in)
{
	return (uint16_t)(take_u8(in) | take_u8(in) << 8);
}

static void die(const char *what)
{
	fprintf(stderr, "fuzz_offload: %s\n", what);
	abort();
}

#define CHECK(cond)                                                      \
	do {                                                             \
		if (!(cond))                                             \
			die(#cond);                                      \
	} while (0)

static void *xmemdup(const void *p, size_t len)
{
	void *q = malloc(len ? len : 1);

	if (!q)
		die("out of memory");
	if (len)
		memcpy(q, p, len);
	return q;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* RFC 1071 one word at a time, independent of base/checksum.c. */
static uint32_t naive_add(const uint8_t *p, size_t len, uint32_t s)
{
	for (size_t i = 0; i < len; i += 2) {
		s += (uint32_t)p[i] << 8 | (i + 1 < len ? p[i + 1] : 0);
		s = (s & 0xffff) + (s >> 16);
	}
	return s;
}

static bool transport_ok(const uint8_t *ip, size_t th, size_t len, uint8_t proto)
{
	uint8_t ph[40] = { 0 };
	size_t tlen = len - th;
	uint32_t s;

	if (ip[0] >> 4 == 6) {
		memcpy(ph, ip + 8, 32);
		ph[34] = (uint8_t)(tlen >> 8);
		ph[35] = (uint8_t)tlen;
		ph[39] = proto;
		s = naive_add(ph, 40, 0);
	} else {
		memcpy(ph, ip + 12, 8);
		ph[9] = proto;
		ph[10] = (uint8_t)(tlen >> 8);
		ph[11] = (uint8_t)tlen;
		s = naive_add(ph, 12, 0);
	}
	return naive_add(ip + th, tlen, s) == 0xffff;
}

struct list {
	uint8_t *pkt[MAX_SEGS + MAX_EXTRA];
	size_t len[MAX_SEGS + MAX_EXTRA];
	unsigned int n;
};

static void list_free(struct list *l)
{
	for (unsigned int i = 0; i < l->n; ++i)
		free(l->pkt[i]);
	l->n = 0;
}

/* Checks one segment of a super-packet against the super-packet. */
static void check_segment(const struct gso_iter *it, const uint8_t *seg,
			  size_t len, size_t payload_off)
{
	size_t th = it->hdr.csum_start;

	CHECK((len > it->hdr_len && len - it->hdr_len <= it->hdr.gso_size) ||
	      (len == it->hdr_len && it->len == it->hdr_len));
	CHECK(!memcmp(seg + it->hdr_len, it->pkt + it->hdr_len + payload_off,
		      len - it->hdr_len));
	if (it->ipv6) {
		CHECK(get16(seg + 4) == len - 40);
	} else {
		CHECK(get16(seg + 2) == len);
		CHECK(naive_add(seg, (size_t)(seg[0] & 15) * 4, 0) == 0xffff);
	}
	CHECK(transport_ok(seg, th, len, it->proto));
	if (it->proto == IPPROTO_UDP)
		CHECK(get16(seg + th + 4) == len - th);
}

/* Segments buf into l (up to MAX_SEGS of them); false if there were more. */
static bool segment(const uint8_t *buf, size_t len, uint16_t cap, struct list *l)
{
	struct gso_iter it;
	uint32_t left;
	size_t off = 0;
	bool all = true;
	int ret;

	if (gso_iter_init(&it, buf, len) < 0) {
		CHECK(gso_iter_remaining(&it) == 0);
		return true;
	}
	left = gso_iter_remaining(&it);
	CHECK(left >= 1);
	while (left) {
		uint8_t *out = malloc(cap ? cap : 1);

		if (!out)
			die("out of memory");
		ret = gso_iter_next(&it, out, cap);
		if (ret == -ENOSPC) {
			CHECK(gso_iter_remaining(&it) == left);
			free(out);
			/* no segment is longer than the packet it is cut from */
			out = malloc(it.len);
			if (!out)
				die("out of memory");
			ret = gso_iter_next(&it, out, it.len);
		}
		CHECK(ret > 0 && (size_t)ret <= it.len);
		CHECK(gso_iter_remaining(&it) == --left);
		if (it.hdr.gso_type != VIRTIO_NET_HDR_GSO_NONE) {
			check_segment(&it, out, (size_t)ret, off);
			off += (size_t)ret - it.hdr_len;
		} else {
			CHECK((size_t)ret == it.len);
			if (!(it.hdr.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM))
				CHECK(!memcmp(out, it.pkt, it.len));
		}
		if (l->n < MAX_SEGS) {
			l->pkt[l->n] = xmemdup(out, (size_t)ret);
			l->len[l->n++] = (size_t)ret;
		} else {
			all = false;
		}
		free(out);
	}
	CHECK(gso_iter_next(&it, NULL, 0) == 0);
	if (it.hdr.gso_type != VIRTIO_NET_HDR_GSO_NONE)
		CHECK(off == it.len - it.hdr_len);
	return all;
}

/* Whether every segment of this super-packet may merge with the others. */
static bool clean(const uint8_t *buf, size_t len, bool udp)
{
	struct gso_iter it;
	uint8_t flags;

	if (gso_iter_init(&it, buf, len) < 0 ||
	    it.hdr.gso_type == VIRTIO_NET_HDR_GSO_NONE ||
	    gso_iter_remaining(&it) > (it.proto == IPPROTO_UDP ?
					       GRO_MAX_UDP_SEGS : GRO_MAX_SEGS) ||
	    it.len > GRO_MAX_LEN ||
	    it.len == it.hdr_len || it.hdr.csum_start != (it.ipv6 ? 40 : 20))
		return false;
	if (it.proto == IPPROTO_UDP)
		return udp;
	flags = it.pkt[it.hdr.csum_start + 13];
	return flags == 0x10 || flags == 0x18;
}

static uint8_t *flatten(const struct gro_write *w, size_t *len)
{
	size_t n = 0;
	uint8_t *buf;

	for (unsigned int i = 0; i < w->iovcnt; ++i)
		n += w->iov[i].iov_len;
	buf = malloc(n);
	if (!buf)
		die("out of memory");
	*len = 0;
	for (unsigned int i = 0; i < w->iovcnt; ++i) {
		memcpy(buf + *len, w->iov[i].iov_base, w->iov[i].iov_len);
		*len += w->iov[i].iov_len;
	}
	return buf;
}

/*
 * Coalesces l (left untouched). With exact, re-segmenting the writes in
 * order must give l back byte for byte (true when l is the segments of
 * one packet); otherwise each write must at least re-segment into the
 * lengths of the packets it holds. Returns the number of writes and the
 * total length of the first one.
 */
static unsigned int coalesce(const struct list *l, bool udp, bool exact,
			     size_t *first_len)
{
	static const struct virtio_net_hdr lone = {
		.flags = VIRTIO_NET_HDR_F_DATA_VALID,
	};
	struct gro_packet *pkts = malloc((l->n + 1) * sizeof(*pkts));
	struct gro_write *w = malloc((l->n + 1) * sizeof(*w));
	unsigned int nw, total = 0, next = 0;
	struct list again = { .n = 0 };

	if (!pkts || !w)
		die("out of memory");
	for (unsigned int i = 0; i < l->n; ++i) {
		pkts[i].data = xmemdup(l->pkt[i], l->len[i]);
		pkts[i].len = (uint32_t)l->len[i];
	}
	nw = gro_coalesce(pkts, l->n, udp, w);
	CHECK(nw <= l->n);
	*first_len = 0;
	for (unsigned int j = 0; j < nw; ++j) {
		size_t len;
		uint8_t *buf;

		CHECK(w[j].segs >= 1 && w[j].segs <= GRO_MAX_SEGS);
		CHECK(w[j].iovcnt == w[j].segs + 1);
		CHECK(w[j].iov[0].iov_base == &w[j].hdr);
		total += w[j].segs;
		buf = flatten(&w[j], &len);
		if (!j)
			*first_len = len;
		if (w[j].segs == 1) {
			unsigned int i;

			CHECK(!memcmp(&w[j].hdr, &lone, sizeof(lone)));
			for (i = 0; i < l->n && pkts[i].data != w[j].iov[1].iov_base; ++i)
				;
			CHECK(i < l->n);
			CHECK(!memcmp(pkts[i].data, l->pkt[i], l->len[i]));
		} else {
			CHECK(len <= VNET_HDR_LEN + GRO_MAX_LEN);
			CHECK(segment(buf, len, 0, &again));
			CHECK(again.n == w[j].segs);
		}
		if (w[j].segs == 1) {
			again.pkt[0] = xmemdup(buf + VNET_HDR_LEN, len - VNET_HDR_LEN);
			again.len[0] = len - VNET_HDR_LEN;
			again.n = 1;
		}
		for (unsigned int s = 0; s < again.n; ++s) {
			if (exact) {
				CHECK(next < l->n && again.len[s] == l->len[next]);
				CHECK(!memcmp(again.pkt[s], l->pkt[next], l->len[next]));
				++next;
			} else {
				/*
				 * iov[s + 1] is the packet that went in, or its
				 * payload: the segment must have its length.
				 */
				uintptr_t at = (uintptr_t)w[j].iov[s + 1].iov_base;
				unsigned int i;

				if (s > 0)
					at -= le16toh(w[j].hdr.hdr_len);
				for (i = 0; i < l->n; ++i)
					if ((uintptr_t)pkts[i].data == at)
						break;
				CHECK(i < l->n && again.len[s] == l->len[i]);
			}
		}
		list_free(&again);
		free(buf);
	}
	CHECK(total == l->n);
	if (exact)
		CHECK(next == l->n);
	for (unsigned int i = 0; i < l->n; ++i)
		free(pkts[i].data);
	free(pkts);
	free(w);
	return nw;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	uint8_t flags = take_u8(&in);
	uint16_t cap = take_u16(&in);
	size_t n = take_u16(&in), first_len;
	struct list *segs = calloc(1, sizeof(*segs));
	uint8_t *tun;
	bool all;

	if (!segs)
		die("out of memory");
	if (n > in.len)
		n = in.len;
	tun = xmemdup(in.p, n);
	in.p += n;
	in.len -= n;

	all = segment(tun, n, cap, segs);
	if (all && segs->n) {
		unsigned int nw = coalesce(segs, flags & FLAG_UDP, true, &first_len);

		if (clean(tun, n, flags & FLAG_UDP)) {
			CHECK(nw == 1);
			CHECK(first_len == n);
		}
	}

	if (flags & FLAG_MIX) {
		struct list *mix = calloc(1, sizeof(*mix));
		unsigned int k = 0, extra = 0;

		if (!mix)
			die("out of memory");
		/* each extra packet: u8 segments to go first, u16 length, bytes */
		while (in.len && extra < MAX_EXTRA) {
			unsigned int before = take_u8(&in);
			size_t len = take_u16(&in);

			if (len > in.len)
				len = in.len;
			for (; before && k < segs->n; --before, ++k) {
				mix->pkt[mix->n] = xmemdup(segs->pkt[k], segs->len[k]);
				mix->len[mix->n++] = segs->len[k];
			}
			mix->pkt[mix->n] = xmemdup(in.p, len);
			mix->len[mix->n++] = len;
			++extra;
			in.p += len;
			in.len -= len;
		}
		for (; k < segs->n; ++k) {
			mix->pkt[mix->n] = xmemdup(segs->pkt[k], segs->len[k]);
			mix->len[mix->n++] = segs->len[k];
		}
		if (mix->n)
			coalesce(mix, flags & FLAG_UDP, false, &first_len);
		list_free(mix);
		free(mix);
	}
	list_free(segs);
	free(segs);
	free(tun);
	return 0;
}
