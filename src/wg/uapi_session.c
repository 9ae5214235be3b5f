// SPDX-License-Identifier: MIT
/*
 * The UAPI conversation, free of sockets: a byte stream in, replies out.
 * Kept apart from the server so it can be fuzzed and unit-tested alone.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/hex.h"
#include "base/log.h"
#include "base/strbuf.h"
#include "crypto/util.h"
#include "wg/allowedips.h"
#include "wg/config.h"
#include "wg/device.h"
#include "wg/peer.h"
#include "wg/tun.h"
#include "wg/uapi.h"

enum {
	/* The longest sane line is an allowed_ip or endpoint with a zone. */
	UAPI_MAX_LINE = 4096,
};

enum session_state {
	SESSION_IDLE,
	SESSION_GET,   /* "get=1" seen, the blank line must follow */
	SESSION_STATS, /* the same for "stats=1" */
	SESSION_SET,
};

struct uapi_session {
	struct wg_device *wg;
	enum session_state state;
	struct wg_config cfg;
	int error;          /* first error of the set request in progress */
	char line[UAPI_MAX_LINE + 1];
	size_t line_len;
	bool line_too_long;
};

struct uapi_session *uapi_session_new(struct wg_device *wg)
{
	struct uapi_session *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->wg = wg;
	wg_config_init(&s->cfg);
	return s;
}

void uapi_session_free(struct uapi_session *s)
{
	if (!s)
		return;
	wg_config_free(&s->cfg);
	memzero_explicit(s, sizeof(*s));
	free(s);
}

static int get_allowedip(void *arg, int family, const uint8_t *addr,
			 uint8_t cidr)
{
	char text[INET6_ADDRSTRLEN];

	inet_ntop(family, addr, text, sizeof(text));
	strbuf_addf(arg, "allowed_ip=%s/%u\n", text, cidr);
	return 0;
}

static void get_peer(struct wg_peer *peer, struct strbuf *out)
{
	char hex[KEY_HEX_LEN + 1], ep[SOCKADDR_STR_LEN];

	hex_encode(hex, peer->handshake.remote_static, NOISE_PUBLIC_KEY_LEN);
	strbuf_addf(out, "public_key=%s\n", hex);
	hex_encode(hex, peer->handshake.preshared_key, NOISE_SYMMETRIC_KEY_LEN);
	strbuf_addf(out, "preshared_key=%s\n", hex);
	memzero_explicit(hex, sizeof(hex));
	strbuf_addf(out, "protocol_version=1\n");
	if (peer->endpoint.addr.sa.sa_family) {
		sockaddr_format(ep, sizeof(ep), &peer->endpoint.addr);
		strbuf_addf(out, "endpoint=%s\n", ep);
	}
	strbuf_addf(out,
		    "last_handshake_time_sec=%lld\n"
		    "last_handshake_time_nsec=%ld\n"
		    "tx_bytes=%llu\nrx_bytes=%llu\n"
		    "persistent_keepalive_interval=%u\n",
		    (long long)peer->walltime_last_handshake.tv_sec,
		    peer->walltime_last_handshake.tv_nsec,
		    (unsigned long long)peer->tx_bytes,
		    (unsigned long long)peer->rx_bytes,
		    peer->persistent_keepalive_interval);
	allowedips_walk_owner(&peer->allowedips, get_allowedip, out);
}

static int device_get(struct wg_device *wg, struct strbuf *out)
{
	struct wg_peer *peer;
	char hex[KEY_HEX_LEN + 1];

	if (wg->static_identity.has_identity) {
		hex_encode(hex, wg->static_identity.static_private,
			   NOISE_PUBLIC_KEY_LEN);
		strbuf_addf(out, "private_key=%s\n", hex);
		memzero_explicit(hex, sizeof(hex));
	}
	if (wg->incoming_port)
		strbuf_addf(out, "listen_port=%u\n", wg->incoming_port);
	if (wg->fwmark)
		strbuf_addf(out, "fwmark=%u\n", wg->fwmark);
	list_for_each_entry(peer, &wg->peer_list, peer_list)
		get_peer(peer, out);
	return out->oom ? -ENOMEM : 0;
}

