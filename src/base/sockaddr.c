// SPDX-License-Identifier: MIT
/*
 * Socket-address literals. The accepted forms are those of Go's
 * netip.ParseAddrPort, which wireguard-go uses for "endpoint=": an IPv4
 * literal, or an IPv6 literal (optionally with a %zone) in brackets, then
 * ":port". Hostnames are never resolved: the UAPI runs with privileges and
 * a lookup would block the control socket on the network.
 */
#include "base/sockaddr.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* inet_pton and these helpers are locale-free; isdigit() is not. */
static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Digits only (no sign, no spaces, not empty), value <= max <= UINT32_MAX. */
static bool parse_dec(const char *s, uint32_t max, uint32_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (!is_digit(*s))
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > max)
			return false;
	}
	*out = (uint32_t)v;
	return true;
}

static bool parse_port(const char *s, in_port_t *port)
{
	uint32_t v;

	if (!parse_dec(s, 65535, &v))
		return false;
	*port = htons((uint16_t)v);
	return true;
}

/*
 * Interface name first, then a number: glibc's getaddrinfo resolves a
 * scope the same way, so an interface literally named "3" wins over index 3.
 */
static bool parse_scope(const char *scope, uint32_t *id)
{
	unsigned int idx;

	if (!*scope || strlen(scope) >= IF_NAMESIZE)
		return false;
	idx = if_nametoindex(scope);
	if (idx) {
		*id = idx;
		return true;
	}
	return parse_dec(scope, UINT32_MAX, id);
}

static bool parse_in4(struct sockaddr_in *in, const char *text)
{
	char host[INET_ADDRSTRLEN];
	const char *colon = strchr(text, ':');
	size_t len;

	/* No colon: no port. Empty host or a colon inside: not IPv4. */
	if (!colon)
		return false;
	len = (size_t)(colon - text);
	if (!len || len >= sizeof(host))
		return false;
	memcpy(host, text, len);
	host[len] = '\0';
	in->sin_family = AF_INET;
	return inet_pton(AF_INET, host, &in->sin_addr) == 1 &&
	       parse_port(colon + 1, &in->sin_port);
}

/* text points just past the '['. */
static bool parse_in6(struct sockaddr_in6 *in6, const char *text)
{
	char host[INET6_ADDRSTRLEN + IF_NAMESIZE];
	const char *close = strchr(text, ']');
	char *zone;
	size_t len;

	if (!close || close[1] != ':')
		return false;
	len = (size_t)(close - text);
	if (!len || len >= sizeof(host))
		return false;
	memcpy(host, text, len);
	host[len] = '\0';
	zone = strchr(host, '%');
	if (zone)
		*zone++ = '\0';
	in6->sin6_family = AF_INET6;
	/* Brackets around an IPv4 literal fail here, as in netip. */
	if (inet_pton(AF_INET6, host, &in6->sin6_addr) != 1)
		return false;
	if (!parse_port(close + 2, &in6->sin6_port))
		return false;
	/* Last, because looking a name up costs a socket and an ioctl. */
	return !zone || parse_scope(zone, &in6->sin6_scope_id);
}

bool sockaddr_parse(union sockaddr_inet *out, const char *text)
{
	union sockaddr_inet a;
	bool ok;

	if (!text)
		return false;
	/* out is left untouched on failure: callers may parse over a live value. */
	memset(&a, 0, sizeof(a));
	if (text[0] == '[')
		ok = parse_in6(&a.in6, text + 1);
	else
		ok = parse_in4(&a.in, text);
	if (ok)
		*out = a;
	return ok;
}

static void format_in6(char *out, size_t out_len, const struct sockaddr_in6 *in6)
{
	char ip[INET6_ADDRSTRLEN], scope[IF_NAMESIZE + 1] = "";
	char name[IF_NAMESIZE];

	if (!inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof(ip))) {
		snprintf(out, out_len, "(invalid)");
		return;
	}
	/* The name is what a user passed in; the number outlives the link. */
	if (in6->sin6_scope_id) {
		if (if_indextoname(in6->sin6_scope_id, name))
			snprintf(scope, sizeof(scope), "%%%s", name);
		else
			snprintf(scope, sizeof(scope), "%%%u",
				 (unsigned int)in6->sin6_scope_id);
	}
	snprintf(out, out_len, "[%s%s]:%u", ip, scope, ntohs(in6->sin6_port));
}

void sockaddr_format(char *out, size_t out_len, const union sockaddr_inet *a)
{
	char ip[INET_ADDRSTRLEN];

	switch (a->sa.sa_family) {
	case AF_INET:
		if (!inet_ntop(AF_INET, &a->in.sin_addr, ip, sizeof(ip))) {
			snprintf(out, out_len, "(invalid)");
			return;
		}
		snprintf(out, out_len, "%s:%u", ip, ntohs(a->in.sin_port));
		break;
	case AF_INET6:
		format_in6(out, out_len, &a->in6);
		break;
	case 0:
		snprintf(out, out_len, "(none)");
		break;
	default:
		/* Never produced by sockaddr_parse; don't pretend it is unset. */
		snprintf(out, out_len, "(unknown)");
		break;
	}
}

bool sockaddr_equal(const union sockaddr_inet *a, const union sockaddr_inet *b)
{
	if (a->sa.sa_family != b->sa.sa_family)
		return false;
	switch (a->sa.sa_family) {
	case AF_INET:
		return a->in.sin_port == b->in.sin_port &&
		       a->in.sin_addr.s_addr == b->in.sin_addr.s_addr;
	case AF_INET6:
		return a->in6.sin6_port == b->in6.sin6_port &&
		       a->in6.sin6_scope_id == b->in6.sin6_scope_id &&
		       !memcmp(&a->in6.sin6_addr, &b->in6.sin6_addr,
			       sizeof(a->in6.sin6_addr));
	case 0:
		/* Two unset endpoints: "no change" compares equal to itself. */
		return true;
	default:
		return false;
	}
}

socklen_t sockaddr_len(const union sockaddr_inet *a)
{
	switch (a->sa.sa_family) {
	case AF_INET:
		return sizeof(a->in);
	case AF_INET6:
		return sizeof(a->in6);
	default:
		return 0;
	}
}
