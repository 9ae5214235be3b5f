/* SPDX-License-Identifier: MIT */
/*
 * The WireGuard device: the static identity, the peers and the tables the
 * data path uses (indices, allowed IPs), the UDP sockets, and counters of
 * everything dropped. It is driven by one event loop; the TUN side is
 * attached by the interface that owns it (interface.h).
 */
#ifndef CVPC_WG_DEVICE_H
#define CVPC_WG_DEVICE_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/cpu_idle.h"
#include "base/list.h"
#include "base/loop.h"
#include "base/siphash.h"
#include "wg/cookie.h"
#include "wg/noise.h"
#include "wg/packet.h"
#include "wg/socket.h"

struct allowedips;
struct index_table;
struct ratelimiter;
struct wg_config;
struct strbuf;
struct tun;
struct workers;

/* Why packets were dropped; each has a counter and a name (device.c). */
enum wg_drop_reason {
	DROP_RX_MALFORMED,        /* unknown type, wrong size, truncated */
	DROP_RX_HANDSHAKE_QUEUE,  /* handshake queue full */
	DROP_RX_BAD_MAC,          /* mac1 (or, under load, mac2) invalid */
	DROP_RX_RATELIMITED,      /* valid cookie but over the source's rate */
	DROP_RX_HANDSHAKE,        /* did not decrypt, replay, unknown peer */
	DROP_RX_COOKIE,           /* cookie reply for nobody, or bad */
	DROP_RX_UNKNOWN_INDEX,    /* data for no current keypair */
	DROP_RX_EXPIRED_KEYPAIR,
	DROP_RX_DECRYPT,          /* data failed authentication */
	DROP_RX_REPLAY,           /* counter seen or too old */
	DROP_RX_INNER_MALFORMED,  /* not an IPv4/IPv6 packet of honest length */
	DROP_RX_SOURCE_FILTER,    /* inner source not in the peer's allowed IPs */
	DROP_RX_TUN_WRITE,
	DROP_TX_NO_ROUTE,         /* no peer's allowed IPs cover the destination */
	DROP_TX_NO_ENDPOINT,
	DROP_TX_MALFORMED,
	DROP_TX_STAGED_OVERFLOW,
	DROP_TX_SEND_ERROR,
	DROP_MAX,
};

struct wg_stats {
	uint64_t drops[DROP_MAX];
	uint64_t udp_gso_sends; /* sends carrying more than one datagram */
	uint64_t udp_gro_runs;  /* receives that held more than one */
	uint64_t cookie_replies_sent;
	uint64_t cookies_received; /* valid cookie replies to our handshakes */
	uint64_t handshakes_under_load;
};

struct handshake_msg {
	union sockaddr_inet src;
	struct inet_src local;
	bool checked; /* mac1/mac2 and rate already checked, under load */
	uint16_t len;
	/* The handlers read it through the message structs: align it so. */
	uint8_t data[sizeof(struct message_handshake_initiation)]
		__attribute__((aligned(__alignof__(struct message_handshake_initiation))));
};

struct handshake_queue {
	struct handshake_msg *ring; /* MAX_QUEUED_INCOMING_HANDSHAKES */
	unsigned int head, len;
};

struct wg_device {
	struct loop *loop;
	char ifname[IF_NAMESIZE];
	struct tun *tun; /* NULL until attached, and in tests */
	struct wg_socket sock;
	uint16_t incoming_port;
	uint32_t fwmark;
	uint32_t mtu;
	bool up;      /* sockets bound, peers running */
	bool link_up; /* what the link says; up may lag when binding fails */
	struct timer bind_retry;
	struct noise_static_identity static_identity;
	struct cookie_checker cookie_checker;
	struct list_head peer_list;
	unsigned int num_peers;
	struct wg_peer **peer_hash;
	unsigned int peer_hash_size; /* a power of two */
	struct siphash_key peer_hash_key;
	struct index_table *index_table;
	struct allowedips *peer_allowedips;
	struct ratelimiter *ratelimiter;
	struct timer ratelimiter_gc;
	struct handshake_queue handshake_queue;
	struct loop_work handshake_work;
	uint64_t last_under_load;
	uint64_t cookie_window_start; /* cookies owed in the current second */
	unsigned int cookie_window_count;
	struct pkt_batch rx_batch, tx_batch;
	/* Data moved since the last idle check; memory given back if not. */
	bool active, trimmed;
	struct timer idle_timer;
	struct workers *workers; /* crypto threads; NULL: the loop alone */
	struct cpu_idle cpu_idle; /* whether spreading decryption costs anyone */
	struct wg_stats stats;
	uint64_t peer_counter, keypair_counter;
};

/* Creates a device without sockets or TUN. Returns -errno. */
int wg_device_new(struct loop *loop, const char *ifname, struct wg_device **out);
void wg_device_free(struct wg_device *wg);

/* The TUN device the data path reads from and writes to (may be NULL). */
void wg_device_attach_tun(struct wg_device *wg, struct tun *tun);
/* Link state changes: up binds the sockets and starts peers, down stops. */
int wg_device_set_up(struct wg_device *wg, bool up);
void wg_device_set_mtu(struct wg_device *wg, uint32_t mtu);

/*
 * Applies a parsed UAPI set request, all or nothing as far as the socket
 * goes: a failed rebind (-EADDRINUSE) changes nothing. Returns -errno.
 */
int wg_device_apply_config(struct wg_device *wg, const struct wg_config *cfg);

const char *wg_drop_reason_name(enum wg_drop_reason reason);

static inline void wg_count_drop(struct wg_device *wg, enum wg_drop_reason r)
{
	wg->stats.drops[r]++;
}

#endif
