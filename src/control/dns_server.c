// SPDX-License-Identifier: MIT
/*
 * The sockets around dns_msg.c: one UDP socket and one TCP listener on the
 * configured address, and one UDP socket connected to the upstream, so the
 * kernel drops datagrams from anyone else. A forwarded query goes out
 * under a fresh random ID and its answer is relayed only if it carries
 * that ID and the same question: a spoofer must guess both, blind.
 *
 * Every path from the network ends in a reply, a drop counted in stats,
 * or a closed connection; nothing here is logged per packet.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "base/bytes.h"
#include "base/list.h"
#include "base/sockaddr.h"
#include "control/dns_server.h"
#include "crypto/util.h"

enum {
	UDP_BATCH = 32,		/* datagrams per wakeup, then others run */
	TCP_MAX_CLIENTS = 64,
	TCP_IDLE_SEC = 10,
	TCP_QUERY_MAX = 4096,	/* a query is a name and an OPT record */
	TCP_OUT_MAX = 256 << 10, /* replies a client may leave unread */
	FORWARD_MAX = 256,	/* queries in flight upstream */
	ID_TRIES = 16,
	BIND_TRIES = 16,
	ACCEPT_PAUSE_MS = 100,
};

struct tcp_client {
	struct list_head node;
	struct dns_server *srv;
	struct bufferevent *bev;
	unsigned int forwards; /* in flight upstream for this connection */
	bool closing;	       /* the client is done: flush, then close */
};

/* A client's query waiting for the upstream's answer. */
struct forward {
	struct list_head node;
	struct dns_server *srv;
	struct event *timer;
	uint16_t id;	    /* the ID upstream sees */
	struct dns_query q; /* the client's ID and question */
	union sockaddr_inet client;
	struct tcp_client *tcp; /* NULL over UDP, or once the client left */
	bool via_tcp;
};

/* Where a reply goes: a UDP address or a TCP connection. */
struct origin {
	const union sockaddr_inet *addr;
	struct tcp_client *tcp;
};

struct dns_server {
	struct event_base *base;
	dns_lookup_fn lookup;
	void *ctx;
	char zone[DNS_NAME_MAX + 1];
	size_t zone_len;
	struct dns_soa soa;
	uint32_t ttl;
	struct timeval forward_timeout;
	uint16_t port;

	int udp_fd;
	struct event *udp_ev;
	struct evconnlistener *listener;
	struct event *accept_pause;
	struct list_head tcp_clients;
	unsigned int n_tcp;

	int up_fd; /* -1 without an upstream */
	struct event *up_ev;
	struct list_head forwards;
	unsigned int n_forwards;

	struct dns_server_stats stats;
	/* The loop runs one callback at a time, so one buffer for what came
	 * in and one for what goes out serve every socket. */
	uint8_t in[DNS_TCP_MAX], out[DNS_TCP_MAX];
};

/* ---- Replies ------------------------------------------------------------- */

static void count_rcode(struct dns_server *srv, enum dns_rcode rcode)
{
	switch (rcode) {
	case DNS_NOERROR:
		srv->stats.answered++;
		break;
	case DNS_NXDOMAIN:
		srv->stats.nxdomain++;
		break;
	case DNS_REFUSED:
		srv->stats.refused++;
		break;
	case DNS_FORMERR:
		srv->stats.formerr++;
		break;
	case DNS_NOTIMP:
		srv->stats.notimp++;
		break;
	case DNS_SERVFAIL:
		srv->stats.servfail++;
		break;
	default:
		break;
	}
}

static void tcp_maybe_close(struct tcp_client *c);

static void tcp_send(struct tcp_client *c, const uint8_t *msg, size_t len)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);
	uint8_t hdr[2];

	put_be16(hdr, (uint16_t)len);
	/* Both appends or neither, or the stream loses its framing. Out of
	 * memory, the client sees no answer and retries. */
	if (evbuffer_expand(out, 2 + len) == 0) {
		evbuffer_add(out, hdr, 2);
		evbuffer_add(out, msg, len);
	}
}

