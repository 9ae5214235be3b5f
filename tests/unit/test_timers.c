// SPDX-License-Identifier: MIT
/*
 * The protocol timers (whitepaper §6, timers.c) between two devices up on
 * loopback UDP, on a clock of the test's own: the binary is linked with
 * -Wl,--wrap=now_ns (Makefile, LDFLAGS_test_timers), so every timer and
 * key age in the library reads fake_now. The clock moves only through
 * advance_to(), which stops at each timer's exact deadline, fires it and
 * lets what it sent cross loopback before moving on; nothing sleeps on
 * the wall clock but the loop's own few-millisecond waits for datagrams
 * in flight. The wall clock is wrapped too and follows the fake one, so
 * TAI64N timestamps grow as fast as handshakes are sent.
 *
 * Each test checks a deadline from both sides: nothing a nanosecond
 * before it, the effect at it (or by the end of its jitter), counted in
 * bytes, keypairs, timer state and drop counters.
 */
#include <arpa/inet.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/container.h"
#include "base/log.h"
#include "base/loop.h"
#include "base/time.h"
#include "wg/config.h"
#include "wg/device.h"
#include "wg/index.h"
#include "wg/messages.h"
#include "wg/noise.h"
#include "wg/packet.h"
#include "wg/peer.h"
#include "wg/send.h"
#include "wg/socket.h"

#include "testutil.h"

#define SEC(s) ((uint64_t)(s) * NSEC_PER_SEC)
#define MS(ms) ((uint64_t)(ms) * NSEC_PER_MSEC)
/* The latest a jittered deadline of `s` seconds may fire. */
#define JITTERED(s) (SEC(s) + MS(REKEY_TIMEOUT_JITTER_MAX_MS))

/* ---- The clocks --------------------------------------------------------- */

static uint64_t fake_now;
/* What the wall clock reads when fake_now is 0. */
static const time_t fake_epoch = 1700000000;

uint64_t __wrap_now_ns(void);
int __wrap_clock_gettime(clockid_t clock, struct timespec *ts);
int __real_clock_gettime(clockid_t clock, struct timespec *ts);

uint64_t __wrap_now_ns(void)
{
	return fake_now;
}

int __wrap_clock_gettime(clockid_t clock, struct timespec *ts)
{
	if (clock != CLOCK_REALTIME)
		return __real_clock_gettime(clock, ts);
	ts->tv_sec = fake_epoch + (time_t)(fake_now / NSEC_PER_SEC);
	ts->tv_nsec = (long)(fake_now % NSEC_PER_SEC);
	return 0;
}

/* ---- Two devices on loopback ------------------------------------------- */

enum {
	IP_A = 0x0a000001,
	IP_B = 0x0a000002,
	INNER_LEN = TU_IPV4_LEN,
	INIT_LEN = sizeof(struct message_handshake_initiation),
	RESP_LEN = sizeof(struct message_handshake_response),
	KEEPALIVE_LEN = message_data_len(0),
	/* INNER_LEN padded to 32 (no MTU set) */
	DATA_LEN = message_data_len(32),
	/* A quiet loop waits this long for datagrams still in flight. */
	SETTLE_WAIT_MS = 5,
};

struct fixture {
	TU_PAIR_GROUP;
	uint16_t b_port;
	uint64_t t0; /* when the test starts */
	int relay_fd; /* a relay's socket, closed by the teardown */
	uint8_t buf[256] __attribute__((aligned(16)));
};

static void set_persistent_keepalive(struct wg_device *dev,
				     const uint8_t peer_pub[32],
				     uint16_t interval)
{
	struct wg_peer_config pc = {
		.flags = WGPEER_UPDATE_ONLY |
			 WGPEER_HAS_PERSISTENT_KEEPALIVE_INTERVAL,
		.persistent_keepalive_interval = interval,
	};
	struct wg_config cfg = { .peers = &pc, .peers_len = 1 };

	memcpy(pc.public_key, peer_pub, 32);
	assert_int_equal(wg_device_apply_config(dev, &cfg), 0);
}

/* Both devices up on 127.0.0.1, each the other's endpoint, no TUN. */
static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	/* Far from 0, so "5 s ago" and the like stay positive. */
	fake_now = SEC(1000);
	f->t0 = fake_now;
	f->relay_fd = -1;
	if (tu_pair_new(&f->pair, 0x5a) < 0 ||
	    tu_pair_up_on_loopback(&f->pair) < 0)
		return -1;
	f->b_port = f->b->incoming_port;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	tu_pair_free(&f->pair);
	if (f->relay_fd >= 0)
		close(f->relay_fd);
	free(f);
	return 0;
}

/* ---- Driving the loop and the clock ------------------------------------ */

/*
 * Runs the loop, clock stopped, until an iteration that waited
 * SETTLE_WAIT_MS for datagrams ran nothing. Loopback hands a datagram
 * over within the sendto, so the wait is only a margin; a ping-pong that
 * never ends is a bug.
 */
static void settle(struct fixture *f)
{
	for (int i = 0; i < 1000; i++) {
		int n = loop_run_once(f->loop, 0);

		assert_true(n >= 0);
		if (n)
			continue;
		n = loop_run_once(f->loop, SETTLE_WAIT_MS);
		assert_true(n >= 0);
		if (!n)
			return;
	}
	fail_msg("the loop never went quiet");
}

/* Runs the loop, clock stopped, until done(f) or max_iterations. */
static bool pump_until(struct fixture *f, bool (*done)(struct fixture *f),
		       int max_iterations)
{
	for (int i = 0; i < max_iterations; i++) {
		if (done(f))
			return true;
		assert_true(loop_run_once(f->loop, 1) >= 0);
	}
	return done(f);
}

static void earliest(uint64_t *min, const struct timer *t)
{
	if (timer_pending(t) && t->expires < *min)
		*min = t->expires;
}

/* The next deadline of any timer either device has, or UINT64_MAX. */
static uint64_t next_deadline(struct fixture *f)
{
	struct wg_peer *peers[] = { f->a_peer, f->b_peer };
	uint64_t min = UINT64_MAX;

	for (size_t i = 0; i < sizeof(peers) / sizeof(peers[0]); i++) {
		earliest(&min, &peers[i]->timer_retransmit_handshake);
		earliest(&min, &peers[i]->timer_send_keepalive);
		earliest(&min, &peers[i]->timer_new_handshake);
		earliest(&min, &peers[i]->timer_zero_key_material);
		earliest(&min, &peers[i]->timer_persistent_keepalive);
	}
	earliest(&min, &f->a->ratelimiter_gc);
	earliest(&min, &f->b->ratelimiter_gc);
	return min;
}

