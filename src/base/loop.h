/* SPDX-License-Identifier: MIT */
/*
 * A small single-threaded event loop: epoll for file descriptors, a binary
 * heap of monotonic timers, and deferred work items.
 *
 * Ordering and re-entrancy: callbacks run on the loop's thread only. In
 * one iteration the loop dispatches ready descriptors, then expired timers
 * (earliest first), then queued work items (FIFO). Any callback may add,
 * modify or delete descriptors, timers and work items, including its own;
 * a deleted descriptor receives no further callback in the same iteration.
 * While work is queued the loop does not block.
 */
#ifndef CVPC_BASE_LOOP_H
#define CVPC_BASE_LOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/epoll.h>

struct loop;

struct loop_fd {
	int fd;
	void (*cb)(struct loop_fd *lfd, uint32_t events);
	/* private */
	uint32_t events;
	bool registered;
};

struct timer {
	void (*fn)(struct timer *t);
	/* private */
	struct loop *loop;
	uint64_t expires;
	size_t heap_idx; /* SIZE_MAX when not pending */
};

struct loop_work {
	void (*fn)(struct loop_work *w);
	/* private */
	struct loop_work *next;
	bool queued;
};

int loop_new(struct loop **out);
/* Frees the loop; descriptors stay open, timers and work are forgotten. */
void loop_free(struct loop *loop);

/* Runs until loop_stop; returns 0, or -errno if epoll fails. */
int loop_run(struct loop *loop);
/*
 * One iteration of loop_run: waits for descriptors at most timeout_ms
 * (-1: until the next timer; never past a due timer or queued work),
 * dispatches them, then the timers due by now_ns(), then queued work.
 * For tests that drive the clock themselves and for embedding the loop
 * in another one. Returns how many callbacks ran, or -errno if epoll
 * fails (an interrupted wait counts as an iteration where none ran).
 */
int loop_run_once(struct loop *loop, int timeout_ms);
void loop_stop(struct loop *loop);

/* Registers lfd->fd for events (EPOLLIN, EPOLLOUT...). Returns -errno. */
int loop_fd_add(struct loop *loop, struct loop_fd *lfd, uint32_t events);
int loop_fd_mod(struct loop *loop, struct loop_fd *lfd, uint32_t events);
void loop_fd_del(struct loop *loop, struct loop_fd *lfd);

void timer_init(struct timer *t, struct loop *loop, void (*fn)(struct timer *));
/* (Re)arms t to fire at the absolute monotonic time `expires` (ns). */
void timer_mod(struct timer *t, uint64_t expires);
void timer_del(struct timer *t);
static inline bool timer_pending(const struct timer *t)
{
	return t->heap_idx != SIZE_MAX;
}

void work_init(struct loop_work *w, void (*fn)(struct loop_work *));
/* Queues w once; queuing an already queued item does nothing. */
void work_queue(struct loop *loop, struct loop_work *w);
void work_cancel(struct loop *loop, struct loop_work *w);

#endif
