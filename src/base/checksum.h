/* SPDX-License-Identifier: MIT */
/*
 * The Internet checksum (RFC 1071) and the IPv4/IPv6 pseudo-header sums
 * TCP and UDP need, for segmenting and coalescing packets in user space.
 *
 * Byte order: a running sum (uint64_t) is the one's complement sum of the
 * data's 16-bit words as the CPU loads them from memory ("memory order"),
 * with carries kept in the upper bits; it is only meaningful to the
 * functions here. csum_fold() turns it into a host-order number whose
 * value is the RFC 1071 sum of the big-endian words, so a checksum field
 * is stored with htons(~csum_fold(sum)) (or htons(csum_fold(sum)) for the
 * uncomplemented pseudo-header sum CHECKSUM_PARTIAL wants), and data that
 * holds a correct checksum folds to 0xffff.
 */
#ifndef CVPC_BASE_CHECKSUM_H
#define CVPC_BASE_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>

/*
 * Adds len bytes at data (any alignment) to the running sum. A range may
 * be summed in pieces, each starting at an even offset of the range, so
 * only the last piece may have an odd length: its odd byte counts as the
 * high byte of a word padded with zero.
 */
uint64_t csum_partial(const void *data, size_t len, uint64_t sum);
/* Folds a running sum to 16 bits, not complemented, in host order. */
uint16_t csum_fold(uint64_t sum);

/*
 * The running sum of the pseudo-header for a transport segment of len
 * bytes with protocol proto, from the addresses of the IP header at ip:
 * IPv6 if its first nibble says 6, IPv4 otherwise (the caller has
 * checked which). It reads 20 bytes of an IPv4 header, 40 of an IPv6.
 */
uint64_t csum_pseudo(const uint8_t *ip, uint8_t proto, uint32_t len);

/*
 * Recomputes and stores (network order) the checksum of the IPv4 header
 * at ip, over the length its IHL gives, which the caller has checked.
 */
void csum_ipv4_header(uint8_t *ip);

#endif
