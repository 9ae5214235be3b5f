/* SPDX-License-Identifier: MIT */
/*
 * Packets as a TUN device with IFF_VNET_HDR exchanges them: each carries
 * a virtio_net_hdr in front, so the kernel can hand us 64 KiB TCP (TSO)
 * and UDP (USO) super-packets with the transport checksum left to us, and
 * take back super-packets we coalesce (GRO). This module only transforms
 * buffers; it does no I/O.
 */
#ifndef CVPC_WG_OFFLOAD_H
#define CVPC_WG_OFFLOAD_H

#include <linux/virtio_net.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

/* Newer than the uapi headers of some distributions. */
#ifndef VIRTIO_NET_HDR_GSO_UDP_L4
#define VIRTIO_NET_HDR_GSO_UDP_L4 5
#endif

enum { VNET_HDR_LEN = sizeof(struct virtio_net_hdr) };

/* --- From the TUN device: segmentation (GSO) -------------------------- */

/*
 * Walks the segments of one packet read from the TUN device: a single
 * packet (possibly with its checksum still to complete) or a TSO/USO
 * super-packet. The iterator keeps pointers into pkt, which must stay
 * valid and unchanged until the walk is over.
 */
struct gso_iter {
	struct virtio_net_hdr hdr; /* host byte order, as the device gave it */
	const uint8_t *pkt;        /* the IP packet, past the virtio header */
	size_t len;                /* its length */
	size_t hdr_len;  /* IP + transport headers of every segment, read
			  * from the packet (hdr.hdr_len is only a hint) */
	size_t offset;   /* payload bytes already emitted */
	uint32_t index;  /* segments already emitted */
	uint8_t proto;   /* IPPROTO_TCP or IPPROTO_UDP for GSO */
	bool ipv6;
};

/*
 * Starts a walk over buf, len bytes as read from the TUN device (header
 * first, little-endian as a TUN device uses on little-endian hosts or
 * after TUNSETVNETLE). Returns 0, or -EINVAL when the header does not
 * describe the packet: drop it. Refused: unknown flags or gso type, an
 * hdr_len beyond the packet, a partial checksum field outside the packet
 * or at an odd offset; for TSO/USO also a missing NEEDS_CSUM, gso_size 0,
 * an IP version other than the type's, an IP length that is not the
 * packet's, a fragment, IPv4 header or TCP data offset out of bounds,
 * csum_start anywhere but the transport header (past IPv6 hop-by-hop and
 * destination options; other extension headers are refused) and
 * csum_offset anywhere but the transport checksum.
 */
int gso_iter_init(struct gso_iter *it, const uint8_t *buf, size_t len);
/*
 * Writes the next segment, with complete IP and transport checksums and
 * the headers Linux's software GSO would produce (IPv4 id incremented,
 * total/payload length, TCP sequence advanced, FIN/PSH only on the last
 * segment, CWR only on the first, UDP length, a zero UDP checksum sent as
 * 0xffff), into out. A packet that is no super-packet is one segment:
 * copied as is, its checksum completed if NEEDS_CSUM says so. A super-
 * packet without payload beyond one segment is one segment too. Returns
 * its length, 0 after the last segment, or -ENOSPC if out_cap is too
 * small (the iterator does not advance).
 */
int gso_iter_next(struct gso_iter *it, uint8_t *out, size_t out_cap);
/* Segments left, counting the next one; 0 when done. */
uint32_t gso_iter_remaining(const struct gso_iter *it);

/* --- To the TUN device: coalescing (GRO) ------------------------------ */

enum {
	GRO_MAX_SEGS = 64,          /* segments per written super-packet */
	/*
	 * UDP runs are kept short: the kernel splits a UDP super-packet again
	 * for any socket without UDP_GRO (most of them) and queues the whole
	 * run at once, and 64 datagrams (about 150 KB of buffer) overflow a
	 * default 208 KB receive buffer that still holds a backlog. With 8,
	 * iperf3's UDP goodput went from 1.0-1.9 Gbit/s, varying run to run,
	 * to a steady 1.9-2.1, the syscall saving mostly kept.
	 */
	GRO_MAX_UDP_SEGS = 8,
	GRO_MAX_LEN = 65535,        /* bytes of IP packet per write */
};

/*
 * One write to the TUN device: a virtio header and the packet's pieces.
 * iov[0] points at hdr, so a filled write must not be copied or moved.
 */
struct gro_write {
	struct virtio_net_hdr hdr; /* already in the device's byte order */
	struct iovec iov[1 + GRO_MAX_SEGS];
	unsigned int iovcnt; /* iov[0] is hdr */
	unsigned int segs;
};

struct gro_packet {
	uint8_t *data; /* inner IP packet, headers may be rewritten in place */
	uint32_t len;
};

/*
 * Groups n inner packets (in arrival order, already trimmed to their IP
 * length) into writes: consecutive TCP segments of one flow (same
 * addresses and ports, next sequence number, same ACK, flags only ACK and
 * PSH on the last, identical options, same TTL/TOS/DF...) become one
 * TCPV4/TCPV6 super-packet with NEEDS_CSUM; same-size UDP datagrams of
 * one flow become a UDP_L4 one when udp is true; anything else is written
 * alone with an all-zero header and its bytes untouched. Packets merge
 * only with checksums verified (IPv4 header and transport), and IPv4
 * packets without DF only with ids counting up. Packets of one flow stay
 * in order; writes come in the order of their first packets. The first
 * packet of a group has its IP length, IPv4 checksum, UDP length, PSH
 * and transport checksum (the pseudo-header sum) rewritten. Returns the
 * number of writes filled in out (at most n); the iovs point into pkts.
 */
unsigned int gro_coalesce(struct gro_packet *pkts, unsigned int n, bool udp,
			  struct gro_write *out);

#endif
