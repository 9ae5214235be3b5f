// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/loop.h"
#include "base/time.h"

enum { MAX_EVENTS = 64 };

struct loop {
	int epfd;
	bool stop;
	/* Timer min-heap ordered by expiry. */
	struct timer **heap;
	size_t heap_len, heap_cap;
	/* Deferred work, FIFO. */
	struct loop_work *work_head, **work_tail;
	/* The batch being dispatched, so a deletion can void later entries. */
	struct epoll_event events[MAX_EVENTS];
	int nevents, cur;
};

int loop_new(struct loop **out)
{
	struct loop *loop = calloc(1, sizeof(*loop));

	if (!loop)
		return -ENOMEM;
	loop->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (loop->epfd < 0) {
		int ret = -errno;

		free(loop);
		return ret;
	}
	loop->work_tail = &loop->work_head;
	*out = loop;
	return 0;
}

void loop_free(struct loop *loop)
{
	if (!loop)
		return;
	for (size_t i = 0; i < loop->heap_len; i++)
		loop->heap[i]->heap_idx = SIZE_MAX;
	for (struct loop_work *w = loop->work_head; w; w = w->next)
		w->queued = false;
	close(loop->epfd);
	free(loop->heap);
	free(loop);
}

void loop_stop(struct loop *loop)
{
	loop->stop = true;
}

int loop_fd_add(struct loop *loop, struct loop_fd *lfd, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = lfd };

	if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, lfd->fd, &ev) < 0)
		return -errno;
	lfd->events = events;
	lfd->registered = true;
	return 0;
}

int loop_fd_mod(struct loop *loop, struct loop_fd *lfd, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = lfd };

	if (lfd->events == events)
		return 0;
	if (epoll_ctl(loop->epfd, EPOLL_CTL_MOD, lfd->fd, &ev) < 0)
		return -errno;
	lfd->events = events;
	return 0;
}

void loop_fd_del(struct loop *loop, struct loop_fd *lfd)
{
	if (!lfd->registered)
		return;
	epoll_ctl(loop->epfd, EPOLL_CTL_DEL, lfd->fd, NULL);
	lfd->registered = false;
	/* The owner may free lfd right after this: forget pending events. */
	for (int i = loop->cur; i < loop->nevents; i++) {
		if (loop->events[i].data.ptr == lfd)
			loop->events[i].data.ptr = NULL;
	}
}

static void heap_swap(struct loop *loop, size_t a, size_t b)
{
	struct timer *t = loop->heap[a];

	loop->heap[a] = loop->heap[b];
	loop->heap[b] = t;
	loop->heap[a]->heap_idx = a;
	loop->heap[b]->heap_idx = b;
}

static void heap_up(struct loop *loop, size_t i)
{
	while (i > 0) {
		size_t parent = (i - 1) / 2;

		if (loop->heap[parent]->expires <= loop->heap[i]->expires)
			break;
		heap_swap(loop, i, parent);
		i = parent;
	}
}

static void heap_down(struct loop *loop, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, min = i;

		if (l < loop->heap_len &&
		    loop->heap[l]->expires < loop->heap[min]->expires)
			min = l;
		if (r < loop->heap_len &&
		    loop->heap[r]->expires < loop->heap[min]->expires)
			min = r;
		if (min == i)
			break;
		heap_swap(loop, i, min);
		i = min;
	}
}

void timer_init(struct timer *t, struct loop *loop, void (*fn)(struct timer *))
{
	t->fn = fn;
	t->loop = loop;
	t->expires = 0;
	t->heap_idx = SIZE_MAX;
}

void timer_del(struct timer *t)
{
	struct loop *loop = t->loop;
	size_t i = t->heap_idx;

	if (i == SIZE_MAX)
		return;
	t->heap_idx = SIZE_MAX;
	if (i == --loop->heap_len)
		return;
	loop->heap[i] = loop->heap[loop->heap_len];
	loop->heap[i]->heap_idx = i;
	heap_down(loop, i);
	heap_up(loop, i);
}

