// SPDX-License-Identifier: MIT
/*
 * The DNS server on loopback, asked over real UDP and TCP sockets by the
 * test, which pumps the server's event loop while it waits for a reply
 * (never longer than WAIT_MS). Queries are written byte by byte here, not
 * with dns_msg.c, so both ends are not wrong the same way.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>

#include "base/bytes.h"
#include "control/dns_server.h"

enum {
	WAIT_MS = 2000,
	TTL = 30,
	SERIAL = 2024,
	MANY = 40, /* A records of "many": more than 512 bytes */
};

struct record {
	const char *name;
	uint16_t type;
	const char *addr;
};

static const struct record zone_records[] = {
	{ "web1", DNS_TYPE_A, "100.128.0.5" },
	{ "web1", DNS_TYPE_AAAA, "fd00::5" },
	{ "web2", DNS_TYPE_A, "100.128.0.6" },
	{ "db", DNS_TYPE_A, "100.128.0.7" },
	{ "db", DNS_TYPE_A, "100.128.0.8" },
	{ "many", DNS_TYPE_A, NULL },
	{ "broken", 0, NULL },
};

/* The upstream's zone, corp.test. */
static const struct record corp_records[] = {
	{ "api", DNS_TYPE_A, "10.1.2.3" },
};

struct table {
	const struct record *records;
	size_t n;
};

static const struct table zone_table = { zone_records, 7 };
static const struct table corp_table = { corp_records, 1 };

static int lookup(void *ctx, const char *name, uint16_t qtype,
		  struct dns_answer *out, size_t max, size_t *n)
{
	const struct table *t = ctx;
	int found = 0;

	*n = 0;
	for (size_t i = 0; i < t->n; i++) {
		const struct record *r = &t->records[i];

		if (strcmp(r->name, name))
			continue;
		if (!r->type)
			return -1;
		found = 1;
		if (r->type != qtype)
			continue;
		if (!r->addr) {
			for (int k = 0; k < MANY && *n < max; k++) {
				out[*n] = (struct dns_answer){
					.type = DNS_TYPE_A,
					.addr = { 100, 64, 1, (uint8_t)k },
				};
				(*n)++;
			}
			continue;
		}
		if (*n == max)
			continue;
		out[*n].type = qtype;
		assert_int_equal(inet_pton(qtype == DNS_TYPE_A ? AF_INET :
					   AF_INET6, r->addr, out[*n].addr), 1);
		(*n)++;
	}
	return found;
}

struct fixture {
	struct event_base *base;
	struct dns_server *srv;
};

static int setup(void **state)
{
	static struct fixture f;
	struct dns_server_config cfg = {
		.listen = "127.0.0.1:0",
		.ttl = TTL,
		.serial = SERIAL,
	};
	char err[256];

	f.base = event_base_new();
	if (!f.base)
		return -1;
	f.srv = dns_server_new(f.base, &cfg, lookup, (void *)&zone_table, err,
			       sizeof(err));
	if (!f.srv) {
		fprintf(stderr, "dns_server_new: %s\n", err);
		return -1;
	}
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	dns_server_free(f->srv);
	event_base_free(f->base);
	return 0;
}

/* ---- Talking to the server ----------------------------------------------- */

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Runs the loop until fd is readable; false after WAIT_MS. */
static bool pump_until_readable(struct event_base *base, int fd)
{
	int64_t deadline = now_ms() + WAIT_MS;

	do {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		event_base_loop(base, EVLOOP_NONBLOCK);
		if (poll(&p, 1, 5) > 0)
			return true;
	} while (now_ms() < deadline);
	return false;
}

/* A query as a stub resolver writes it: RD, one question, EDNS if asked. */
static size_t make_query(uint8_t *out, uint16_t id, const char *name,
			 uint16_t qtype, uint16_t edns_size)
{
	size_t n = 12;

	memset(out, 0, 12);
	put_be16(out, id);
	put_be16(out + 2, 0x0100);
	put_be16(out + 4, 1);
	put_be16(out + 10, edns_size ? 1 : 0);
	while (*name) {
		size_t len = strcspn(name, ".");

		out[n++] = (uint8_t)len;
		memcpy(out + n, name, len);
		n += len;
		name += len + (name[len] == '.');
	}
	out[n++] = 0;
	put_be16(out + n, qtype);
	put_be16(out + n + 2, DNS_CLASS_IN);
	n += 4;
	if (edns_size) {
		memcpy(out + n, "\0\0\x29\0\0\0\0\0\0\0\0", 11);
		put_be16(out + n + 3, edns_size);
		n += 11;
	}
	return n;
}

