// SPDX-License-Identifier: MIT
/*
 * Reading datagrams: recvmmsg into the batch's own buffers, or, with UDP
 * GRO, into a few large buffers each holding a run of datagrams from one
 * sender, which are then split without copying. Lone datagrams (many
 * senders, as in a handshake flood) are copied out of the large buffers
 * instead, so that several reads fill one batch and its checks can be
 * spread over the cores.
 */
#include <errno.h>
#include <netinet/udp.h>
#include <string.h>
#include <sys/socket.h>

#include "wg/device.h"
#include "wg/packet.h"
#include "wg/receive.h"
#include "wg/socket_priv.h"

/* Reads, and packets, per wake-up before other descriptors get a turn. */
enum { RX_ROUNDS = 32, RX_PACKETS = 2 * PKT_BATCH_MAX };

/* Our address the datagram came to, and the GRO segment size if any. */
static void read_control(struct msghdr *mh, struct inet_src *src,
			 unsigned int *gro_size)
{
	struct cmsghdr *cmsg;

	memset(src, 0, sizeof(*src));
	*gro_size = 0;
	for (cmsg = CMSG_FIRSTHDR(mh); cmsg; cmsg = CMSG_NXTHDR(mh, cmsg)) {
		if (cmsg->cmsg_level == IPPROTO_IP &&
		    cmsg->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(cmsg), sizeof(pi));
			src->v4 = pi.ipi_addr;
			src->ifindex = (unsigned int)pi.ipi_ifindex;
			src->set = true;
		} else if (cmsg->cmsg_level == IPPROTO_IPV6 &&
			   cmsg->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;

			memcpy(&pi, CMSG_DATA(cmsg), sizeof(pi));
			src->v6 = pi.ipi6_addr;
			src->ifindex = pi.ipi6_ifindex;
			src->set = true;
		} else if (cmsg->cmsg_level == SOL_UDP &&
			   cmsg->cmsg_type == UDP_GRO) {
			int size;

			memcpy(&size, CMSG_DATA(cmsg), sizeof(size));
			*gro_size = size > 0 ? (unsigned int)size : 0;
		}
	}
}

static void prepare(struct mmsghdr *m, struct iovec *iov, void *buf,
		    size_t len, union sockaddr_inet *addr,
		    union socket_control *control)
{
	iov->iov_base = buf;
	iov->iov_len = len;
	memset(&m->msg_hdr, 0, sizeof(m->msg_hdr));
	m->msg_hdr.msg_name = addr;
	m->msg_hdr.msg_namelen = sizeof(*addr);
	m->msg_hdr.msg_iov = iov;
	m->msg_hdr.msg_iovlen = 1;
	m->msg_hdr.msg_control = control->buf;
	m->msg_hdr.msg_controllen = sizeof(control->buf);
}

static int recv_mmsg(int fd, struct mmsghdr *msgs, unsigned int vlen)
{
	int n;

	do
		n = recvmmsg(fd, msgs, vlen, MSG_DONTWAIT, NULL);
	while (n < 0 && errno == EINTR);
	return n < 0 ? (errno == EAGAIN ? 0 : -errno) : n;
}

/* One datagram per slot of the batch. Returns how many were read. */
static int recv_plain(struct wg_device *wg, int fd)
{
	struct pkt_batch *batch = &wg->rx_batch;
	union socket_control control[PKT_BATCH_MAX];
	struct mmsghdr msgs[PKT_BATCH_MAX];
	struct iovec iov[PKT_BATCH_MAX];
	unsigned int gro_size;
	int n;

	for (unsigned int i = 0; i < PKT_BATCH_MAX; i++)
		prepare(&msgs[i], &iov[i], batch->pkts[i].head, PKT_BUF_SIZE,
			&batch->pkts[i].addr, &control[i]);
	n = recv_mmsg(fd, msgs, PKT_BATCH_MAX);
	for (int i = 0; i < n; i++) {
		struct pkt *pkt = &batch->pkts[i];

		pkt->data = pkt->head;
		/* A truncated datagram is not what was sent: size it 0. */
		pkt->len = (msgs[i].msg_hdr.msg_flags & MSG_TRUNC) ?
				   0 : msgs[i].msg_len;
		read_control(&msgs[i].msg_hdr, &pkt->src, &gro_size);
	}
	if (n > 0) {
		batch->len = (unsigned int)n;
		wg_packet_receive_batch(wg, batch);
	}
	return n;
}