static void udp_send(struct dns_server *srv, const union sockaddr_inet *to,
		     const uint8_t *msg, size_t len)
{
	/* A full socket buffer loses the reply, as the network could. */
	if (sendto(srv->udp_fd, msg, len, MSG_DONTWAIT, &to->sa,
		   sockaddr_len(to)) < 0)
		srv->stats.dropped++;
}

static void send_reply(struct dns_server *srv, const struct dns_query *q,
		       const struct dns_reply *r, const struct origin *to)
{
	size_t len = dns_response_build(srv->out,
					to->tcp ? DNS_TCP_MAX : q->udp_size,
					q, r);

	if (!len) {
		srv->stats.dropped++;
		return;
	}
	count_rcode(srv, r->rcode);
	if (to->tcp)
		tcp_send(to->tcp, srv->out, len);
	else
		udp_send(srv, to->addr, srv->out, len);
}

/* ---- The zone ------------------------------------------------------------ */

/* Keeps the answers of type `type` that the callback gave, TTL set. */
static int lookup(struct dns_server *srv, const char *name, uint16_t type,
		  struct dns_answer *out, size_t max, size_t *n)
{
	size_t got = 0, kept = 0;
	int ret = srv->lookup(srv->ctx, name, type, out, max, &got);

	if (ret <= 0)
		return ret;
	for (size_t i = 0; i < got && i < max; i++) {
		if (out[i].type != type ||
		    (type != DNS_TYPE_A && type != DNS_TYPE_AAAA))
			continue;
		out[kept] = out[i];
		out[kept++].ttl = srv->ttl;
	}
	*n += kept;
	return 1;
}

/* The name relative to the zone in rel: "" for the apex. False: outside. */
static bool in_zone(const struct dns_server *srv, const struct dns_query *q,
		    char rel[static DNS_NAME_MAX + 1])
{
	size_t zl = srv->zone_len, nl = q->name_len;

	if (nl < zl || memcmp(q->name + nl - zl, srv->zone, zl))
		return false;
	if (nl == zl) {
		rel[0] = '\0';
		return true;
	}
	if (q->name[nl - zl - 1] != '.')
		return false;
	memcpy(rel, q->name, nl - zl - 1);
	rel[nl - zl - 1] = '\0';
	return true;
}

static void answer_zone(struct dns_server *srv, const struct dns_query *q,
			const char *rel, struct dns_reply *r,
			struct dns_answer *answers)
{
	size_t n = 0;
	int ret = 1;

	r->authoritative = true;
	r->soa = &srv->soa;
	if (q->qclass != DNS_CLASS_IN || q->qtype == DNS_TYPE_AXFR ||
	    q->qtype == DNS_TYPE_IXFR) {
		r->rcode = DNS_REFUSED;
		r->authoritative = false;
		r->soa = NULL;
		return;
	}
	if (!*rel) {
		/* The apex has its SOA and nothing else. */
		r->soa_is_answer = q->qtype == DNS_TYPE_SOA ||
				   q->qtype == DNS_TYPE_ANY;
		return;
	}
	if (q->qtype == DNS_TYPE_ANY) {
		ret = lookup(srv, rel, DNS_TYPE_A, answers,
			     DNS_SERVER_MAX_ANSWERS, &n);
		if (ret > 0)
			ret = lookup(srv, rel, DNS_TYPE_AAAA, answers + n,
				     DNS_SERVER_MAX_ANSWERS - n, &n);
	} else {
		ret = lookup(srv, rel, q->qtype, answers,
			     DNS_SERVER_MAX_ANSWERS, &n);
	}
	if (ret < 0) {
		r->rcode = DNS_SERVFAIL;
		r->authoritative = false;
		r->soa = NULL;
	} else if (!ret) {
		r->rcode = DNS_NXDOMAIN;
	} else if (n) {
		r->answers = answers;
		r->n_answers = n;
		r->soa = NULL;
	}
	/* Otherwise NODATA: NOERROR, no answer, the SOA for caching it. */
}

/* ---- Forwarding ---------------------------------------------------------- */

static void forward_free(struct forward *f)
{
	list_del(&f->node);
	f->srv->n_forwards--;
	if (f->tcp) {
		f->tcp->forwards--;
		tcp_maybe_close(f->tcp);
	}
	event_free(f->timer);
	free(f);
}