/*
 * Moves the clock to `when`, stopping at every deadline on the way: each
 * timer fires at its exact expiry and what it sent is delivered before
 * the clock moves on.
 */
static void advance_to(struct fixture *f, uint64_t when)
{
	assert_true(when >= fake_now);
	for (int i = 0; i < 100000; i++) {
		uint64_t next = next_deadline(f);

		if (next > when) {
			fake_now = when;
			settle(f);
			return;
		}
		if (next > fake_now)
			fake_now = next;
		settle(f);
		if (next_deadline(f) <= fake_now)
			fail_msg("a timer due at %llu ns did not fire",
				 (unsigned long long)next_deadline(f));
	}
	fail_msg("a timer keeps firing at the same instant");
}

/* Moves the clock to the next deadline, fires it, and returns the time. */
static uint64_t step(struct fixture *f)
{
	uint64_t next = next_deadline(f);

	assert_true(next != UINT64_MAX);
	advance_to(f, next);
	return next;
}

/* ---- Traffic ------------------------------------------------------------ */

/* One inner packet read from dev's TUN, as interface.c hands it over. */
static void send_data(struct wg_device *dev, uint32_t src, uint32_t dst)
{
	struct pkt *pkt = &dev->tx_batch.pkts[0];

	pkt->data = pkt->head + PKT_HEADROOM;
	pkt->len = tu_make_ipv4(pkt->data, src, dst);
	dev->tx_batch.len = 1;
	wg_packet_send_batch(dev, &dev->tx_batch);
	dev->tx_batch.len = 0;
}

static void a_sends_data(struct fixture *f)
{
	send_data(f->a, IP_A, IP_B);
}

static void b_sends_data(struct fixture *f)
{
	send_data(f->b, IP_B, IP_A);
}

/*
 * A keepalive sealed with keypair by hand and fed to dev as if read from
 * its socket, from the endpoint dev already knows for its peer. For a
 * side whose own socket is closed, or a keypair its owner would no
 * longer send with.
 */
static void inject_keepalive(struct fixture *f, struct wg_device *dev,
			     struct noise_keypair *keypair)
{
	struct wg_peer *peer = dev == f->a ? f->a_peer : f->b_peer;
	size_t len;

	len = wg_packet_encrypt(f->buf, 0, keypair, keypair->sending_counter++,
				0);
	assert_int_equal(len, KEEPALIVE_LEN);
	tu_deliver(dev, f->buf, len, &peer->endpoint.addr);
}

static bool both_confirmed(struct fixture *f)
{
	return f->a_peer->keypairs.current_keypair &&
	       f->b_peer->keypairs.current_keypair;
}

/*
 * A session with `initiator` (a_peer or b_peer) as the initiator, at
 * the current time: its keepalive starts the handshake and, sent on the
 * new keys, confirms it. Returns the initiator's new keypair.
 */
static struct noise_keypair *establish(struct fixture *f,
				       struct wg_peer *initiator)
{
	struct wg_peer *responder =
		initiator == f->a_peer ? f->b_peer : f->a_peer;
	struct noise_keypair *ik, *rk;

	wg_packet_send_keepalive(initiator);
	assert_true(pump_until(f, both_confirmed, 1000));
	settle(f);
	ik = initiator->keypairs.current_keypair;
	rk = responder->keypairs.current_keypair;
	assert_non_null(ik);
	assert_non_null(rk);
	assert_true(ik->i_am_the_initiator);
	assert_false(rk->i_am_the_initiator);
	assert_int_equal(ik->entry.index, rk->remote_index);
	assert_int_equal(rk->entry.index, ik->remote_index);
	assert_int_equal(ik->sending.birthdate, fake_now);
	assert_int_equal(rk->sending.birthdate, fake_now);
	assert_null(responder->keypairs.next_keypair);
	assert_int_equal(tu_total_drops(f->a), 0);
	assert_int_equal(tu_total_drops(f->b), 0);
	return ik;
}

/*
 * A UDP socket of the test's own on 127.0.0.1: a peer pointed at it
 * sends there, and the test passes on what it wants, when it wants,
 * with the relay as the source either side sees.
 */
struct relay {
	int fd;
	union sockaddr_inet addr;
};

static void relay_open(struct relay *r)
{
	socklen_t len = sizeof(r->addr.in);

	memset(r, 0, sizeof(*r));
	r->addr.in.sin_family = AF_INET;
	r->addr.in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	r->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	assert_true(r->fd >= 0);
	assert_int_equal(bind(r->fd, &r->addr.sa, len), 0);
	assert_int_equal(getsockname(r->fd, &r->addr.sa, &len), 0);
}

/* The next datagram sent to the relay, which must be of `want` bytes. */
static void relay_take(struct relay *r, uint8_t *buf, size_t want)
{
	struct pollfd pfd = { .fd = r->fd, .events = POLLIN };

	/* Already there after settle(); the timeout only bounds a failure. */
	assert_int_equal(poll(&pfd, 1, 1000), 1);
	/* One byte of room more, so a longer datagram shows. */
	assert_int_equal(recv(r->fd, buf, want + 1, 0), (ssize_t)want);
}

static void relay_pass(struct relay *r, const uint8_t *buf, size_t len,
		       uint16_t port)
{
	union sockaddr_inet to = r->addr;

	to.in.sin_port = htons(port);
	assert_int_equal(sendto(r->fd, buf, len, 0, &to.sa, sizeof(to.in)),
			 (ssize_t)len);
}

/* ---- The clock itself --------------------------------------------------- */

static bool fired;

static void set_fired(struct timer *t)
{
	(void)t;
	fired = true;
}