static int udp_socket(uint16_t port)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	return fd;
}

static size_t udp_ask(struct fixture *f, uint16_t port, const uint8_t *q,
		      size_t qlen, uint8_t *resp)
{
	int fd = udp_socket(port);
	ssize_t n;

	assert_int_equal(send(fd, q, qlen, 0), qlen);
	assert_true(pump_until_readable(f->base, fd));
	n = recv(fd, resp, 65535, 0);
	assert_true(n >= 12);
	close(fd);
	return (size_t)n;
}

static int tcp_connect(uint16_t port)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	/* Loopback: the kernel completes it before the server accepts. */
	assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	return fd;
}

static void tcp_write(int fd, const uint8_t *q, size_t len)
{
	uint8_t buf[2 + 512];

	put_be16(buf, (uint16_t)len);
	memcpy(buf + 2, q, len);
	assert_int_equal(send(fd, buf, len + 2, MSG_NOSIGNAL), len + 2);
}

/* Reads exactly len bytes; false on EOF first. */
static bool tcp_read_exact(struct fixture *f, int fd, uint8_t *buf,
			   size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n;

		assert_true(pump_until_readable(f->base, fd));
		n = recv(fd, buf + got, len - got, MSG_DONTWAIT);
		if (n == 0)
			return false;
		assert_true(n > 0);
		got += (size_t)n;
	}
	return true;
}

static size_t tcp_read_msg(struct fixture *f, int fd, uint8_t *resp)
{
	uint8_t hdr[2];
	size_t len;

	assert_true(tcp_read_exact(f, fd, hdr, 2));
	len = get_be16(hdr);
	assert_true(tcp_read_exact(f, fd, resp, len));
	return len;
}

/* Whether the server closed fd (an EOF arrives within WAIT_MS). */
static bool tcp_closed(struct fixture *f, int fd)
{
	uint8_t b;

	return pump_until_readable(f->base, fd) &&
	       recv(fd, &b, 1, MSG_DONTWAIT) == 0;
}

/* ---- Reading responses --------------------------------------------------- */

struct resp {
	uint16_t id, flags, qd, an, ns, ar;
	size_t answers; /* offset of the answer section */
};

static struct resp read_resp(const uint8_t *m, size_t len, size_t qlen)
{
	struct resp r = {
		get_be16(m), get_be16(m + 2), get_be16(m + 4),
		get_be16(m + 6), get_be16(m + 8), get_be16(m + 10),
		12 + qlen,
	};

	assert_true(len >= r.answers);
	return r;
}

/* The i-th answer (all A or AAAA, 12 + rdata bytes each) of type type. */
static void assert_answer(const uint8_t *m, size_t len, const struct resp *r,
			  size_t i, uint16_t type, const char *addr)
{
	size_t alen = type == DNS_TYPE_A ? 4 : 16;
	size_t at = r->answers;
	uint8_t want[16];

	for (size_t k = 0; k < i; k++)
		at += 12 + get_be16(m + at + 10);
	assert_true(at + 12 + alen <= len);
	assert_int_equal(get_be16(m + at), 0xc00c);
	assert_int_equal(get_be16(m + at + 2), type);
	assert_int_equal(get_be16(m + at + 4), DNS_CLASS_IN);
	assert_int_equal(get_be32(m + at + 6), TTL);
	assert_int_equal(get_be16(m + at + 10), alen);
	assert_int_equal(inet_pton(type == DNS_TYPE_A ? AF_INET : AF_INET6,
				   addr, want), 1);
	assert_memory_equal(m + at + 12, want, alen);
}

/* The question as written by make_query: its name's wire length + 4. */
static size_t question_len(const char *name)
{
	return strlen(name) + 2 + 4;
}

