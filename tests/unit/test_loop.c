// SPDX-License-Identifier: MIT
/*
 * The event loop's promises (loop.h): timers fire earliest first and can
 * be re-armed or cancelled, even from a callback; work queued by a
 * callback runs before the iteration ends; a descriptor deleted by an
 * earlier callback of the same epoll batch gets no callback; loop_stop
 * ends loop_run. Deadlines are a few milliseconds at most, and a
 * watchdog timer fails any test whose loop would otherwise never stop.
 *
 * Timers and work items are static: a failed assertion leaves the test
 * function at once, and the teardown's loop_free() still writes to
 * whatever was queued.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/container.h"
#include "base/loop.h"
#include "base/time.h"

#define MS (uint64_t)NSEC_PER_MSEC

struct fixture {
	struct loop *loop;
	struct timer watchdog;
	/* The order callbacks ran in, by id. */
	int log[32];
	int nlog;
};

static struct fixture *the_fixture; /* for callbacks without context */

static void record(int id)
{
	struct fixture *f = the_fixture;

	assert_true(f->nlog < (int)(sizeof(f->log) / sizeof(f->log[0])));
	f->log[f->nlog++] = id;
}

static void watchdog_fired(struct timer *t)
{
	(void)t;
	fail_msg("the loop did not stop within 2 s");
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f || loop_new(&f->loop) < 0)
		return -1;
	timer_init(&f->watchdog, f->loop, watchdog_fired);
	timer_mod(&f->watchdog, now_ns() + 2000 * MS);
	the_fixture = f;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	loop_free(f->loop);
	free(f);
	the_fixture = NULL;
	return 0;
}

static void assert_log(const struct fixture *f, const int *want, int n)
{
	assert_int_equal(f->nlog, n);
	for (int i = 0; i < n; i++) {
		if (f->log[i] != want[i])
			fail_msg("callback %d was id %d, expected %d", i,
				 f->log[i], want[i]);
	}
}

/* ---- Timers ----------------------------------------------------------- */

struct id_timer {
	struct timer t;
	int id;
	bool stop; /* loop_stop() when it fires */
};

static void id_timer_fired(struct timer *t)
{
	struct id_timer *it = container_of(t, struct id_timer, t);

	assert_false(timer_pending(t));
	record(it->id);
	if (it->stop)
		loop_stop(the_fixture->loop);
}

static void id_timer_init(struct fixture *f, struct id_timer *it, int id,
			  bool stop)
{
	timer_init(&it->t, f->loop, id_timer_fired);
	it->id = id;
	it->stop = stop;
	assert_false(timer_pending(&it->t));
}

static void test_timers_in_deadline_order(void **state)
{
	struct fixture *f = *state;
	/* Armed in this order, due in the order of their ids. */
	static const int arm_order[] = { 5, 2, 7, 0, 3, 6, 1, 4 };
	static const int want[] = { 0, 1, 2, 3, 4, 5, 6, 7 };
	static struct id_timer timers[8];
	uint64_t base = now_ns();

	for (int i = 0; i < 8; i++) {
		int id = arm_order[i];

		id_timer_init(f, &timers[id], id, id == 7);
		/* Timer 0 is already due; the rest 0.5 ms apart. */
		timer_mod(&timers[id].t, id ? base + 1 * MS + (uint64_t)id * MS / 2
					    : 0);
		assert_true(timer_pending(&timers[id].t));
	}
	assert_int_equal(loop_run(f->loop), 0);
	assert_log(f, want, 8);
	/* The last one fired no earlier than its deadline. */
	assert_true(now_ns() >= base + 1 * MS + 7 * MS / 2);
	for (int i = 0; i < 8; i++)
		assert_false(timer_pending(&timers[i].t));
}

static void test_timer_mod_rearms(void **state)
{
	struct fixture *f = *state;
	static struct id_timer a, b, c, stop;
	static const int want[] = { 2, 3, 1, 9 };
	uint64_t base = now_ns();

	id_timer_init(f, &a, 1, false);
	id_timer_init(f, &b, 2, false);
	id_timer_init(f, &c, 3, false);
	id_timer_init(f, &stop, 9, true);
	/* a: first due, then pushed back behind b and c. */
	timer_mod(&a.t, base + 1 * MS);
	timer_mod(&b.t, base + 2 * MS);
	timer_mod(&c.t, base + 3 * MS);
	timer_mod(&a.t, base + 4 * MS);
	/* b: far off, then brought forward; arming twice queues it once. */
	timer_mod(&b.t, base + 1000 * MS);
	timer_mod(&b.t, base + 1 * MS);
	timer_mod(&stop.t, base + 5 * MS);
	assert_int_equal(loop_run(f->loop), 0);
	assert_log(f, want, 4);
	/* b was not held back by its old 1 s deadline. */
	assert_true(now_ns() < base + 1000 * MS);
}

