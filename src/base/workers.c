// SPDX-License-Identifier: MIT
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/workers.h"

enum {
	/* Below this, one thread does the job faster than several. */
	MIN_PARALLEL_ITEMS = 16,
	MAX_THREADS = 64,
};

struct workers {
	pthread_t *threads;
	unsigned int nthreads; /* started threads, not counting the caller */
	/* lock covers generation and stop, and the sleeping on start. */
	pthread_mutex_t lock;
	pthread_cond_t start;
	uint32_t generation;
	bool stop;
	/* The job: written before next announces its generation. */
	workers_fn fn;
	void *arg;
	unsigned int n;
	unsigned int claim; /* items a thread takes at a time */
	/*
	 * The job's generation in the high half, the next item in the low:
	 * a thread that wakes late for a finished job cannot take items of
	 * the next one, so the caller never waits for a thread that is not
	 * actually working on its items.
	 */
	_Atomic uint64_t next;
	atomic_uint completed;
};

/* Takes chunks of job `gen` until none are left. */
static void work_through(struct workers *w, uint32_t gen)
{
	uint64_t cur = atomic_load_explicit(&w->next, memory_order_acquire);

	for (;;) {
		unsigned int i, end, n, claim;
		workers_fn fn;
		void *arg;

		if ((uint32_t)(cur >> 32) != gen || (uint32_t)cur >= w->n)
			return;
		/* Read before the claim: once claimed, the job is fixed. */
		claim = w->claim;
		if (!atomic_compare_exchange_weak_explicit(
			    &w->next, &cur, cur + claim, memory_order_acq_rel,
			    memory_order_acquire))
			continue;
		/* Claimed: the job cannot change before we report back. */
		fn = w->fn;
		arg = w->arg;
		n = w->n;
		i = (uint32_t)cur;
		end = i + claim < n ? i + claim : n;
		for (unsigned int k = i; k < end; k++)
			fn(arg, k);
		atomic_fetch_add_explicit(&w->completed, end - i,
					  memory_order_release);
		cur = atomic_load_explicit(&w->next, memory_order_acquire);
	}
}

static void *worker_main(void *p)
{
	struct workers *w = p;
	uint32_t seen = 0;

	for (;;) {
		uint32_t gen;

		pthread_mutex_lock(&w->lock);
		while (!w->stop && w->generation == seen)
			pthread_cond_wait(&w->start, &w->lock);
		gen = seen = w->generation;
		if (w->stop) {
			pthread_mutex_unlock(&w->lock);
			return NULL;
		}
		pthread_mutex_unlock(&w->lock);
		work_through(w, gen);
	}
}

int workers_new(unsigned int threads, struct workers **out)
{
	struct workers *w = calloc(1, sizeof(*w));
	int ret = 0;

	if (!w)
		return -ENOMEM;
	if (threads > MAX_THREADS)
		threads = MAX_THREADS;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->start, NULL);
	if (threads > 1) {
		w->threads = calloc(threads - 1, sizeof(*w->threads));
		if (!w->threads) {
			workers_free(w);
			return -ENOMEM;
		}
	}
	for (unsigned int i = 0; i + 1 < threads; i++) {
		ret = -pthread_create(&w->threads[i], NULL, worker_main, w);
		if (ret < 0) {
			workers_free(w);
			return ret;
		}
		w->nthreads++;
	}
	*out = w;
	return 0;
}

void workers_free(struct workers *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	w->stop = true;
	pthread_cond_broadcast(&w->start);
	pthread_mutex_unlock(&w->lock);
	for (unsigned int i = 0; i < w->nthreads; i++)
		pthread_join(w->threads[i], NULL);
	pthread_cond_destroy(&w->start);
	pthread_mutex_destroy(&w->lock);
	free(w->threads);
	free(w);
}

unsigned int workers_threads(const struct workers *w)
{
	return w->nthreads + 1;
}

static void run(struct workers *w, workers_fn fn, void *arg, unsigned int n,
		unsigned int min_parallel, unsigned int claim)
{
	uint32_t gen;

	if (!w || !w->nthreads || n < min_parallel) {
		for (unsigned int i = 0; i < n; i++)
			fn(arg, i);
		return;
	}
	pthread_mutex_lock(&w->lock);
	gen = ++w->generation;
	w->fn = fn;
	w->arg = arg;
	w->n = n;
	w->claim = claim;
	atomic_store_explicit(&w->completed, 0, memory_order_relaxed);
	atomic_store_explicit(&w->next, (uint64_t)gen << 32,
			      memory_order_release);
	pthread_cond_broadcast(&w->start);
	pthread_mutex_unlock(&w->lock);

	work_through(w, gen);
	/* Only chunks a thread is actually running remain: a short wait. */
	while (atomic_load_explicit(&w->completed, memory_order_acquire) < n)
		sched_yield();
}

void workers_run_heavy(struct workers *w, workers_fn fn, void *arg,
		       unsigned int n)
{
	run(w, fn, arg, n, 2, 1);
}

void workers_run_chunks(struct workers *w, workers_fn fn, void *arg,
			unsigned int items, unsigned int per_chunk)
{
	unsigned int n = (items + per_chunk - 1) / per_chunk;

	run(w, fn, arg, n, items < MIN_PARALLEL_ITEMS ? UINT_MAX : 2, 1);
}

unsigned int workers_default_threads(void)
{
	const char *env = getenv("CVPC_THREADS");
	long n;

	if (env && *env) {
		char *end;

		n = strtol(env, &end, 10);
		if (!*end && n >= 1 && n <= MAX_THREADS)
			return (unsigned int)n;
	}
	n = sysconf(_SC_NPROCESSORS_ONLN);
	return n >= 1 ? (unsigned int)(n > MAX_THREADS ? MAX_THREADS : n) : 1;
}
