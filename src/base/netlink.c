// SPDX-License-Identifier: MIT
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/net_namespace.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/container.h"
#include "base/loop.h"
#include "base/netlink.h"

#ifndef NETLINK_LISTEN_ALL_NSID
#define NETLINK_LISTEN_ALL_NSID 8
#endif

/* The namespace id messages from our own namespace carry: none. */
enum { OWN_NSID = NETNSA_NSID_NOT_ASSIGNED };

struct link_monitor {
	struct loop *loop;
	struct mnl_socket *nl;
	struct loop_fd lfd;
	link_event_fn fn;
	void *arg;
	struct link_state state;
	int32_t nsid;     /* where the interface lives, as we name it */
	int32_t msg_nsid; /* where the message being parsed comes from */
	bool known;       /* state.ifindex is valid */
};

static int attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;

	if (mnl_attr_type_valid(attr, IFLA_MAX) < 0)
		return MNL_CB_OK;
	tb[mnl_attr_get_type(attr)] = attr;
	return MNL_CB_OK;
}

static bool is_ours(struct link_monitor *mon, const struct ifinfomsg *ifi,
		    const struct nlattr **tb)
{
	int32_t nsid = mon->msg_nsid;

	/* A reply to a query aimed at another namespace says which. */
	if (tb[IFLA_TARGET_NETNSID])
		nsid = (int32_t)mnl_attr_get_u32(tb[IFLA_TARGET_NETNSID]);
	if (nsid != mon->nsid)
		return false;
	if (mon->known)
		return (unsigned int)ifi->ifi_index == mon->state.ifindex;
	return tb[IFLA_IFNAME] &&
	       !strcmp(mnl_attr_get_str(tb[IFLA_IFNAME]), mon->state.name);
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
	if (!is_ours(mon, ifi, tb))
		return MNL_CB_OK;
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

/* One datagram of messages, with the id of the namespace they come from. */
static ssize_t recv_tagged(struct link_monitor *mon, char *buf, size_t len)
{
	char control[CMSG_SPACE(sizeof(int32_t))];
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control,
		.msg_controllen = sizeof(control),
	};
	struct cmsghdr *cmsg;
	ssize_t n;

	n = recvmsg(mnl_socket_get_fd(mon->nl), &msg, MSG_DONTWAIT);
	mon->msg_nsid = OWN_NSID;
	for (cmsg = CMSG_FIRSTHDR(&msg); n > 0 && cmsg;
	     cmsg = CMSG_NXTHDR(&msg, cmsg)) {
		if (cmsg->cmsg_level == SOL_NETLINK &&
		    cmsg->cmsg_type == NETLINK_LISTEN_ALL_NSID)
			memcpy(&mon->msg_nsid, CMSG_DATA(cmsg), sizeof(int32_t));
	}
	return n;
}

static int request_link(struct link_monitor *mon);

static void readable(struct loop_fd *lfd, uint32_t events)
{
	struct link_monitor *mon = container_of(lfd, struct link_monitor, lfd);
	char buf[MNL_SOCKET_BUFFER_SIZE];
	ssize_t n;

	(void)events;
	while ((n = recv_tagged(mon, buf, sizeof(buf))) > 0) {
		if (mnl_cb_run(buf, (size_t)n, 0, 0, link_cb, mon) <= MNL_CB_STOP)
			break;
	}
	/* The kernel dropped events for us: ask for the state afresh. */
	if (n < 0 && errno == ENOBUFS)
		request_link(mon);
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
	if (mon->nsid != OWN_NSID)
		mnl_attr_put_u32(nlh, IFLA_TARGET_NETNSID, (uint32_t)mon->nsid);
	if (mnl_socket_sendto(mon->nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	return 0;
}

static int nsid_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *attr;

	mnl_attr_for_each(attr, nlh, sizeof(struct rtgenmsg)) {
		if (mnl_attr_get_type(attr) == NETNSA_NSID)
			*(int32_t *)data = (int32_t)mnl_attr_get_u32(attr);
	}
	return MNL_CB_OK;
}

/* RTM_GETNSID or RTM_NEWNSID (assign any free id) for netns_fd. */
static int nsid_request(struct mnl_socket *nl, uint16_t type, int netns_fd,
			int32_t *nsid)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct rtgenmsg *rt;
	unsigned int seq = (unsigned int)time(NULL);
	ssize_t n;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = seq;
	rt = mnl_nlmsg_put_extra_header(nlh, sizeof(*rt));
	rt->rtgen_family = AF_UNSPEC;
	mnl_attr_put_u32(nlh, NETNSA_FD, (uint32_t)netns_fd);
	if (type == RTM_NEWNSID)
		mnl_attr_put_u32(nlh, NETNSA_NSID, (uint32_t)NETNSA_NSID_NOT_ASSIGNED);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n < 0)
			return -errno;
		n = mnl_cb_run(buf, (size_t)n, seq, 0, nsid_cb, nsid);
		if (n < 0)
			return -errno;
		if (n == MNL_CB_STOP)
			return 0;
	}
}

