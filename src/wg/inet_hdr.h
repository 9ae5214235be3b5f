/* SPDX-License-Identifier: MIT */
/*
 * The IPv4, IPv6, TCP and UDP header layout that segmentation (gso.c)
 * and coalescing (gro.c) read and rewrite; private to the offloads.
 */
#ifndef CVPC_WG_INET_HDR_H
#define CVPC_WG_INET_HDR_H

enum inet_hdr {
	IPV4_HLEN = 20, /* without options */
	IPV6_HLEN = 40,
	TCP_HLEN = 20,  /* without options */
	UDP_HLEN = 8,
	TCP_CSUM_OFFSET = 16,
	UDP_CSUM_OFFSET = 6,
	TCP_FLAG_FIN = 0x01,
	TCP_FLAG_PSH = 0x08,
	TCP_FLAG_ACK = 0x10,
	TCP_FLAG_CWR = 0x80,
	IPV4_DF = 0x4000,
	IPV4_MF_OFFSET_MASK = 0x3fff, /* MF and the fragment offset */
	IPV6_NEXTHDR_HOP = 0,
	IPV6_NEXTHDR_ROUTING = 43,
	IPV6_NEXTHDR_DEST = 60,
};

#endif
