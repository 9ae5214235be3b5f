// SPDX-License-Identifier: MIT
/*
 * wgforge: forged handshake initiations, as fast as the machine can send
 * them, for the netns tests of a responder under load.
 *
 *   wgforge -s PREFIX [-n COUNT] [-t SECONDS] [-b BATCH] [-r RATE] IP:PORT PUBKEY
 *
 * Every datagram is a 148-byte initiation whose mac1 is valid for PUBKEY
 * (the responder's public key, base64 as wg(8) prints it), so it passes
 * the cheap check; everything else (sender index, ephemeral key, the
 * encrypted static key and timestamp) is random, so it can never pass the
 * Diffie-Hellman one, and mac2 is zero, as from an initiator that holds
 * no cookie. The IPv4 source cycles through every address of PREFIX and
 * the UDP source port is random: from the responder's side these are
 * many hosts, none of which will ever answer a cookie reply.
 *
 * It writes the IPv4 and UDP headers itself (a raw socket with
 * IP_HDRINCL, so root or CAP_NET_RAW), checksums included, and sends
 * BATCH datagrams per sendmmsg, as fast as it can or, with RATE, paced to
 * that many datagrams per second. It stops after COUNT datagrams, after
 * SECONDS, or on SIGTERM or SIGINT, whichever comes first, and prints
 * "sent=", "send_errors=", "seconds=" and "rate=" (datagrams per second)
 * lines. The exit status is 0 if at least one datagram was sent.
 */
#include <endian.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>

#include "base/checksum.h"
#include "base/hex.h"
#include "base/sockaddr.h"
#include "crypto/blake2s.h"
#include "crypto/util.h"
#include "wg/messages.h"

enum {
	INITIATION_LEN = sizeof(struct message_handshake_initiation),
	MAC1_OFFSET = offsetof(struct message_handshake_initiation, macs.mac1),
	HEADERS_LEN = sizeof(struct iphdr) + sizeof(struct udphdr),
	DATAGRAM_LEN = HEADERS_LEN + INITIATION_LEN,
	BATCH_DEFAULT = 64,
	BATCH_MAX = 1024,
	FORGE_TTL = 64,
};

struct forge_opts {
	struct sockaddr_in target;
	uint8_t responder_public[NOISE_PUBLIC_KEY_LEN];
	uint32_t prefix, host_mask; /* host order */
	unsigned long long count;   /* 0: no limit */
	double seconds;             /* 0: no limit */
	unsigned int batch;
	unsigned long long rate; /* datagrams per second; 0: no limit */
};

struct forge {
	const struct forge_opts *opts;
	int fd;
	uint8_t mac1_key[NOISE_SYMMETRIC_KEY_LEN];
	uint64_t rng;
	uint32_t next_host;
	unsigned long long sent, send_errors;
	uint8_t datagrams[BATCH_MAX][DATAGRAM_LEN];
	struct iovec iov[BATCH_MAX];
	struct mmsghdr msgs[BATCH_MAX];
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(void)
{
	fprintf(stderr,
		"Usage: wgforge -s PREFIX [-n COUNT] [-t SECONDS] [-b BATCH] [-r RATE] IP:PORT PUBKEY\n"
		"  PREFIX   IPv4 prefix the forged sources cycle through, e.g. 10.114.0.0/16\n"
		"  COUNT    stop after this many datagrams\n"
		"  SECONDS  stop after this long (fractions allowed)\n"
		"  BATCH    datagrams per sendmmsg, 1..%d (default %d)\n"
		"  RATE     datagrams per second (default: as fast as possible)\n"
		"  PUBKEY   the responder's public key, base64 as wg(8) prints it\n",
		BATCH_MAX, BATCH_DEFAULT);
}

/* Parsers: quote the bad input, leave the output alone on failure. */

static bool parse_ull(unsigned long long *out, const char *s, const char *what)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end || *s == '-') {
		fprintf(stderr, "wgforge: %s is not a number: `%s'\n", what, s);
		return false;
	}
	*out = v;
	return true;
}

