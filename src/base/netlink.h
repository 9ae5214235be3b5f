/* SPDX-License-Identifier: MIT */
/*
 * Watching one network interface through rtnetlink (libmnl): its index,
 * MTU and up/down state as they change, and its deletion or departure to
 * another network namespace.
 *
 * The netlink socket lives in our own namespace and listens to all the
 * namespaces it has an id for (NETLINK_LISTEN_ALL_NSID), so following an
 * interface elsewhere never holds a reference that would keep that
 * namespace, and the interface in it, alive after its last user is gone.
 */
#ifndef CVPC_BASE_NETLINK_H
#define CVPC_BASE_NETLINK_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

struct loop;
struct link_monitor;

struct link_state {
	unsigned int ifindex;
	uint32_t mtu;
	bool up;
	bool gone; /* deleted, or moved out of the watched namespace */
	char name[IF_NAMESIZE];
};

typedef void (*link_event_fn)(void *arg, const struct link_state *state);

/*
 * Watches the interface called ifname in our namespace. fn runs on every
 * change, first once for the current state as soon as the kernel answers.
 * Returns -errno.
 */
int link_monitor_open(struct loop *loop, const char *ifname, link_event_fn fn,
		      void *arg, struct link_monitor **out);
/*
 * The interface now lives in the namespace netns_fd (which the caller
 * closes afterwards) under the name ifname: watch it there.
 */
int link_monitor_follow(struct link_monitor *mon, int netns_fd,
			const char *ifname);
void link_monitor_close(struct link_monitor *mon);

#endif
