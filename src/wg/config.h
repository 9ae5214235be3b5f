/* SPDX-License-Identifier: MIT */
/*
 * A parsed UAPI "set" request: the device and peer changes it asks for,
 * with "has" flags, like wireguard-tools' struct wgdevice. The parser only
 * validates syntax and ranges; applying it is the device's job, so a
 * request that fails to parse changes nothing.
 */
#ifndef CVPC_WG_CONFIG_H
#define CVPC_WG_CONFIG_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/sockaddr.h"

enum { WG_KEY_LEN = 32 };

enum wg_config_flags {
	WGDEVICE_REPLACE_PEERS = 1U << 0,
	WGDEVICE_HAS_PRIVATE_KEY = 1U << 1,
	WGDEVICE_HAS_LISTEN_PORT = 1U << 2,
	WGDEVICE_HAS_FWMARK = 1U << 3,
};

enum wg_peer_config_flags {
	WGPEER_REMOVE_ME = 1U << 0,
	WGPEER_REPLACE_ALLOWEDIPS = 1U << 1,
	WGPEER_UPDATE_ONLY = 1U << 2,
	WGPEER_HAS_PRESHARED_KEY = 1U << 3,
	WGPEER_HAS_ENDPOINT = 1U << 4,
	WGPEER_HAS_PERSISTENT_KEEPALIVE_INTERVAL = 1U << 5,
};

struct wg_allowedip {
	uint16_t family; /* AF_INET or AF_INET6 */
	uint8_t cidr;
	bool remove; /* "allowed_ip=-prefix": drop it from this peer */
	union {
		struct in_addr ip4;
		struct in6_addr ip6;
	};
};

struct wg_peer_config {
	uint32_t flags;
	uint8_t public_key[WG_KEY_LEN];
	uint8_t preshared_key[WG_KEY_LEN]; /* all zero: remove the PSK */
	union sockaddr_inet endpoint;
	uint16_t persistent_keepalive_interval;
	struct wg_allowedip *allowedips;
	size_t allowedips_len, allowedips_cap;
};

struct wg_config {
	uint32_t flags;
	uint8_t private_key[WG_KEY_LEN]; /* all zero: remove the key */
	uint16_t listen_port;
	uint32_t fwmark;
	struct wg_peer_config *peers;
	size_t peers_len, peers_cap;
	/* Sum of the peers' allowedips_len: the request-wide cap needs it. */
	size_t allowedips_total;
};

void wg_config_init(struct wg_config *cfg);
/* Frees and wipes every key; cfg is ready for reuse afterwards. */
void wg_config_free(struct wg_config *cfg);

/*
 * Feeds one "key=value" line (already split, without the newline) of a set
 * request. Device keys must precede the first public_key. Returns 0, or
 * -EINVAL for an unknown key, a bad value or a device key after a peer,
 * or -ENOMEM. Error text, when wanted, goes to err (may be NULL).
 *
 * Also -EINVAL: a peer key before any public_key, and a request of more
 * than 1 << 20 peer sections or 1 << 20 allowed_ip lines in total. The
 * error text quotes the offending key or value, except a malformed
 * private or preshared key, which it only describes. After any error cfg
 * is consistent and must still be freed; the request should be dropped.
 *
 * Order within a request matters the way it does to wireguard-go: later
 * lines override earlier ones, replace_allowed_ips discards the allowed_ip
 * lines before it in its section, and a public key given twice yields two
 * sections the device applies in turn. Allowed-IP host bits are kept.
 */
int wg_config_parse_line(struct wg_config *cfg, const char *key,
			 const char *value, char *err, size_t err_len);

#endif