static void forward_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct forward *f = arg;
	struct dns_reply r = {
		.rcode = DNS_SERVFAIL,
		.recursion_available = true,
	};
	struct origin to = { &f->client, f->tcp };

	(void)fd;
	(void)what;
	f->srv->stats.forward_timeouts++;
	/* The client left: there is nobody to tell. */
	if (!f->via_tcp || f->tcp)
		send_reply(f->srv, &f->q, &r, &to);
	forward_free(f);
}

static bool id_in_use(const struct dns_server *srv, uint16_t id)
{
	const struct forward *f;

	list_for_each_entry(f, &srv->forwards, node) {
		if (f->id == id)
			return true;
	}
	return false;
}

/* Sends msg upstream under a fresh ID. Returns false if it cannot. */
static bool forward(struct dns_server *srv, const struct dns_query *q,
		    const uint8_t *msg, size_t len, const struct origin *from)
{
	struct forward *f;
	uint16_t id;
	int tries = 0;

	if (srv->n_forwards >= FORWARD_MAX)
		return false;
	do {
		if (++tries > ID_TRIES)
			return false;
		id = (uint16_t)random_u32();
	} while (id_in_use(srv, id));

	f = calloc(1, sizeof(*f));
	if (!f)
		return false;
	f->timer = evtimer_new(srv->base, forward_timeout, f);
	if (!f->timer)
		goto err_free;
	memcpy(srv->out, msg, len);
	put_be16(srv->out, id);
	if (send(srv->up_fd, srv->out, len, MSG_DONTWAIT) != (ssize_t)len ||
	    evtimer_add(f->timer, &srv->forward_timeout))
		goto err_free_timer;

	f->srv = srv;
	f->id = id;
	f->q = *q;
	f->tcp = from->tcp;
	f->via_tcp = from->tcp != NULL;
	if (from->tcp)
		from->tcp->forwards++;
	else
		f->client = *from->addr;
	list_add_tail(&f->node, &srv->forwards);
	srv->n_forwards++;
	srv->stats.forwarded++;
	return true;

err_free_timer:
	event_free(f->timer);
err_free:
	free(f);
	return false;
}

static void upstream_read(evutil_socket_t fd, short what, void *arg)
{
	struct dns_server *srv = arg;

	(void)what;
	for (int i = 0; i < UDP_BATCH; i++) {
		ssize_t n = recv(fd, srv->in, sizeof(srv->in), 0);
		struct forward *f, *match = NULL;

		/* ECONNREFUSED (nobody upstream) included: the timeout
		 * answers the clients. */
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		if (n < DNS_HEADER_LEN)
			continue;
		list_for_each_entry(f, &srv->forwards, node) {
			if (f->id == get_be16(srv->in)) {
				match = f;
				break;
			}
		}
		if (!match || !dns_response_matches(srv->in, (size_t)n,
						    &match->q)) {
			srv->stats.dropped++;
			continue;
		}
		put_be16(srv->in, match->q.id);
		if (match->tcp)
			tcp_send(match->tcp, srv->in, (size_t)n);
		else if (!match->via_tcp)
			udp_send(srv, &match->client, srv->in, (size_t)n);
		forward_free(match);
	}
}

/* ---- Queries ------------------------------------------------------------- */

static void handle_query(struct dns_server *srv, const uint8_t *msg,
			 size_t len, const struct origin *from)
{
	struct dns_answer answers[DNS_SERVER_MAX_ANSWERS];
	struct dns_reply r = { .recursion_available = srv->up_fd >= 0 };
	char rel[DNS_NAME_MAX + 1];
	struct dns_query q;
	int ret;

	srv->stats.queries++;
	ret = dns_query_parse(msg, len, &q);
	if (ret < 0) {
		srv->stats.dropped++;
		return;
	}
	if (ret > 0) {
		r.rcode = (enum dns_rcode)ret;
	} else if (in_zone(srv, &q, rel)) {
		answer_zone(srv, &q, rel, &r, answers);
	} else if (srv->up_fd >= 0) {
		if (forward(srv, &q, msg, len, from))
			return;
		r.rcode = DNS_SERVFAIL;
	} else {
		r.rcode = DNS_REFUSED;
	}
	send_reply(srv, &q, &r, from);
}

