// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "wg/packet.h"
#include "wg/tun.h"

struct tun {
	int fd;
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
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
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

int tun_read_batch(struct tun *tun, struct pkt_batch *batch)
{
	unsigned int n = 0;

	while (n < PKT_BATCH_MAX) {
		struct pkt *pkt = &batch->pkts[n];
		ssize_t r = read(tun->fd, pkt->head + PKT_HEADROOM,
				 PKT_MAX_INNER);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || n)
				break;
			return -errno;
		}
		pkt->data = pkt->head + PKT_HEADROOM;
		pkt->len = (uint32_t)r;
		n++;
	}
	batch->len = n;
	return (int)n;
}

unsigned int tun_write_batch(struct tun *tun, struct pkt_batch *batch)
{
	unsigned int failed = 0;

	for (unsigned int i = 0; i < batch->len; i++) {
		struct pkt *pkt = &batch->pkts[i];
		ssize_t w;

		if (pkt->state != PKT_READY)
			continue;
		do
			w = write(tun->fd, pkt->data, pkt->len);
		while (w < 0 && errno == EINTR);
		if (w != (ssize_t)pkt->len)
			failed++;
	}
	return failed;
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
