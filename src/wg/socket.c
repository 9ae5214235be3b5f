// SPDX-License-Identifier: MIT
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/log.h"
#include "wg/device.h"
#include "wg/packet.h"
#include "wg/peer.h"
#include "wg/receive.h"
#include "wg/socket.h"

enum {
	SOCKET_BUFFER_SIZE = 7 << 20,
	BIND_ATTEMPTS = 100,
	/* Batches read per wake-up before other descriptors get a turn. */
	RX_ROUNDS = 8,
	/* How long a full send buffer may stall the loop before we drop. */
	SEND_WAIT_MS = 100,
	CONTROL_WAIT_MS = 10,
};

void wg_socket_init(struct wg_socket *sock)
{
	memset(sock, 0, sizeof(*sock));
	sock->fd4 = sock->fd6 = -1;
}

static void set_buffers(int fd)
{
	int size = SOCKET_BUFFER_SIZE;

	/* The FORCE variants exceed rmem_max; as non-root, take what we can. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)))
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
}

static int set_mark(int fd, uint32_t fwmark)
{
	if (fd >= 0 && setsockopt(fd, SOL_SOCKET, SO_MARK, &fwmark,
				  sizeof(fwmark)) < 0)
		return -errno;
	return 0;
}

/* Opens and binds one socket; returns the fd or -errno. */
static int open_bound(int family, uint16_t port, uint32_t fwmark,
		      uint16_t *bound_port)
{
	union sockaddr_inet addr;
	socklen_t len;
	int fd, one = 1, ret;

	fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	memset(&addr, 0, sizeof(addr));
	if (family == AF_INET) {
		addr.in.sin_family = AF_INET;
		addr.in.sin_port = htons(port);
		len = sizeof(addr.in);
	} else {
		/* v4 traffic goes to the v4 socket, so keep this one v6. */
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)))
			goto err;
		addr.in6.sin6_family = AF_INET6;
		addr.in6.sin6_port = htons(port);
		len = sizeof(addr.in6);
	}
	if (fwmark && set_mark(fd, fwmark) < 0)
		goto err;
	if (bind(fd, &addr.sa, len) < 0)
		goto err;
	len = sizeof(addr);
	if (getsockname(fd, &addr.sa, &len) < 0)
		goto err;
	*bound_port = ntohs(family == AF_INET ? addr.in.sin_port :
						addr.in6.sin6_port);
	set_buffers(fd);
	return fd;
err:
	ret = -errno;
	close(fd);
	return ret;
}

/*
 * Binds the pair. With port 0 the v4 socket picks a port that may be
 * taken for v6; try again with another, like wireguard-go.
 */
static int open_pair(uint16_t port, uint32_t fwmark, int *fd4, int *fd6,
		     uint16_t *bound)
{
	for (int attempt = 0; attempt < BIND_ATTEMPTS; attempt++) {
		uint16_t p4 = 0, p6 = 0;

		*fd4 = open_bound(AF_INET, port, fwmark, &p4);
		if (*fd4 < 0 && *fd4 != -EAFNOSUPPORT)
			return *fd4;
		*fd6 = open_bound(AF_INET6, *fd4 >= 0 ? p4 : port, fwmark, &p6);
		if (*fd6 >= 0 || *fd6 == -EAFNOSUPPORT) {
			if (*fd4 < 0 && *fd6 < 0)
				return -EAFNOSUPPORT;
			*bound = *fd4 >= 0 ? p4 : p6;
			return 0;
		}
		if (*fd4 >= 0)
			close(*fd4);
		if (port || *fd6 != -EADDRINUSE)
			return *fd6;
	}
	return -EADDRINUSE;
}

