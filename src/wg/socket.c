// SPDX-License-Identifier: MIT
/*
 * The device's UDP sockets: binding the v4/v6 pair with the offloads the
 * kernel grants, single sends (handshakes, cookies, keepalives) and the
 * peer endpoint learnt from authenticated packets.
 */
#include <errno.h>
#include <netinet/udp.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/log.h"
#include "wg/device.h"
#include "wg/features.h"
#include "wg/peer.h"
#include "wg/socket.h"
#include "wg/socket_priv.h"

enum {
	SOCKET_BUFFER_SIZE = 7 << 20,
	BIND_ATTEMPTS = 100,
};

struct bound {
	int fd;
	uint16_t port;
	bool gso, gro;
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

/*
 * Packet info tells which local address each datagram arrived on (sticky
 * sources); GSO and GRO let one syscall carry up to 64 datagrams. Each is
 * optional: the kernel may refuse, the user may disable.
 */
static void set_options(int family, struct bound *b)
{
	int one = 1, zero = 0;

	if (family == AF_INET)
		setsockopt(b->fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
	else
		setsockopt(b->fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one,
			   sizeof(one));
	b->gso = wg_feature_enabled(FEATURE_UDP_GSO) &&
		 !setsockopt(b->fd, SOL_UDP, UDP_SEGMENT, &zero, sizeof(zero));
	b->gro = wg_feature_enabled(FEATURE_UDP_GRO) &&
		 !setsockopt(b->fd, SOL_UDP, UDP_GRO, &one, sizeof(one));
	set_buffers(b->fd);
}

/* Opens and binds one socket; -errno on failure. */
static int open_bound(int family, uint16_t port, uint32_t fwmark,
		      struct bound *b)
{
	union sockaddr_inet addr;
	socklen_t len;
	int one = 1, ret;

	b->fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (b->fd < 0)
		return -errno;
	memset(&addr, 0, sizeof(addr));
	if (family == AF_INET) {
		addr.in.sin_family = AF_INET;
		addr.in.sin_port = htons(port);
		len = sizeof(addr.in);
	} else {
		/* v4 traffic goes to the v4 socket, so keep this one v6. */
		if (setsockopt(b->fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)))
			goto err;
		addr.in6.sin6_family = AF_INET6;
		addr.in6.sin6_port = htons(port);
		len = sizeof(addr.in6);
	}
	if (fwmark && set_mark(b->fd, fwmark) < 0)
		goto err;
	if (bind(b->fd, &addr.sa, len) < 0)
		goto err;
	len = sizeof(addr);
	if (getsockname(b->fd, &addr.sa, &len) < 0)
		goto err;
	b->port = ntohs(family == AF_INET ? addr.in.sin_port :
					    addr.in6.sin6_port);
	set_options(family, b);
	return 0;
err:
	ret = -errno;
	close(b->fd);
	b->fd = -1;
	return ret;
}

/*
 * Binds the pair. With port 0 the v4 socket picks a port that may be
 * taken for v6; try again with another, like wireguard-go.
 */
static int open_pair(uint16_t port, uint32_t fwmark, struct bound *b4,
		     struct bound *b6)
{
	for (int attempt = 0; attempt < BIND_ATTEMPTS; attempt++) {
		int r4 = open_bound(AF_INET, port, fwmark, b4), r6;

		if (r4 < 0 && r4 != -EAFNOSUPPORT)
			return r4;
		r6 = open_bound(AF_INET6, r4 ? port : b4->port, fwmark, b6);
		if (!r6 || r6 == -EAFNOSUPPORT)
			return r4 && r6 ? -EAFNOSUPPORT : 0;
		if (!r4)
			close(b4->fd);
		b4->fd = -1;
		if (port || r6 != -EADDRINUSE)
			return r6;
	}
	return -EADDRINUSE;
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
	struct bound b4 = { .fd = -1 }, b6 = { .fd = -1 };
	int ret;