static bool parse_seconds(double *out, const char *s)
{
	double v;
	char *end;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v <= 0) {
		fprintf(stderr, "wgforge: SECONDS is not a positive number: `%s'\n", s);
		return false;
	}
	*out = v;
	return true;
}

static bool parse_batch(unsigned int *out, const char *s)
{
	unsigned long long v;

	if (!parse_ull(&v, s, "BATCH"))
		return false;
	if (!v || v > BATCH_MAX) {
		fprintf(stderr, "wgforge: BATCH is not 1..%d: `%s'\n", BATCH_MAX, s);
		return false;
	}
	*out = (unsigned int)v;
	return true;
}

/* "a.b.c.d/len", len 1..32; host bits in the address are ignored. */
static bool parse_prefix(uint32_t *prefix, uint32_t *host_mask, const char *s)
{
	char addr[INET_ADDRSTRLEN];
	const char *slash = strchr(s, '/');
	unsigned long long len;
	struct in_addr in;
	uint32_t mask;

	if (!slash || (size_t)(slash - s) >= sizeof(addr))
		goto bad;
	memcpy(addr, s, (size_t)(slash - s));
	addr[slash - s] = '\0';
	if (inet_pton(AF_INET, addr, &in) != 1 ||
	    !parse_ull(&len, slash + 1, "prefix length") || len < 1 || len > 32)
		goto bad;
	mask = len == 32 ? 0 : UINT32_MAX >> len;
	*host_mask = mask;
	*prefix = ntohl(in.s_addr) & ~mask;
	return true;
bad:
	fprintf(stderr, "wgforge: PREFIX is not an IPv4 a.b.c.d/1..32: `%s'\n", s);
	return false;
}

static bool parse_target(struct sockaddr_in *out, const char *s)
{
	union sockaddr_inet addr;

	if (!sockaddr_parse(&addr, s)) {
		fprintf(stderr, "wgforge: target is not IP:PORT: `%s'\n", s);
		return false;
	}
	if (addr.sa.sa_family != AF_INET || !addr.in.sin_port) {
		fprintf(stderr, "wgforge: target must be IPv4 with a port: `%s'\n", s);
		return false;
	}
	*out = addr.in;
	return true;
}

static bool parse_opts(struct forge_opts *o, int argc, char **argv)
{
	bool have_prefix = false;
	int opt;

	memset(o, 0, sizeof(*o));
	o->batch = BATCH_DEFAULT;
	while ((opt = getopt(argc, argv, "s:n:t:b:r:h")) != -1) {
		bool ok;

		switch (opt) {
		case 's':
			ok = have_prefix = parse_prefix(&o->prefix, &o->host_mask, optarg);
			break;
		case 'n':
			ok = parse_ull(&o->count, optarg, "COUNT");
			if (ok && !o->count) {
				fprintf(stderr, "wgforge: COUNT must be 1 or more\n");
				ok = false;
			}
			break;
		case 't':
			ok = parse_seconds(&o->seconds, optarg);
			break;
		case 'b':
			ok = parse_batch(&o->batch, optarg);
			break;
		case 'r':
			ok = parse_ull(&o->rate, optarg, "RATE");
			break;
		default:
			ok = false;
			break;
		}
		if (!ok)
			return false;
	}
	if (!have_prefix) {
		fprintf(stderr, "wgforge: a source PREFIX (-s) is required\n");
		return false;
	}
	if (optind + 2 != argc) {
		fprintf(stderr, "wgforge: want IP:PORT and PUBKEY\n");
		return false;
	}
	if (!parse_target(&o->target, argv[optind]))
		return false;
	if (!key_from_base64(o->responder_public, argv[optind + 1])) {
		fprintf(stderr, "wgforge: PUBKEY is not a base64 key: `%s'\n",
			argv[optind + 1]);
		return false;
	}
	return true;
}