static int recv_batch(struct wg_device *wg, int fd)
{
	struct pkt_batch *batch = &wg->rx_batch;
	struct mmsghdr msgs[PKT_BATCH_MAX];
	struct iovec iov[PKT_BATCH_MAX];
	int n;

	for (unsigned int i = 0; i < PKT_BATCH_MAX; i++) {
		struct pkt *pkt = &batch->pkts[i];

		iov[i].iov_base = pkt->head;
		iov[i].iov_len = PKT_BUF_SIZE;
		memset(&msgs[i].msg_hdr, 0, sizeof(msgs[i].msg_hdr));
		msgs[i].msg_hdr.msg_name = &pkt->addr;
		msgs[i].msg_hdr.msg_namelen = sizeof(pkt->addr);
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	do
		n = recvmmsg(fd, msgs, PKT_BATCH_MAX, MSG_DONTWAIT, NULL);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return n < 0 && errno != EAGAIN ? -errno : 0;
	for (int i = 0; i < n; i++) {
		struct pkt *pkt = &batch->pkts[i];

		pkt->data = pkt->head;
		/* A truncated datagram is not what was sent: size it 0. */
		pkt->len = (msgs[i].msg_hdr.msg_flags & MSG_TRUNC) ?
				   0 : msgs[i].msg_len;
	}
	batch->len = (unsigned int)n;
	return n;
}

static void socket_readable(struct wg_device *wg, int fd)
{
	for (int round = 0; round < RX_ROUNDS; round++) {
		int n = recv_batch(wg, fd);

		if (n <= 0)
			break;
		wg_packet_receive_batch(wg, &wg->rx_batch);
		if (n < PKT_BATCH_MAX)
			break;
	}
}

static void socket4_cb(struct loop_fd *lfd, uint32_t events)
{
	struct wg_device *wg = container_of(lfd, struct wg_device, sock.lfd4);

	(void)events;
	socket_readable(wg, wg->sock.fd4);
}

static void socket6_cb(struct loop_fd *lfd, uint32_t events)
{
	struct wg_device *wg = container_of(lfd, struct wg_device, sock.lfd6);

	(void)events;
	socket_readable(wg, wg->sock.fd6);
}

void wg_socket_close(struct wg_device *wg)
{
	struct wg_socket *sock = &wg->sock;

	if (sock->fd4 >= 0) {
		loop_fd_del(wg->loop, &sock->lfd4);
		close(sock->fd4);
	}
	if (sock->fd6 >= 0) {
		loop_fd_del(wg->loop, &sock->lfd6);
		close(sock->fd6);
	}
	sock->fd4 = sock->fd6 = -1;
	sock->port = 0;
}

int wg_socket_reinit(struct wg_device *wg, uint16_t port, uint32_t fwmark)
{
	struct wg_socket *sock = &wg->sock;
	int fd4, fd6, ret;
	uint16_t bound;

	ret = open_pair(port, fwmark, &fd4, &fd6, &bound);
	if (ret < 0)
		return ret;
	wg_socket_close(wg);
	sock->fd4 = fd4 >= 0 ? fd4 : -1;
	sock->fd6 = fd6 >= 0 ? fd6 : -1;
	sock->port = bound;
	sock->lfd4 = (struct loop_fd){ .fd = sock->fd4, .cb = socket4_cb };
	sock->lfd6 = (struct loop_fd){ .fd = sock->fd6, .cb = socket6_cb };
	if ((sock->fd4 >= 0 && (ret = loop_fd_add(wg->loop, &sock->lfd4, EPOLLIN)) < 0) ||
	    (sock->fd6 >= 0 && (ret = loop_fd_add(wg->loop, &sock->lfd6, EPOLLIN)) < 0)) {
		wg_socket_close(wg);
		return ret;
	}
	return 0;
}

int wg_socket_set_fwmark(struct wg_device *wg, uint32_t fwmark)
{
	int ret = set_mark(wg->sock.fd4, fwmark);

	return ret < 0 ? ret : set_mark(wg->sock.fd6, fwmark);
}

static int fd_for(struct wg_device *wg, const union sockaddr_inet *dst)
{
	if (dst->sa.sa_family == AF_INET)
		return wg->sock.fd4;
	if (dst->sa.sa_family == AF_INET6)
		return wg->sock.fd6;
	return -1;
}

static bool wait_writable(int fd, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };

	return timeout_ms > 0 && poll(&pfd, 1, timeout_ms) > 0;
}

/*
 * One datagram. A full send buffer is waited out for at most wait_ms:
 * briefly for handshakes and keepalives, which a busy uplink must not
 * starve, never for cookie replies, which go out exactly when we are
 * flooded and must stay responsive.
 */
