/* SPDX-License-Identifier: MIT */
/*
 * Logging to stderr with a level chosen once at start-up (LOG_LEVEL=
 * silent|error|info|debug, like wireguard-go). Never pass key material
 * or tokens to these functions.
 */
#ifndef CVPC_BASE_LOG_H
#define CVPC_BASE_LOG_H

#include <stdbool.h>

enum log_level {
	LOGL_SILENT = 0,
	LOGL_ERROR = 1,
	LOGL_INFO = 2,
	LOGL_DEBUG = 3,
};

/* Sets the prefix printed before every line (e.g. the interface name). */
void log_set_prefix(const char *prefix);
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* Parses LOG_LEVEL; returns false (level unchanged) on an unknown word. */
bool log_level_parse(const char *word, enum log_level *level);

void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define pr_err(...) log_msg(LOGL_ERROR, __VA_ARGS__)
#define pr_info(...) log_msg(LOGL_INFO, __VA_ARGS__)
#define pr_debug(...)                                                  \
	do {                                                           \
		if (log_get_level() >= LOGL_DEBUG)                     \
			log_msg(LOGL_DEBUG, __VA_ARGS__);              \
	} while (0)

#endif
