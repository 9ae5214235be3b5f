// SPDX-License-Identifier: MIT
/*
 * The TUN device. With IFF_VNET_HDR every packet carries a virtio header:
 * the kernel hands us TCP and UDP super-packets of up to 64 KiB, which we
 * cut into MTU-sized segments, and takes back coalesced ones, so the
 * kernel's stack handles a few big packets instead of many small ones.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "base/checksum.h"
#include "base/log.h"
#include "wg/features.h"
#include "wg/offload.h"
#include "wg/packet.h"
#include "wg/tun.h"

#ifndef TUN_F_USO4
#define TUN_F_USO4 0x20
#define TUN_F_USO6 0x40
#endif

struct tun {
	int fd;
	bool vnet;    /* every packet carries a virtio_net_hdr */
	bool tso, uso;
	bool gro;     /* coalesce TCP on write */
	bool gro_udp; /* and UDP (the kernel takes USO packets) */
	uint64_t super_packets, coalesced_writes;
	/* A super-packet being cut up, in the batch's spare buffer. */
	struct gso_iter iter;
	bool iter_active;
	struct gro_packet gro_pkts[PKT_BATCH_MAX];
	struct gro_write gro_writes[PKT_BATCH_MAX];
};

static int set_mtu(const char *name, uint32_t mtu)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int ret = 0;

	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	ifr.ifr_mtu = (int)mtu;
	if (ioctl(fd, SIOCSIFMTU, &ifr) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

static bool want_vnet(void)
{
	return wg_feature_enabled(FEATURE_TUN_TSO) ||
	       wg_feature_enabled(FEATURE_TUN_USO) ||
	       wg_feature_enabled(FEATURE_TUN_GRO);
}

/*
 * Tells the kernel which super-packets we can take. USO is newer (Linux
 * 6.2): asked for first, dropped if refused.
 */
static void set_offloads(struct tun *tun)
{
	unsigned int tso = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6;
	unsigned int uso = TUN_F_CSUM | TUN_F_USO4 | TUN_F_USO6;
	unsigned int flags = 0;
	bool uso_ok = false;

	if (wg_feature_enabled(FEATURE_TUN_TSO))
		flags |= tso;
	if (wg_feature_enabled(FEATURE_TUN_USO))
		flags |= uso;
	if (ioctl(tun->fd, TUNSETOFFLOAD, flags) == 0) {
		uso_ok = flags & TUN_F_USO4;
	} else if ((flags & TUN_F_USO4) &&
		   ioctl(tun->fd, TUNSETOFFLOAD, flags & ~(TUN_F_USO4 | TUN_F_USO6)) == 0) {
		flags &= ~(TUN_F_USO4 | TUN_F_USO6);
	} else {
		/* Still fine: the kernel then hands us complete packets. */
		flags = 0;
		ioctl(tun->fd, TUNSETOFFLOAD, 0);
	}
	tun->gro = wg_feature_enabled(FEATURE_TUN_GRO);
	/*
	 * A kernel that takes USO from us also accepts UDP super-packets
	 * written to it: the same code path.
	 */
	tun->gro_udp = tun->gro && (uso_ok || ioctl(tun->fd, TUNSETOFFLOAD,
						      flags | TUN_F_CSUM | TUN_F_USO4 | TUN_F_USO6) == 0);
	if (tun->gro_udp && !uso_ok)
		ioctl(tun->fd, TUNSETOFFLOAD, flags);
	tun->tso = flags & TUN_F_TSO4;
	tun->uso = uso_ok;
	pr_debug("TUN offloads: csum %d tso %d uso %d gro %d gro-udp %d",
		 !!(flags & TUN_F_CSUM), !!(flags & TUN_F_TSO4), uso_ok,
		 tun->gro, tun->gro_udp);
}

int tun_create(const char *name, uint32_t mtu, struct tun **out, char *err,
	       size_t err_len)
{
	struct ifreq ifr;
	struct tun *tun;
	int ret;

	if (strlen(name) >= IF_NAMESIZE) {
		snprintf(err, err_len, "interface name `%s' is too long", name);
		return -EINVAL;
	}
	tun = calloc(1, sizeof(*tun));
	if (!tun)
		return -ENOMEM;
	tun->fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (tun->fd < 0) {
		ret = -errno;
		snprintf(err, err_len, "cannot open /dev/net/tun: %s",
			 strerror(-ret));
		goto err_free;
	}
	memset(&ifr, 0, sizeof(ifr));
	tun->vnet = want_vnet();
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI | (tun->vnet ? IFF_VNET_HDR : 0);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(tun->fd, TUNSETIFF, &ifr) < 0) {
		ret = -errno;
		if (ret == -EBUSY)
			snprintf(err, err_len, "interface `%s' already exists and is in use",
				 name);
		else
			snprintf(err, err_len, "cannot create TUN device `%s': %s",
				 name, strerror(-ret));
		goto err_close;
	}
	if (tun->vnet)
		set_offloads(tun);
	ret = set_mtu(ifr.ifr_name, mtu);
	if (ret < 0) {
		snprintf(err, err_len, "cannot set MTU of `%s': %s", name,
			 strerror(-ret));
		goto err_close;
	}
	*out = tun;
	return 0;

err_close:
	close(tun->fd);
err_free:
	free(tun);
	return ret;
}