static void udp_read(evutil_socket_t fd, short what, void *arg)
{
	struct dns_server *srv = arg;

	(void)what;
	for (int i = 0; i < UDP_BATCH; i++) {
		union sockaddr_inet addr;
		socklen_t alen = sizeof(addr);
		struct origin from = { &addr, NULL };
		ssize_t n;

		n = recvfrom(fd, srv->in, sizeof(srv->in), 0, &addr.sa, &alen);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		handle_query(srv, srv->in, (size_t)n, &from);
	}
}

/* ---- TCP (RFC 7766): a 2-byte length before each message ----------------- */

static void tcp_free(struct tcp_client *c)
{
	struct dns_server *srv = c->srv;
	struct forward *f;

	/* Their answers, when they come, have nowhere to go. */
	list_for_each_entry(f, &srv->forwards, node) {
		if (f->tcp == c)
			f->tcp = NULL;
	}
	list_del(&c->node);
	srv->n_tcp--;
	bufferevent_free(c->bev);
	free(c);
}

static void tcp_maybe_close(struct tcp_client *c)
{
	if (c->closing && !c->forwards &&
	    !evbuffer_get_length(bufferevent_get_output(c->bev)))
		tcp_free(c);
}

static void tcp_read(struct bufferevent *bev, void *arg)
{
	struct tcp_client *c = arg;
	struct dns_server *srv = c->srv;
	struct evbuffer *in = bufferevent_get_input(bev);
	uint8_t hdr[2];
	size_t len;

	for (;;) {
		/* A client that does not read its answers stops being read
		 * until it does (tcp_write). */
		if (evbuffer_get_length(bufferevent_get_output(bev)) >
		    TCP_OUT_MAX) {
			bufferevent_disable(bev, EV_READ);
			return;
		}
		if (evbuffer_copyout(in, hdr, 2) < 2)
			return;
		len = get_be16(hdr);
		if (len > TCP_QUERY_MAX) {
			srv->stats.dropped++;
			tcp_free(c);
			return;
		}
		if (evbuffer_get_length(in) < 2 + len)
			return;
		evbuffer_drain(in, 2);
		evbuffer_remove(in, srv->in, len);
		handle_query(srv, srv->in, len, &(struct origin){ NULL, c });
	}
}

static void tcp_write(struct bufferevent *bev, void *arg)
{
	struct tcp_client *c = arg;

	if (c->closing) {
		tcp_maybe_close(c);
		return;
	}
	if (!(bufferevent_get_enabled(bev) & EV_READ)) {
		bufferevent_enable(bev, EV_READ);
		tcp_read(bev, c);
	}
}

static void tcp_event(struct bufferevent *bev, short what, void *arg)
{
	struct tcp_client *c = arg;

	/* A client may send its queries and shut its side at once: what
	 * it asked is still answered before the connection goes. */
	if ((what & BEV_EVENT_EOF) && !(what & BEV_EVENT_ERROR)) {
		c->closing = true;
		bufferevent_disable(bev, EV_READ);
		tcp_maybe_close(c);
		return;
	}
	if (what & (BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT))
		tcp_free(c);
}

static void tcp_accept(struct evconnlistener *l, evutil_socket_t fd,
		       struct sockaddr *sa, int salen, void *arg)
{
	struct dns_server *srv = arg;
	struct timeval idle = { TCP_IDLE_SEC, 0 };
	struct tcp_client *c;