	ret = open_pair(port, fwmark, &b4, &b6);
	if (ret < 0)
		return ret;
	wg_socket_close(wg);
	sock->fd4 = b4.fd;
	sock->fd6 = b6.fd;
	sock->port = b4.fd >= 0 ? b4.port : b6.port;
	sock->gso[0] = b4.gso;
	sock->gro[0] = b4.gro;
	sock->gso[1] = b6.gso;
	sock->gro[1] = b6.gro;
	sock->lfd4 = (struct loop_fd){ .fd = sock->fd4, .cb = wg_socket_rx4 };
	sock->lfd6 = (struct loop_fd){ .fd = sock->fd6, .cb = wg_socket_rx6 };
	if ((sock->fd4 >= 0 && (ret = loop_fd_add(wg->loop, &sock->lfd4, EPOLLIN)) < 0) ||
	    (sock->fd6 >= 0 && (ret = loop_fd_add(wg->loop, &sock->lfd6, EPOLLIN)) < 0)) {
		wg_socket_close(wg);
		return ret;
	}
	pr_debug("UDP port %u: gso %d/%d, gro %d/%d (v4/v6)", sock->port,
		 sock->gso[0], sock->gso[1], sock->gro[0], sock->gro[1]);
	return 0;
}

int wg_socket_set_fwmark(struct wg_device *wg, uint32_t fwmark)
{
	int ret = set_mark(wg->sock.fd4, fwmark);

	return ret < 0 ? ret : set_mark(wg->sock.fd6, fwmark);
}

int wg_socket_fd_for(struct wg_device *wg, const union sockaddr_inet *dst)
{
	if (dst->sa.sa_family == AF_INET)
		return wg->sock.fd4;
	if (dst->sa.sa_family == AF_INET6)
		return wg->sock.fd6;
	return -1;
}

bool wg_socket_wait_writable(int fd, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };

	return timeout_ms > 0 && poll(&pfd, 1, timeout_ms) > 0;
}

size_t wg_socket_put_control(union socket_control *control, sa_family_t family,
			     const struct inet_src *src, uint16_t gso_size)
{
	struct msghdr mh = {
		.msg_control = control->buf,
		.msg_controllen = sizeof(control->buf),
	};
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&mh);
	size_t used = 0;

	memset(control, 0, sizeof(*control));
	if (src && src->set && family == AF_INET) {
		struct in_pktinfo pi = { .ipi_spec_dst = src->v4 };

		cmsg->cmsg_level = IPPROTO_IP;
		cmsg->cmsg_type = IP_PKTINFO;
		cmsg->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(cmsg), &pi, sizeof(pi));
		used += CMSG_SPACE(sizeof(pi));
		cmsg = (struct cmsghdr *)(control->buf + used);
	} else if (src && src->set && family == AF_INET6) {
		struct in6_pktinfo pi = { .ipi6_addr = src->v6,
					  .ipi6_ifindex = src->ifindex };

		cmsg->cmsg_level = IPPROTO_IPV6;
		cmsg->cmsg_type = IPV6_PKTINFO;
		cmsg->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(cmsg), &pi, sizeof(pi));
		used += CMSG_SPACE(sizeof(pi));
		cmsg = (struct cmsghdr *)(control->buf + used);
	}
	if (gso_size) {
		cmsg->cmsg_level = SOL_UDP;
		cmsg->cmsg_type = UDP_SEGMENT;
		cmsg->cmsg_len = CMSG_LEN(sizeof(gso_size));
		memcpy(CMSG_DATA(cmsg), &gso_size, sizeof(gso_size));
		used += CMSG_SPACE(sizeof(gso_size));
	}
	return used;
}

/*
 * One datagram. A full send buffer is waited out for at most wait_ms:
 * briefly for handshakes and keepalives, which a busy uplink must not
 * starve, never for cookie replies, which go out exactly when we are
 * flooded and must stay responsive.
 */
