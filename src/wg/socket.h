/* SPDX-License-Identifier: MIT */
/*
 * The device's UDP sockets (one IPv4, one IPv6-only, same port) and
 * everything that sends a datagram to a peer or learns a peer's endpoint.
 */
#ifndef CVPC_WG_SOCKET_H
#define CVPC_WG_SOCKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/loop.h"
#include "base/sockaddr.h"

struct wg_device;
struct wg_peer;
struct pkt_batch;

struct wg_socket {
	int fd4, fd6; /* -1 when closed */
	struct loop_fd lfd4, lfd6;
	uint16_t port; /* the bound port, 0 while closed */
	/* Offloads the kernel accepted, per family (0: v4, 1: v6). */
	bool gso[2], gro[2];
};

void wg_socket_init(struct wg_socket *sock);
/*
 * Binds a new pair of sockets to port (0: any free port, the same for both
 * families) with fwmark, and only on success replaces the old pair.
 * Returns -errno (-EADDRINUSE when the port is taken).
 */
int wg_socket_reinit(struct wg_device *wg, uint16_t port, uint32_t fwmark);
void wg_socket_close(struct wg_device *wg);
int wg_socket_set_fwmark(struct wg_device *wg, uint32_t fwmark);

int wg_socket_send_buffer_to_peer(struct wg_peer *peer, const void *buf,
				  size_t len);
int wg_socket_send_buffer_as_reply(struct wg_device *wg, const void *buf,
				   size_t len, const union sockaddr_inet *dst);
/*
 * n replies of len bytes each (bufs, len apart) to dsts, with a sendmmsg
 * per address family, never waiting for a full socket and counting
 * nothing: for any thread. sent[i] tells which went out.
 */
void wg_socket_send_replies(struct wg_device *wg, const void *bufs, size_t len,
			    const union sockaddr_inet *const *dsts,
			    unsigned int n, bool *sent);
/*
 * Sends every PKT_READY packet of batch to its addr, in order; those the
 * socket refused become PKT_UNSENT. False when the socket stayed full.
 */
bool wg_socket_send_batch(struct wg_device *wg, struct pkt_batch *batch);

/*
 * Roaming: the latest authenticated source becomes the endpoint, and the
 * local address it came to our source for replies (src may be NULL: let
 * the kernel choose, as for a configured endpoint).
 */
void wg_socket_set_peer_endpoint(struct wg_peer *peer,
				 const union sockaddr_inet *addr,
				 const struct inet_src *src);
/* Forget the sticky source (it may be the cause of trouble). */
void wg_socket_clear_peer_endpoint_src(struct wg_peer *peer);

#endif
