// SPDX-License-Identifier: MIT
/*
 * The UAPI "set" request parser. The keys and what each accepts follow
 * wireguard-go's device/uapi.go (IpcSetOperation), which is what wg(8)
 * expects from a userspace implementation; the one extension is the
 * "allowed_ip=-prefix" removal newer wireguard-tools send.
 *
 * The peer the UAPI client is talking to runs with CAP_NET_ADMIN, and any
 * local process that can open the socket can feed it: every value is
 * checked strictly, and the size of one request is capped.
 */
#include "wg/config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/hex.h"
#include "crypto/util.h"

enum config_limits {
	MAX_PEERS_PER_REQUEST = 1 << 20,
	MAX_ALLOWEDIPS_PER_REQUEST = 1 << 20,
};

enum key_section {
	SECTION_DEVICE, /* only before the first public_key */
	SECTION_PEER, /* only after a public_key */
	SECTION_NEW_PEER, /* public_key itself: anywhere */
};

struct uapi_key;
typedef int (*uapi_parse_fn)(struct wg_config *cfg, const struct uapi_key *k,
			     const char *value, char *err, size_t err_len);

struct uapi_key {
	const char *name;
	enum key_section section;
	uint32_t flag; /* for the "=true" keys */
	uapi_parse_fn parse;
};

static void set_err(char *err, size_t err_len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * The text quotes client input and ends up in logs: control bytes (a
 * terminal escape sequence, say) are replaced so it cannot forge lines.
 */
static void set_err(char *err, size_t err_len, const char *fmt, ...)
{
	va_list ap;
	char *p;

	if (!err || !err_len)
		return;
	va_start(ap, fmt);
	vsnprintf(err, err_len, fmt, ap);
	va_end(ap);
	for (p = err; *p; p++) {
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
			*p = '?';
	}
}

static int invalid(char *err, size_t err_len, const struct uapi_key *k,
		   const char *value)
{
	set_err(err, err_len, "Invalid %s: `%s'", k->name, value);
	return -EINVAL;
}

/* Keys are secrets: a near-miss typo of one must not reach a log. */
static int invalid_secret(char *err, size_t err_len, const struct uapi_key *k,
			  const char *value)
{
	set_err(err, err_len, "Invalid %s: not %d hex digits (%zu characters)",
		k->name, 2 * WG_KEY_LEN, strlen(value));
	return -EINVAL;
}

/*
 * Like Go's strconv.ParseUint(s, 10, bits): digits only, no sign, no
 * spaces, not empty, no overflow. max must not exceed UINT32_MAX.
 */
static bool parse_dec(const char *s, uint32_t max, uint32_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > max)
			return false;
	}
	*out = (uint32_t)v;
	return true;
}

/*
 * Returns array with room for need elements, or NULL (array untouched).
 * Never realloc: that could leave a copy of the preshared keys in freed
 * memory. The old block is wiped before it is freed.
 */
static void *grow(void *array, size_t *cap, size_t len, size_t need,
		  size_t elem)
{
	size_t new_cap = *cap ? *cap : 4;
	void *p;

	if (need <= *cap)
		return array;
	while (new_cap < need)
		new_cap *= 2;
	if (new_cap > SIZE_MAX / elem)
		return NULL;
	p = malloc(new_cap * elem);
	if (!p)
		return NULL;
	if (array) {
		memcpy(p, array, len * elem);
		memzero_explicit(array, *cap * elem);
		free(array);
	}
	*cap = new_cap;
	return p;
}

static struct wg_peer_config *current_peer(struct wg_config *cfg)
{
	return &cfg->peers[cfg->peers_len - 1];
}

/* Device keys */

static int parse_private_key(struct wg_config *cfg, const struct uapi_key *k,
			     const char *value, char *err, size_t err_len)
{
	uint8_t key[WG_KEY_LEN];
	int ret = 0;

	/* Decode aside: a failed line must not leave half a key in cfg. */
	if (!hex_decode(key, sizeof(key), value)) {
		ret = invalid_secret(err, err_len, k, value);
		goto out;
	}
	memcpy(cfg->private_key, key, sizeof(key));
	cfg->flags |= WGDEVICE_HAS_PRIVATE_KEY;
out:
	memzero_explicit(key, sizeof(key));
	return ret;
}

static int parse_listen_port(struct wg_config *cfg, const struct uapi_key *k,
			     const char *value, char *err, size_t err_len)
{
	uint32_t port;

	if (!parse_dec(value, UINT16_MAX, &port))
		return invalid(err, err_len, k, value);
	cfg->listen_port = (uint16_t)port;
	cfg->flags |= WGDEVICE_HAS_LISTEN_PORT;
	return 0;
}

/* wg(8) sends "fwmark=0" to clear the mark: 0 is a value, not "unset". */
static int parse_fwmark(struct wg_config *cfg, const struct uapi_key *k,
			const char *value, char *err, size_t err_len)
{
	if (!parse_dec(value, UINT32_MAX, &cfg->fwmark))
		return invalid(err, err_len, k, value);
	cfg->flags |= WGDEVICE_HAS_FWMARK;
	return 0;
}