/* A timer that re-arms itself from its callback, three times. */
struct periodic {
	struct timer t;
	int left;
};

static void periodic_fired(struct timer *t)
{
	struct periodic *p = container_of(t, struct periodic, t);

	record(p->left);
	if (--p->left > 0)
		timer_mod(t, now_ns() + 1 * MS);
	else
		loop_stop(the_fixture->loop);
}

static void test_timer_rearms_itself(void **state)
{
	struct fixture *f = *state;
	static struct periodic p = { .left = 3 };
	static const int want[] = { 3, 2, 1 };
	uint64_t base = now_ns();

	timer_init(&p.t, f->loop, periodic_fired);
	timer_mod(&p.t, base + 1 * MS);
	assert_int_equal(loop_run(f->loop), 0);
	assert_log(f, want, 3);
	assert_false(timer_pending(&p.t));
	assert_true(now_ns() >= base + 3 * MS);
}

/* Cancels its victim when it fires. */
struct killer {
	struct timer t;
	struct timer *victim;
};

static void killer_fired(struct timer *t)
{
	struct killer *k = container_of(t, struct killer, t);

	record(100);
	timer_del(k->victim);
	assert_false(timer_pending(k->victim));
}

static void test_timer_del_cancels(void **state)
{
	struct fixture *f = *state;
	static struct id_timer gone, victim, stop, never;
	static struct killer k;
	static const int want[] = { 100, 9 };
	uint64_t base = now_ns();

	id_timer_init(f, &gone, 1, false);
	id_timer_init(f, &victim, 2, false);
	id_timer_init(f, &stop, 9, true);
	id_timer_init(f, &never, 3, false);
	timer_init(&k.t, f->loop, killer_fired);
	k.victim = &victim.t;

	timer_mod(&gone.t, base + 1 * MS);
	timer_del(&gone.t);
	assert_false(timer_pending(&gone.t));
	timer_del(&gone.t); /* deleting twice is harmless */
	timer_del(&never.t); /* so is deleting one never armed */
	/*
	 * The victim is due just after the killer; even when both are
	 * already expired by the time timers run, it must not fire.
	 */
	timer_mod(&k.t, base + 1 * MS);
	timer_mod(&victim.t, base + 1 * MS + 1);
	timer_mod(&stop.t, base + 3 * MS);
	assert_int_equal(loop_run(f->loop), 0);
	assert_log(f, want, 2);
}

/* Many timers, cancelled from the middle of the heap. */
static void test_timer_heap_churn(void **state)
{
	struct fixture *f = *state;
	enum { N = 200 };
	struct id_timer *t = calloc(N, sizeof(*t));
	uint64_t base = now_ns() + 1 * MS;
	int want[16], nwant = 0;

	assert_non_null(t);
	/* Deadlines decreasing with i, 10 us apart, all within 2 ms. */
	for (int i = 0; i < N; i++) {
		id_timer_init(f, &t[i], i, false);
		timer_mod(&t[i].t, base + (uint64_t)(N - i) * 10000);
	}
	/* Keep every 16th, the last one due stopping the loop. */
	for (int i = 0; i < N; i++) {
		if (i % 16)
			timer_del(&t[i].t);
	}
	for (int i = N - 1; i >= 0; i--) {
		if (i % 16 == 0)
			want[nwant++] = i;
	}
	t[0].stop = true;
	assert_int_equal(loop_run(f->loop), 0);
	assert_log(f, want, nwant);
	free(t);
}

/* ---- Work ------------------------------------------------------------- */

/* Stops the loop when it runs. */
struct stopper {
	struct loop_work w;
	int runs;
};

static void stopper_run(struct loop_work *w)
{
	struct stopper *s = container_of(w, struct stopper, w);

	s->runs++;
	loop_stop(the_fixture->loop);
}

struct id_work {
	struct loop_work w;
	int id;
	struct loop_work *queue_next; /* queued by this one's first run */
};

static void id_work_run(struct loop_work *w)
{
	struct id_work *iw = container_of(w, struct id_work, w);
	struct loop_work *next = iw->queue_next;

	record(iw->id);
	iw->queue_next = NULL;
	if (next)
		work_queue(the_fixture->loop, next);
}

