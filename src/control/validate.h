/* SPDX-License-Identifier: MIT */
/* Checks of user-supplied names and values, with messages quoting them. */
#ifndef CVPC_CONTROL_VALIDATE_H
#define CVPC_CONTROL_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>

/* A DNS label: 1-63 of [a-z0-9-], not starting or ending with '-'. */
bool valid_label(const char *s);
/* "ip:port" or "[ip6]:port". */
bool valid_endpoint(const char *s);

#endif