/* "replace_peers", "remove", "update_only", "replace_allowed_ips". */
static bool is_true(const char *value)
{
	return !strcmp(value, "true");
}

static int parse_device_flag(struct wg_config *cfg, const struct uapi_key *k,
			     const char *value, char *err, size_t err_len)
{
	if (!is_true(value))
		return invalid(err, err_len, k, value);
	cfg->flags |= k->flag;
	return 0;
}

/* Peer keys */

/*
 * A repeated public key opens a second section for the same peer; the
 * device applies sections in order, as wireguard-go does.
 */
static int parse_public_key(struct wg_config *cfg, const struct uapi_key *k,
			    const char *value, char *err, size_t err_len)
{
	uint8_t key[WG_KEY_LEN];
	struct wg_peer_config *peers;

	if (!hex_decode(key, sizeof(key), value))
		return invalid(err, err_len, k, value);
	if (cfg->peers_len >= MAX_PEERS_PER_REQUEST) {
		set_err(err, err_len, "Too many peers in one request (limit %d)",
			MAX_PEERS_PER_REQUEST);
		return -EINVAL;
	}
	peers = grow(cfg->peers, &cfg->peers_cap, cfg->peers_len,
		     cfg->peers_len + 1, sizeof(*peers));
	if (!peers) {
		set_err(err, err_len, "Out of memory for peer `%s'", value);
		return -ENOMEM;
	}
	cfg->peers = peers;
	memset(&peers[cfg->peers_len], 0, sizeof(*peers));
	memcpy(peers[cfg->peers_len].public_key, key, sizeof(key));
	cfg->peers_len++;
	return 0;
}

static int parse_peer_flag(struct wg_config *cfg, const struct uapi_key *k,
			   const char *value, char *err, size_t err_len)
{
	if (!is_true(value))
		return invalid(err, err_len, k, value);
	current_peer(cfg)->flags |= k->flag;
	return 0;
}

/*
 * wireguard-go drops the peer's prefixes when it reads this line, so
 * allowed_ip lines above it in the same section are lost; dropping them
 * here keeps that order-dependence out of the flag the device sees.
 */
static int parse_replace_allowed_ips(struct wg_config *cfg,
				     const struct uapi_key *k,
				     const char *value, char *err,
				     size_t err_len)
{
	struct wg_peer_config *peer = current_peer(cfg);
	int ret = parse_peer_flag(cfg, k, value, err, err_len);

	if (ret)
		return ret;
	cfg->allowedips_total -= peer->allowedips_len;
	peer->allowedips_len = 0;
	return 0;
}

static int parse_preshared_key(struct wg_config *cfg, const struct uapi_key *k,
			       const char *value, char *err, size_t err_len)
{
	struct wg_peer_config *peer = current_peer(cfg);
	uint8_t key[WG_KEY_LEN];
	int ret = 0;

	if (!hex_decode(key, sizeof(key), value)) {
		ret = invalid_secret(err, err_len, k, value);
		goto out;
	}
	memcpy(peer->preshared_key, key, sizeof(key));
	peer->flags |= WGPEER_HAS_PRESHARED_KEY;
out:
	memzero_explicit(key, sizeof(key));
	return ret;
}

static int parse_endpoint(struct wg_config *cfg, const struct uapi_key *k,
			  const char *value, char *err, size_t err_len)
{
	struct wg_peer_config *peer = current_peer(cfg);

	if (!sockaddr_parse(&peer->endpoint, value))
		return invalid(err, err_len, k, value);
	peer->flags |= WGPEER_HAS_ENDPOINT;
	return 0;
}

static int parse_keepalive(struct wg_config *cfg, const struct uapi_key *k,
			   const char *value, char *err, size_t err_len)
{
	struct wg_peer_config *peer = current_peer(cfg);
	uint32_t secs;

	if (!parse_dec(value, UINT16_MAX, &secs))
		return invalid(err, err_len, k, value);
	peer->persistent_keepalive_interval = (uint16_t)secs;
	peer->flags |= WGPEER_HAS_PERSISTENT_KEEPALIVE_INTERVAL;
	return 0;
}

/*
 * "[-]addr/cidr" as Go's netip.ParsePrefix takes it: cidr required, no
 * sign or leading zero in it, no zone. Host bits are kept; the allowed-IPs
 * table masks them on insert.
 */
