// SPDX-License-Identifier: MIT
/*
 * wgflood: hostile traffic for a WireGuard endpoint, for the netns tests.
 *
 *   wgflood flood [-n ROUNDS] [-i USEC] IP:PORT
 *	Each round sends one datagram of every kind below to IP:PORT, then
 *	pauses USEC microseconds (so a test measures the receiver, not the
 *	receive buffer). At the end it prints, as "counter=N" lines, how
 *	many datagrams each of the receiver's drop counters must have seen.
 *
 *   wgflood relay [-o MSEC] LISTEN-PORT IP:PORT
 *	Forwards UDP between whoever sends to LISTEN-PORT (the client) and
 *	IP:PORT (the target), like a NAT would. Every data message is sent
 *	twice, and the first data message seen in each direction is stored
 *	and sent again every MSEC milliseconds: all of those are replays the
 *	receiver must reject. On SIGTERM or SIGINT it prints its counts.
 *
 * Every kind of the flood is built so that exactly one drop reason
 * applies to it, whatever the receiver's state:
 *	rx_malformed:      random garbage (never a known type with its size),
 *			   each handshake type and a keepalive 1 byte short,
 *			   each handshake type 1 byte long, types 0, 5, 255
 *			   and "1" with a non-zero reserved byte;
 *	rx_bad_mac:        initiations and responses of random bytes;
 *	rx_cookie_invalid: cookie replies of random bytes;
 *	rx_unknown_index:  data messages with random receiver indices, of
 *			   random size and of keepalive size plus one.
 * A random index could name a live keypair or handshake (a chance of
 * about 2^-32 each); the tests accept that.
 */
#include <endian.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/sockaddr.h"
#include "crypto/util.h"
#include "wg/messages.h"

enum {
	MAX_DATAGRAM = 65535,
	GARBAGE_MAX_LEN = 1500,
	/* Random data messages stay within an ordinary MTU. */
	DATA_MAX_LEN = 1500,
};

enum flood_counter {
	EXPECT_MALFORMED,
	EXPECT_BAD_MAC,
	EXPECT_COOKIE,
	EXPECT_UNKNOWN_INDEX,
	EXPECT_MAX,
};

static const char *const counter_names[EXPECT_MAX] = {
	[EXPECT_MALFORMED] = "drop_rx_malformed",
	[EXPECT_BAD_MAC] = "drop_rx_bad_mac",
	[EXPECT_COOKIE] = "drop_rx_cookie_invalid",
	[EXPECT_UNKNOWN_INDEX] = "drop_rx_unknown_index",
};

struct flood {
	int fd;
	union sockaddr_inet target;
	unsigned long long expect[EXPECT_MAX];
	unsigned long long sent, send_errors;
	uint8_t buf[MAX_DATAGRAM];
};

static void usage(void)
{
	fprintf(stderr,
		"Usage: wgflood flood [-n ROUNDS] [-i USEC] IP:PORT\n"
		"       wgflood relay [-o MSEC] LISTEN-PORT IP:PORT\n");
	exit(2);
}

static unsigned long parse_num(const char *s, const char *what)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || !*s || *end) {
		fprintf(stderr, "wgflood: %s is not a number: `%s'\n", what, s);
		exit(2);
	}
	return v;
}

static void parse_target(union sockaddr_inet *out, const char *text)
{
	if (!sockaddr_parse(out, text)) {
		fprintf(stderr, "wgflood: not IP:PORT: `%s'\n", text);
		exit(2);
	}
}

static uint32_t random_below(uint32_t n)
{
	return random_u32() % n;
}

static void put_type(uint8_t *buf, uint32_t type)
{
	uint32_t le = htole32(type);

	memcpy(buf, &le, sizeof(le));
}

/* The receiver reads the type as a whole little-endian u32. */
static bool looks_valid(const uint8_t *buf, size_t len)
{
	uint32_t type;

	if (len < sizeof(type))
		return false;
	memcpy(&type, buf, sizeof(type));
	switch (le32toh(type)) {
	case MESSAGE_HANDSHAKE_INITIATION:
		return len == sizeof(struct message_handshake_initiation);
	case MESSAGE_HANDSHAKE_RESPONSE:
		return len == sizeof(struct message_handshake_response);
	case MESSAGE_HANDSHAKE_COOKIE:
		return len == sizeof(struct message_handshake_cookie);
	case MESSAGE_DATA:
		return len >= MESSAGE_MINIMUM_LENGTH;
	default:
		return false;
	}
}

