/* SPDX-License-Identifier: MIT */
/*
 * Everything the device receives: datagrams from the UDP socket are
 * sorted into handshake messages (queued, then processed with a budget so
 * a flood cannot starve data) and data messages (decrypted in a batch and
 * written to the TUN device).
 */
#ifndef CVPC_WG_RECEIVE_H
#define CVPC_WG_RECEIVE_H

struct wg_device;
struct pkt_batch;
struct loop_work;

/* Processes a batch of datagrams as read from the socket. */
void wg_packet_receive_batch(struct wg_device *wg, struct pkt_batch *batch);
/* The device's handshake work item: drains part of the queue. */
void wg_packet_handshake_receive_work(struct loop_work *work);

#endif