/* A plain query (no EDNS) over UDP: the reply in m, its length in *len. */
static struct resp udp_lookup(struct fixture *f, uint16_t port, uint16_t id,
			      const char *name, uint16_t type, uint8_t *m,
			      size_t *len)
{
	uint8_t q[512];
	size_t qlen = make_query(q, id, name, type, 0);

	*len = udp_ask(f, port, q, qlen, m);
	return read_resp(m, *len, question_len(name));
}

/* ---- The zone ------------------------------------------------------------ */

static void test_udp_a_aaaa(void **state)
{
	struct fixture *f = *state;
	uint16_t port = dns_server_port(f->srv);
	uint8_t q[512], m[65535];
	size_t qlen, len;
	struct resp r;

	qlen = make_query(q, 0x1001, "web1.dstack.internal", DNS_TYPE_A, 0);
	len = udp_ask(f, port, q, qlen, m);
	r = read_resp(m, len, question_len("web1.dstack.internal"));
	assert_int_equal(r.id, 0x1001);
	assert_int_equal(r.flags, 0x8500); /* QR AA RD, NOERROR */
	assert_int_equal(r.qd, 1);
	assert_int_equal(r.an, 1);
	assert_int_equal(r.ns, 0);
	assert_int_equal(r.ar, 0);
	assert_memory_equal(m + 12, q + 12, qlen - 12);
	assert_answer(m, len, &r, 0, DNS_TYPE_A, "100.128.0.5");
	assert_int_equal(len, r.answers + 16);

	/* Mixed case in, same answer; EDNS in, OPT out. */
	qlen = make_query(q, 0x1002, "Web1.DSTACK.internal", DNS_TYPE_AAAA,
			  1232);
	len = udp_ask(f, port, q, qlen, m);
	r = read_resp(m, len, question_len("web1.dstack.internal"));
	assert_int_equal(r.id, 0x1002);
	assert_int_equal(r.flags, 0x8500);
	assert_int_equal(r.an, 1);
	assert_int_equal(r.ar, 1);
	assert_memory_equal(m + 12, "\4Web1\6DSTACK", 12);
	assert_answer(m, len, &r, 0, DNS_TYPE_AAAA, "fd00::5");
	assert_int_equal(len, r.answers + 28 + 11);
}

static void test_type_name(void **state)
{
	struct fixture *f = *state;
	uint8_t q[512], m[65535];
	size_t qlen, len;
	struct resp r;

	qlen = make_query(q, 7, "db.dstack.internal", DNS_TYPE_A, 0);
	len = udp_ask(f, dns_server_port(f->srv), q, qlen, m);
	r = read_resp(m, len, question_len("db.dstack.internal"));
	assert_int_equal(r.flags, 0x8500);
	assert_int_equal(r.an, 2);
	assert_answer(m, len, &r, 0, DNS_TYPE_A, "100.128.0.7");
	assert_answer(m, len, &r, 1, DNS_TYPE_A, "100.128.0.8");
}

/* The SOA in the authority section: the zone, its serial and timers. */
static void assert_soa(const uint8_t *m, size_t len, const struct resp *r,
		       uint32_t serial)
{
	size_t at = r->answers;

	assert_int_equal(r->ns, 1);
	assert_true(len >= at + 12 + 38);
	assert_int_equal(get_be16(m + at + 2), DNS_TYPE_SOA);
	assert_int_equal(get_be32(m + at + 6), DNS_SOA_MINIMUM);
	assert_int_equal(get_be16(m + at + 10), 38);
	assert_int_equal(get_be32(m + at + 12 + 18), serial);
	assert_int_equal(get_be32(m + at + 12 + 34), DNS_SOA_MINIMUM);
}