static void send_one(struct flood *f, size_t len, enum flood_counter expect)
{
	ssize_t n;

	do
		n = sendto(f->fd, f->buf, len, 0, &f->target.sa,
			   sockaddr_len(&f->target));
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)len) {
		f->send_errors++;
		return;
	}
	f->sent++;
	f->expect[expect]++;
}

/* A random message of type and len: valid header, random body. */
static void send_typed(struct flood *f, uint32_t type, size_t len,
		       enum flood_counter expect)
{
	random_bytes(f->buf, len);
	if (len >= sizeof(uint32_t))
		put_type(f->buf, type);
	send_one(f, len, expect);
}

static void flood_round(struct flood *f)
{
	static const size_t sizes[] = {
		sizeof(struct message_handshake_initiation),
		sizeof(struct message_handshake_response),
		sizeof(struct message_handshake_cookie),
		MESSAGE_MINIMUM_LENGTH,
	};
	static const uint32_t unknown[] = { 0, 5, 255, 0x0101 };
	size_t len;

	/* Garbage, nudged off the one-in-2^24 chance of a valid header. */
	len = random_below(GARBAGE_MAX_LEN + 1);
	random_bytes(f->buf, len);
	if (looks_valid(f->buf, len))
		f->buf[1] |= 1;
	send_one(f, len, EXPECT_MALFORMED);

	for (uint32_t type = MESSAGE_HANDSHAKE_INITIATION; type <= MESSAGE_DATA; type++)
		send_typed(f, type, sizes[type - 1] - 1, EXPECT_MALFORMED);
	/* Only handshake messages have a fixed size; data may grow. */
	for (uint32_t type = MESSAGE_HANDSHAKE_INITIATION; type < MESSAGE_DATA; type++)
		send_typed(f, type, sizes[type - 1] + 1, EXPECT_MALFORMED);
	for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++)
		send_typed(f, unknown[i], 4 + random_below(200),
			   EXPECT_MALFORMED);

	send_typed(f, MESSAGE_HANDSHAKE_INITIATION, sizes[0], EXPECT_BAD_MAC);
	send_typed(f, MESSAGE_HANDSHAKE_RESPONSE, sizes[1], EXPECT_BAD_MAC);
	send_typed(f, MESSAGE_HANDSHAKE_COOKIE, sizes[2], EXPECT_COOKIE);
	send_typed(f, MESSAGE_DATA, MESSAGE_MINIMUM_LENGTH + 1,
		   EXPECT_UNKNOWN_INDEX);
	len = MESSAGE_MINIMUM_LENGTH +
	      random_below(DATA_MAX_LEN - MESSAGE_MINIMUM_LENGTH + 1);
	send_typed(f, MESSAGE_DATA, len, EXPECT_UNKNOWN_INDEX);
}