	(void)l;
	(void)sa;
	(void)salen;
	if (srv->n_tcp >= TCP_MAX_CLIENTS) {
		srv->stats.tcp_rejected++;
		close(fd);
		return;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		return;
	}
	c->bev = bufferevent_socket_new(srv->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (!c->bev) {
		close(fd);
		free(c);
		return;
	}
	c->srv = srv;
	list_add_tail(&c->node, &srv->tcp_clients);
	srv->n_tcp++;
	bufferevent_setcb(c->bev, tcp_read, tcp_write, tcp_event, c);
	bufferevent_set_timeouts(c->bev, &idle, &idle);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
}

static void accept_resume(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	evconnlistener_enable(((struct dns_server *)arg)->listener);
}

/* Out of descriptors: the pending connection stays pending and would wake
 * us at once, so stop listening for a moment. */
static void accept_error(struct evconnlistener *l, void *arg)
{
	struct dns_server *srv = arg;
	struct timeval pause = { 0, ACCEPT_PAUSE_MS * 1000 };

	evconnlistener_disable(l);
	evtimer_add(srv->accept_pause, &pause);
}

/* ---- Setup --------------------------------------------------------------- */

/* A non-blocking socket bound to addr (listening, for TCP); -errno. */
static int open_socket(const union sockaddr_inet *addr, int type)
{
	int fd = socket(addr->sa.sa_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC,
			0);
	int one = 1, ret;

	if (fd < 0)
		return -errno;
	if ((addr->sa.sa_family == AF_INET6 &&
	     setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one))) ||
	    (type == SOCK_STREAM &&
	     setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one))) ||
	    bind(fd, &addr->sa, sockaddr_len(addr)) ||
	    (type == SOCK_STREAM && listen(fd, 64)))
		goto err;
	return fd;
err:
	ret = -errno;
	close(fd);
	return ret;
}

/*
 * The UDP socket and the TCP listener on the same port. With port 0 the
 * kernel picks the UDP port, which TCP may already have in use: try again.
 */
static int open_listeners(struct dns_server *srv, const char *text,
			  char *err, size_t errlen)
{
	union sockaddr_inet addr, bound;
	int tcp_fd, tries;

	if (!text || !sockaddr_parse(&addr, text)) {
		snprintf(err, errlen, "DNS listen address is not IP:port: `%s'",
			 text ? text : "(none)");
		return -1;
	}
	for (tries = 0;; tries++) {
		socklen_t blen = sizeof(bound);

		srv->udp_fd = open_socket(&addr, SOCK_DGRAM);
		if (srv->udp_fd < 0) {
			snprintf(err, errlen,
				 "cannot bind DNS UDP socket to %s: %s",
				 text, strerror(-srv->udp_fd));
			return -1;
		}
		if (getsockname(srv->udp_fd, &bound.sa, &blen)) {
			snprintf(err, errlen, "getsockname: %s",
				 strerror(errno));
			return -1;
		}
		tcp_fd = open_socket(&bound, SOCK_STREAM);
		if (tcp_fd >= 0)
			break;
		close(srv->udp_fd);
		srv->udp_fd = -1;
		if (tcp_fd != -EADDRINUSE || addr.in.sin_port ||
		    tries == BIND_TRIES) {
			snprintf(err, errlen,
				 "cannot listen for DNS over TCP on %s: %s",
				 text, strerror(-tcp_fd));
			return -1;
		}
	}
	/* sin_port and sin6_port sit at the same offset. */
	srv->port = ntohs(bound.in.sin_port);
	srv->listener = evconnlistener_new(srv->base, tcp_accept, srv,
					   LEV_OPT_CLOSE_ON_FREE |
					   LEV_OPT_CLOSE_ON_EXEC, 0, tcp_fd);
	if (!srv->listener) {
		close(tcp_fd);
		snprintf(err, errlen, "cannot watch the DNS TCP listener");
		return -1;
	}
	evconnlistener_set_error_cb(srv->listener, accept_error);
	srv->udp_ev = event_new(srv->base, srv->udp_fd, EV_READ | EV_PERSIST,
				udp_read, srv);
	srv->accept_pause = evtimer_new(srv->base, accept_resume, srv);
	if (!srv->udp_ev || !srv->accept_pause ||
	    event_add(srv->udp_ev, NULL)) {
		snprintf(err, errlen, "cannot watch the DNS UDP socket");
		return -1;
	}
	return 0;
}