static void test_nxdomain_nodata(void **state)
{
	struct fixture *f = *state;
	uint16_t port = dns_server_port(f->srv);
	uint8_t m[65535];
	size_t len;
	struct resp r;

	r = udp_lookup(f, port, 0x2001, "nope.dstack.internal", DNS_TYPE_A,
		       m, &len);
	assert_int_equal(r.flags, 0x8503); /* NXDOMAIN */
	assert_int_equal(r.an, 0);
	assert_soa(m, len, &r, SERIAL);
	assert_int_equal(get_be16(m + r.answers), 0xc011); /* the zone */

	/* web2 exists, without AAAA: NOERROR, nothing, the SOA. */
	dns_server_set_serial(f->srv, SERIAL + 1);
	r = udp_lookup(f, port, 0x2002, "web2.dstack.internal", DNS_TYPE_AAAA,
		       m, &len);
	assert_int_equal(r.flags, 0x8500);
	assert_int_equal(r.an, 0);
	assert_soa(m, len, &r, SERIAL + 1);

	/* The apex: its SOA when asked, NODATA otherwise. */
	r = udp_lookup(f, port, 0x2003, "dstack.internal", DNS_TYPE_SOA,
		       m, &len);
	assert_int_equal(r.flags, 0x8500);
	assert_int_equal(r.an, 1);
	assert_int_equal(get_be16(m + r.answers), 0xc00c);
	assert_int_equal(get_be16(m + r.answers + 2), DNS_TYPE_SOA);
	r = udp_lookup(f, port, 0x2004, "dstack.internal", DNS_TYPE_A,
		       m, &len);
	assert_int_equal(r.flags, 0x8500);
	assert_int_equal(r.an, 0);
	assert_soa(m, len, &r, SERIAL + 1);

	/* The lookup failing is SERVFAIL, not a cacheable NXDOMAIN. */
	r = udp_lookup(f, port, 0x2005, "broken.dstack.internal", DNS_TYPE_A,
		       m, &len);
	assert_int_equal(r.flags, 0x8102);
	assert_int_equal(r.ns, 0);
}

static void test_refused_outside(void **state)
{
	struct fixture *f = *state;
	const struct dns_server_stats *st = dns_server_stats(f->srv);
	uint64_t refused = st->refused;
	uint8_t q[512], m[65535];
	size_t qlen, len;
	struct resp r;

	/* No upstream: REFUSED, not authoritative, no recursion. */
	qlen = make_query(q, 0x3001, "example.com", DNS_TYPE_A, 0);
	len = udp_ask(f, dns_server_port(f->srv), q, qlen, m);
	r = read_resp(m, len, question_len("example.com"));
	assert_int_equal(r.id, 0x3001);
	assert_int_equal(r.flags, 0x8105);
	assert_int_equal(r.an + r.ns + r.ar, 0);
	assert_int_equal(len, r.answers);
	/* Ends with the zone's name, but is not in it. */
	qlen = make_query(q, 0x3002, "xdstack.internal", DNS_TYPE_A, 0);
	len = udp_ask(f, dns_server_port(f->srv), q, qlen, m);
	assert_int_equal(read_resp(m, len, 0).flags, 0x8105);
	assert_int_equal(st->refused, refused + 2);
}

static void test_malformed(void **state)
{
	struct fixture *f = *state;
	const struct dns_server_stats *st = dns_server_stats(f->srv);
	int fd = udp_socket(dns_server_port(f->srv));
	uint64_t formerr = st->formerr, dropped = st->dropped;
	uint8_t q[512], m[512];
	size_t qlen;

	/* Too short to answer: nothing comes back, and the next query's
	 * reply is the first thing the socket reads. */
	assert_int_equal(send(fd, "\x12\x34\x01", 3, 0), 3);
	qlen = make_query(q, 0x4001, "web1.dstack.internal", DNS_TYPE_A, 0);
	/* Two questions: FORMERR with the ID, header only. */
	put_be16(q + 4, 2);
	assert_int_equal(send(fd, q, qlen, 0), qlen);
	assert_true(pump_until_readable(f->base, fd));
	assert_int_equal(recv(fd, m, sizeof(m), 0), 12);
	assert_int_equal(get_be16(m), 0x4001);
	assert_int_equal(get_be16(m + 2), 0x8101);
	assert_int_equal(get_be16(m + 4), 0);
	assert_int_equal(st->formerr, formerr + 1);
	assert_int_equal(st->dropped, dropped + 1);
	close(fd);
}

