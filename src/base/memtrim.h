/* SPDX-License-Identifier: MIT */
/*
 * Giving memory back when idle: heap slack to the system, and the pages of
 * shared libraries that only start-up touched (configuration parsing,
 * algorithm registration) out of our resident set. Nothing is lost: the
 * pages fault back in from the page cache if they are ever needed again.
 */
#ifndef CVPC_BASE_MEMTRIM_H
#define CVPC_BASE_MEMTRIM_H

#include <stddef.h>

/* Returns an idle buffer's pages (anonymous memory; contents dropped). */
void mem_release_buffer(void *buf, size_t len);

/* Heap slack and clean library pages of the whole process. */
void mem_trim_process(void);

#endif
