// SPDX-License-Identifier: MIT
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/ipam.h"
#include "crypto/util.h"

bool ipam_pool_parse(struct ipam_pool *pool, const char *cidr, char *err,
		     size_t errlen)
{
	char addr[INET_ADDRSTRLEN];
	const char *slash = strchr(cidr, '/');
	struct in_addr in;
	char *end;
	long len;

	if (!slash || (size_t)(slash - cidr) >= sizeof(addr))
		goto bad;
	memcpy(addr, cidr, (size_t)(slash - cidr));
	addr[slash - cidr] = '\0';
	len = strtol(slash + 1, &end, 10);
	if (inet_pton(AF_INET, addr, &in) != 1 || *end || end == slash + 1 ||
	    len < 8 || len > 30)
		goto bad;
	pool->base = ntohl(in.s_addr);
	pool->prefix_len = (unsigned int)len;
	if (pool->base & (0xffffffffu >> len)) {
		snprintf(err, errlen, "`%s' has host bits set", cidr);
		return false;
	}
	return true;
bad:
	snprintf(err, errlen,
		 "`%s' is not an IPv4 prefix between /8 and /30", cidr);
	return false;
}

uint64_t ipam_pool_hosts(const struct ipam_pool *pool)
{
	return (1ull << (32 - pool->prefix_len)) - 2;
}

void ipam_ula_format(const struct ipam_pool *pool, char out[static 16])
{
	snprintf(out, 16, "%02x%02x:%02x%02x:%02x%02x", pool->ula[0],
		 pool->ula[1], pool->ula[2], pool->ula[3], pool->ula[4],
		 pool->ula[5]);
}

bool ipam_ula_parse(struct ipam_pool *pool, const char *text)
{
	unsigned int a, b, c;
	char tail;

	if (strlen(text) != 14 ||
	    sscanf(text, "%4x:%4x:%4x%c", &a, &b, &c, &tail) != 3 ||
	    (a >> 8) != 0xfd)
		return false;
	pool->ula[0] = (uint8_t)(a >> 8);
	pool->ula[1] = (uint8_t)a;
	pool->ula[2] = (uint8_t)(b >> 8);
	pool->ula[3] = (uint8_t)b;
	pool->ula[4] = (uint8_t)(c >> 8);
	pool->ula[5] = (uint8_t)c;
	return true;
}

void ipam_ula_generate(struct ipam_pool *pool)
{
	pool->ula[0] = 0xfd;
	random_fill(pool->ula + 1, 5);
}

void ipam_addr4(const struct ipam_pool *pool, uint64_t index,
		char out[static INET_ADDRSTRLEN])
{
	struct in_addr in = { htonl(pool->base + (uint32_t)index) };

	inet_ntop(AF_INET, &in, out, INET_ADDRSTRLEN);
}

void ipam_addr6(const struct ipam_pool *pool, uint64_t index,
		char out[static INET6_ADDRSTRLEN])
{
	uint32_t v4 = htonl(pool->base + (uint32_t)index);
	struct in6_addr in6 = { 0 };

	memcpy(in6.s6_addr, pool->ula, sizeof(pool->ula));
	memcpy(in6.s6_addr + 12, &v4, 4);
	inet_ntop(AF_INET6, &in6, out, INET6_ADDRSTRLEN);
}

void ipam_pool_format(const struct ipam_pool *pool, char out[static 32])
{
	char addr[INET_ADDRSTRLEN];

	ipam_addr4(pool, 0, addr);
	snprintf(out, 32, "%s/%u", addr, pool->prefix_len);
}

void ipam_ula_cidr(const struct ipam_pool *pool, char out[static 32])
{
	char ula[16];

	ipam_ula_format(pool, ula);
	snprintf(out, 32, "%s::/48", ula);
}
