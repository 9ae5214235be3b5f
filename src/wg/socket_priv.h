/* SPDX-License-Identifier: MIT */
/*
 * What the socket files (socket.c: lifecycle and endpoints; socket_rx.c;
 * socket_tx.c) share and nobody else needs.
 */
#ifndef CVPC_WG_SOCKET_PRIV_H
#define CVPC_WG_SOCKET_PRIV_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "base/loop.h"
#include "base/sockaddr.h"

struct wg_device;

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif
#ifndef UDP_GRO
#define UDP_GRO 104
#endif

enum {
	/* How long a full send buffer may stall the loop before we drop. */
	SEND_WAIT_MS = 100,
	CONTROL_WAIT_MS = 10,
};

/* Room for a packet-info and a segment-size control message. */
union socket_control {
	struct cmsghdr align;
	char buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) + CMSG_SPACE(sizeof(int))];
};

static inline int family_index(sa_family_t family)
{
	return family == AF_INET6;
}

int wg_socket_fd_for(struct wg_device *wg, const union sockaddr_inet *dst);
bool wg_socket_wait_writable(int fd, int timeout_ms);
/*
 * Fills control with the source to send from (if src is set) and the GSO
 * segment size (if gso_size); returns the bytes used, 0 for none.
 */
size_t wg_socket_put_control(union socket_control *control, sa_family_t family,
			     const struct inet_src *src, uint16_t gso_size);

void wg_socket_rx4(struct loop_fd *lfd, uint32_t events);
void wg_socket_rx6(struct loop_fd *lfd, uint32_t events);

#endif