/*
 * splitmix64: the forged fields only have to look random to the
 * responder, and the CSPRNG would cost more than everything else here.
 */
static uint64_t next_random(struct forge *f)
{
	uint64_t z = (f->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/*
 * Everything before mac1 random but the type; mac2 zero: no cookie. The
 * last 8-byte word spills into mac1, which is written after it.
 */
static bool forge_initiation(struct forge *f, uint8_t *msg)
{
	uint32_t type = htole32(MESSAGE_HANDSHAKE_INITIATION);

	for (size_t off = 0; off < MAC1_OFFSET; off += sizeof(uint64_t)) {
		uint64_t r = next_random(f);

		memcpy(msg + off, &r, sizeof(r));
	}
	memcpy(msg, &type, sizeof(type));
	memset(msg + MAC1_OFFSET + COOKIE_LEN, 0, COOKIE_LEN);
	return blake2s_keyed(msg + MAC1_OFFSET, COOKIE_LEN, f->mac1_key,
			     sizeof(f->mac1_key), msg, MAC1_OFFSET);
}

/* The next source address of the prefix, round and round. */
static uint32_t next_source(struct forge *f)
{
	uint32_t host = f->next_host++ & f->opts->host_mask;

	return htonl(f->opts->prefix | host);
}

static void write_headers(struct forge *f, uint8_t *d)
{
	struct iphdr ip = {
		.version = 4,
		.ihl = sizeof(struct iphdr) / 4,
		.tot_len = htons(DATAGRAM_LEN),
		.ttl = FORGE_TTL,
		.protocol = IPPROTO_UDP,
		.saddr = next_source(f),
		.daddr = f->opts->target.sin_addr.s_addr,
	};
	uint64_t r = next_random(f);
	struct udphdr udp = {
		.source = htons((uint16_t)(1024 + r % (65536 - 1024))),
		.dest = f->opts->target.sin_port,
		.len = htons(sizeof(struct udphdr) + INITIATION_LEN),
	};
	uint16_t check;

	ip.id = (uint16_t)(r >> 32);
	memcpy(d, &ip, sizeof(ip));
	csum_ipv4_header(d);
	memcpy(d + sizeof(ip), &udp, sizeof(udp));
	check = (uint16_t)~csum_fold(csum_partial(d + sizeof(ip),
						  sizeof(udp) + INITIATION_LEN,
						  csum_pseudo(d, IPPROTO_UDP,
							      sizeof(udp) + INITIATION_LEN)));
	/* A computed zero goes out as all ones: zero means "no checksum". */
	check = htons(check ? check : 0xffff);
	memcpy(d + sizeof(ip) + offsetof(struct udphdr, check), &check,
	       sizeof(check));
}

static bool forge_batch(struct forge *f, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		uint8_t *d = f->datagrams[i];

		if (!forge_initiation(f, d + HEADERS_LEN))
			return false;
		write_headers(f, d);
	}
	return true;
}

/*
 * Sends n datagrams; a partial send retries the rest. Returns false on
 * an error that will not go away by itself, or when told to stop.
 */
static bool send_batch(struct forge *f, unsigned int n)
{
	unsigned int done = 0;

	while (done < n) {
		int ret = sendmmsg(f->fd, f->msgs + done, n - done, 0);

		if (ret > 0) {
			done += (unsigned int)ret;
			continue;
		}
		if (errno == EINTR && !stop)
			continue;
		if (errno == EINTR)
			break;
		/* A queue that overflowed or a route that flapped: count it. */
		if (errno == ENOBUFS || errno == EAGAIN || errno == EHOSTUNREACH ||
		    errno == ENETUNREACH) {
			f->send_errors++;
			done++;
			continue;
		}
		perror("wgforge: sendmmsg");
		f->sent += done;
		return false;
	}
	f->sent += done;
	return true;
}

static void setup_msgs(struct forge *f)
{
	for (unsigned int i = 0; i < BATCH_MAX; i++) {
		f->iov[i].iov_base = f->datagrams[i];
		f->iov[i].iov_len = DATAGRAM_LEN;
		memset(&f->msgs[i], 0, sizeof(f->msgs[i]));
		f->msgs[i].msg_hdr.msg_name = (void *)&f->opts->target;
		f->msgs[i].msg_hdr.msg_namelen = sizeof(f->opts->target);
		f->msgs[i].msg_hdr.msg_iov = &f->iov[i];
		f->msgs[i].msg_hdr.msg_iovlen = 1;
	}
}

/* IPPROTO_RAW implies IP_HDRINCL: the headers are all ours. */
static int forge_init(struct forge *f, const struct forge_opts *o)
{
	static const char mac1_label[] = "mac1----";

	f->opts = o;
	if (!blake2s_hash2(f->mac1_key, mac1_label, 8, o->responder_public,
			   sizeof(o->responder_public))) {
		fprintf(stderr, "wgforge: BLAKE2s is not available\n");
		return -1;
	}
	if (!random_bytes(&f->rng, sizeof(f->rng)) ||
	    !random_bytes(&f->next_host, sizeof(f->next_host))) {
		fprintf(stderr, "wgforge: no randomness to seed from\n");
		return -1;
	}
	f->fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
	if (f->fd < 0) {
		perror("wgforge: raw socket (needs CAP_NET_RAW)");
		return -1;
	}
	setup_msgs(f);
	return 0;
}

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static unsigned int next_batch_size(const struct forge *f)
{
	unsigned long long left;

	if (!f->opts->count)
		return f->opts->batch;
	left = f->opts->count - (f->sent + f->send_errors);
	return left < f->opts->batch ? (unsigned int)left : f->opts->batch;
}

/* Sleeps until what was sent matches the rate asked for. */
static void pace(const struct forge *f, double start, double elapsed)
{
	double due = (double)(f->sent + f->send_errors) / (double)f->opts->rate;
	struct timespec ts;

	if (due <= elapsed)
		return;
	due += start;
	ts.tv_sec = (time_t)due;
	ts.tv_nsec = (long)((due - (double)ts.tv_sec) * 1e9);
	while (!stop && clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts,
					NULL) == EINTR)
		;
}