static int send_one(int fd, const union sockaddr_inet *dst,
		    const struct inet_src *src, const void *buf, size_t len,
		    int wait_ms)
{
	union socket_control control;
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr mh = {
		.msg_name = (void *)dst,
		.msg_namelen = sockaddr_len(dst),
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control.buf,
	};

	if (fd < 0)
		return -ENETDOWN;
	mh.msg_controllen = wg_socket_put_control(&control, dst->sa.sa_family,
						  src, 0);
	if (!mh.msg_controllen)
		mh.msg_control = NULL;
	for (;;) {
		if (sendmsg(fd, &mh, 0) >= 0)
			return 0;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN && wg_socket_wait_writable(fd, wait_ms)) {
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
	struct endpoint *ep = &peer->endpoint;
	int fd = wg_socket_fd_for(wg, &ep->addr), ret;

	if (!ep->addr.sa.sa_family)
		return -EDESTADDRREQ;
	ret = send_one(fd, &ep->addr, &ep->src, buf, len, CONTROL_WAIT_MS);
	/* The address we used to answer from may be gone: let the kernel
	 * choose, as the kernel's own WireGuard does. */
	if (ret && ret != -EAGAIN && ep->src.set) {
		wg_socket_clear_peer_endpoint_src(peer);
		ret = send_one(fd, &ep->addr, NULL, buf, len, CONTROL_WAIT_MS);
	}
	if (!ret)
		peer->tx_bytes += len;
	else
		wg_count_drop(wg, DROP_TX_SEND_ERROR);
	return ret;
}

enum { REPLIES_MAX = 64 };

/* The replies of one family; a datagram the socket refuses is skipped. */
static void send_replies_family(int fd, sa_family_t family, const void *bufs,
				size_t len,
				const union sockaddr_inet *const *dsts,
				unsigned int n, bool *sent)
{
	struct mmsghdr msgs[REPLIES_MAX];
	struct iovec iov[REPLIES_MAX];
	unsigned int which[REPLIES_MAX], m = 0, done = 0;

	for (unsigned int i = 0; i < n && m < REPLIES_MAX; i++) {
		if (dsts[i]->sa.sa_family != family)
			continue;
		iov[m].iov_base = (uint8_t *)bufs + i * len;
		iov[m].iov_len = len;
		memset(&msgs[m], 0, sizeof(msgs[m]));
		msgs[m].msg_hdr.msg_name = (void *)dsts[i];
		msgs[m].msg_hdr.msg_namelen = sockaddr_len(dsts[i]);
		msgs[m].msg_hdr.msg_iov = &iov[m];
		msgs[m].msg_hdr.msg_iovlen = 1;
		which[m++] = i;
	}
	while (fd >= 0 && done < m) {
		int ret = sendmmsg(fd, msgs + done, m - done, MSG_DONTWAIT);

		if (ret < 0 && errno == EINTR)
			continue;
		if (ret <= 0) {
			done++; /* this one failed: try the rest */
			continue;
		}
		for (int k = 0; k < ret; k++)
			sent[which[done + (unsigned int)k]] = true;
		done += (unsigned int)ret;
	}
}

void wg_socket_send_replies(struct wg_device *wg, const void *bufs, size_t len,
			    const union sockaddr_inet *const *dsts,
			    unsigned int n, bool *sent)
{
	memset(sent, 0, n * sizeof(*sent));
	send_replies_family(wg->sock.fd4, AF_INET, bufs, len, dsts, n, sent);
	send_replies_family(wg->sock.fd6, AF_INET6, bufs, len, dsts, n, sent);
}

int wg_socket_send_buffer_as_reply(struct wg_device *wg, const void *buf,
				   size_t len, const union sockaddr_inet *dst)
{
	int ret = send_one(wg_socket_fd_for(wg, dst), dst, NULL, buf, len, 0);

	if (ret)
		wg_count_drop(wg, DROP_TX_SEND_ERROR);
	return ret;
}

void wg_socket_set_peer_endpoint(struct wg_peer *peer,
				 const union sockaddr_inet *addr,
				 const struct inet_src *src)
{
	struct endpoint *ep = &peer->endpoint;

	if (sockaddr_equal(&ep->addr, addr) &&
	    (!src || (ep->src.set == src->set && ep->src.ifindex == src->ifindex &&
		      !memcmp(&ep->src.v6, &src->v6, sizeof(src->v6)))))
		return;
	ep->addr = *addr;
	if (src)
		ep->src = *src;
	else
		memset(&ep->src, 0, sizeof(ep->src));
}

void wg_socket_clear_peer_endpoint_src(struct wg_peer *peer)
{
	memset(&peer->endpoint.src, 0, sizeof(peer->endpoint.src));
}
