/* SPDX-License-Identifier: MIT */
/*
 * A fork-join pool for the data path: the caller hands out n independent
 * items (the packets of a batch to encrypt or decrypt), the pool's threads
 * and the caller work through them, and the call returns when all are
 * done. Batches stay in order because each is finished before the next
 * starts; nothing else is shared between the threads.
 *
 * Not re-entrant: one workers_run at a time, from one thread.
 */
#ifndef CVPC_BASE_WORKERS_H
#define CVPC_BASE_WORKERS_H

struct workers;

typedef void (*workers_fn)(void *arg, unsigned int item);

/*
 * A pool of threads in all, the caller included (threads - 1 are started;
 * 1 means no threads at all). Returns -errno.
 */
int workers_new(unsigned int threads, struct workers **out);
void workers_free(struct workers *w);
unsigned int workers_threads(const struct workers *w);

/*
 * Calls fn(arg, i) for every i in [0, n), spread over the pool, a thread
 * taking one i at a time; returns once every call has returned. For items
 * each worth waking a thread for.
 */
void workers_run_heavy(struct workers *w, workers_fn fn, void *arg,
		       unsigned int n);

/*
 * For jobs on items taken per_chunk at a time (so that each call can
 * batch them): fn(arg, c) for every chunk c of the items. Fewer than 16
 * items run on the caller alone, where waking threads would
 * cost more than it saves.
 */
void workers_run_chunks(struct workers *w, workers_fn fn, void *arg,
			unsigned int items, unsigned int per_chunk);

/* The number of threads to use by default: CVPC_THREADS, or the CPUs. */
unsigned int workers_default_threads(void);

#endif
