/* SPDX-License-Identifier: MIT */
/*
 * Kernel offloads the data path uses when the kernel accepts them, and the
 * switch that turns them off: CVPC_NO_OFFLOAD=all, or a comma-separated
 * list of the names below. Each one has a fallback chosen at run time
 * anyway; the switch exists so the fallbacks are exercised on purpose.
 */
#ifndef CVPC_WG_FEATURES_H
#define CVPC_WG_FEATURES_H

#include <stdbool.h>

enum wg_feature {
	FEATURE_TUN_TSO, /* "tun-tso": TCP super-packets from the TUN */
	FEATURE_TUN_USO, /* "tun-uso": UDP super-packets from the TUN */
	FEATURE_TUN_GRO, /* "tun-gro": coalesced super-packets to the TUN */
	FEATURE_UDP_GSO, /* "udp-gso": UDP_SEGMENT on the socket */
	FEATURE_UDP_GRO, /* "udp-gro": UDP_GRO on the socket */
	FEATURE_MAX,
};

/* Whether f may be used (read from the environment once). */
bool wg_feature_enabled(enum wg_feature f);
const char *wg_feature_name(enum wg_feature f);

#endif
