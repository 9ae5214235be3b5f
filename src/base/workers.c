// SPDX-License-Identifier: MIT
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/workers.h"

enum {
	/* Items taken at a time: amortises the atomic, keeps cores busy. */
	CHUNK = 4,
	/* Below this, one thread does the job faster than several. */
	MIN_PARALLEL_ITEMS = 16,
	MAX_THREADS = 64,
};

struct workers {
	pthread_t *threads;
	unsigned int nthreads; /* started threads, not counting the caller */
	/* lock covers generation, stop, busy and the job description. */
	pthread_mutex_t lock;
	pthread_cond_t start, done;
	uint64_t generation;
	unsigned int busy; /* threads not yet finished with the current job */
	bool stop;
	workers_fn fn;
	void *arg;
	unsigned int n;
	atomic_uint next;
};

static void work_through(struct workers *w)
{
	unsigned int i;

	while ((i = atomic_fetch_add_explicit(&w->next, CHUNK,
					      memory_order_relaxed)) < w->n) {
		unsigned int end = i + CHUNK < w->n ? i + CHUNK : w->n;

		for (; i < end; i++)
			w->fn(w->arg, i);
	}
}

static void *worker_main(void *p)
{
	struct workers *w = p;
	uint64_t seen = 0;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		while (!w->stop && w->generation == seen)
			pthread_cond_wait(&w->start, &w->lock);
		if (w->stop)
			break;
		seen = w->generation;
		pthread_mutex_unlock(&w->lock);
		work_through(w);
		pthread_mutex_lock(&w->lock);
		if (--w->busy == 0)
			pthread_cond_signal(&w->done);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
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
	pthread_cond_init(&w->done, NULL);
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
	pthread_cond_destroy(&w->done);
	pthread_mutex_destroy(&w->lock);
	free(w->threads);
	free(w);
}

unsigned int workers_threads(const struct workers *w)
{
	return w->nthreads + 1;
}

void workers_run(struct workers *w, workers_fn fn, void *arg, unsigned int n)
{
	if (!w || !w->nthreads || n < MIN_PARALLEL_ITEMS) {
		for (unsigned int i = 0; i < n; i++)
			fn(arg, i);
		return;
	}
	pthread_mutex_lock(&w->lock);
	w->fn = fn;
	w->arg = arg;
	w->n = n;
	atomic_store_explicit(&w->next, 0, memory_order_relaxed);
	w->busy = w->nthreads;
	w->generation++;
	pthread_cond_broadcast(&w->start);
	pthread_mutex_unlock(&w->lock);

	work_through(w);

	pthread_mutex_lock(&w->lock);
	while (w->busy)
		pthread_cond_wait(&w->done, &w->lock);
	pthread_mutex_unlock(&w->lock);
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
