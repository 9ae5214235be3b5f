// SPDX-License-Identifier: MIT
/*
 * Sending a batch of data messages: consecutive messages to the same
 * endpoint with the same length go out as one UDP GSO send (the kernel
 * cuts them apart), and all sends of the batch in one sendmmsg.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "base/log.h"
#include "wg/device.h"
#include "wg/packet.h"
#include "wg/peer.h"
#include "wg/socket.h"
#include "wg/socket_priv.h"

enum {
	GSO_MAX_SEGS = 64,
	/* Below the 65507 bytes a UDP/IPv4 datagram can carry at most. */
	GSO_MAX_BYTES = 65000,
};

struct send_run {
	struct mmsghdr msgs[PKT_BATCH_MAX];
	struct iovec iov[PKT_BATCH_MAX];
	union socket_control control[PKT_BATCH_MAX];
	unsigned int first[PKT_BATCH_MAX]; /* first packet of each message */
	unsigned int count[PKT_BATCH_MAX]; /* packets in each message */
	unsigned int nmsgs;
};

static bool same_destination(const struct pkt *a, const struct pkt *b)
{
	return sockaddr_equal(&a->addr, &b->addr) &&
	       a->src.set == b->src.set &&
	       (!a->src.set || !memcmp(&a->src, &b->src, sizeof(a->src)));
}

/* How many packets from idx[i] on can share one GSO send. */
static unsigned int gso_group(struct pkt_batch *batch, const unsigned int *idx,
			      unsigned int i, unsigned int count)
{
	const struct pkt *first = &batch->pkts[idx[i]];
	size_t total = first->len;
	unsigned int j = i + 1;

	while (j < count && j - i < GSO_MAX_SEGS) {
		const struct pkt *p = &batch->pkts[idx[j]];

		if (p->len > first->len || total + p->len > GSO_MAX_BYTES ||
		    !same_destination(first, p))
			break;
		total += p->len;
		j++;
		/* Only the last segment may be shorter. */
		if (p->len < first->len)
			break;
	}
	return j - i;
}

static void build(struct send_run *r, struct pkt_batch *batch,
		  const unsigned int *idx, unsigned int count, bool gso)
{
	r->nmsgs = 0;
	for (unsigned int i = 0; i < count; i++) {
		r->iov[i].iov_base = batch->pkts[idx[i]].data;
		r->iov[i].iov_len = batch->pkts[idx[i]].len;
	}
	for (unsigned int i = 0; i < count;) {
		struct pkt *first = &batch->pkts[idx[i]];
		unsigned int n = gso ? gso_group(batch, idx, i, count) : 1;
		struct msghdr *mh = &r->msgs[r->nmsgs].msg_hdr;

		memset(mh, 0, sizeof(*mh));
		mh->msg_name = &first->addr;
		mh->msg_namelen = sockaddr_len(&first->addr);
		mh->msg_iov = &r->iov[i];
		mh->msg_iovlen = n;
		mh->msg_control = r->control[r->nmsgs].buf;
		mh->msg_controllen = wg_socket_put_control(
			&r->control[r->nmsgs], first->addr.sa.sa_family,
			&first->src, n > 1 ? (uint16_t)first->len : 0);
		if (!mh->msg_controllen)
			mh->msg_control = NULL;
		r->first[r->nmsgs] = i;
		r->count[r->nmsgs] = n;
		r->nmsgs++;
		i += n;
	}
}

static void drop_msg(struct wg_device *wg, struct pkt_batch *batch,
		     const unsigned int *idx, const struct send_run *r,
		     unsigned int m)
{
	for (unsigned int k = 0; k < r->count[m]; k++) {
		batch->pkts[idx[r->first[m] + k]].state = PKT_UNSENT;
		wg_count_drop(wg, DROP_TX_SEND_ERROR);
	}
}

/*
 * A message failed for a reason other than a full buffer. When it was the
 * GSO request the kernel refused (EIO from a route without checksum
 * offload) or a sticky source that is no longer ours, undo that for
 * packets idx[0..count) and return true to rebuild and try again.
 */
static bool recover(struct wg_device *wg, struct pkt_batch *batch,
		    const unsigned int *idx, unsigned int count,
		    unsigned int failed_segs, int err, bool *gso)
{
	struct pkt *first = &batch->pkts[idx[0]];

	if (err == EIO && *gso && failed_segs > 1) {
		pr_info("UDP GSO refused by the kernel; sending without it");
		wg->sock.gso[family_index(first->addr.sa.sa_family)] = false;
		*gso = false;
		return true;
	}
	/* Any routing error with a source set: the source may be the cause. */
	if (err != EAGAIN && first->src.set) {
		for (unsigned int k = 0; k < count; k++) {
			struct pkt *p = &batch->pkts[idx[k]];

			if (p->src.set && p->peer)
				wg_socket_clear_peer_endpoint_src(p->peer);
			p->src.set = false;
		}
		return true;
	}
	return false;
}

/*
 * Sends packets idx[0..count) of one family. Returns false when the socket
 * stayed full for SEND_WAIT_MS: the rest is dropped, and the caller should
 * stop reading for a while so the kernel's queues push back on senders.
 */
static bool send_family(struct wg_device *wg, struct pkt_batch *batch,
			const unsigned int *idx, unsigned int count)
{
	static __thread struct send_run run;
	struct send_run *r = &run;
	sa_family_t family = batch->pkts[idx[0]].addr.sa.sa_family;
	int fd = wg_socket_fd_for(wg, &batch->pkts[idx[0]].addr);
	bool gso = wg->sock.gso[family_index(family)];
	unsigned int sent = 0, retries = 0;
	bool flowing = true;

	build(r, batch, idx, count, gso);
	while (fd >= 0 && sent < r->nmsgs && flowing) {
		int n = sendmmsg(fd, r->msgs + sent, r->nmsgs - sent, 0);

		if (n > 0) {
			for (int m = 0; m < n; m++)
				wg->stats.udp_gso_sends += r->count[sent + m] > 1;
			sent += (unsigned int)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			flowing = wg_socket_wait_writable(fd, SEND_WAIT_MS);
			continue;
		}
		/* Messages before the failed one are out: restart after them. */
		int err = errno;
		unsigned int failed_segs = r->count[sent];

		idx += r->first[sent];
		count -= r->first[sent];
		if (retries++ < 2 &&
		    recover(wg, batch, idx, count, failed_segs, err, &gso)) {
			build(r, batch, idx, count, gso);
			sent = 0;
			continue;
		}
		build(r, batch, idx, count, gso);
		drop_msg(wg, batch, idx, r, 0);
		sent = 1;
	}
	for (unsigned int m = sent; m < r->nmsgs; m++)
		drop_msg(wg, batch, idx, r, m);
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
			flowing &= send_family(wg, batch, idx, count);
			count = 0;
		}
		family = pkt->addr.sa.sa_family;
		idx[count++] = i;
	}
	if (count)
		flowing &= send_family(wg, batch, idx, count);
	return flowing;
}