static int cmd_flood(int argc, char **argv)
{
	static struct flood f;
	unsigned long rounds = 100, pause_us = 200;
	struct timespec pause;
	int opt;

	while ((opt = getopt(argc, argv, "n:i:")) != -1) {
		switch (opt) {
		case 'n':
			rounds = parse_num(optarg, "ROUNDS");
			break;
		case 'i':
			pause_us = parse_num(optarg, "USEC");
			break;
		default:
			usage();
		}
	}
	if (optind + 1 != argc)
		usage();
	parse_target(&f.target, argv[optind]);
	f.fd = socket(f.target.sa.sa_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (f.fd < 0) {
		perror("wgflood: socket");
		return 1;
	}
	pause.tv_sec = (time_t)(pause_us / 1000000);
	pause.tv_nsec = (long)(pause_us % 1000000) * 1000;
	for (unsigned long r = 0; r < rounds; r++) {
		flood_round(&f);
		if (pause_us)
			nanosleep(&pause, NULL);
	}
	close(f.fd);
	printf("sent=%llu\nsend_errors=%llu\n", f.sent, f.send_errors);
	for (int i = 0; i < EXPECT_MAX; i++)
		printf("%s=%llu\n", counter_names[i], f.expect[i]);
	return f.send_errors ? 1 : 0;
}

/* Relay */

struct direction {
	unsigned long long forwarded, replayed;
	uint8_t old[MAX_DATAGRAM]; /* the first data message, for later */
	size_t old_len;
};

struct relay {
	int fd;
	union sockaddr_inet target, client;
	bool have_client;
	struct direction to_target, to_client;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static bool is_data(const uint8_t *buf, size_t len)
{
	uint32_t type;

	if (len < MESSAGE_MINIMUM_LENGTH)
		return false;
	memcpy(&type, buf, sizeof(type));
	return le32toh(type) == MESSAGE_DATA;
}

static bool relay_send(struct relay *r, const union sockaddr_inet *dst,
		       const uint8_t *buf, size_t len)
{
	ssize_t n;

	do
		n = sendto(r->fd, buf, len, 0, &dst->sa, sockaddr_len(dst));
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)len;
}

static void relay_forward(struct relay *r, struct direction *d,
			  const union sockaddr_inet *dst, const uint8_t *buf,
			  size_t len)
{
	if (!relay_send(r, dst, buf, len))
		return;
	d->forwarded++;
	if (!is_data(buf, len))
		return;
	if (relay_send(r, dst, buf, len))
		d->replayed++;
	if (!d->old_len) {
		memcpy(d->old, buf, len);
		d->old_len = len;
	}
}

static void relay_resend_old(struct relay *r)
{
	if (r->to_target.old_len &&
	    relay_send(r, &r->target, r->to_target.old, r->to_target.old_len))
		r->to_target.replayed++;
	if (r->have_client && r->to_client.old_len &&
	    relay_send(r, &r->client, r->to_client.old, r->to_client.old_len))
		r->to_client.replayed++;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int relay_bind(uint16_t port, int family)
{
	union sockaddr_inet addr;
	int fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	memset(&addr, 0, sizeof(addr));
	if (family == AF_INET) {
		addr.in.sin_family = AF_INET;
		addr.in.sin_port = htons(port);
	} else {
		addr.in6.sin6_family = AF_INET6;
		addr.in6.sin6_port = htons(port);
	}
	if (bind(fd, &addr.sa, sockaddr_len(&addr)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int cmd_relay(int argc, char **argv)
{
	static struct relay r;
	static uint8_t buf[MAX_DATAGRAM];
	unsigned long old_every_ms = 500;
	struct sigaction sa = { .sa_handler = on_signal };
	uint64_t next_old;
	int opt;

	while ((opt = getopt(argc, argv, "o:")) != -1) {
		if (opt != 'o')
			usage();
		old_every_ms = parse_num(optarg, "MSEC");
	}
	if (optind + 2 != argc)
		usage();
	parse_target(&r.target, argv[optind + 1]);
	r.fd = relay_bind((uint16_t)parse_num(argv[optind], "LISTEN-PORT"),
			  r.target.sa.sa_family);
	if (r.fd < 0) {
		perror("wgflood: relay socket");
		return 1;
	}
	/* No SA_RESTART: the signal must wake poll() up. */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	next_old = now_ms() + old_every_ms;
	while (!stop) {
		struct pollfd pfd = { .fd = r.fd, .events = POLLIN };
		union sockaddr_inet from;
		socklen_t from_len = sizeof(from);
		uint64_t now = now_ms();
		ssize_t n;

		if (old_every_ms && now >= next_old) {
			relay_resend_old(&r);
			next_old = now + old_every_ms;
		}
		if (poll(&pfd, 1, old_every_ms ? (int)(next_old - now) : -1) <= 0)
			continue;
		n = recvfrom(r.fd, buf, sizeof(buf), MSG_DONTWAIT, &from.sa,
			     &from_len);
		if (n < 0)
			continue;
		if (sockaddr_equal(&from, &r.target)) {
			if (r.have_client)
				relay_forward(&r, &r.to_client, &r.client, buf,
					      (size_t)n);
			continue;
		}
		/* The client may roam, like any WireGuard peer. */
		r.client = from;
		r.have_client = true;
		relay_forward(&r, &r.to_target, &r.target, buf, (size_t)n);
	}
	printf("forwarded_to_target=%llu\nreplays_to_target=%llu\n"
	       "forwarded_to_client=%llu\nreplays_to_client=%llu\n",
	       r.to_target.forwarded, r.to_target.replayed,
	       r.to_client.forwarded, r.to_client.replayed);
	close(r.fd);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		usage();
	if (!strcmp(argv[1], "flood"))
		return cmd_flood(argc - 1, argv + 1);
	if (!strcmp(argv[1], "relay"))
		return cmd_relay(argc - 1, argv + 1);
	usage();
	return 2;
}