static void test_truncation(void **state)
{
	struct fixture *f = *state;
	uint8_t q[512], m[65535];
	size_t qlen, len;
	struct resp r;
	int fd;

	/* 40 A records are 640 bytes: TC over UDP without EDNS... */
	qlen = make_query(q, 0x5001, "many.dstack.internal", DNS_TYPE_A, 0);
	len = udp_ask(f, dns_server_port(f->srv), q, qlen, m);
	r = read_resp(m, len, question_len("many.dstack.internal"));
	assert_int_equal(r.flags, 0x8700);
	assert_int_equal(r.an, 0);
	assert_int_equal(len, r.answers);

	/* ...all of them over TCP. */
	fd = tcp_connect(dns_server_port(f->srv));
	tcp_write(fd, q, qlen);
	len = tcp_read_msg(f, fd, m);
	r = read_resp(m, len, question_len("many.dstack.internal"));
	assert_int_equal(r.flags, 0x8500);
	assert_int_equal(r.an, MANY);
	assert_answer(m, len, &r, MANY - 1, DNS_TYPE_A, "100.64.1.39");
	assert_int_equal(len, r.answers + MANY * 16);
	close(fd);
}

/* ---- TCP ----------------------------------------------------------------- */

static void test_tcp_pipelined(void **state)
{
	struct fixture *f = *state;
	uint8_t q1[512], q2[512], both[1024], m[65535];
	size_t l1, l2, len;
	struct resp r;
	int fd = tcp_connect(dns_server_port(f->srv));

	/* Two queries in one segment... */
	l1 = make_query(q1, 0x6001, "web1.dstack.internal", DNS_TYPE_A, 1232);
	l2 = make_query(q2, 0x6002, "db.dstack.internal", DNS_TYPE_A, 0);
	put_be16(both, (uint16_t)l1);
	memcpy(both + 2, q1, l1);
	put_be16(both + 2 + l1, (uint16_t)l2);
	memcpy(both + 4 + l1, q2, l2);
	assert_int_equal(send(fd, both, l1 + l2 + 4, 0), l1 + l2 + 4);
	len = tcp_read_msg(f, fd, m);
	r = read_resp(m, len, question_len("web1.dstack.internal"));
	assert_int_equal(r.id, 0x6001);
	assert_answer(m, len, &r, 0, DNS_TYPE_A, "100.128.0.5");
	len = tcp_read_msg(f, fd, m);
	r = read_resp(m, len, question_len("db.dstack.internal"));
	assert_int_equal(r.id, 0x6002);
	assert_int_equal(r.an, 2);

	/* ...and one cut inside its length prefix, then its body. */
	l1 = make_query(q1, 0x6003, "nope.dstack.internal", DNS_TYPE_A, 0);
	put_be16(both, (uint16_t)l1);
	memcpy(both + 2, q1, l1);
	assert_int_equal(send(fd, both, 1, 0), 1);
	for (int i = 0; i < 10; i++)
		event_base_loop(f->base, EVLOOP_NONBLOCK);
	assert_int_equal(send(fd, both + 1, 5, 0), 5);
	for (int i = 0; i < 10; i++)
		event_base_loop(f->base, EVLOOP_NONBLOCK);
	assert_int_equal(send(fd, both + 6, l1 - 4, 0), l1 - 4);
	len = tcp_read_msg(f, fd, m);
	r = read_resp(m, len, question_len("nope.dstack.internal"));
	assert_int_equal(r.id, 0x6003);
	assert_int_equal(r.flags & 0xf, DNS_NXDOMAIN);
	close(fd);
}

static void test_tcp_half_close(void **state)
{
	struct fixture *f = *state;
	uint8_t q[512], m[65535];
	size_t qlen, len;
	int fd = tcp_connect(dns_server_port(f->srv));

	/* The query and the end of the client's stream arrive together:
	 * the answer still comes, then the server closes. */
	qlen = make_query(q, 0x7001, "web1.dstack.internal", DNS_TYPE_A, 0);
	tcp_write(fd, q, qlen);
	assert_int_equal(shutdown(fd, SHUT_WR), 0);
	len = tcp_read_msg(f, fd, m);
	assert_int_equal(get_be16(m), 0x7001);
	assert_int_equal(len, qlen + 16);
	assert_true(tcp_closed(f, fd));
	close(fd);
}

