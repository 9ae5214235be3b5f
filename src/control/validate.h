/* SPDX-License-Identifier: MIT */
/* Checks of user-supplied names and values, with messages quoting them. */
#ifndef CVPC_CONTROL_VALIDATE_H
#define CVPC_CONTROL_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>

/* A DNS label: 1-63 of [a-z0-9-], not starting or ending with '-'. */
bool valid_label(const char *s);
/* A comma list of labels (possibly empty), at most max of them. */
bool valid_label_list(const char *s, size_t max);
/* "ip:port" or "[ip6]:port". */
bool valid_endpoint(const char *s);
/* 40 hex digits. */
bool valid_app_id(const char *s);

#endif
