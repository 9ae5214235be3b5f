// SPDX-License-Identifier: MIT
/*
 * Coalescing of decrypted packets into TUN writes, the way Linux's
 * tcp_gro_receive and udp_gro_receive would merge them off a NIC, so the
 * kernel takes one super-packet through its stack instead of dozens.
 *
 * A group is open while more of its flow may still join it; at most
 * MAX_OPEN flows are open at once (the oldest is closed to make room), so
 * a batch interleaving a few bulk flows still coalesces each of them. A
 * packet of an open flow that cannot join closes the group and, if it
 * may lead one, opens the next. Each write takes its slot in out[] when
 * its first packet arrives, so writes leave in the order of their first
 * packets and a flow's packets never overtake each other.
 *
 * Transport checksums are not verified, and every write says so to the
 * kernel (DATA_VALID, or NEEDS_CSUM for a super-packet): the packets were
 * just authenticated by ChaCha20-Poly1305 from the peer that built them,
 * which is why Linux's WireGuard marks each decrypted skb
 * CHECKSUM_UNNECESSARY and hands it to its own GRO in the same way. What
 * a checksum would catch, corruption on the wire, the tag already has.
 * IPv4 header checksums are still checked: a bad one never merges.
 */
#include <endian.h>
#include <netinet/in.h>
#include <string.h>

#include "base/bytes.h"
#include "base/checksum.h"
#include "wg/inet_hdr.h"
#include "wg/offload.h"

enum { MAX_OPEN = 8 };

/* Compared whole with memcmp: built zeroed, so padding compares too. */
struct flow_key {
	uint8_t addrs[32]; /* source then destination, IPv4 in 8 bytes */
	uint8_t ports[4];  /* as on the wire */
	uint8_t version;
	uint8_t proto;
};

enum kind {
	OTHER,     /* no flow we could coalesce: written alone */
	FLOW,      /* a TCP/UDP flow, but this packet must go alone */
	CANDIDATE, /* may join or lead a group */
};


/* What parse() learns of one packet. */
struct pkt_info {
	struct flow_key key;
	enum kind kind;
	uint8_t *data;
	uint32_t len;
	uint32_t iph_len;
	uint32_t hdr_len; /* IP + transport */
	uint32_t payload;
	uint32_t seq;
	bool psh;
	bool ipv6;
	uint8_t proto;
};

struct group {
	struct flow_key key;
	struct gro_write *w;
	uint8_t *first; /* the leading packet, whose headers are kept */
	uint32_t iph_len;
	uint32_t hdr_len;
	uint32_t gso_size;
	uint32_t total;    /* IP bytes so far */
	uint32_t next_seq; /* TCP: what the next segment must start at */
	uint16_t next_id;  /* IPv4 without DF: what the next id must be */
	bool psh;
	bool ipv6;
	uint8_t proto;
};

/*
 * Where the transport header of an IPv6 packet starts, past hop-by-hop,
 * routing and destination options, and its protocol; 0 for a fragment or
 * anything cut short. Such packets never join a group, but knowing their
 * flow lets them close its group so that nothing overtakes them.
 */
static uint32_t ipv6_transport(const uint8_t *data, uint32_t len,
			       uint8_t *proto)
{
	uint32_t off = IPV6_HLEN;
	uint8_t next = data[6];

	while (next == IPV6_NEXTHDR_HOP || next == IPV6_NEXTHDR_ROUTING ||
	       next == IPV6_NEXTHDR_DEST) {
		if (len - off < 8)
			return 0;
		next = data[off];
		off += ((uint32_t)data[off + 1] + 1) * 8;
		if (off > len)
			return 0;
	}
	*proto = next;
	return off;
}

/*
 * Classifies pkt. Only IPv4 without options and not fragmented, and IPv6
 * without extension headers, can lead or join a group, as in Linux; the
 * IP length must be the packet's, and the IPv4 header checksum right
 * (the merged header gets a fresh one).
 */