static void test_tcp_limits(void **state)
{
	struct fixture *f = *state;
	const struct dns_server_stats *st = dns_server_stats(f->srv);
	uint16_t port = dns_server_port(f->srv);
	uint64_t rejected = st->tcp_rejected;
	uint8_t q[512], m[65535];
	int fds[64], extra, fd;
	size_t qlen;

	/* A length over the query limit: the connection is dropped. */
	fd = tcp_connect(port);
	assert_int_equal(send(fd, "\xff\xff", 2, 0), 2);
	assert_true(tcp_closed(f, fd));
	close(fd);

	/* 64 clients are served; the 65th is turned away. */
	for (int i = 0; i < 64; i++)
		fds[i] = tcp_connect(port);
	qlen = make_query(q, 0x7101, "web1.dstack.internal", DNS_TYPE_A, 0);
	tcp_write(fds[63], q, qlen);
	tcp_read_msg(f, fds[63], m);
	assert_int_equal(get_be16(m), 0x7101);
	extra = tcp_connect(port);
	assert_true(tcp_closed(f, extra));
	assert_int_equal(st->tcp_rejected, rejected + 1);
	close(extra);
	close(fds[0]);
	/* Once one leaves (its FIN is already queued on loopback, one turn
	 * of the loop sees it) there is room again. */
	for (int i = 0; i < 10; i++)
		event_base_loop(f->base, EVLOOP_NONBLOCK);
	fd = tcp_connect(port);
	tcp_write(fd, q, qlen);
	tcp_read_msg(f, fd, m);
	assert_int_equal(get_be16(m), 0x7101);
	close(fd);
	for (int i = 1; i < 64; i++)
		close(fds[i]);
}

/* ---- Forwarding ---------------------------------------------------------- */

static struct dns_server *forwarder(struct fixture *f, uint16_t up_port,
				    unsigned int timeout_ms)
{
	char upstream[32], err[256];
	struct dns_server_config cfg = {
		.listen = "127.0.0.1:0",
		.upstream = upstream,
		.ttl = TTL,
		.serial = SERIAL,
		.forward_timeout_ms = timeout_ms,
	};
	struct dns_server *srv;

	snprintf(upstream, sizeof(upstream), "127.0.0.1:%u", up_port);
	srv = dns_server_new(f->base, &cfg, lookup, (void *)&zone_table, err,
			     sizeof(err));
	if (!srv)
		fail_msg("%s", err);
	return srv;
}

static void test_forward(void **state)
{
	struct fixture *f = *state;
	struct dns_server_config up_cfg = {
		.listen = "127.0.0.1:0",
		.zone = "Corp.Test.",
		.ttl = TTL,
	};
	uint8_t q[512], m[65535];
	struct dns_server *up, *fwd;
	size_t qlen, len;
	struct resp r;
	char err[256];
	int fd;

	up = dns_server_new(f->base, &up_cfg, lookup, (void *)&corp_table,
			    err, sizeof(err));
	assert_non_null(up);
	fwd = forwarder(f, dns_server_port(up), 0);

	/* Relayed from the upstream, under the client's ID, over UDP... */
	qlen = make_query(q, 0x8001, "api.corp.test", DNS_TYPE_A, 1232);
	len = udp_ask(f, dns_server_port(fwd), q, qlen, m);
	r = read_resp(m, len, question_len("api.corp.test"));
	assert_int_equal(r.id, 0x8001);
	assert_int_equal(r.flags, 0x8500); /* as the upstream said it */
	assert_answer(m, len, &r, 0, DNS_TYPE_A, "10.1.2.3");

	/* ...and over TCP, NXDOMAIN too. */
	fd = tcp_connect(dns_server_port(fwd));
	qlen = make_query(q, 0x8002, "nope.corp.test", DNS_TYPE_A, 0);
	tcp_write(fd, q, qlen);
	len = tcp_read_msg(f, fd, m);
	r = read_resp(m, len, question_len("nope.corp.test"));
	assert_int_equal(r.id, 0x8002);
	assert_int_equal(r.flags, 0x8503);
	assert_int_equal(r.ns, 1);
	close(fd);

	/* Its own zone it answers itself, recursion now available. */
	qlen = make_query(q, 0x8003, "web1.dstack.internal", DNS_TYPE_A, 0);
	len = udp_ask(f, dns_server_port(fwd), q, qlen, m);
	r = read_resp(m, len, question_len("web1.dstack.internal"));
	assert_int_equal(r.flags, 0x8580);
	assert_answer(m, len, &r, 0, DNS_TYPE_A, "100.128.0.5");

	assert_int_equal(dns_server_stats(fwd)->forwarded, 2);
	assert_int_equal(dns_server_stats(up)->queries, 2);
	assert_int_equal(dns_server_stats(up)->nxdomain, 1);
	dns_server_free(fwd);
	dns_server_free(up);
}