/* Timers in the library follow the fake clock, and only it. */
static void test_fake_clock(void **state)
{
	struct fixture *f = *state;
	struct timespec ts;
	struct timer t;

	assert_int_equal(now_ns(), SEC(1000));
	assert_int_equal(clock_gettime(CLOCK_REALTIME, &ts), 0);
	assert_int_equal(ts.tv_sec, fake_epoch + 1000);

	fired = false;
	timer_init(&t, f->loop, set_fired);
	timer_mod(&t, fake_now + SEC(1));
	/* A whole second of fake time ahead: no wall-clock wait fires it. */
	assert_int_equal(loop_run_once(f->loop, SETTLE_WAIT_MS), 0);
	assert_false(fired);
	fake_now += SEC(1) - 1;
	assert_int_equal(loop_run_once(f->loop, 0), 0);
	assert_false(fired);
	fake_now += 1;
	assert_int_equal(loop_run_once(f->loop, 0), 1);
	assert_true(fired);
	assert_false(timer_pending(&t));
}

/* ---- Handshake initiation and retransmission ---------------------------- */

/* The first packet for a peer without keys waits for a handshake. */
static void test_handshake_on_first_data(void **state)
{
	struct fixture *f = *state;
	struct wg_peer *a = f->a_peer, *b = f->b_peer;
	struct noise_keypair *ak, *bk;

	a_sends_data(f);
	assert_int_equal(a->staged_len, 1);
	assert_int_equal(a->handshake.state, HANDSHAKE_CREATED_INITIATION);
	assert_int_equal(a->last_sent_handshake, f->t0);
	assert_int_equal(a->tx_bytes, INIT_LEN);
	assert_int_equal(a->timer_handshake_attempts, 0);
	assert_true(timer_pending(&a->timer_retransmit_handshake));
	/* Nothing went out as data yet. */
	assert_false(timer_pending(&a->timer_new_handshake));

	settle(f);
	ak = a->keypairs.current_keypair;
	bk = b->keypairs.current_keypair;
	assert_non_null(ak);
	assert_non_null(bk);
	assert_true(ak->i_am_the_initiator);
	assert_false(bk->i_am_the_initiator);
	assert_null(b->keypairs.next_keypair);
	assert_null(a->keypairs.previous_keypair);
	assert_null(b->keypairs.previous_keypair);
	/* The staged packet confirmed the session; no keepalive needed. */
	assert_int_equal(a->staged_len, 0);
	assert_int_equal(ak->sending_counter, 1);
	assert_int_equal(bk->sending_counter, 0);
	assert_int_equal(a->tx_bytes, INIT_LEN + DATA_LEN);
	assert_int_equal(b->rx_bytes, INIT_LEN + DATA_LEN);
	assert_int_equal(b->tx_bytes, RESP_LEN);
	assert_int_equal(a->rx_bytes, RESP_LEN);
	assert_int_equal(b->last_sent_handshake, f->t0);
	assert_false(timer_pending(&a->timer_retransmit_handshake));
	assert_int_equal(a->timer_handshake_attempts, 0);
	/* Data out and data in: A waits for an answer, B owes one. */
	assert_true(timer_pending(&a->timer_new_handshake));
	assert_true(timer_pending(&b->timer_send_keepalive));
	assert_false(timer_pending(&b->timer_new_handshake));
	assert_true(timer_pending(&a->timer_zero_key_material));
	assert_true(timer_pending(&b->timer_zero_key_material));
	/* No persistent keepalive configured. */
	assert_false(timer_pending(&a->timer_persistent_keepalive));
	assert_false(timer_pending(&b->timer_persistent_keepalive));
	assert_int_equal(a->walltime_last_handshake.tv_sec,
			 fake_epoch + (time_t)(f->t0 / NSEC_PER_SEC));
	assert_int_equal(b->walltime_last_handshake.tv_sec,
			 fake_epoch + (time_t)(f->t0 / NSEC_PER_SEC));
	assert_int_equal(tu_total_drops(f->a), 0);
	assert_int_equal(tu_total_drops(f->b), 0);
}

/*
 * B is gone: A retries every REKEY_TIMEOUT plus jitter, gives up after
 * MAX_TIMER_HANDSHAKES + 2 initiations, drops what it staged, and wipes
 * the half-done handshake 3 * REJECT_AFTER_TIME later.
 */
static void test_retransmit_and_give_up(void **state)
{
	struct fixture *f = *state;
	struct wg_peer *a = f->a_peer;
	uint64_t last, when, index;
	unsigned int sent, jittered = 0;

	assert_int_equal(wg_device_set_up(f->b, false), 0);
	a_sends_data(f);
	assert_int_equal(a->tx_bytes, INIT_LEN);

	advance_to(f, f->t0 + SEC(REKEY_TIMEOUT) - 1);
	assert_int_equal(a->tx_bytes, INIT_LEN);
	assert_int_equal(a->timer_handshake_attempts, 0);
	advance_to(f, f->t0 + JITTERED(REKEY_TIMEOUT));
	assert_int_equal(a->tx_bytes, 2 * INIT_LEN);
	assert_int_equal(a->timer_handshake_attempts, 1);
	assert_true(a->last_sent_handshake >= f->t0 + SEC(REKEY_TIMEOUT));
	assert_true(a->last_sent_handshake < f->t0 + JITTERED(REKEY_TIMEOUT));

	last = a->last_sent_handshake;
	for (sent = 3; sent <= MAX_TIMER_HANDSHAKES + 2; sent++) {
		when = step(f);
		assert_int_equal(a->tx_bytes, sent * INIT_LEN);
		assert_int_equal(a->last_sent_handshake, when);
		assert_int_equal(a->timer_handshake_attempts, sent - 1);
		assert_true(when - last >= SEC(REKEY_TIMEOUT));
		assert_true(when - last < JITTERED(REKEY_TIMEOUT));
		jittered += when - last != SEC(REKEY_TIMEOUT);
		/* The packet still waits for keys. */
		assert_int_equal(a->staged_len, 1);
		last = when;
	}
	/* 1 in 333^18 that no jitter shows at all. */
	assert_true(jittered > 0);

	/* The next expiry gives up instead of sending a 21st. */
	when = step(f);
	assert_true(when - last >= SEC(REKEY_TIMEOUT));
	assert_true(when - last < JITTERED(REKEY_TIMEOUT));
	assert_true(when - f->t0 >= (MAX_TIMER_HANDSHAKES + 2) * SEC(REKEY_TIMEOUT));
	assert_int_equal(a->tx_bytes, (MAX_TIMER_HANDSHAKES + 2) * INIT_LEN);
	assert_false(timer_pending(&a->timer_retransmit_handshake));
	assert_false(timer_pending(&a->timer_send_keepalive));
	assert_int_equal(a->staged_len, 0);
	assert_int_equal(a->timer_handshake_attempts, MAX_TIMER_HANDSHAKES + 1);
	assert_true(timer_pending(&a->timer_zero_key_material));
	assert_int_equal(a->handshake.state, HANDSHAKE_CREATED_INITIATION);
	index = a->handshake.entry.index;

	advance_to(f, when + SEC(3 * REJECT_AFTER_TIME) - 1);
	assert_int_equal(a->handshake.state, HANDSHAKE_CREATED_INITIATION);
	assert_non_null(index_table_lookup(f->a->index_table, INDEX_HANDSHAKE,
					   (uint32_t)index));
	advance_to(f, when + SEC(3 * REJECT_AFTER_TIME));
	assert_int_equal(a->handshake.state, HANDSHAKE_ZEROED);
	assert_null(index_table_lookup(f->a->index_table, INDEX_HANDSHAKE,
				       (uint32_t)index));
	/* Nothing left to do, and nothing more was sent. */
	assert_int_equal(next_deadline(f), UINT64_MAX);
	assert_int_equal(a->tx_bytes, (MAX_TIMER_HANDSHAKES + 2) * INIT_LEN);
	assert_int_equal(tu_total_drops(f->a), 0);
}