static void parse(struct pkt_info *p, uint8_t *data, uint32_t len, bool udp)
{
	const uint8_t *t;
	uint32_t doff;
	uint8_t flags;

	memset(p, 0, sizeof(*p));
	p->data = data;
	p->len = len;
	p->kind = OTHER;
	if (len < IPV4_HLEN)
		return;
	if (data[0] >> 4 == 4) {
		uint32_t ihl = (uint32_t)(data[0] & 0x0f) * 4;

		if (ihl < IPV4_HLEN || ihl > len || get_be16(data + 2) != len ||
		    (get_be16(data + 6) & IPV4_MF_OFFSET_MASK))
			return;
		p->iph_len = ihl;
		p->proto = data[9];
		memcpy(p->key.addrs, data + 12, 8);
	} else if (data[0] >> 4 == 6) {
		if (len < IPV6_HLEN || get_be16(data + 4) != len - IPV6_HLEN)
			return;
		p->iph_len = ipv6_transport(data, len, &p->proto);
		if (!p->iph_len)
			return;
		p->ipv6 = true;
		memcpy(p->key.addrs, data + 8, 32);
	} else {
		return;
	}
	if (p->proto == IPPROTO_TCP)
		p->hdr_len = p->iph_len + TCP_HLEN;
	else if (p->proto == IPPROTO_UDP)
		p->hdr_len = p->iph_len + UDP_HLEN;
	else
		return;
	if (p->hdr_len > len)
		return;
	t = data + p->iph_len;
	memcpy(p->key.ports, t, 4);
	p->key.version = data[0] >> 4;
	p->key.proto = p->proto;
	p->kind = FLOW;

	if (p->ipv6) {
		if (p->iph_len != IPV6_HLEN)
			return;
	} else if (p->iph_len != IPV4_HLEN ||
		   csum_fold(csum_partial(data, p->iph_len, 0)) != 0xffff) {
		return;
	}
	if (p->proto == IPPROTO_TCP) {
		doff = (uint32_t)(t[12] >> 4) * 4;
		if (doff < TCP_HLEN || doff > len - p->iph_len)
			return;
		p->hdr_len = p->iph_len + doff;
		/* Pure data: SYN, FIN, RST, URG, ECE and CWR all go alone. */
		flags = t[13];
		if (flags != TCP_FLAG_ACK && flags != (TCP_FLAG_ACK | TCP_FLAG_PSH))
			return;
		p->psh = flags & TCP_FLAG_PSH;
		p->seq = get_be32(t + 4);
	} else {
		/*
		 * A zero checksum (IPv4's "none") has nothing to verify and
		 * could not be told apart after merging: keep it alone.
		 */
		if (!udp || get_be16(t + 4) != len - p->iph_len ||
		    get_be16(t + UDP_CSUM_OFFSET) == 0)
			return;
	}
	p->payload = len - p->hdr_len;
	if (p->payload)
		p->kind = CANDIDATE;
}

/* The IP fields Linux's inet_gro_receive / ipv6_gro_receive compare. */
static bool ip_fields_match(const struct group *g, const struct pkt_info *p)
{
	const uint8_t *a = g->first, *b = p->data;

	if (g->ipv6)
		/* version, traffic class, flow label; hop limit */
		return !memcmp(a, b, 4) && a[7] == b[7];
	/* TOS, DF and the reserved bit, TTL */
	if (a[1] != b[1] || (a[6] & 0xe0) != (b[6] & 0xe0) || a[8] != b[8])
		return false;
	/*
	 * Without DF the ids must count up from the first, so that
	 * re-segmenting (first id + index) gives back the same packets; with
	 * DF the id carries nothing (RFC 6864) and is not compared.
	 */
	return (get_be16(a + 6) & IPV4_DF) || get_be16(b + 4) == g->next_id;
}

static bool can_join(struct group *g, const struct pkt_info *p)
{
	const uint8_t *a = g->first, *b = p->data;

	if (p->payload > g->gso_size || p->hdr_len != g->hdr_len ||
	    g->total + p->payload > GRO_MAX_LEN || !ip_fields_match(g, p))
		return false;
	if (g->proto == IPPROTO_TCP) {
		const uint8_t *ta = a + g->iph_len, *tb = b + p->iph_len;

		/* same ack, data offset and reserved bits, and options */
		if (p->seq != g->next_seq || memcmp(ta + 8, tb + 8, 5) ||
		    memcmp(ta + TCP_HLEN, tb + TCP_HLEN, g->hdr_len - g->iph_len - TCP_HLEN))
			return false;
	}
	return true;
}

