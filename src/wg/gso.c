// SPDX-License-Identifier: MIT
/*
 * Segmentation of what the TUN device hands us, the way Linux's software
 * GSO (inet_gso_segment / ipv6_gso_segment with tcp_gso_segment or
 * __udp_gso_segment) would have done it had the packet gone out of a
 * device without TSO/USO: every segment carries a copy of the super-
 * packet's IP and transport headers with the per-segment fields fixed up
 * and both checksums complete.
 *
 * The header and the packet come from the local kernel, but nothing here
 * relies on that: every offset is checked against the packet before use,
 * and a header that does not describe the packet it came with is refused
 * rather than guessed at. Only the virtio header's hdr_len is a hint (the
 * kernel fills it with the skb's linear length, which may be more or less
 * than the headers): the real header length is read from the packet.
 */
#include <endian.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "base/bytes.h"
#include "base/checksum.h"
#include "wg/inet_hdr.h"
#include "wg/offload.h"

/*
 * The offset of the transport header of a whole (unfragmented) IPv4 or
 * IPv6 packet whose protocol must be proto, or 0. IPv6 may carry hop-by-
 * hop and destination options before it, which segmentation copies like
 * the rest of the header; a routing header is refused, because the
 * pseudo-header would then need the final destination from inside it,
 * and a fragment header because a fragment is not a segment.
 */
static size_t transport_offset(const uint8_t *pkt, size_t len, bool ipv6,
			       uint8_t proto)
{
	size_t off;
	uint8_t next;

	if (!ipv6) {
		if (len < IPV4_HLEN || pkt[0] >> 4 != 4)
			return 0;
		off = (size_t)(pkt[0] & 0x0f) * 4;
		if (off < IPV4_HLEN || off > len || get_be16(pkt + 2) != len ||
		    (get_be16(pkt + 6) & IPV4_MF_OFFSET_MASK) || pkt[9] != proto)
			return 0;
		return off;
	}
	/* A jumbogram's zero payload length fails this too. */
	if (len < IPV6_HLEN || pkt[0] >> 4 != 6 ||
	    get_be16(pkt + 4) != len - IPV6_HLEN)
		return 0;
	next = pkt[6];
	off = IPV6_HLEN;
	while (next == IPV6_NEXTHDR_HOP || next == IPV6_NEXTHDR_DEST) {
		if (len - off < 8)
			return 0;
		next = pkt[off];
		off += ((size_t)pkt[off + 1] + 1) * 8;
		if (off > len)
			return 0;
	}
	return next == proto ? off : 0;
}

/* Checks a TSO/USO super-packet and finds its real header length. */
static int init_gso(struct gso_iter *it)
{
	const struct virtio_net_hdr *h = &it->hdr;
	const uint8_t *pkt = it->pkt;
	size_t len = it->len, th;
	uint16_t csum_offset;

	switch (h->gso_type & ~VIRTIO_NET_HDR_GSO_ECN) {
	case VIRTIO_NET_HDR_GSO_TCPV4:
		it->proto = IPPROTO_TCP;
		it->ipv6 = false;
		csum_offset = TCP_CSUM_OFFSET;
		break;
	case VIRTIO_NET_HDR_GSO_TCPV6:
		it->proto = IPPROTO_TCP;
		it->ipv6 = true;
		csum_offset = TCP_CSUM_OFFSET;
		break;
	case VIRTIO_NET_HDR_GSO_UDP_L4:
		/* ECN marks TCP's CWR handling; UDP has nothing to say. */
		if (h->gso_type & VIRTIO_NET_HDR_GSO_ECN)
			return -EINVAL;
		it->proto = IPPROTO_UDP;
		it->ipv6 = pkt[0] >> 4 == 6;
		csum_offset = UDP_CSUM_OFFSET;
		break;
	default:
		return -EINVAL;
	}
	/*
	 * A super-packet always leaves its checksum to us (the kernel
	 * never builds a GSO skb without CHECKSUM_PARTIAL), and there must
	 * be a size to cut it at.
	 */
	if (!(h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) || !h->gso_size)
		return -EINVAL;

	th = transport_offset(pkt, len, it->ipv6, it->proto);
	if (!th || h->csum_start != th || h->csum_offset != csum_offset)
		return -EINVAL;
	if (it->proto == IPPROTO_TCP) {
		size_t doff;

		if (len - th < TCP_HLEN)
			return -EINVAL;
		doff = (size_t)(pkt[th + 12] >> 4) * 4;
		if (doff < TCP_HLEN || doff > len - th)
			return -EINVAL;
		it->hdr_len = th + doff;
	} else {
		if (len - th < UDP_HLEN)
			return -EINVAL;
		it->hdr_len = th + UDP_HLEN;
	}
	return 0;
}

