// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/strbuf.h"
#include "crypto/util.h"

static bool reserve(struct strbuf *sb, size_t extra)
{
	size_t cap;
	char *buf;

	if (sb->oom)
		return false;
	if (sb->len + extra + 1 <= sb->cap)
		return true;
	cap = sb->cap ? sb->cap : 256;
	while (cap < sb->len + extra + 1)
		cap *= 2;
	/* Not realloc: the old block may hold secrets and must be wiped. */
	buf = malloc(cap);
	if (!buf) {
		sb->oom = true;
		return false;
	}
	if (sb->buf) {
		memcpy(buf, sb->buf, sb->len + 1);
		memzero_explicit(sb->buf, sb->cap);
		free(sb->buf);
	} else {
		buf[0] = '\0';
	}
	sb->buf = buf;
	sb->cap = cap;
	return true;
}

void strbuf_add(struct strbuf *sb, const void *data, size_t len)
{
	if (!reserve(sb, len))
		return;
	memcpy(sb->buf + sb->len, data, len);
	sb->len += len;
	sb->buf[sb->len] = '\0';
}

void strbuf_addf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !reserve(sb, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb->len += (size_t)n;
}

void strbuf_consume(struct strbuf *sb, size_t n)
{
	if (n >= sb->len) {
		strbuf_reset(sb);
		return;
	}
	memmove(sb->buf, sb->buf + n, sb->len - n + 1);
	memzero_explicit(sb->buf + sb->len - n + 1, n);
	sb->len -= n;
}

void strbuf_reset(struct strbuf *sb)
{
	if (sb->buf) {
		memzero_explicit(sb->buf, sb->len);
		sb->buf[0] = '\0';
	}
	sb->len = 0;
	sb->oom = false;
}

void strbuf_free(struct strbuf *sb)
{
	if (sb->buf) {
		memzero_explicit(sb->buf, sb->cap);
		free(sb->buf);
	}
	sb->buf = NULL;
	sb->len = sb->cap = 0;
	sb->oom = false;
}
