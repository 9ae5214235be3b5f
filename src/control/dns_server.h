/* SPDX-License-Identifier: MIT */
/*
 * MagicDNS: the server's DNS service over UDP and TCP on one address.
 * Names in the zone ("web1.dstack.internal", a node; "db.dstack.internal",
 * every node of a type) are answered from the caller's table through a
 * lookup callback; other names are forwarded to an upstream resolver, or
 * refused when there is none. Everything runs on the caller's libevent
 * loop, one callback at a time.
 */
#ifndef CVPC_CONTROL_DNS_SERVER_H
#define CVPC_CONTROL_DNS_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "control/dns_msg.h"

struct event_base;
struct dns_server;

enum {
	DNS_SERVER_TTL = 60,
	DNS_SERVER_FORWARD_TIMEOUT_MS = 2000,
	/* Answers one name may have: a type with more nodes is cut here. */
	DNS_SERVER_MAX_ANSWERS = 128,
};

#define DNS_SERVER_ZONE "dstack.internal"

struct dns_server_config {
	/* "IP:port" or "[IPv6]:port"; port 0 picks a free one, the same for
	 * UDP and TCP (dns_server_port says which). IPv6 is IPv6 only. A
	 * wildcard address works, but UDP replies then leave from whichever
	 * local address the kernel picks: bind the overlay address. */
	const char *listen;
	const char *zone;     /* NULL: DNS_SERVER_ZONE; any case, "." ends ok */
	const char *upstream; /* "IP:port" for other names; NULL: refuse them */
	uint32_t ttl;	      /* of every answer; 0: DNS_SERVER_TTL */
	uint32_t serial;      /* of the zone's SOA */
	unsigned int forward_timeout_ms; /* 0: DNS_SERVER_FORWARD_TIMEOUT_MS */
};

/*
 * Fills out[0..max) with name's records of type qtype and sets *n. name is
 * lowercase and relative to the zone ("web1", "a.web1"), never the apex,
 * which the server answers itself; qtype is what the client asked (for
 * ANY the callback is asked for A, then for AAAA). Only records of type
 * qtype are used, and their ttl is set from the configuration.
 *
 * Returns 1 if the name exists, even with no record of that type (the
 * reply is then NOERROR with no answer), 0 if it does not (NXDOMAIN), or
 * a negative value on failure (SERVFAIL). Runs on the loop: must not block.
 */
typedef int (*dns_lookup_fn)(void *ctx, const char *name, uint16_t qtype,
			     struct dns_answer *out, size_t max, size_t *n);

struct dns_server_stats {
	uint64_t queries;	   /* messages received from clients */
	uint64_t answered;	   /* NOERROR replies from the zone */
	uint64_t nxdomain, refused, formerr, notimp, servfail;
	uint64_t forwarded;	   /* queries relayed upstream */
	uint64_t forward_timeouts; /* of those, answered SERVFAIL by us */
	uint64_t dropped;	   /* unanswerable, or the reply was lost */
	uint64_t tcp_rejected;	   /* connections over the client cap */
};

/*
 * Binds the sockets and starts serving on base. On failure returns NULL
 * and writes why into err.
 */
struct dns_server *dns_server_new(struct event_base *base,
				  const struct dns_server_config *cfg,
				  dns_lookup_fn lookup, void *ctx, char *err,
				  size_t errlen);
/* Closes every socket; pending forwards are dropped unanswered. */
void dns_server_free(struct dns_server *srv);

uint16_t dns_server_port(const struct dns_server *srv);
/* Should be called after the zone's content changed, so the SOA serial
 * tells the versions apart (dig, monitoring). */
void dns_server_set_serial(struct dns_server *srv, uint32_t serial);
const struct dns_server_stats *dns_server_stats(const struct dns_server *srv);

#endif