/*
 * The responder's packets staged until the initiator confirms the
 * session go out with that confirmation, and, unanswered, lead to a new
 * handshake like any other data. Every datagram passes through a relay,
 * so B can stage data while its keys still wait in next.
 */
static void test_new_handshake_for_released_data(void **state)
{
	struct fixture *f = *state;
	struct wg_peer *a = f->a_peer, *b = f->b_peer;
	uint8_t buf[2048];
	struct relay r;

	relay_open(&r);
	f->relay_fd = r.fd;
	a->endpoint.addr = r.addr;
	b->endpoint.addr = r.addr;

	wg_packet_send_keepalive(a);
	relay_take(&r, buf, INIT_LEN);
	relay_pass(&r, buf, INIT_LEN, f->b_port);
	settle(f);
	relay_take(&r, buf, RESP_LEN);
	assert_non_null(b->keypairs.next_keypair);
	assert_null(b->keypairs.current_keypair);

	/* B may not send on unconfirmed keys, nor start a handshake yet. */
	b_sends_data(f);
	assert_int_equal(b->staged_len, 1);
	assert_int_equal(b->tx_bytes, RESP_LEN);

	relay_pass(&r, buf, RESP_LEN, f->a->incoming_port);
	settle(f);
	relay_take(&r, buf, KEEPALIVE_LEN);
	relay_pass(&r, buf, KEEPALIVE_LEN, f->b_port);
	settle(f);
	assert_non_null(b->keypairs.current_keypair);
	assert_int_equal(b->staged_len, 0);
	assert_int_equal(b->tx_bytes, RESP_LEN + DATA_LEN);
	relay_take(&r, buf, DATA_LEN);
	/* The relay keeps the data: A never answers it. */
	assert_true(timer_pending(&b->timer_new_handshake));

	advance_to(f, f->t0 + SEC(KEEPALIVE_TIMEOUT + REKEY_TIMEOUT) - 1);
	assert_int_equal(b->tx_bytes, RESP_LEN + DATA_LEN);
	advance_to(f, f->t0 + JITTERED(KEEPALIVE_TIMEOUT + REKEY_TIMEOUT));
	assert_int_equal(b->tx_bytes, RESP_LEN + DATA_LEN + INIT_LEN);
	assert_int_equal(b->handshake.state, HANDSHAKE_CREATED_INITIATION);
}

/* ---- Keepalives --------------------------------------------------------- */

/* B got data and had nothing to say for KEEPALIVE_TIMEOUT: a keepalive. */
static void test_passive_keepalive(void **state)
{
	struct fixture *f = *state;
	struct wg_peer *a = f->a_peer, *b = f->b_peer;

	a_sends_data(f);
	settle(f);
	assert_int_equal(a->rx_bytes, RESP_LEN);
	assert_true(timer_pending(&a->timer_new_handshake));

	advance_to(f, f->t0 + SEC(KEEPALIVE_TIMEOUT) - 1);
	assert_int_equal(a->rx_bytes, RESP_LEN);
	assert_int_equal(b->tx_bytes, RESP_LEN);
	advance_to(f, f->t0 + SEC(KEEPALIVE_TIMEOUT));
	assert_int_equal(a->rx_bytes, RESP_LEN + KEEPALIVE_LEN);
	assert_int_equal(b->tx_bytes, RESP_LEN + KEEPALIVE_LEN);
	assert_int_equal(b->keypairs.current_keypair->sending_counter, 1);
	/* An answer came: A no longer plans a new handshake. */
	assert_false(timer_pending(&a->timer_new_handshake));

	/* A keepalive is not data: nobody owes anyone anything now. */
	advance_to(f, f->t0 + SEC(60));
	assert_int_equal(a->rx_bytes, RESP_LEN + KEEPALIVE_LEN);
	assert_int_equal(a->tx_bytes, INIT_LEN + DATA_LEN);
	assert_int_equal(b->tx_bytes, RESP_LEN + KEEPALIVE_LEN);
	assert_int_equal(a->handshake.state, HANDSHAKE_ZEROED);
	assert_int_equal(b->handshake.state, HANDSHAKE_ZEROED);
	assert_int_equal(tu_total_drops(f->a), 0);
	assert_int_equal(tu_total_drops(f->b), 0);
}

/* More data while a keepalive is pending earns one more, 10 s later. */
static void test_passive_keepalive_another(void **state)
{
	struct fixture *f = *state;
	struct wg_peer *a = f->a_peer, *b = f->b_peer;
	uint64_t rx;

	a_sends_data(f);
	settle(f);
	advance_to(f, f->t0 + SEC(4));
	a_sends_data(f);
	settle(f);
	assert_true(b->timer_need_another_keepalive);
	rx = a->rx_bytes;

	/* The second packet did not push the first deadline back. */
	advance_to(f, f->t0 + SEC(KEEPALIVE_TIMEOUT));
	assert_int_equal(a->rx_bytes, rx + KEEPALIVE_LEN);
	assert_false(b->timer_need_another_keepalive);
	advance_to(f, f->t0 + SEC(2 * KEEPALIVE_TIMEOUT) - 1);
	assert_int_equal(a->rx_bytes, rx + KEEPALIVE_LEN);
	advance_to(f, f->t0 + SEC(2 * KEEPALIVE_TIMEOUT));
	assert_int_equal(a->rx_bytes, rx + 2 * KEEPALIVE_LEN);
	/* And that was the last one. */
	advance_to(f, f->t0 + SEC(60));
	assert_int_equal(a->rx_bytes, rx + 2 * KEEPALIVE_LEN);
	assert_int_equal(b->tx_bytes, RESP_LEN + 2 * KEEPALIVE_LEN);
}

