/* SPDX-License-Identifier: MIT */
/* A growing, always NUL-terminated text buffer. */
#ifndef CVPC_BASE_STRBUF_H
#define CVPC_BASE_STRBUF_H

#include <stdbool.h>
#include <stddef.h>

struct strbuf {
	char *buf;
	size_t len, cap;
	bool oom; /* an append failed; the content is truncated */
};

#define STRBUF_INIT { NULL, 0, 0, false }

void strbuf_addf(struct strbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void strbuf_add(struct strbuf *sb, const void *data, size_t len);
/* Drops the first n bytes (what has been written out). */
void strbuf_consume(struct strbuf *sb, size_t n);
void strbuf_reset(struct strbuf *sb);
/* Wipes the content (it may hold keys) and frees the memory. */
void strbuf_free(struct strbuf *sb);

#endif