static int send_one(int fd, const union sockaddr_inet *dst, const void *buf,
		    size_t len, int wait_ms)
{
	ssize_t r;

	if (fd < 0)
		return -ENETDOWN;
	for (;;) {
		r = sendto(fd, buf, len, 0, &dst->sa, sockaddr_len(dst));
		if (r >= 0)
			return 0;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN && wait_writable(fd, wait_ms)) {
			wait_ms = 0;
			continue;
		}
		return -errno;
	}
}

int wg_socket_send_buffer_to_peer(struct wg_peer *peer, const void *buf,
				  size_t len)
{
	struct wg_device *wg = peer->device;
	int ret;

	if (!peer->endpoint.addr.sa.sa_family)
		return -EDESTADDRREQ;
	ret = send_one(fd_for(wg, &peer->endpoint.addr), &peer->endpoint.addr,
		       buf, len, CONTROL_WAIT_MS);
	if (!ret)
		peer->tx_bytes += len;
	else
		wg_count_drop(wg, DROP_TX_SEND_ERROR);
	return ret;
}

int wg_socket_send_buffer_as_reply(struct wg_device *wg, const void *buf,
				   size_t len, const union sockaddr_inet *dst)
{
	int ret = send_one(fd_for(wg, dst), dst, buf, len, 0);

	if (ret)
		wg_count_drop(wg, DROP_TX_SEND_ERROR);
	return ret;
}

/*
 * Sends the packets idx[0..count) of one family with as few syscalls as
 * possible. Returns false when the socket stayed full for SEND_WAIT_MS:
 * the rest is dropped, and the caller should stop reading for a while so
 * the kernel's own queues push back on the senders.
 */
static bool send_run(struct wg_device *wg, struct pkt_batch *batch,
		     unsigned int *idx, unsigned int count)
{
	struct mmsghdr msgs[PKT_BATCH_MAX];
	struct iovec iov[PKT_BATCH_MAX];
	int fd = fd_for(wg, &batch->pkts[idx[0]].addr);
	unsigned int sent = 0;
	bool flowing = true;

	for (unsigned int i = 0; i < count; i++) {
		struct pkt *pkt = &batch->pkts[idx[i]];

		iov[i].iov_base = pkt->data;
		iov[i].iov_len = pkt->len;
		memset(&msgs[i].msg_hdr, 0, sizeof(msgs[i].msg_hdr));
		msgs[i].msg_hdr.msg_name = &pkt->addr;
		msgs[i].msg_hdr.msg_namelen = sockaddr_len(&pkt->addr);
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	while (fd >= 0 && sent < count && flowing) {
		int n = sendmmsg(fd, msgs + sent, count - sent, 0);

		if (n > 0) {
			sent += (unsigned int)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			flowing = wait_writable(fd, SEND_WAIT_MS);
			continue;
		}
		/* This datagram cannot go (e.g. unreachable): skip it. */
		batch->pkts[idx[sent]].state = PKT_UNSENT;
		wg_count_drop(wg, DROP_TX_SEND_ERROR);
		sent++;
	}
	for (unsigned int i = sent; i < count; i++) {
		batch->pkts[idx[i]].state = PKT_UNSENT;
		wg_count_drop(wg, DROP_TX_SEND_ERROR);
	}
	return flowing;
}

bool wg_socket_send_batch(struct wg_device *wg, struct pkt_batch *batch)
{
	unsigned int idx[PKT_BATCH_MAX], count = 0;
	sa_family_t family = 0;
	bool flowing = true;

	for (unsigned int i = 0; i < batch->len; i++) {
		struct pkt *pkt = &batch->pkts[i];

		if (pkt->state != PKT_READY)
			continue;
		if (count && pkt->addr.sa.sa_family != family) {
			flowing &= send_run(wg, batch, idx, count);
			count = 0;
		}
		family = pkt->addr.sa.sa_family;
		idx[count++] = i;
	}
	if (count)
		flowing &= send_run(wg, batch, idx, count);
	return flowing;
}

void wg_socket_set_peer_endpoint(struct wg_peer *peer,
				 const union sockaddr_inet *addr)
{
	if (sockaddr_equal(&peer->endpoint.addr, addr))
		return;
	peer->endpoint.addr = *addr;
}

void wg_socket_clear_peer_endpoint_src(struct wg_peer *peer)
{
	/*
	 * Nothing to clear yet: the kernel picks the source address per
	 * datagram. Sticky sources (IP_PKTINFO) will live here.
	 */
	(void)peer;
}
