// SPDX-License-Identifier: MIT
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "wg/features.h"

static const char *const names[FEATURE_MAX] = {
	[FEATURE_TUN_TSO] = "tun-tso",
	[FEATURE_TUN_USO] = "tun-uso",
	[FEATURE_TUN_GRO] = "tun-gro",
	[FEATURE_UDP_GSO] = "udp-gso",
	[FEATURE_UDP_GRO] = "udp-gro",
};

static bool disabled[FEATURE_MAX];
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void disable_word(const char *word, size_t len)
{
	for (int f = 0; f < FEATURE_MAX; f++) {
		if (strlen(names[f]) == len && !strncmp(word, names[f], len)) {
			disabled[f] = true;
			return;
		}
	}
	if (len == 3 && !strncmp(word, "all", 3)) {
		for (int f = 0; f < FEATURE_MAX; f++)
			disabled[f] = true;
		return;
	}
	pr_err("CVPC_NO_OFFLOAD: unknown offload `%.*s' ignored", (int)len, word);
}

static void parse_env(void)
{
	const char *p = getenv("CVPC_NO_OFFLOAD");

	while (p && *p) {
		size_t len = strcspn(p, ",");

		if (len)
			disable_word(p, len);
		p += len;
		if (*p == ',')
			p++;
	}
}

bool wg_feature_enabled(enum wg_feature f)
{
	pthread_once(&once, parse_env);
	return f < FEATURE_MAX && !disabled[f];
}

const char *wg_feature_name(enum wg_feature f)
{
	return f < FEATURE_MAX ? names[f] : "unknown";
}
