/* SPDX-License-Identifier: MIT */
/*
 * Watching one network interface through rtnetlink (libmnl): its index,
 * MTU and up/down state as they change, and its deletion or departure to
 * another network namespace.
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
 * Watches the interface called ifname in the network namespace netns_fd
 * (-1: ours). fn runs on every change, first once for the current state
 * as soon as the kernel answers. Returns -errno.
 */
int link_monitor_open(struct loop *loop, int netns_fd, const char *ifname,
		      link_event_fn fn, void *arg, struct link_monitor **out);
void link_monitor_close(struct link_monitor *mon);

#endif