/* Queues its work items and stops the loop. */
struct queuer {
	struct timer t;
	struct loop_work *work[3];
};

static void queuer_fired(struct timer *t)
{
	struct queuer *q = container_of(t, struct queuer, t);

	record(0);
	for (int i = 0; i < 3 && q->work[i]; i++)
		work_queue(the_fixture->loop, q->work[i]);
	loop_stop(the_fixture->loop);
}

static void test_work_from_timer_runs_same_iteration(void **state)
{
	struct fixture *f = *state;
	static struct id_work w1 = { .id = 1 }, w2 = { .id = 2 };
	static struct queuer q = { .work = { &w1.w, &w2.w, &w1.w } };
	/* FIFO, and queuing an already queued item does nothing. */
	static const int want[] = { 0, 1, 2 };

	work_init(&w1.w, id_work_run);
	work_init(&w2.w, id_work_run);
	timer_init(&q.t, f->loop, queuer_fired);
	timer_mod(&q.t, now_ns() + 1 * MS);
	/* loop_stop came from the timer: the work still ran before return. */
	assert_int_equal(loop_run(f->loop), 0);
	assert_log(f, want, 3);
}

static void test_work_cancel_and_requeue(void **state)
{
	struct fixture *f = *state;
	static struct id_work w1 = { .id = 1 }, w2 = { .id = 2 }, w3 = { .id = 3 };
	static struct queuer q = { .work = { NULL } };
	static struct stopper s = { .runs = 0 };
	/*
	 * Timers before work; w2 cancelled; w3 queues itself again as it
	 * runs, and that copy waits for the next iteration (an item that
	 * keeps requeuing cannot starve descriptors and timers).
	 */
	static const int want_first[] = { 0, 1, 3 };
	static const int want_then[] = { 0, 1, 3, 3 };

	work_init(&w1.w, id_work_run);
	work_init(&w2.w, id_work_run);
	work_init(&w3.w, id_work_run);
	work_init(&s.w, stopper_run);
	timer_init(&q.t, f->loop, queuer_fired);
	work_queue(f->loop, &w1.w);
	work_queue(f->loop, &w2.w);
	work_queue(f->loop, &w3.w);
	work_cancel(f->loop, &w2.w);
	work_cancel(f->loop, &w2.w); /* not queued any more: nothing */
	/* Cancelling the tail and queuing again must keep the list sound. */
	work_cancel(f->loop, &w3.w);
	work_queue(f->loop, &w3.w);
	w3.queue_next = &w3.w;
	timer_mod(&q.t, 0);
	assert_int_equal(loop_run(f->loop), 0);
	assert_log(f, want_first, 3);

	/* The requeued w3 runs in the next run, before the later stopper. */
	work_queue(f->loop, &s.w);
	assert_int_equal(loop_run(f->loop), 0);
	assert_log(f, want_then, 4);
	assert_int_equal(s.runs, 1);
}

/* ---- Descriptors ------------------------------------------------------ */

struct pipe_fd {
	struct loop_fd lfd;
	int wfd;
	int id;
	struct pipe_fd **other; /* deleted and freed by this one's callback */
	struct loop_work *queue;
	unsigned int calls;
};

static void pipe_cb(struct loop_fd *lfd, uint32_t events)
{
	struct pipe_fd *p = container_of(lfd, struct pipe_fd, lfd);
	struct loop *loop = the_fixture->loop;

	assert_true(events & EPOLLIN);
	record(p->id);
	p->calls++;
	if (p->other && *p->other) {
		struct pipe_fd *o = *p->other;

		loop_fd_del(loop, &o->lfd);
		close(o->lfd.fd);
		close(o->wfd);
		/* Freed: a late callback would be a use after free (ASan). */
		free(o);
		*p->other = NULL;
	}
	if (p->queue)
		work_queue(loop, p->queue);
	loop_stop(loop);
}

static struct pipe_fd *pipe_new(struct fixture *f, int id)
{
	struct pipe_fd *p = calloc(1, sizeof(*p));
	int fds[2];

	assert_non_null(p);
	assert_int_equal(pipe2(fds, O_CLOEXEC | O_NONBLOCK), 0);
	p->lfd.fd = fds[0];
	p->lfd.cb = pipe_cb;
	p->wfd = fds[1];
	p->id = id;
	assert_int_equal(loop_fd_add(f->loop, &p->lfd, EPOLLIN), 0);
	return p;
}

