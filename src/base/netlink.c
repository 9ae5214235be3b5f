// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/container.h"
#include "base/loop.h"
#include "base/netlink.h"

struct link_monitor {
	struct loop *loop;
	struct mnl_socket *nl;
	struct loop_fd lfd;
	link_event_fn fn;
	void *arg;
	struct link_state state;
	bool known; /* state.ifindex is valid */
};

/* Opens the socket inside netns_fd and returns to our own namespace. */
static struct mnl_socket *open_in_netns(int netns_fd)
{
	struct mnl_socket *nl;
	int self, saved_errno;

	if (netns_fd < 0)
		return mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC | SOCK_NONBLOCK);
	self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return NULL;
	if (setns(netns_fd, CLONE_NEWNET) < 0) {
		saved_errno = errno;
		close(self);
		errno = saved_errno;
		return NULL;
	}
	nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC | SOCK_NONBLOCK);
	saved_errno = errno;
	/* Every later socket must be created where we started. */
	if (setns(self, CLONE_NEWNET) < 0)
		abort();
	close(self);
	errno = saved_errno;
	return nl;
}

static int attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(attr);

	if (mnl_attr_type_valid(attr, IFLA_MAX) < 0)
		return MNL_CB_OK;
	tb[type] = attr;
	return MNL_CB_OK;
}

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	struct link_monitor *mon = data;
	const struct nlattr *tb[IFLA_MAX + 1] = { 0 };
	struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	struct link_state st = mon->state;

	if (nlh->nlmsg_type != RTM_NEWLINK && nlh->nlmsg_type != RTM_DELLINK)
		return MNL_CB_OK;
	mnl_attr_parse(nlh, sizeof(*ifi), attr_cb, tb);
	if (mon->known) {
		if ((unsigned int)ifi->ifi_index != mon->state.ifindex)
			return MNL_CB_OK;
	} else if (!tb[IFLA_IFNAME] ||
		   strcmp(mnl_attr_get_str(tb[IFLA_IFNAME]), mon->state.name)) {
		return MNL_CB_OK;
	}
	st.ifindex = (unsigned int)ifi->ifi_index;
	st.up = ifi->ifi_flags & IFF_UP;
	if (tb[IFLA_MTU])
		st.mtu = mnl_attr_get_u32(tb[IFLA_MTU]);
	if (tb[IFLA_IFNAME]) {
		strncpy(st.name, mnl_attr_get_str(tb[IFLA_IFNAME]),
			sizeof(st.name) - 1);
		st.name[sizeof(st.name) - 1] = '\0';
	}
	st.gone = nlh->nlmsg_type == RTM_DELLINK;
	mon->state = st;
	mon->known = true;
	mon->fn(mon->arg, &st);
	return MNL_CB_OK;
}

static void readable(struct loop_fd *lfd, uint32_t events)
{
	struct link_monitor *mon = container_of(lfd, struct link_monitor, lfd);
	char buf[MNL_SOCKET_BUFFER_SIZE];
	ssize_t n;

	(void)events;
	while ((n = mnl_socket_recvfrom(mon->nl, buf, sizeof(buf))) > 0) {
		/* The callback may close the monitor; stop reading then. */
		if (mnl_cb_run(buf, (size_t)n, 0, 0, link_cb, mon) <= MNL_CB_STOP)
			break;
	}
}

static int request_link(struct link_monitor *mon)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;

	nlh->nlmsg_type = RTM_GETLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	nlh->nlmsg_seq = (unsigned int)time(NULL);
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, mon->state.name);
	if (mnl_socket_sendto(mon->nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	return 0;
}

int link_monitor_open(struct loop *loop, int netns_fd, const char *ifname,
		      link_event_fn fn, void *arg, struct link_monitor **out)
{
	struct link_monitor *mon = calloc(1, sizeof(*mon));
	int ret;

	if (!mon)
		return -ENOMEM;
	mon->loop = loop;
	mon->fn = fn;
	mon->arg = arg;
	strncpy(mon->state.name, ifname, sizeof(mon->state.name) - 1);
	mon->nl = open_in_netns(netns_fd);
	if (!mon->nl) {
		ret = -errno;
		goto err_free;
	}
	if (mnl_socket_bind(mon->nl, RTMGRP_LINK, MNL_SOCKET_AUTOPID) < 0) {
		ret = -errno;
		goto err_close;
	}
	mon->lfd.fd = mnl_socket_get_fd(mon->nl);
	mon->lfd.cb = readable;
	ret = loop_fd_add(loop, &mon->lfd, EPOLLIN);
	if (ret < 0)
		goto err_close;
	/* Subscribed first, then asked: no change can fall in between. */
	ret = request_link(mon);
	if (ret < 0)
		goto err_del;
	*out = mon;
	return 0;

err_del:
	loop_fd_del(loop, &mon->lfd);
err_close:
	mnl_socket_close(mon->nl);
err_free:
	free(mon);
	return ret;
}

void link_monitor_close(struct link_monitor *mon)
{
	if (!mon)
		return;
	loop_fd_del(mon->loop, &mon->lfd);
	mnl_socket_close(mon->nl);
	free(mon);
}