/* B answering with data owes no keepalive; now A owes one. */
static void test_passive_keepalive_not_needed(void **state)
{
	struct fixture *f = *state;
	struct wg_peer *a = f->a_peer, *b = f->b_peer;

	a_sends_data(f);
	settle(f);
	advance_to(f, f->t0 + SEC(1));
	b_sends_data(f);
	settle(f);
	assert_false(timer_pending(&b->timer_send_keepalive));
	assert_false(timer_pending(&a->timer_new_handshake));
	assert_int_equal(b->tx_bytes, RESP_LEN + DATA_LEN);

	advance_to(f, f->t0 + SEC(1 + KEEPALIVE_TIMEOUT) - 1);
	assert_int_equal(b->tx_bytes, RESP_LEN + DATA_LEN);
	assert_int_equal(a->tx_bytes, INIT_LEN + DATA_LEN);
	advance_to(f, f->t0 + SEC(1 + KEEPALIVE_TIMEOUT));
	assert_int_equal(a->tx_bytes, INIT_LEN + DATA_LEN + KEEPALIVE_LEN);
	assert_int_equal(b->rx_bytes, INIT_LEN + DATA_LEN + KEEPALIVE_LEN);
	/* B's data went answered; it plans no handshake either. */
	assert_false(timer_pending(&b->timer_new_handshake));
	advance_to(f, f->t0 + SEC(60));
	assert_int_equal(b->tx_bytes, RESP_LEN + DATA_LEN);
	assert_int_equal(a->tx_bytes, INIT_LEN + DATA_LEN + KEEPALIVE_LEN);
}

/* Persistent keepalive: every interval of silence, and only if set. */
static void test_persistent_keepalive(void **state)
{
	struct fixture *f = *state;
	struct wg_peer *a = f->a_peer, *b = f->b_peer;
	uint64_t tx, t1;

	/* Setting it on a device that is up sends one at once. */
	set_persistent_keepalive(f->a, f->b_pub, 3);
	assert_int_equal(a->tx_bytes, INIT_LEN);
	settle(f);
	assert_non_null(a->keypairs.current_keypair);
	assert_int_equal(a->tx_bytes, INIT_LEN + KEEPALIVE_LEN);

	for (unsigned int k = 1; k <= 10; k++) {
		uint64_t when = step(f);

		assert_int_equal(when, f->t0 + k * SEC(3));
		assert_int_equal(a->tx_bytes, INIT_LEN + (k + 1) * KEEPALIVE_LEN);
		assert_int_equal(b->rx_bytes, INIT_LEN + (k + 1) * KEEPALIVE_LEN);
	}
	/* B has no interval: it never sent more than its response. */
	assert_int_equal(b->tx_bytes, RESP_LEN);
	assert_false(timer_pending(&b->timer_persistent_keepalive));

	/* Any authenticated packet restarts the interval. */
	t1 = fake_now + MS(1500);
	advance_to(f, t1);
	a_sends_data(f);
	settle(f);
	tx = a->tx_bytes;
	advance_to(f, t1 + SEC(3) - 1);
	assert_int_equal(a->tx_bytes, tx);
	advance_to(f, t1 + SEC(3));
	assert_int_equal(a->tx_bytes, tx + KEEPALIVE_LEN);

	/* Interval 0 turns it off. */
	set_persistent_keepalive(f->a, f->b_pub, 0);
	assert_false(timer_pending(&a->timer_persistent_keepalive));
	tx = a->tx_bytes;
	advance_to(f, f->t0 + SEC(100));
	assert_int_equal(a->tx_bytes, tx);
	assert_int_equal(tu_total_drops(f->a), 0);
	assert_int_equal(tu_total_drops(f->b), 0);
}

/* ---- New handshake after silence --------------------------------------- */

/*
 * A sent data and heard nothing back for KEEPALIVE_TIMEOUT +
 * REKEY_TIMEOUT (plus jitter): it starts a new handshake, though its
 * keys are still good.
 */
static void test_new_handshake_after_silence(void **state)
{
	struct fixture *f = *state;
	struct wg_peer *a = f->a_peer;
	struct noise_keypair *ak;
	uint64_t t1 = f->t0 + SEC(1), tx;

	ak = establish(f, a);
	advance_to(f, t1);
	/* B drops everything from now on, without a word. */
	assert_int_equal(wg_device_set_up(f->b, false), 0);
	a_sends_data(f);
	tx = INIT_LEN + KEEPALIVE_LEN + DATA_LEN;
	assert_int_equal(a->tx_bytes, tx);
	assert_true(timer_pending(&a->timer_new_handshake));
	/* More data does not move the deadline. */
	advance_to(f, t1 + SEC(10));
	a_sends_data(f);
	tx += DATA_LEN;
	assert_int_equal(a->tx_bytes, tx);

	advance_to(f, t1 + SEC(KEEPALIVE_TIMEOUT + REKEY_TIMEOUT) - 1);
	assert_int_equal(a->tx_bytes, tx);
	assert_int_equal(a->handshake.state, HANDSHAKE_ZEROED);
	assert_int_equal(a->last_sent_handshake, f->t0);
	advance_to(f, t1 + JITTERED(KEEPALIVE_TIMEOUT + REKEY_TIMEOUT));
	assert_int_equal(a->tx_bytes, tx + INIT_LEN);
	assert_int_equal(a->handshake.state, HANDSHAKE_CREATED_INITIATION);
	assert_true(a->last_sent_handshake >=
		    t1 + SEC(KEEPALIVE_TIMEOUT + REKEY_TIMEOUT));
	assert_int_equal(a->timer_handshake_attempts, 0);
	assert_true(timer_pending(&a->timer_retransmit_handshake));
	assert_false(timer_pending(&a->timer_new_handshake));
	/* The old keys stay in use meanwhile. */
	assert_ptr_equal(a->keypairs.current_keypair, ak);
	assert_true(ak->sending.is_valid);
}

