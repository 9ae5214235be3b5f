// SPDX-License-Identifier: MIT
#include <string.h>

#include "base/sockaddr.h"
#include "control/validate.h"

bool valid_label(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > 63 || s[0] == '-' || s[n - 1] == '-')
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
		      s[i] == '-'))
			return false;
	}
	return true;
}

bool valid_endpoint(const char *s)
{
	union sockaddr_inet addr;

	/* A node's public endpoint has a port and no interface zone. */
	return sockaddr_parse(&addr, s) && addr.in.sin_port && !strchr(s, '%');
}