_Static_assert(PKT_RX_BUF_SIZE <= PKT_BUF_SIZE,
	       "a lone datagram is copied whole into a packet buffer");

/* The next slot of the batch, processing the batch first if it is full. */
static struct pkt *next_pkt(struct wg_device *wg, struct pkt_batch *batch)
{
	if (batch->len == PKT_BATCH_MAX) {
		wg_packet_receive_batch(wg, batch);
		batch->len = 0;
	}
	return &batch->pkts[batch->len++];
}

/*
 * Runs of datagrams coalesced by the kernel, split into the batch; a batch
 * that fills up is processed and the split goes on into the next one.
 * Lone datagrams are copied into the batch and may wait there for the
 * next read (*packets counts them all). Returns how many runs were read
 * (0..PKT_RX_BUFS).
 */
static int recv_gro(struct wg_device *wg, int fd, unsigned int *packets)
{
	struct pkt_batch *batch = &wg->rx_batch;
	union socket_control control[PKT_RX_BUFS];
	union sockaddr_inet addr[PKT_RX_BUFS];
	struct mmsghdr msgs[PKT_RX_BUFS];
	struct iovec iov[PKT_RX_BUFS];
	bool pinned = false;
	int n;

	for (unsigned int i = 0; i < PKT_RX_BUFS; i++)
		prepare(&msgs[i], &iov[i], batch->rx_bufs[i], PKT_RX_BUF_SIZE,
			&addr[i], &control[i]);
	n = recv_mmsg(fd, msgs, PKT_RX_BUFS);
	for (int i = 0; i < n; i++) {
		uint32_t len = (msgs[i].msg_hdr.msg_flags & MSG_TRUNC) ?
				       0 : msgs[i].msg_len;
		struct inet_src src;
		unsigned int seg;
		uint32_t off = 0;
		struct pkt *pkt;

		read_control(&msgs[i].msg_hdr, &src, &seg);
		if (!seg || seg > len)
			seg = len;
		if (seg == len) {
			pkt = next_pkt(wg, batch);
			memcpy(pkt->head, batch->rx_bufs[i], len);
			pkt->data = pkt->head;
			pkt->len = len;
			pkt->addr = addr[i];
			pkt->src = src;
			(*packets)++;
			continue;
		}
		wg->stats.udp_gro_runs++;
		pinned = true;
		do {
			pkt = next_pkt(wg, batch);
			pkt->data = batch->rx_bufs[i] + off;
			pkt->len = len - off < seg ? len - off : seg;
			pkt->addr = addr[i];
			pkt->src = src;
			off += pkt->len;
			(*packets)++;
		} while (off < len);
	}
	/* Packets in the large buffers must be done before the next read. */
	if (pinned && batch->len) {
		wg_packet_receive_batch(wg, batch);
		batch->len = 0;
	}
	return n;
}

static void socket_readable(struct wg_device *wg, int fd, bool gro)
{
	int full = gro ? PKT_RX_BUFS : PKT_BATCH_MAX;
	unsigned int packets = 0;

	wg->rx_batch.len = 0;
	for (int round = 0; round < RX_ROUNDS && packets < RX_PACKETS; round++) {
		int n = gro ? recv_gro(wg, fd, &packets) : recv_plain(wg, fd);

		if (!gro && n > 0)
			packets += (unsigned int)n;
		if (n < full)
			break;
	}
	if (gro && wg->rx_batch.len) {
		wg_packet_receive_batch(wg, &wg->rx_batch);
		wg->rx_batch.len = 0;
	}
}

void wg_socket_rx4(struct loop_fd *lfd, uint32_t events)
{
	struct wg_device *wg = container_of(lfd, struct wg_device, sock.lfd4);

	(void)events;
	socket_readable(wg, wg->sock.fd4, wg->sock.gro[0]);
}

void wg_socket_rx6(struct loop_fd *lfd, uint32_t events)
{
	struct wg_device *wg = container_of(lfd, struct wg_device, sock.lfd6);

	(void)events;
	socket_readable(wg, wg->sock.fd6, wg->sock.gro[1]);
}