static int open_upstream(struct dns_server *srv, const char *upstream,
			 char *err, size_t errlen)
{
	union sockaddr_inet addr;

	/* sin_port and sin6_port sit at the same offset. */
	if (!sockaddr_parse(&addr, upstream) || !addr.in.sin_port) {
		snprintf(err, errlen, "DNS upstream is not IP:port: `%s'",
			 upstream);
		return -1;
	}
	srv->up_fd = socket(addr.sa.sa_family,
			    SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (srv->up_fd < 0 ||
	    connect(srv->up_fd, &addr.sa, sockaddr_len(&addr))) {
		snprintf(err, errlen, "cannot reach DNS upstream %s: %s",
			 upstream, strerror(errno));
		return -1;
	}
	srv->up_ev = event_new(srv->base, srv->up_fd, EV_READ | EV_PERSIST,
			       upstream_read, srv);
	if (!srv->up_ev || event_add(srv->up_ev, NULL)) {
		snprintf(err, errlen, "cannot watch the DNS upstream socket");
		return -1;
	}
	return 0;
}

/* Lowercase, one final dot dropped, and the wire form must hold it. */
static int set_zone(struct dns_server *srv, const char *zone, char *err,
		    size_t errlen)
{
	size_t len = strlen(zone);

	if (len && zone[len - 1] == '.')
		len--;
	if (len > DNS_ZONE_MAX)
		goto bad;
	for (size_t i = 0; i < len; i++) {
		char c = zone[i];

		srv->zone[i] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
	}
	srv->zone[len] = '\0';
	srv->zone_len = len;
	/* Not the root: every name would be ours, and none forwarded. */
	if (!dns_zone_valid(srv->zone))
		goto bad;
	return 0;
bad:
	snprintf(err, errlen, "DNS zone is not a domain name: `%s'", zone);
	return -1;
}

struct dns_server *dns_server_new(struct event_base *base,
				  const struct dns_server_config *cfg,
				  dns_lookup_fn lookup_fn, void *ctx, char *err,
				  size_t errlen)
{
	struct dns_server *srv = calloc(1, sizeof(*srv));
	unsigned int ms = cfg->forward_timeout_ms ?
			  cfg->forward_timeout_ms :
			  DNS_SERVER_FORWARD_TIMEOUT_MS;

	if (!srv) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	srv->base = base;
	srv->lookup = lookup_fn;
	srv->ctx = ctx;
	srv->udp_fd = srv->up_fd = -1;
	srv->ttl = cfg->ttl ? cfg->ttl : DNS_SERVER_TTL;
	srv->forward_timeout.tv_sec = ms / 1000;
	srv->forward_timeout.tv_usec = (ms % 1000) * 1000;
	list_init(&srv->tcp_clients);
	list_init(&srv->forwards);
	if (set_zone(srv, cfg->zone ? cfg->zone : DNS_SERVER_ZONE, err,
		     errlen))
		goto err;
	srv->soa.zone = srv->zone;
	srv->soa.serial = cfg->serial;
	if (open_listeners(srv, cfg->listen, err, errlen))
		goto err;
	if (cfg->upstream && open_upstream(srv, cfg->upstream, err, errlen))
		goto err;
	return srv;
err:
	dns_server_free(srv);
	return NULL;
}

void dns_server_free(struct dns_server *srv)
{
	struct tcp_client *c, *cn;
	struct forward *f, *fn;

	if (!srv)
		return;
	/* Clients first: their forwards then have no client to touch. */
	list_for_each_entry_safe(c, cn, &srv->tcp_clients, node)
		tcp_free(c);
	list_for_each_entry_safe(f, fn, &srv->forwards, node)
		forward_free(f);
	if (srv->listener)
		evconnlistener_free(srv->listener);
	if (srv->accept_pause)
		event_free(srv->accept_pause);
	if (srv->udp_ev)
		event_free(srv->udp_ev);
	if (srv->up_ev)
		event_free(srv->up_ev);
	if (srv->udp_fd >= 0)
		close(srv->udp_fd);
	if (srv->up_fd >= 0)
		close(srv->up_fd);
	free(srv);
}

uint16_t dns_server_port(const struct dns_server *srv)
{
	return srv->port;
}

void dns_server_set_serial(struct dns_server *srv, uint32_t serial)
{
	srv->soa.serial = serial;
}

const struct dns_server_stats *dns_server_stats(const struct dns_server *srv)
{
	return &srv->stats;
}