void tun_close(struct tun *tun)
{
	if (!tun)
		return;
	close(tun->fd);
	free(tun);
}

int tun_fd(const struct tun *tun)
{
	return tun->fd;
}

/* Segments of the super-packet in progress into slots [n, ...). */
static unsigned int drain_segments(struct tun *tun, struct pkt_batch *batch,
				   unsigned int n)
{
	while (tun->iter_active && n < PKT_BATCH_MAX) {
		struct pkt *pkt = &batch->pkts[n];
		int r = gso_iter_next(&tun->iter, pkt->head + PKT_HEADROOM,
				      PKT_MAX_INNER);

		if (r <= 0) {
			tun->iter_active = false;
			break;
		}
		pkt->data = pkt->head + PKT_HEADROOM;
		pkt->len = (uint32_t)r;
		n++;
	}
	return n;
}

/*
 * A packet with its checksum left to us (the header says where): sum from
 * csum_start to the end over the pseudo-header sum already in the field.
 */
static bool complete_csum(const struct virtio_net_hdr *h, uint8_t *pkt,
			  size_t len)
{
	size_t start = le16toh(h->csum_start);
	size_t field = start + le16toh(h->csum_offset);
	uint16_t sum;

	if (field + 2 > len || start >= len || (field - start) & 1)
		return false;
	sum = (uint16_t)~csum_fold(csum_partial(pkt + start, len - start, 0));
	/* As the kernel does: 0 means "no checksum" to UDP, so send 0xffff. */
	if (!sum)
		sum = 0xffff;
	pkt[field] = (uint8_t)(sum >> 8);
	pkt[field + 1] = (uint8_t)sum;
	return true;
}

/*
 * Takes one packet read into slot n (its virtio header just before it):
 * returns the next free slot, having cut a super-packet into segments.
 */
static unsigned int take_packet(struct tun *tun, struct pkt_batch *batch,
				unsigned int n, size_t len)
{
	struct pkt *pkt = &batch->pkts[n];
	struct virtio_net_hdr h;
	uint8_t *buf = pkt->head + PKT_HEADROOM - VNET_HDR_LEN;
	uint8_t *tmp;

	if (len < VNET_HDR_LEN)
		return n;
	memcpy(&h, buf, sizeof(h));
	pkt->data = pkt->head + PKT_HEADROOM;
	pkt->len = (uint32_t)(len - VNET_HDR_LEN);
	if (h.gso_type == VIRTIO_NET_HDR_GSO_NONE) {
		if ((h.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) &&
		    !complete_csum(&h, pkt->data, pkt->len))
			return n;
		return n + 1;
	}
	/* Keep the super-packet out of the way of the segments. */
	if (gso_iter_init(&tun->iter, buf, len) < 0)
		return n;
	tmp = batch->spare;
	batch->spare = pkt->head;
	pkt->head = tmp;
	tun->iter_active = true;
	tun->super_packets++;
	return drain_segments(tun, batch, n);
}