static int device_stats(struct wg_device *wg, struct strbuf *out)
{
	strbuf_addf(out, "up=%d\nmtu=%u\npeers=%u\n", wg->up, wg->mtu,
		    wg->num_peers);
	for (int i = 0; i < DROP_MAX; i++)
		strbuf_addf(out, "drop_%s=%llu\n", wg_drop_reason_name(i),
			    (unsigned long long)wg->stats.drops[i]);
	strbuf_addf(out,
		    "cookie_replies_sent=%llu\ncookies_received=%llu\n"
		    "handshakes_under_load=%llu\n",
		    (unsigned long long)wg->stats.cookie_replies_sent,
		    (unsigned long long)wg->stats.cookies_received,
		    (unsigned long long)wg->stats.handshakes_under_load);
	strbuf_addf(out,
		    "udp_gso=%d\nudp_gro=%d\nudp_gso_sends=%llu\nudp_gro_runs=%llu\n",
		    wg->sock.gso[0] || wg->sock.gso[1],
		    wg->sock.gro[0] || wg->sock.gro[1],
		    (unsigned long long)wg->stats.udp_gso_sends,
		    (unsigned long long)wg->stats.udp_gro_runs);
	if (wg->tun) {
		struct tun_stats ts;

		tun_get_stats(wg->tun, &ts);
		strbuf_addf(out,
			    "tun_vnet=%d\ntun_tso=%d\ntun_uso=%d\ntun_gro=%d\n"
			    "tun_gro_udp=%d\ntun_super_packets=%llu\n"
			    "tun_coalesced_writes=%llu\n",
			    ts.vnet, ts.tso, ts.uso, ts.gro, ts.gro_udp,
			    (unsigned long long)ts.super_packets,
			    (unsigned long long)ts.coalesced_writes);
	}
	return out->oom ? -ENOMEM : 0;
}

static void reply_errno(struct strbuf *out, int err)
{
	strbuf_addf(out, "errno=%d\n\n", err);
}

static void reply_get(struct uapi_session *s, struct strbuf *out, bool stats)
{
	struct strbuf body = STRBUF_INIT;
	int ret = stats ? device_stats(s->wg, &body) : device_get(s->wg, &body);

	if (!ret)
		strbuf_add(out, body.buf ? body.buf : "", body.len);
	reply_errno(out, ret);
	strbuf_free(&body);
}

static void set_line(struct uapi_session *s, char *line)
{
	char err[256], *eq;
	int ret;

	if (s->error)
		return;
	eq = strchr(line, '=');
	if (!eq) {
		pr_err("UAPI: failed to parse line");
		s->error = -EPROTO;
		return;
	}
	*eq = '\0';
	ret = wg_config_parse_line(&s->cfg, line, eq + 1, err, sizeof(err));
	if (ret < 0) {
		pr_err("UAPI: %s", err);
		s->error = ret;
	}
}

static void finish_set(struct uapi_session *s, struct strbuf *out)
{
	int ret = s->error;

	if (!ret) {
		ret = wg_device_apply_config(s->wg, &s->cfg);
		if (ret < 0)
			pr_err("UAPI: set failed: %s", strerror(-ret));
	}
	reply_errno(out, ret);
	wg_config_free(&s->cfg);
	s->error = 0;
	s->state = SESSION_IDLE;
}

/* One complete line (without its newline). False: close the connection. */
static bool session_line(struct uapi_session *s, char *line, bool too_long,
			 struct strbuf *out)
{
	switch (s->state) {
	case SESSION_IDLE:
		if (too_long)
			return false;
		if (!strcmp(line, "get=1"))
			s->state = SESSION_GET;
		else if (!strcmp(line, "stats=1"))
			s->state = SESSION_STATS;
		else if (!strcmp(line, "set=1"))
			s->state = SESSION_SET;
		else
			return false;
		return true;
	case SESSION_GET:
	case SESSION_STATS:
		if (line[0] || too_long)
			reply_errno(out, -EINVAL);
		else
			reply_get(s, out, s->state == SESSION_STATS);
		s->state = SESSION_IDLE;
		return true;
	case SESSION_SET:
		if (too_long) {
			if (!s->error)
				s->error = -EINVAL;
		} else if (!line[0]) {
			finish_set(s, out);
		} else {
			set_line(s, line);
		}
		return true;
	}
	return false;
}

bool uapi_session_feed(struct uapi_session *s, const char *data, size_t len,
		       struct strbuf *out)
{
	for (size_t i = 0; i < len; i++) {
		bool ok;

		if (data[i] != '\n') {
			if (s->line_len < UAPI_MAX_LINE && data[i] != '\0')
				s->line[s->line_len++] = data[i];
			else
				s->line_too_long = true;
			continue;
		}
		s->line[s->line_len] = '\0';
		ok = session_line(s, s->line, s->line_too_long, out);
		memzero_explicit(s->line, s->line_len);
		s->line_len = 0;
		s->line_too_long = false;
		if (!ok)
			return false;
	}
	return true;
}