int gso_iter_init(struct gso_iter *it, const uint8_t *buf, size_t len)
{
	struct virtio_net_hdr raw;
	int ret;

	memset(it, 0, sizeof(*it));
	if (len <= VNET_HDR_LEN)
		return -EINVAL;
	memcpy(&raw, buf, VNET_HDR_LEN);
	it->hdr.flags = raw.flags;
	it->hdr.gso_type = raw.gso_type;
	it->hdr.hdr_len = le16toh(raw.hdr_len);
	it->hdr.gso_size = le16toh(raw.gso_size);
	it->hdr.csum_start = le16toh(raw.csum_start);
	it->hdr.csum_offset = le16toh(raw.csum_offset);
	it->pkt = buf + VNET_HDR_LEN;
	it->len = len - VNET_HDR_LEN;

	/* DATA_VALID is how the kernel says "checksum already verified". */
	if ((it->hdr.flags & ~(VIRTIO_NET_HDR_F_NEEDS_CSUM |
			       VIRTIO_NET_HDR_F_DATA_VALID)) ||
	    it->hdr.hdr_len > it->len) {
		ret = -EINVAL;
		goto out;
	}
	if (it->hdr.gso_type != VIRTIO_NET_HDR_GSO_NONE) {
		ret = init_gso(it);
		goto out;
	}
	ret = 0;
	/*
	 * The 16-bit field must lie inside the summed range and on a word
	 * boundary of it, or storing the sum there would not make the range
	 * sum to zero.
	 */
	if ((it->hdr.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) &&
	    (it->hdr.csum_start >= it->len || (it->hdr.csum_offset & 1) ||
	     (size_t)it->hdr.csum_offset + 2 > it->len - it->hdr.csum_start))
		ret = -EINVAL;
out:
	if (ret < 0)
		memset(it, 0, sizeof(*it));
	return ret;
}

uint32_t gso_iter_remaining(const struct gso_iter *it)
{
	size_t payload;

	if (!it->pkt)
		return 0;
	if (it->hdr.gso_type == VIRTIO_NET_HDR_GSO_NONE)
		return it->index == 0;
	/* A super-packet no longer than one segment is still one. */
	payload = it->len - it->hdr_len;
	if (it->offset >= payload)
		return it->index == 0;
	return (uint32_t)((payload - it->offset + it->hdr.gso_size - 1) /
			  it->hdr.gso_size);
}

/* Completes the checksum the kernel left partial, as skb_checksum_help. */
static int next_single(struct gso_iter *it, uint8_t *out, size_t out_cap)
{
	size_t start = it->hdr.csum_start, at;
	uint16_t check;

	if (it->len > out_cap)
		return -ENOSPC;
	memcpy(out, it->pkt, it->len);
	it->index = 1;
	if (!(it->hdr.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM))
		return (int)it->len;
	/*
	 * The field holds the pseudo-header sum, so summing over it gives
	 * the whole checksum. A result of 0 goes out as 0xffff, which means
	 * the same to TCP and is the only way UDP can say it.
	 */
	at = start + it->hdr.csum_offset;
	check = (uint16_t)~csum_fold(csum_partial(out + start, it->len - start, 0));
	put_be16(out + at, check ? check : 0xffff);
	return (int)it->len;
}

int gso_iter_next(struct gso_iter *it, uint8_t *out, size_t out_cap)
{
	size_t th, seg_len, payload, tlen;
	bool first, last;
	uint16_t check;

	if (!gso_iter_remaining(it))
		return 0;
	if (it->hdr.gso_type == VIRTIO_NET_HDR_GSO_NONE)
		return next_single(it, out, out_cap);

	th = it->hdr.csum_start;
	payload = it->len - it->hdr_len - it->offset;
	if (payload > it->hdr.gso_size)
		payload = it->hdr.gso_size;
	seg_len = it->hdr_len + payload;
	if (seg_len > out_cap)
		return -ENOSPC;
	first = it->index == 0;
	last = it->offset + payload == it->len - it->hdr_len;
	tlen = seg_len - th;

	memcpy(out, it->pkt, it->hdr_len);
	memcpy(out + it->hdr_len, it->pkt + it->hdr_len + it->offset, payload);

	if (!it->ipv6) {
		/* seg_len <= len, which the header's total length bounds. */
		put_be16(out + 2, (uint16_t)seg_len);
		put_be16(out + 4, (uint16_t)(get_be16(it->pkt + 4) + it->index));
		csum_ipv4_header(out);
	} else {
		put_be16(out + 4, (uint16_t)(seg_len - IPV6_HLEN));
	}

	if (it->proto == IPPROTO_TCP) {
		put_be32(out + th + 4, get_be32(it->pkt + th + 4) + (uint32_t)it->offset);
		if (!last)
			out[th + 13] &= (uint8_t)~(TCP_FLAG_FIN | TCP_FLAG_PSH);
		/* Congestion window reduced once, by the first segment. */
		if (!first)
			out[th + 13] &= (uint8_t)~TCP_FLAG_CWR;
		put_be16(out + th + TCP_CSUM_OFFSET, 0);
	} else {
		put_be16(out + th + 4, (uint16_t)tlen);
		put_be16(out + th + UDP_CSUM_OFFSET, 0);
	}
	check = (uint16_t)~csum_fold(csum_partial(out + th, tlen,
					csum_pseudo(out, it->proto, (uint32_t)tlen)));
	if (it->proto == IPPROTO_UDP && !check)
		check = 0xffff;
	put_be16(out + th + it->hdr.csum_offset, check);

	it->offset += payload;
	++it->index;
	return (int)seg_len;
}
