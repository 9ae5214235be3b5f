/* SPDX-License-Identifier: MIT */
/*
 * IPv4/IPv6 socket addresses as the data plane stores endpoints, and the
 * literal text forms the UAPI uses: "192.0.2.1:51820", "[2001:db8::1]:51820",
 * "[fe80::1%eth0]:51820". No name resolution ever happens here.
 */
#ifndef CVPC_BASE_SOCKADDR_H
#define CVPC_BASE_SOCKADDR_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

union sockaddr_inet {
	struct sockaddr sa;
	struct sockaddr_in in;
	struct sockaddr_in6 in6;
};

/*
 * The local address (and interface) a datagram arrived on, so that
 * replies leave from the same one: on a host with several addresses the
 * peer's NAT only lets back what comes from where it sent to.
 */
struct inet_src {
	union {
		struct in_addr v4;
		struct in6_addr v6;
	};
	unsigned int ifindex;
	bool set;
};

/* Longest text sockaddr_format writes, with its NUL. */
enum { SOCKADDR_STR_LEN = INET6_ADDRSTRLEN + 16 + 8 };

/*
 * Parses an IP literal with port (port 0..65535 required); a zone is an
 * interface name or index. out is written only on success.
 */
bool sockaddr_parse(union sockaddr_inet *out, const char *text);

/* Writes the UAPI form; an unset address (family 0) writes "(none)". */
void sockaddr_format(char *out, size_t out_len, const union sockaddr_inet *a);

/* Same family, address, port (and scope id for IPv6). */
bool sockaddr_equal(const union sockaddr_inet *a, const union sockaddr_inet *b);

socklen_t sockaddr_len(const union sockaddr_inet *a);

#endif