/*
 * An upstream played by the test, on a port of its own (in *sin): it sees
 * what is forwarded and answers, or not, as it likes.
 */
static int fake_upstream(struct sockaddr_in *sin)
{
	socklen_t slen = sizeof(*sin);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	*sin = (struct sockaddr_in){ .sin_family = AF_INET,
				     .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)sin, slen), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)sin, &slen), 0);
	return fd;
}

static void test_forward_spoof_and_timeout(void **state)
{
	struct fixture *f = *state;
	struct sockaddr_in sin;
	socklen_t slen = sizeof(sin);
	uint8_t q[512], fq[512], m[65535];
	struct dns_server *fwd;
	int up, cl;
	size_t qlen;
	ssize_t n;
	uint16_t id;

	up = fake_upstream(&sin);
	fwd = forwarder(f, ntohs(sin.sin_port), 100);
	cl = udp_socket(dns_server_port(fwd));

	qlen = make_query(q, 0x9001, "example.com", DNS_TYPE_A, 0);
	assert_int_equal(send(cl, q, qlen, 0), qlen);
	assert_true(pump_until_readable(f->base, up));
	n = recvfrom(up, fq, sizeof(fq), 0, (struct sockaddr *)&sin, &slen);
	/* The same query under another ID (equal 1 time in 65536). */
	assert_int_equal(n, qlen);
	assert_memory_equal(fq + 2, q + 2, qlen - 2);
	id = get_be16(fq);

	/* A reply under a wrong ID, then one to another question: both
	 * ignored, and the client gets SERVFAIL when time runs out. */
	fq[2] |= 0x80;
	put_be16(fq, (uint16_t)(id + 1));
	sendto(up, fq, qlen, 0, (struct sockaddr *)&sin, slen);
	put_be16(fq, id);
	put_be16(fq + qlen - 4, DNS_TYPE_AAAA);
	sendto(up, fq, qlen, 0, (struct sockaddr *)&sin, slen);
	assert_true(pump_until_readable(f->base, cl));
	assert_int_equal(recv(cl, m, sizeof(m), 0), qlen);
	assert_int_equal(get_be16(m), 0x9001);
	assert_int_equal(get_be16(m + 2), 0x8182); /* QR RD RA SERVFAIL */
	assert_int_equal(dns_server_stats(fwd)->forward_timeouts, 1);
	assert_int_equal(dns_server_stats(fwd)->dropped, 2);

	/* The right answer, late: the query is gone, so it is dropped. */
	put_be16(fq + qlen - 4, DNS_TYPE_A);
	sendto(up, fq, qlen, 0, (struct sockaddr *)&sin, slen);
	for (int i = 0; i < 20; i++)
		event_base_loop(f->base, EVLOOP_NONBLOCK);

	/* Answered in time, it is relayed as the upstream wrote it. */
	put_be16(q, 0x9002);
	assert_int_equal(send(cl, q, qlen, 0), qlen);
	assert_true(pump_until_readable(f->base, up));
	n = recvfrom(up, fq, sizeof(fq), 0, (struct sockaddr *)&sin, &slen);
	assert_int_equal(n, qlen);
	put_be16(fq + 2, 0x8183); /* NXDOMAIN, say */
	sendto(up, fq, qlen, 0, (struct sockaddr *)&sin, slen);
	assert_true(pump_until_readable(f->base, cl));
	assert_int_equal(recv(cl, m, sizeof(m), 0), qlen);
	assert_int_equal(get_be16(m), 0x9002);
	assert_memory_equal(m + 2, "\x81\x83", 2);
	assert_memory_equal(m + 4, fq + 4, qlen - 4);

	close(cl);
	close(up);
	dns_server_free(fwd);
}