static bool parse_prefix(struct wg_allowedip *ip, const char *value)
{
	char addr[INET6_ADDRSTRLEN];
	const char *slash, *bits;
	uint32_t cidr, max;
	size_t len;

	memset(ip, 0, sizeof(*ip));
	if (*value == '-') {
		ip->remove = true;
		value++;
	}
	slash = strchr(value, '/');
	if (!slash)
		return false;
	len = (size_t)(slash - value);
	if (!len || len >= sizeof(addr))
		return false;
	memcpy(addr, value, len);
	addr[len] = '\0';
	if (memchr(addr, ':', len)) {
		ip->family = AF_INET6;
		max = 128;
		if (inet_pton(AF_INET6, addr, &ip->ip6) != 1)
			return false;
	} else {
		ip->family = AF_INET;
		max = 32;
		if (inet_pton(AF_INET, addr, &ip->ip4) != 1)
			return false;
	}
	bits = slash + 1;
	if (bits[0] == '0' && bits[1])
		return false;
	if (!parse_dec(bits, max, &cidr))
		return false;
	ip->cidr = (uint8_t)cidr;
	return true;
}

static int parse_allowed_ip(struct wg_config *cfg, const struct uapi_key *k,
			    const char *value, char *err, size_t err_len)
{
	struct wg_peer_config *peer = current_peer(cfg);
	struct wg_allowedip ip, *ips;

	if (!parse_prefix(&ip, value))
		return invalid(err, err_len, k, value);
	if (cfg->allowedips_total >= MAX_ALLOWEDIPS_PER_REQUEST) {
		set_err(err, err_len,
			"Too many allowed IPs in one request (limit %d): `%s'",
			MAX_ALLOWEDIPS_PER_REQUEST, value);
		return -EINVAL;
	}
	ips = grow(peer->allowedips, &peer->allowedips_cap,
		   peer->allowedips_len, peer->allowedips_len + 1, sizeof(*ips));
	if (!ips) {
		set_err(err, err_len, "Out of memory for allowed_ip `%s'", value);
		return -ENOMEM;
	}
	peer->allowedips = ips;
	ips[peer->allowedips_len++] = ip;
	cfg->allowedips_total++;
	return 0;
}

static int parse_protocol_version(struct wg_config *cfg,
				  const struct uapi_key *k, const char *value,
				  char *err, size_t err_len)
{
	(void)cfg;
	if (strcmp(value, "1"))
		return invalid(err, err_len, k, value);
	return 0;
}

static const struct uapi_key uapi_keys[] = {
	{ "private_key", SECTION_DEVICE, 0, parse_private_key },
	{ "listen_port", SECTION_DEVICE, 0, parse_listen_port },
	{ "fwmark", SECTION_DEVICE, 0, parse_fwmark },
	{ "replace_peers", SECTION_DEVICE, WGDEVICE_REPLACE_PEERS,
	  parse_device_flag },
	{ "public_key", SECTION_NEW_PEER, 0, parse_public_key },
	{ "remove", SECTION_PEER, WGPEER_REMOVE_ME, parse_peer_flag },
	{ "update_only", SECTION_PEER, WGPEER_UPDATE_ONLY, parse_peer_flag },
	{ "replace_allowed_ips", SECTION_PEER, WGPEER_REPLACE_ALLOWEDIPS,
	  parse_replace_allowed_ips },
	{ "preshared_key", SECTION_PEER, 0, parse_preshared_key },
	{ "endpoint", SECTION_PEER, 0, parse_endpoint },
	{ "persistent_keepalive_interval", SECTION_PEER, 0, parse_keepalive },
	{ "allowed_ip", SECTION_PEER, 0, parse_allowed_ip },
	{ "protocol_version", SECTION_PEER, 0, parse_protocol_version },
};

static const struct uapi_key *find_key(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(uapi_keys) / sizeof(uapi_keys[0]); i++) {
		if (!strcmp(uapi_keys[i].name, name))
			return &uapi_keys[i];
	}
	return NULL;
}

void wg_config_init(struct wg_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
}

void wg_config_free(struct wg_config *cfg)
{
	size_t i;

	for (i = 0; i < cfg->peers_len; i++)
		free(cfg->peers[i].allowedips);
	if (cfg->peers)
		memzero_explicit(cfg->peers,
				 cfg->peers_cap * sizeof(*cfg->peers));
	free(cfg->peers);
	memzero_explicit(cfg, sizeof(*cfg));
}

int wg_config_parse_line(struct wg_config *cfg, const char *key,
			 const char *value, char *err, size_t err_len)
{
	const struct uapi_key *k;
	bool in_peer = cfg->peers_len > 0;

	if (!key || !value) {
		set_err(err, err_len, "Missing key or value");
		return -EINVAL;
	}
	k = find_key(key);
	if (!k) {
		set_err(err, err_len, "Unknown key: `%s'", key);
		return -EINVAL;
	}
	/* wireguard-go reports both as an unknown key of the other section. */
	if (k->section == SECTION_DEVICE && in_peer) {
		set_err(err, err_len, "Device key after a public_key: `%s'", key);
		return -EINVAL;
	}
	if (k->section == SECTION_PEER && !in_peer) {
		set_err(err, err_len, "Peer key before any public_key: `%s'", key);
		return -EINVAL;
	}
	return k->parse(cfg, k, value, err, err_len);
}