int tun_read_batch(struct tun *tun, struct pkt_batch *batch)
{
	unsigned int n = drain_segments(tun, batch, 0);

	while (n < PKT_BATCH_MAX && !tun->iter_active) {
		struct pkt *pkt = &batch->pkts[n];
		uint8_t *at = pkt->head + PKT_HEADROOM;
		size_t room = PKT_MAX_INNER;
		ssize_t r;

		if (tun->vnet) {
			at -= VNET_HDR_LEN;
			room += VNET_HDR_LEN;
		}
		r = read(tun->fd, at, room);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || n)
				break;
			return -errno;
		}
		if (tun->vnet) {
			n = take_packet(tun, batch, n, (size_t)r);
		} else {
			pkt->data = at;
			pkt->len = (uint32_t)r;
			n++;
		}
	}
	batch->len = n;
	return (int)n;
}

static bool write_all(int fd, struct iovec *iov, int iovcnt, size_t total)
{
	ssize_t w;

	do
		w = writev(fd, iov, iovcnt);
	while (w < 0 && errno == EINTR);
	return w == (ssize_t)total;
}

/* Without coalescing: one write per packet, behind an empty header. */
static unsigned int write_plain(struct tun *tun, struct pkt_batch *batch)
{
	static const struct virtio_net_hdr none;
	unsigned int failed = 0;

	for (unsigned int i = 0; i < batch->len; i++) {
		struct pkt *pkt = &batch->pkts[i];
		struct iovec iov[2] = {
			{ .iov_base = (void *)&none, .iov_len = sizeof(none) },
			{ .iov_base = pkt->data, .iov_len = pkt->len },
		};

		if (pkt->state != PKT_READY)
			continue;
		if (tun->vnet ? !write_all(tun->fd, iov, 2, sizeof(none) + pkt->len) :
				!write_all(tun->fd, iov + 1, 1, pkt->len))
			failed++;
	}
	return failed;
}

unsigned int tun_write_batch(struct tun *tun, struct pkt_batch *batch)
{
	unsigned int n = 0, writes, failed = 0;

	if (!tun->vnet || !tun->gro)
		return write_plain(tun, batch);
	for (unsigned int i = 0; i < batch->len; i++) {
		struct pkt *pkt = &batch->pkts[i];

		if (pkt->state != PKT_READY)
			continue;
		tun->gro_pkts[n].data = pkt->data;
		tun->gro_pkts[n].len = pkt->len;
		n++;
	}
	writes = gro_coalesce(tun->gro_pkts, n, tun->gro_udp, tun->gro_writes);
	for (unsigned int i = 0; i < writes; i++) {
		struct gro_write *w = &tun->gro_writes[i];
		size_t total = 0;

		for (unsigned int k = 0; k < w->iovcnt; k++)
			total += w->iov[k].iov_len;
		if (!write_all(tun->fd, w->iov, (int)w->iovcnt, total))
			failed += w->segs;
		else if (w->segs > 1)
			tun->coalesced_writes++;
	}
	return failed;
}

void tun_get_stats(const struct tun *tun, struct tun_stats *st)
{
	st->vnet = tun->vnet;
	st->tso = tun->tso;
	st->uso = tun->uso;
	st->gro = tun->vnet && tun->gro;
	st->gro_udp = tun->vnet && tun->gro_udp;
	st->super_packets = tun->super_packets;
	st->coalesced_writes = tun->coalesced_writes;
}

int tun_get_name(struct tun *tun, char name[IF_NAMESIZE])
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	if (ioctl(tun->fd, TUNGETIFF, &ifr) < 0)
		return -errno;
	memcpy(name, ifr.ifr_name, IF_NAMESIZE);
	name[IF_NAMESIZE - 1] = '\0';
	return 0;
}

int tun_get_netns(struct tun *tun)
{
	int fd = ioctl(tun->fd, TUNGETDEVNETNS);

	return fd < 0 ? -errno : fd;
}