/* Writes the super-packet's headers into its first packet and hdr. */
static void finish(struct group *g)
{
	struct gro_write *w = g->w;
	uint8_t *ip = g->first, *t = ip + g->iph_len;
	uint32_t tlen = g->total - g->iph_len;
	uint16_t csum_offset;
	uint8_t gso_type;

	if (w->segs < 2)
		return; /* alone: as read, marked DATA_VALID */
	if (g->ipv6) {
		put_be16(ip + 4, (uint16_t)tlen);
	} else {
		put_be16(ip + 2, (uint16_t)g->total);
		csum_ipv4_header(ip);
	}
	if (g->proto == IPPROTO_TCP) {
		if (g->psh)
			t[13] |= TCP_FLAG_PSH;
		gso_type = g->ipv6 ? VIRTIO_NET_HDR_GSO_TCPV6 :
				     VIRTIO_NET_HDR_GSO_TCPV4;
		csum_offset = TCP_CSUM_OFFSET;
	} else {
		put_be16(t + 4, (uint16_t)tlen);
		gso_type = VIRTIO_NET_HDR_GSO_UDP_L4;
		csum_offset = UDP_CSUM_OFFSET;
	}
	/*
	 * CHECKSUM_PARTIAL: the field holds the pseudo-header sum, not
	 * complemented, and the kernel sums from csum_start on top of it.
	 */
	put_be16(t + csum_offset, csum_fold(csum_pseudo(ip, g->proto, tlen)));
	w->hdr.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	w->hdr.gso_type = gso_type;
	w->hdr.hdr_len = htole16((uint16_t)g->hdr_len);
	w->hdr.gso_size = htole16((uint16_t)g->gso_size);
	w->hdr.csum_start = htole16((uint16_t)g->iph_len);
	w->hdr.csum_offset = htole16(csum_offset);
}

struct table {
	struct group open[MAX_OPEN];
	unsigned int n;
};

static struct group *lookup(struct table *tab, const struct flow_key *key)
{
	for (unsigned int i = 0; i < tab->n; ++i)
		if (!memcmp(&tab->open[i].key, key, sizeof(*key)))
			return &tab->open[i];
	return NULL;
}

/* Finishes g and drops it from the table, keeping the rest in age order. */
static void close_group(struct table *tab, struct group *g)
{
	unsigned int i = (unsigned int)(g - tab->open);

	finish(g);
	memmove(g, g + 1, (tab->n - i - 1) * sizeof(*g));
	--tab->n;
}

static void open_group(struct table *tab, const struct pkt_info *p,
		       struct gro_write *w)
{
	struct group *g;

	if (tab->n == MAX_OPEN)
		close_group(tab, &tab->open[0]);
	g = &tab->open[tab->n++];
	g->key = p->key;
	g->w = w;
	g->first = p->data;
	g->iph_len = p->iph_len;
	g->hdr_len = p->hdr_len;
	g->gso_size = p->payload;
	g->total = p->len;
	g->next_seq = p->seq + p->payload;
	g->next_id = p->ipv6 ? 0 : (uint16_t)(get_be16(p->data + 4) + 1);
	g->psh = false;
	g->ipv6 = p->ipv6;
	g->proto = p->proto;
}

/* Appends p to g if it may join. */
static bool join(struct group *g, const struct pkt_info *p)
{
	struct gro_write *w = g->w;

	if (!can_join(g, p))
		return false;
	w->iov[w->iovcnt].iov_base = p->data + p->hdr_len;
	w->iov[w->iovcnt].iov_len = p->payload;
	++w->iovcnt;
	++w->segs;
	g->total += p->payload;
	g->next_seq += p->payload;
	++g->next_id;
	g->psh = p->psh;
	return true;
}

/* Whether nothing more may follow the packet just appended. */
static bool ends_group(const struct group *g, const struct pkt_info *p)
{
	return p->psh || p->payload < g->gso_size || g->w->segs == GRO_MAX_SEGS ||
	       (g->proto == IPPROTO_UDP && g->w->segs == GRO_MAX_UDP_SEGS);
}

unsigned int gro_coalesce(struct gro_packet *pkts, unsigned int n, bool udp,
			  struct gro_write *out)
{
	struct table tab = { .n = 0 };
	unsigned int nw = 0;

	for (unsigned int i = 0; i < n; ++i) {
		struct pkt_info p;
		struct group *g = NULL;
		struct gro_write *w;

		parse(&p, pkts[i].data, pkts[i].len, udp);
		if (p.kind != OTHER)
			g = lookup(&tab, &p.key);
		if (g && p.kind == CANDIDATE && join(g, &p)) {
			if (ends_group(g, &p))
				close_group(&tab, g);
			continue;
		}
		if (g)
			close_group(&tab, g);

		w = &out[nw++];
		memset(&w->hdr, 0, sizeof(w->hdr));
		w->hdr.flags = VIRTIO_NET_HDR_F_DATA_VALID;
		w->iov[0].iov_base = &w->hdr;
		w->iov[0].iov_len = VNET_HDR_LEN;
		w->iov[1].iov_base = p.data;
		w->iov[1].iov_len = p.len;
		w->iovcnt = 2;
		w->segs = 1;
		/* A PSH segment ends its group as soon as it leads one. */
		if (p.kind == CANDIDATE && !p.psh &&
		    p.len < GRO_MAX_LEN)
			open_group(&tab, &p, w);
	}
	while (tab.n)
		close_group(&tab, &tab.open[0]);
	return nw;
}
