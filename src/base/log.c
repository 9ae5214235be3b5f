// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/log.h"

static enum log_level level = LOGL_ERROR;
static char prefix[64];

void log_set_prefix(const char *p)
{
	snprintf(prefix, sizeof(prefix), "%s", p ? p : "");
}

void log_set_level(enum log_level l)
{
	level = l;
}

enum log_level log_get_level(void)
{
	return level;
}

bool log_level_parse(const char *word, enum log_level *out)
{
	static const struct {
		const char *name;
		enum log_level level;
	} names[] = {
		{ "silent", LOGL_SILENT }, { "error", LOGL_ERROR },
		{ "info", LOGL_INFO },     { "verbose", LOGL_DEBUG },
		{ "debug", LOGL_DEBUG },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(word, names[i].name)) {
			*out = names[i].level;
			return true;
		}
	}
	return false;
}

void log_msg(enum log_level l, const char *fmt, ...)
{
	static const char *const tags[] = { "", "ERROR", "INFO", "DEBUG" };
	struct timespec ts;
	struct tm tm;
	char when[32];
	va_list ap;

	if (l > level || l == LOGL_SILENT)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y/%m/%d %H:%M:%S", &tm);

	flockfile(stderr);
	fprintf(stderr, "%s: %s%s", tags[l], when, prefix[0] ? " " : "");
	fputs(prefix, stderr);
	fputs(": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	funlockfile(stderr);
}
