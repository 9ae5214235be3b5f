// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "base/loop.h"
#include "base/netlink.h"
#include "wg/device.h"
#include "wg/interface.h"
#include "wg/send.h"
#include "wg/tun.h"
#include "wg/uapi.h"

/* Batches read from the TUN per wake-up before the socket gets a turn. */
enum { TX_ROUNDS = 8 };

struct wg_interface {
	struct loop *loop;
	struct tun *tun;
	struct wg_device *wg;
	struct uapi_server *uapi;
	struct link_monitor *link;
	struct loop_fd tun_lfd;
	struct loop_work relink_work;
	wg_interface_gone_fn gone;
	void *gone_arg;
	bool is_gone;
};

static void interface_gone(struct wg_interface *iface, const char *why)
{
	if (iface->is_gone)
		return;
	iface->is_gone = true;
	loop_fd_del(iface->loop, &iface->tun_lfd);
	iface->gone(iface->gone_arg, why);
}

static void link_event(void *arg, const struct link_state *st)
{
	struct wg_interface *iface = arg;

	if (st->gone) {
		/* Deleted or moved: sort it out outside the callback. */
		work_queue(iface->loop, &iface->relink_work);
		return;
	}
	wg_device_set_mtu(iface->wg, st->mtu);
	wg_device_set_up(iface->wg, st->up);
}

/*
 * The link left our view. If the TUN still answers, it moved to another
 * network namespace: follow it there. Its UDP sockets stay here.
 */
static void relink(struct loop_work *w)
{
	struct wg_interface *iface =
		container_of(w, struct wg_interface, relink_work);
	char name[IF_NAMESIZE];
	int netns, ret;

	if (tun_get_name(iface->tun, name) < 0) {
		interface_gone(iface, "TUN device was deleted");
		return;
	}
	netns = tun_get_netns(iface->tun);
	if (netns < 0) {
		interface_gone(iface, "cannot follow the TUN device to its namespace");
		return;
	}
	ret = link_monitor_follow(iface->link, netns, name);
	close(netns);
	if (ret < 0) {
		interface_gone(iface, "cannot watch the TUN device");
		return;
	}
	pr_info("Interface %s moved to another network namespace", name);
}

static void tun_readable(struct loop_fd *lfd, uint32_t events)
{
	struct wg_interface *iface =
		container_of(lfd, struct wg_interface, tun_lfd);
	struct wg_device *wg = iface->wg;

	for (int round = 0; round < TX_ROUNDS; round++) {
		int n = tun_read_batch(iface->tun, &wg->tx_batch);
		char name[IF_NAMESIZE];

		/* A deleted TUN reports EPOLLERR and reads fail with EBADFD. */
		if (n < 0 && n != -EAGAIN && n != -EINTR &&
		    tun_get_name(iface->tun, name) < 0) {
			interface_gone(iface, "TUN device was deleted");
			return;
		}
		if (n == 0 && (events & (EPOLLERR | EPOLLHUP)) &&
		    tun_get_name(iface->tun, name) < 0) {
			interface_gone(iface, "TUN device was deleted");
			return;
		}
		if (n <= 0)
			return;
		if (!wg_packet_send_batch(wg, &wg->tx_batch) ||
		    n < PKT_BATCH_MAX)
			return;
	}
}

static void socket_gone(void *arg)
{
	interface_gone(arg, "UAPI socket was deleted");
}

int wg_interface_create(struct loop *loop, const char *name,
			wg_interface_gone_fn gone, void *arg,
			struct wg_interface **out, char *err, size_t err_len)
{
	struct wg_interface *iface = calloc(1, sizeof(*iface));
	int ret;

	if (!iface)
		return -ENOMEM;
	iface->loop = loop;
	iface->gone = gone;
	iface->gone_arg = arg;
	work_init(&iface->relink_work, relink);

	ret = tun_create(name, TUN_DEFAULT_MTU, &iface->tun, err, err_len);
	if (ret < 0)
		goto err_free;
	ret = wg_device_new(loop, name, &iface->wg);
	if (ret < 0) {
		snprintf(err, err_len, "cannot create device: %s", strerror(-ret));
		goto err_tun;
	}
	wg_device_attach_tun(iface->wg, iface->tun);
	wg_device_set_mtu(iface->wg, TUN_DEFAULT_MTU);

	iface->tun_lfd.fd = tun_fd(iface->tun);
	iface->tun_lfd.cb = tun_readable;
	ret = loop_fd_add(loop, &iface->tun_lfd, EPOLLIN);
	if (ret < 0) {
		snprintf(err, err_len, "cannot poll TUN: %s", strerror(-ret));
		goto err_device;
	}
	ret = link_monitor_open(loop, name, link_event, iface, &iface->link);
	if (ret < 0) {
		snprintf(err, err_len, "cannot watch link %s: %s", name,
			 strerror(-ret));
		goto err_poll;
	}
	ret = uapi_server_open(loop, iface->wg, name, socket_gone, iface,
			       &iface->uapi, err, err_len);
	if (ret < 0)
		goto err_link;
	*out = iface;
	return 0;

err_link:
	link_monitor_close(iface->link);
err_poll:
	loop_fd_del(loop, &iface->tun_lfd);
err_device:
	wg_device_free(iface->wg);
err_tun:
	tun_close(iface->tun);
err_free:
	free(iface);
	return ret;
}

void wg_interface_destroy(struct wg_interface *iface)
{
	if (!iface)
		return;
	uapi_server_close(iface->uapi);
	work_cancel(iface->loop, &iface->relink_work);
	link_monitor_close(iface->link);
	loop_fd_del(iface->loop, &iface->tun_lfd);
	wg_device_set_up(iface->wg, false);
	wg_device_free(iface->wg);
	tun_close(iface->tun);
	free(iface);
}

struct wg_device *wg_interface_device(struct wg_interface *iface)
{
	return iface->wg;
}