static int run(struct forge *f)
{
	double start = now_seconds(), elapsed = 0;
	bool ok = true;
	unsigned int n;

	while (!stop && (n = next_batch_size(f)) > 0) {
		if (!forge_batch(f, n)) {
			fprintf(stderr, "wgforge: BLAKE2s failed\n");
			ok = false;
			break;
		}
		if (!send_batch(f, n)) {
			ok = false;
			break;
		}
		elapsed = now_seconds() - start;
		if (f->opts->seconds && elapsed >= f->opts->seconds)
			break;
		if (f->opts->rate)
			pace(f, start, elapsed);
	}
	elapsed = now_seconds() - start;
	printf("sent=%llu\nsend_errors=%llu\nseconds=%.3f\nrate=%.0f\n",
	       f->sent, f->send_errors, elapsed,
	       elapsed > 0 ? (double)f->sent / elapsed : 0.0);
	fflush(stdout);
	return ok && f->sent ? 0 : 1;
}

int main(int argc, char **argv)
{
	static struct forge f;
	struct forge_opts opts;
	struct sigaction sa = { .sa_handler = on_signal };
	int ret;

	if (!parse_opts(&opts, argc, argv)) {
		usage();
		return 2;
	}
	if (forge_init(&f, &opts))
		return 1;
	/* No SA_RESTART: a signal must interrupt a blocked sendmmsg. */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	ret = run(&f);
	close(f.fd);
	memzero_explicit(f.mac1_key, sizeof(f.mac1_key));
	return ret;
}