void timer_mod(struct timer *t, uint64_t expires)
{
	struct loop *loop = t->loop;

	if (timer_pending(t)) {
		t->expires = expires;
		heap_down(loop, t->heap_idx);
		heap_up(loop, t->heap_idx);
		return;
	}
	if (loop->heap_len == loop->heap_cap) {
		size_t cap = loop->heap_cap ? loop->heap_cap * 2 : 64;
		struct timer **h = realloc(loop->heap, cap * sizeof(*h));

		/*
		 * Timers carry protocol deadlines; losing one silently would
		 * wedge a peer, so running out of memory here is fatal.
		 */
		if (!h)
			abort();
		loop->heap = h;
		loop->heap_cap = cap;
	}
	t->expires = expires;
	t->heap_idx = loop->heap_len;
	loop->heap[loop->heap_len++] = t;
	heap_up(loop, t->heap_idx);
}

void work_init(struct loop_work *w, void (*fn)(struct loop_work *))
{
	w->fn = fn;
	w->next = NULL;
	w->queued = false;
}

void work_queue(struct loop *loop, struct loop_work *w)
{
	if (w->queued)
		return;
	w->queued = true;
	w->next = NULL;
	*loop->work_tail = w;
	loop->work_tail = &w->next;
}

void work_cancel(struct loop *loop, struct loop_work *w)
{
	struct loop_work **pp;

	if (!w->queued)
		return;
	for (pp = &loop->work_head; *pp; pp = &(*pp)->next) {
		if (*pp != w)
			continue;
		*pp = w->next;
		if (loop->work_tail == &w->next)
			loop->work_tail = pp;
		break;
	}
	w->queued = false;
}

static int next_timeout_ms(struct loop *loop, uint64_t now)
{
	uint64_t delta;

	if (loop->work_head)
		return 0;
	if (!loop->heap_len)
		return -1;
	if (loop->heap[0]->expires <= now)
		return 0;
	delta = loop->heap[0]->expires - now;
	/* Round up so we never wake just before the deadline and spin. */
	delta = (delta + NSEC_PER_MSEC - 1) / NSEC_PER_MSEC;
	return delta > 60000 ? 60000 : (int)delta;
}

static int run_timers(struct loop *loop)
{
	uint64_t now = now_ns();
	int ran = 0;

	while (loop->heap_len && loop->heap[0]->expires <= now) {
		struct timer *t = loop->heap[0];

		timer_del(t);
		t->fn(t);
		ran++;
	}
	return ran;
}

static int run_work(struct loop *loop)
{
	size_t n = 0;
	int ran = 0;

	/*
	 * Pop at most the number of items queued when we started, so an item
	 * that requeues itself cannot starve descriptors and timers.
	 */
	for (struct loop_work *w = loop->work_head; w; w = w->next)
		n++;
	while (n-- && loop->work_head) {
		struct loop_work *w = loop->work_head;

		loop->work_head = w->next;
		if (!loop->work_head)
			loop->work_tail = &loop->work_head;
		w->next = NULL;
		w->queued = false;
		w->fn(w);
		ran++;
	}
	return ran;
}

int loop_run_once(struct loop *loop, int timeout_ms)
{
	int n, ran, deadline = next_timeout_ms(loop, now_ns());

	if (timeout_ms < 0 || (deadline >= 0 && deadline < timeout_ms))
		timeout_ms = deadline;
	n = epoll_wait(loop->epfd, loop->events, MAX_EVENTS, timeout_ms);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	ran = 0;
	loop->nevents = n;
	for (loop->cur = 0; loop->cur < loop->nevents; loop->cur++) {
		struct epoll_event *ev = &loop->events[loop->cur];
		struct loop_fd *lfd = ev->data.ptr;

		if (lfd) {
			lfd->cb(lfd, ev->events);
			ran++;
		}
	}
	loop->nevents = loop->cur = 0;
	ran += run_timers(loop);
	ran += run_work(loop);
	return ran;
}

int loop_run(struct loop *loop)
{
	loop->stop = false;
	while (!loop->stop) {
		int ret = loop_run_once(loop, -1);

		if (ret < 0)
			return ret;
	}
	return 0;
}
