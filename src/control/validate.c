// SPDX-License-Identifier: MIT
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "control/validate.h"

static bool label_n(const char *s, size_t n)
{
	if (!n || n > 63 || s[0] == '-' || s[n - 1] == '-')
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
		      s[i] == '-'))
			return false;
	}
	return true;
}

bool valid_label(const char *s)
{
	return label_n(s, strlen(s));
}

bool valid_label_list(const char *s, size_t max)
{
	size_t count = 0;

	while (*s) {
		const char *comma = strchr(s, ',');
		size_t n = comma ? (size_t)(comma - s) : strlen(s);

		if (!label_n(s, n) || ++count > max)
			return false;
		s += n + (comma ? 1 : 0);
		if (comma && !*s)
			return false;
	}
	return true;
}

bool valid_endpoint(const char *s)
{
	char host[INET6_ADDRSTRLEN + 2], buf[16];
	const char *colon = strrchr(s, ':');
	uint8_t addr[16];
	size_t hlen;
	char *end;
	long port;

	if (!colon || colon == s)
		return false;
	hlen = (size_t)(colon - s);
	if (hlen >= sizeof(host) || strlen(colon + 1) >= sizeof(buf))
		return false;
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	port = strtol(colon + 1, &end, 10);
	if (*end || end == colon + 1 || port < 1 || port > 65535)
		return false;
	if (host[0] == '[' && host[hlen - 1] == ']') {
		host[hlen - 1] = '\0';
		return inet_pton(AF_INET6, host + 1, addr) == 1;
	}
	return inet_pton(AF_INET, host, addr) == 1;
}

bool valid_app_id(const char *s)
{
	if (strlen(s) != 40)
		return false;
	for (; *s; s++) {
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f') ||
		      (*s >= 'A' && *s <= 'F')))
			return false;
	}
	return true;
}