/* ---- Rekey and reject after time --------------------------------------- */

/* The initiator's next send after REKEY_AFTER_TIME starts a handshake. */
static void test_rekey_after_time(void **state)
{
	struct fixture *f = *state;
	struct wg_peer *a = f->a_peer, *b = f->b_peer;
	struct noise_keypair *ak, *bk, *ak2;
	uint64_t tx;

	ak = establish(f, a);
	bk = b->keypairs.current_keypair;

	advance_to(f, f->t0 + SEC(REKEY_AFTER_TIME) - 1);
	a_sends_data(f);
	settle(f);
	assert_int_equal(ak->sending_counter, 2);
	assert_int_equal(a->handshake.state, HANDSHAKE_ZEROED);
	assert_int_equal(a->last_sent_handshake, f->t0);
	assert_ptr_equal(a->keypairs.current_keypair, ak);
	tx = a->tx_bytes;

	advance_to(f, f->t0 + SEC(REKEY_AFTER_TIME));
	a_sends_data(f);
	/* Sent with the old keys, which are still good; then a handshake. */
	assert_int_equal(ak->sending_counter, 3);
	assert_int_equal(a->tx_bytes, tx + DATA_LEN + INIT_LEN);
	assert_int_equal(a->last_sent_handshake, f->t0 + SEC(REKEY_AFTER_TIME));
	settle(f);
	ak2 = a->keypairs.current_keypair;
	assert_ptr_not_equal(ak2, ak);
	assert_ptr_equal(a->keypairs.previous_keypair, ak);
	assert_int_equal(ak2->sending.birthdate, f->t0 + SEC(REKEY_AFTER_TIME));
	assert_ptr_equal(b->keypairs.previous_keypair, bk);
	assert_int_equal(b->keypairs.current_keypair->remote_index,
			 ak2->entry.index);
	assert_int_equal(tu_total_drops(f->a), 0);
	assert_int_equal(tu_total_drops(f->b), 0);
}

/*
 * The responder does not rekey on time, however old its keys; the
 * initiator does as soon as it sends anything, even a keepalive.
 */
static void test_no_rekey_after_time_responder(void **state)
{
	struct fixture *f = *state;
	struct wg_peer *a = f->a_peer, *b = f->b_peer;
	struct noise_keypair *ak, *bk;
	uint64_t t1 = f->t0 + SEC(REKEY_AFTER_TIME);

	ak = establish(f, a);
	bk = b->keypairs.current_keypair;

	advance_to(f, t1);
	b_sends_data(f);
	settle(f);
	advance_to(f, t1 + SEC(KEEPALIVE_TIMEOUT) - 1);
	b_sends_data(f);
	settle(f);
	assert_int_equal(bk->sending_counter, 2);
	assert_int_equal(b->tx_bytes, RESP_LEN + 2 * DATA_LEN);
	assert_int_equal(a->rx_bytes, RESP_LEN + 2 * DATA_LEN);
	assert_int_equal(b->handshake.state, HANDSHAKE_ZEROED);
	assert_int_equal(b->last_sent_handshake, f->t0);
	assert_ptr_equal(b->keypairs.current_keypair, bk);
	assert_int_equal(a->last_sent_handshake, f->t0);

	/* A's passive keepalive for the first packet rekeys. */
	advance_to(f, t1 + SEC(KEEPALIVE_TIMEOUT));
	assert_int_equal(a->last_sent_handshake, t1 + SEC(KEEPALIVE_TIMEOUT));
	assert_ptr_equal(a->keypairs.previous_keypair, ak);
	assert_ptr_equal(b->keypairs.previous_keypair, bk);
	assert_true(a->keypairs.current_keypair->i_am_the_initiator);
	assert_int_equal(b->last_sent_handshake, t1 + SEC(KEEPALIVE_TIMEOUT));
	assert_int_equal(tu_total_drops(f->a), 0);
	assert_int_equal(tu_total_drops(f->b), 0);
}

/*
 * After REJECT_AFTER_TIME a keypair sends nothing more: packets wait
 * for the handshake they start, and go out on the new keys.
 */
static void test_reject_after_time_send(void **state)
{
	struct fixture *f = *state;
	struct wg_peer *a = f->a_peer, *b = f->b_peer;
	struct noise_keypair *ak, *ak2;
	uint64_t tx;

	/* A is the responder here, so it does not rekey on time first. */
	establish(f, b);
	ak = a->keypairs.current_keypair;
	/* B hears nothing until it is given its socket back. */
	wg_socket_close(f->b);

	advance_to(f, f->t0 + SEC(REJECT_AFTER_TIME) - 1);
	a_sends_data(f);
	assert_int_equal(ak->sending_counter, 1);
	assert_int_equal(a->tx_bytes, RESP_LEN + DATA_LEN);
	assert_int_equal(a->handshake.state, HANDSHAKE_ZEROED);
	tx = a->tx_bytes;

	advance_to(f, f->t0 + SEC(REJECT_AFTER_TIME));
	a_sends_data(f);
	assert_int_equal(ak->sending_counter, 1);
	assert_false(ak->sending.is_valid);
	assert_int_equal(a->staged_len, 1);
	assert_int_equal(a->tx_bytes, tx + INIT_LEN);
	assert_int_equal(a->handshake.state, HANDSHAKE_CREATED_INITIATION);
	/* A keepalive cannot use the old keys either. */
	wg_packet_send_keepalive(a);
	assert_int_equal(a->staged_len, 1);
	assert_int_equal(a->tx_bytes, tx + INIT_LEN);

	/* B back: the retransmission completes and releases the packet. */
	assert_int_equal(wg_socket_reinit(f->b, f->b_port, 0), 0);
	step(f);
	ak2 = a->keypairs.current_keypair;
	assert_ptr_not_equal(ak2, ak);
	assert_true(ak2->i_am_the_initiator);
	assert_int_equal(a->staged_len, 0);
	assert_int_equal(ak2->sending_counter, 1);
	assert_int_equal(a->tx_bytes, tx + 2 * INIT_LEN + DATA_LEN);
	/* That packet confirmed the session to B. */
	assert_int_equal(b->keypairs.current_keypair->remote_index,
			 ak2->entry.index);
	assert_int_equal(tu_total_drops(f->a), 0);
}