/* Our name for the namespace netns_fd, giving it one if it has none. */
static int namespace_id(int netns_fd, int32_t *nsid)
{
	struct stat theirs, ours;
	struct mnl_socket *nl;
	int ret;

	if (fstat(netns_fd, &theirs) < 0 || stat("/proc/self/ns/net", &ours) < 0)
		return -errno;
	*nsid = OWN_NSID;
	if (theirs.st_dev == ours.st_dev && theirs.st_ino == ours.st_ino)
		return 0;
	nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!nl)
		return -errno;
	ret = nsid_request(nl, RTM_GETNSID, netns_fd, nsid);
	if (!ret && *nsid == OWN_NSID) {
		ret = nsid_request(nl, RTM_NEWNSID, netns_fd, nsid);
		if (!ret || ret == -EEXIST)
			ret = nsid_request(nl, RTM_GETNSID, netns_fd, nsid);
	}
	mnl_socket_close(nl);
	if (!ret && *nsid == OWN_NSID)
		ret = -ENOENT;
	return ret;
}

int link_monitor_follow(struct link_monitor *mon, int netns_fd,
			const char *ifname)
{
	int32_t nsid;
	int one = 1, ret = namespace_id(netns_fd, &nsid);

	if (ret < 0)
		return ret;
	/*
	 * Only now: listening to every namespace we have an id for means
	 * every container's link churn on a busy host.
	 */
	if (nsid != OWN_NSID &&
	    mnl_socket_setsockopt(mon->nl, NETLINK_LISTEN_ALL_NSID, &one,
				  sizeof(one)) < 0)
		return -errno;
	mon->nsid = nsid;
	mon->known = false;
	memset(mon->state.name, 0, sizeof(mon->state.name));
	strncpy(mon->state.name, ifname, sizeof(mon->state.name) - 1);
	return request_link(mon);
}

int link_monitor_open(struct loop *loop, const char *ifname, link_event_fn fn,
		      void *arg, struct link_monitor **out)
{
	struct link_monitor *mon = calloc(1, sizeof(*mon));
	int rcvbuf = 1 << 20, ret;

	if (!mon)
		return -ENOMEM;
	mon->loop = loop;
	mon->fn = fn;
	mon->arg = arg;
	mon->nsid = OWN_NSID;
	strncpy(mon->state.name, ifname, sizeof(mon->state.name) - 1);
	mon->nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (!mon->nl) {
		ret = -errno;
		goto err_free;
	}
	/* Generous, so bursts of link events are not dropped. */
	if (setsockopt(mnl_socket_get_fd(mon->nl), SOL_SOCKET, SO_RCVBUFFORCE,
		       &rcvbuf, sizeof(rcvbuf)) < 0)
		setsockopt(mnl_socket_get_fd(mon->nl), SOL_SOCKET, SO_RCVBUF,
			   &rcvbuf, sizeof(rcvbuf));
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
