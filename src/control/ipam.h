/* SPDX-License-Identifier: MIT */
/*
 * Overlay addresses. A node's address is known by its host index in the
 * IPv4 pool (100.128.0.0/10 by default); its IPv6 address is the VPC's
 * random ULA /48 (RFC 4193) with the IPv4 address in the low 32 bits, so
 * the two are unique together.
 */
#ifndef CVPC_CONTROL_IPAM_H
#define CVPC_CONTROL_IPAM_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ipam_pool {
	uint32_t base; /* host order, network address */
	unsigned int prefix_len;
	uint8_t ula[6]; /* the /48 */
};

/* "100.128.0.0/10"; prefix 8..30, host bits zero. false + err if not. */
bool ipam_pool_parse(struct ipam_pool *pool, const char *cidr, char *err,
		     size_t errlen);
/* Host indexes run 1..ipam_pool_hosts(): network and broadcast excluded. */
uint64_t ipam_pool_hosts(const struct ipam_pool *pool);
/* The ULA prefix as "fdxx:xxxx:xxxx", and back. */
void ipam_ula_format(const struct ipam_pool *pool, char out[static 16]);
bool ipam_ula_parse(struct ipam_pool *pool, const char *text);
/* A fresh random ULA prefix. */
void ipam_ula_generate(struct ipam_pool *pool);
void ipam_addr4(const struct ipam_pool *pool, uint64_t index,
		char out[static INET_ADDRSTRLEN]);
void ipam_addr6(const struct ipam_pool *pool, uint64_t index,
		char out[static INET6_ADDRSTRLEN]);
/* The pool as CIDR text and the ULA as "fdxx:xxxx:xxxx::/48". */
void ipam_pool_format(const struct ipam_pool *pool, char out[static 32]);
void ipam_ula_cidr(const struct ipam_pool *pool, char out[static 32]);

#endif