/* A packet on keys older than REJECT_AFTER_TIME is dropped on receipt. */
static void test_reject_after_time_receive(void **state)
{
	struct fixture *f = *state;
	struct wg_peer *b = f->b_peer;
	struct noise_keypair *ak, *bk;
	uint64_t rx;

	ak = establish(f, f->a_peer);
	bk = b->keypairs.current_keypair;
	rx = b->rx_bytes;

	advance_to(f, f->t0 + SEC(REJECT_AFTER_TIME) - 1);
	inject_keepalive(f, f->b, ak);
	assert_int_equal(b->rx_bytes, rx + KEEPALIVE_LEN);
	assert_int_equal(tu_total_drops(f->b), 0);

	advance_to(f, f->t0 + SEC(REJECT_AFTER_TIME));
	inject_keepalive(f, f->b, ak);
	assert_int_equal(b->rx_bytes, rx + KEEPALIVE_LEN);
	assert_int_equal(f->b->stats.drops[DROP_RX_EXPIRED_KEYPAIR], 1);
	assert_int_equal(tu_total_drops(f->b), 1);
	assert_false(bk->receiving.is_valid);
	/* Still expired, whatever the counter. */
	inject_keepalive(f, f->b, ak);
	assert_int_equal(f->b->stats.drops[DROP_RX_EXPIRED_KEYPAIR], 2);
}

/*
 * The initiator receiving on keys older than REJECT_AFTER_TIME -
 * KEEPALIVE_TIMEOUT - REKEY_TIMEOUT starts a handshake, once, so the
 * new keys are there before the old ones expire.
 */
static void test_keep_key_fresh_on_receive(void **state)
{
	struct fixture *f = *state;
	struct wg_peer *a = f->a_peer, *b = f->b_peer;
	struct noise_keypair *ak, *bk;
	const uint64_t fresh = SEC(REJECT_AFTER_TIME - KEEPALIVE_TIMEOUT -
				   REKEY_TIMEOUT);
	uint64_t tx;

	ak = establish(f, a);
	bk = b->keypairs.current_keypair;
	/* B's socket is gone: A's handshakes go unanswered. */
	wg_socket_close(f->b);
	tx = a->tx_bytes;

	advance_to(f, f->t0 + fresh - 1);
	inject_keepalive(f, f->a, bk);
	assert_int_equal(a->rx_bytes, RESP_LEN + KEEPALIVE_LEN);
	assert_int_equal(a->handshake.state, HANDSHAKE_ZEROED);
	assert_false(a->sent_lastminute_handshake);
	assert_int_equal(a->tx_bytes, tx);

	advance_to(f, f->t0 + fresh);
	inject_keepalive(f, f->a, bk);
	assert_true(a->sent_lastminute_handshake);
	assert_int_equal(a->last_sent_handshake, f->t0 + fresh);
	assert_int_equal(a->handshake.state, HANDSHAKE_CREATED_INITIATION);
	assert_int_equal(a->tx_bytes, tx + INIT_LEN);
	assert_int_equal(a->timer_handshake_attempts, 0);

	/* Once: later packets leave the retransmissions alone. */
	step(f);
	assert_int_equal(a->tx_bytes, tx + 2 * INIT_LEN);
	assert_int_equal(a->timer_handshake_attempts, 1);
	inject_keepalive(f, f->a, bk);
	assert_int_equal(a->timer_handshake_attempts, 1);
	assert_int_equal(a->tx_bytes, tx + 2 * INIT_LEN);

	/* The responder leaves this to the initiator. */
	inject_keepalive(f, f->b, ak);
	assert_int_equal(b->handshake.state, HANDSHAKE_ZEROED);
	assert_int_equal(b->last_sent_handshake, f->t0);

	/* B back: the next retransmission completes; the flag clears. */
	assert_int_equal(wg_socket_reinit(f->b, f->b_port, 0), 0);
	step(f);
	assert_ptr_not_equal(a->keypairs.current_keypair, ak);
	assert_ptr_equal(a->keypairs.previous_keypair, ak);
	assert_false(a->sent_lastminute_handshake);
	assert_int_equal(a->timer_handshake_attempts, 0);
	assert_false(timer_pending(&a->timer_retransmit_handshake));
	assert_int_equal(tu_total_drops(f->a), 0);
}

/* ---- Zeroing keys ------------------------------------------------------- */

/*
 * 3 * REJECT_AFTER_TIME after the last session was derived every key is
 * gone, on both sides; each new session pushes the deadline back.
 */
static void test_zero_key_material(void **state)
{
	struct fixture *f = *state;
	struct wg_peer *a = f->a_peer, *b = f->b_peer;
	struct noise_keypair *ak, *bk;
	uint32_t indices[4];
	const uint64_t t1 = f->t0 + SEC(10);
	const uint64_t zero = t1 + SEC(3 * REJECT_AFTER_TIME);

	establish(f, a);
	advance_to(f, t1);
	wg_packet_send_queued_handshake_initiation(a, false);
	settle(f);
	/* Every slot that can be full is. */
	ak = a->keypairs.current_keypair;
	bk = b->keypairs.current_keypair;
	assert_int_equal(ak->sending.birthdate, t1);
	assert_non_null(a->keypairs.previous_keypair);
	assert_non_null(b->keypairs.previous_keypair);
	indices[0] = ak->entry.index;
	indices[1] = a->keypairs.previous_keypair->entry.index;
	indices[2] = bk->entry.index;
	indices[3] = b->keypairs.previous_keypair->entry.index;

	advance_to(f, zero - 1);
	assert_ptr_equal(a->keypairs.current_keypair, ak);
	assert_ptr_equal(b->keypairs.current_keypair, bk);
	assert_non_null(a->keypairs.previous_keypair);
	assert_non_null(b->keypairs.previous_keypair);

	advance_to(f, zero);
	assert_null(a->keypairs.current_keypair);
	assert_null(a->keypairs.previous_keypair);
	assert_null(a->keypairs.next_keypair);
	assert_null(b->keypairs.current_keypair);
	assert_null(b->keypairs.previous_keypair);
	assert_null(b->keypairs.next_keypair);
	assert_int_equal(a->handshake.state, HANDSHAKE_ZEROED);
	assert_int_equal(b->handshake.state, HANDSHAKE_ZEROED);
	for (int i = 0; i < 2; i++)
		assert_null(index_table_lookup(f->a->index_table,
					       INDEX_KEYPAIR, indices[i]));
	for (int i = 2; i < 4; i++)
		assert_null(index_table_lookup(f->b->index_table,
					       INDEX_KEYPAIR, indices[i]));
	assert_int_equal(next_deadline(f), UINT64_MAX);

	/* And the next packet simply starts over. */
	a_sends_data(f);
	settle(f);
	assert_non_null(a->keypairs.current_keypair);
	assert_non_null(b->keypairs.current_keypair);
	assert_int_equal(a->staged_len, 0);
	assert_int_equal(tu_total_drops(f->a), 0);
	assert_int_equal(tu_total_drops(f->b), 0);
}