static void pipe_free(struct fixture *f, struct pipe_fd *p)
{
	if (!p)
		return;
	loop_fd_del(f->loop, &p->lfd);
	close(p->lfd.fd);
	close(p->wfd);
	free(p);
}

static void test_fd_deleted_in_same_batch(void **state)
{
	struct fixture *f = *state;
	struct pipe_fd *a = pipe_new(f, 1), *b = pipe_new(f, 2);

	a->other = &b;
	b->other = &a;
	/* Both readable before the loop waits: one epoll batch holds both. */
	assert_int_equal(write(a->wfd, "x", 1), 1);
	assert_int_equal(write(b->wfd, "x", 1), 1);
	assert_int_equal(loop_run(f->loop), 0);
	/* Whichever ran first deleted the other, which was never called. */
	assert_int_equal(f->nlog, 1);
	assert_true((a == NULL) != (b == NULL));
	if (a)
		assert_int_equal(a->calls, 1);
	else
		assert_int_equal(b->calls, 1);
	pipe_free(f, a);
	pipe_free(f, b);
}

static void test_fd_events_and_work(void **state)
{
	struct fixture *f = *state;
	struct pipe_fd *p = pipe_new(f, 1);
	static struct id_work w = { .id = 2 };
	static const int want[] = { 1, 2 };
	char c;

	work_init(&w.w, id_work_run);
	p->queue = &w.w;
	assert_int_equal(write(p->wfd, "x", 1), 1);
	/* Work queued by a descriptor callback runs in the same iteration. */
	assert_int_equal(loop_run(f->loop), 0);
	assert_log(f, want, 2);

	/* Not readable any more after a read; fd_mod to 0 silences it. */
	assert_int_equal(read(p->lfd.fd, &c, 1), 1);
	assert_int_equal(write(p->wfd, "y", 1), 1);
	assert_int_equal(loop_fd_mod(f->loop, &p->lfd, 0), 0);
	{
		static struct id_timer stop;

		id_timer_init(f, &stop, 9, true);
		timer_mod(&stop.t, now_ns() + 2 * MS);
		assert_int_equal(loop_run(f->loop), 0);
	}
	assert_int_equal(f->nlog, 3);
	assert_int_equal(f->log[2], 9);
	/* Back on: the pending byte is reported. */
	assert_int_equal(loop_fd_mod(f->loop, &p->lfd, EPOLLIN), 0);
	assert_int_equal(loop_run(f->loop), 0);
	assert_int_equal(f->nlog, 5);
	assert_int_equal(f->log[3], 1);
	assert_int_equal(f->log[4], 2);
	/* Adding the same descriptor twice is an error. */
	assert_int_equal(loop_fd_add(f->loop, &p->lfd, EPOLLIN), -EEXIST);
	pipe_free(f, p);
}

/* ---- Stopping --------------------------------------------------------- */

static void test_loop_stop(void **state)
{
	struct fixture *f = *state;
	static struct stopper s = { .runs = 0 };

	work_init(&s.w, stopper_run);
	work_queue(f->loop, &s.w);
	assert_int_equal(loop_run(f->loop), 0);
	assert_int_equal(s.runs, 1);
	/* loop_run starts afresh: a stop from an earlier run is forgotten. */
	work_queue(f->loop, &s.w);
	assert_int_equal(loop_run(f->loop), 0);
	assert_int_equal(s.runs, 2);
	assert_true(timer_pending(&f->watchdog));
}

static void test_loop_free_forgets(void **state)
{
	struct fixture *f = *state;
	static struct id_timer t;
	static struct id_work w = { .id = 1 };

	id_timer_init(f, &t, 1, false);
	work_init(&w.w, id_work_run);
	timer_mod(&t.t, now_ns() + 1000 * MS);
	work_queue(f->loop, &w.w);
	loop_free(f->loop);
	assert_false(timer_pending(&t.t));
	assert_false(timer_pending(&f->watchdog));
	/* A fresh loop for the teardown; nothing ever ran. */
	assert_int_equal(loop_new(&f->loop), 0);
	assert_int_equal(f->nlog, 0);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_timers_in_deadline_order),
		T(test_timer_mod_rearms),
		T(test_timer_rearms_itself),
		T(test_timer_del_cancels),
		T(test_timer_heap_churn),
		T(test_work_from_timer_runs_same_iteration),
		T(test_work_cancel_and_requeue),
		T(test_fd_deleted_in_same_batch),
		T(test_fd_events_and_work),
		T(test_loop_stop),
		T(test_loop_free_forgets),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