/* A TCP client that shuts its side after asking still gets the answer,
 * though it comes from upstream long after the end of its stream. */
static void test_forward_tcp_half_close(void **state)
{
	struct fixture *f = *state;
	struct sockaddr_in sin;
	socklen_t slen = sizeof(sin);
	uint8_t q[512], fq[512], m[65535];
	struct dns_server *fwd;
	size_t qlen, len;
	int up, fd;

	up = fake_upstream(&sin);
	fwd = forwarder(f, ntohs(sin.sin_port), 0);
	fd = tcp_connect(dns_server_port(fwd));
	qlen = make_query(q, 0x9101, "example.com", DNS_TYPE_AAAA, 0);
	tcp_write(fd, q, qlen);
	assert_int_equal(shutdown(fd, SHUT_WR), 0);
	assert_true(pump_until_readable(f->base, up));
	assert_int_equal(recvfrom(up, fq, sizeof(fq), 0,
				  (struct sockaddr *)&sin, &slen), qlen);
	/* Let the server see the end of the stream first. */
	for (int i = 0; i < 10; i++)
		event_base_loop(f->base, EVLOOP_NONBLOCK);
	put_be16(fq + 2, 0x8180);
	sendto(up, fq, qlen, 0, (struct sockaddr *)&sin, slen);
	len = tcp_read_msg(f, fd, m);
	assert_int_equal(len, qlen);
	assert_int_equal(get_be16(m), 0x9101);
	assert_int_equal(get_be16(m + 2), 0x8180);
	assert_true(tcp_closed(f, fd));
	close(fd);
	close(up);
	dns_server_free(fwd);
}

/* ---- Configuration ------------------------------------------------------- */

static void assert_config_error(struct fixture *f,
				const struct dns_server_config *cfg,
				const char *want)
{
	char err[256] = "";

	assert_null(dns_server_new(f->base, cfg, lookup, NULL, err,
				   sizeof(err)));
	assert_string_equal(err, want);
}

static void test_config_errors(void **state)
{
	struct fixture *f = *state;
	struct dns_server_config cfg = { .listen = "localhost:53" };
	struct dns_server *srv;
	char busy[32], err[256];

	assert_config_error(f, &cfg,
			    "DNS listen address is not IP:port: `localhost:53'");
	cfg.listen = "127.0.0.1:0";
	cfg.zone = "a..b";
	assert_config_error(f, &cfg, "DNS zone is not a domain name: `a..b'");
	cfg.zone = ".";
	assert_config_error(f, &cfg, "DNS zone is not a domain name: `.'");
	cfg.zone = NULL;
	cfg.upstream = "8.8.8.8";
	assert_config_error(f, &cfg, "DNS upstream is not IP:port: `8.8.8.8'");
	cfg.upstream = NULL;
	snprintf(busy, sizeof(busy), "127.0.0.1:%u", dns_server_port(f->srv));
	cfg.listen = busy;
	srv = dns_server_new(f->base, &cfg, lookup, NULL, err, sizeof(err));
	assert_null(srv);
	assert_non_null(strstr(err, "Address already in use"));

	/* IPv6, when the host has it. */
	cfg.listen = "[::1]:0";
	srv = dns_server_new(f->base, &cfg, lookup, NULL, err, sizeof(err));
	if (srv)
		assert_true(dns_server_port(srv) > 0);
	dns_server_free(srv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_udp_a_aaaa),
		cmocka_unit_test(test_type_name),
		cmocka_unit_test(test_nxdomain_nodata),
		cmocka_unit_test(test_refused_outside),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_tcp_pipelined),
		cmocka_unit_test(test_tcp_half_close),
		cmocka_unit_test(test_tcp_limits),
		cmocka_unit_test(test_forward),
		cmocka_unit_test(test_forward_spoof_and_timeout),
		cmocka_unit_test(test_forward_tcp_half_close),
		cmocka_unit_test(test_config_errors),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