/* ---- Rekey and reject after messages ----------------------------------- */

/* Past REKEY_AFTER_MESSAGES either side starts a handshake. */
static void test_rekey_after_messages(void **state)
{
	struct fixture *f = *state;
	struct wg_peer *a = f->a_peer, *b = f->b_peer;
	struct noise_keypair *ak, *bk;
	const uint64_t t1 = f->t0 + SEC(REKEY_TIMEOUT + 1);
	const uint64_t t2 = t1 + SEC(REKEY_TIMEOUT + 1);

	ak = establish(f, a);
	/* Past the handshake rate limit, so only the counter matters. */
	advance_to(f, t1);
	ak->sending_counter = REKEY_AFTER_MESSAGES - 1;
	a_sends_data(f);
	settle(f);
	assert_int_equal(ak->sending_counter, REKEY_AFTER_MESSAGES);
	assert_int_equal(a->handshake.state, HANDSHAKE_ZEROED);
	assert_int_equal(a->last_sent_handshake, f->t0);
	assert_ptr_equal(a->keypairs.current_keypair, ak);

	a_sends_data(f);
	assert_int_equal(ak->sending_counter, REKEY_AFTER_MESSAGES + 1);
	assert_int_equal(a->last_sent_handshake, t1);
	settle(f);
	assert_ptr_equal(a->keypairs.previous_keypair, ak);
	ak = a->keypairs.current_keypair;
	assert_int_equal(ak->sending.birthdate, t1);

	/* Not only the initiator: B, the responder, too. */
	advance_to(f, t2);
	bk = b->keypairs.current_keypair;
	assert_false(bk->i_am_the_initiator);
	bk->sending_counter = REKEY_AFTER_MESSAGES;
	b_sends_data(f);
	assert_int_equal(b->last_sent_handshake, t2);
	assert_int_equal(b->handshake.state, HANDSHAKE_CREATED_INITIATION);
	settle(f);
	assert_ptr_equal(b->keypairs.previous_keypair, bk);
	assert_true(b->keypairs.current_keypair->i_am_the_initiator);
	assert_int_equal(tu_total_drops(f->a), 0);
	assert_int_equal(tu_total_drops(f->b), 0);
}

/*
 * At REJECT_AFTER_MESSAGES a keypair sends nothing more, and a receiver
 * that has seen the last counter accepts nothing more on it.
 */
static void test_reject_after_messages(void **state)
{
	struct fixture *f = *state;
	struct wg_peer *a = f->a_peer;
	struct noise_keypair *ak, *bk;
	const uint64_t t1 = f->t0 + SEC(REKEY_TIMEOUT + 1);
	uint64_t tx, rx;

	ak = establish(f, a);
	bk = f->b_peer->keypairs.current_keypair;
	/* B hears nothing: the handshakes below stay open. */
	wg_socket_close(f->b);
	advance_to(f, t1);
	tx = a->tx_bytes;

	/* The last nonce goes out, and, past REKEY_AFTER_MESSAGES, a handshake. */
	ak->sending_counter = REJECT_AFTER_MESSAGES - 1;
	a_sends_data(f);
	assert_int_equal(ak->sending_counter, REJECT_AFTER_MESSAGES);
	assert_true(ak->sending.is_valid);
	assert_int_equal(a->tx_bytes, tx + DATA_LEN + INIT_LEN);
	assert_int_equal(a->last_sent_handshake, t1);

	/* Nothing more: the packet waits for new keys. */
	a_sends_data(f);
	assert_false(ak->sending.is_valid);
	assert_int_equal(ak->sending_counter, REJECT_AFTER_MESSAGES);
	assert_int_equal(a->staged_len, 1);
	assert_int_equal(a->tx_bytes, tx + DATA_LEN + INIT_LEN);
	step(f);
	assert_int_equal(a->tx_bytes, tx + DATA_LEN + 2 * INIT_LEN);
	assert_int_equal(a->staged_len, 1);

	/* Receiving: the last counter is taken, the next is refused. */
	rx = a->rx_bytes;
	bk->sending_counter = REJECT_AFTER_MESSAGES - 1;
	inject_keepalive(f, f->a, bk);
	assert_int_equal(a->rx_bytes, rx + KEEPALIVE_LEN);
	assert_int_equal(tu_total_drops(f->a), 0);
	inject_keepalive(f, f->a, bk);
	assert_int_equal(a->rx_bytes, rx + KEEPALIVE_LEN);
	assert_int_equal(f->a->stats.drops[DROP_RX_EXPIRED_KEYPAIR], 1);
	assert_false(ak->receiving.is_valid);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_fake_clock),
		T(test_handshake_on_first_data),
		T(test_retransmit_and_give_up),
		T(test_new_handshake_for_released_data),
		T(test_passive_keepalive),
		T(test_passive_keepalive_another),
		T(test_passive_keepalive_not_needed),
		T(test_persistent_keepalive),
		T(test_new_handshake_after_silence),
		T(test_rekey_after_time),
		T(test_no_rekey_after_time_responder),
		T(test_reject_after_time_send),
		T(test_reject_after_time_receive),
		T(test_keep_key_fresh_on_receive),
		T(test_zero_key_material),
		T(test_rekey_after_messages),
		T(test_reject_after_messages),
	};
#undef T

	/* Bringing devices up is logged; the tests check the state. */
	log_set_level(LOGL_SILENT);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
