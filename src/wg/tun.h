/* SPDX-License-Identifier: MIT */
/*
 * A Linux TUN device (IFF_TUN | IFF_NO_PI), read and written in batches.
 */
#ifndef CVPC_WG_TUN_H
#define CVPC_WG_TUN_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

struct pkt_batch;
struct tun;

enum { TUN_DEFAULT_MTU = 1420 };

/*
 * Creates (or attaches to) the TUN device name and sets its MTU. Returns
 * -errno; err receives a sentence for the user.
 */
int tun_create(const char *name, uint32_t mtu, struct tun **out, char *err,
	       size_t err_len);
void tun_close(struct tun *tun);
int tun_fd(const struct tun *tun);

/*
 * Reads up to the batch's capacity of packets into each slot at
 * head + PKT_HEADROOM. Returns how many, 0 when none is waiting, or
 * -EBADFD once the device has been deleted, or another -errno.
 */
int tun_read_batch(struct tun *tun, struct pkt_batch *batch);
/* Writes every PKT_READY packet; returns how many could not be written. */
unsigned int tun_write_batch(struct tun *tun, struct pkt_batch *batch);

/* What the kernel granted, and how much it was used. */
struct tun_stats {
	bool vnet, tso, uso, gro, gro_udp;
	uint64_t super_packets;    /* TSO/USO packets read and cut up */
	uint64_t coalesced_writes; /* writes carrying more than one packet */
};

void tun_get_stats(const struct tun *tun, struct tun_stats *st);

/* The device's current name (it may have been renamed or moved). */
int tun_get_name(struct tun *tun, char name[static IF_NAMESIZE]);
/* An fd for the network namespace the device lives in now. */
int tun_get_netns(struct tun *tun);

#endif
