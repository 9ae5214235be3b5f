/* SPDX-License-Identifier: MIT */
/*
 * Packet buffers and batches. The data path moves packets in batches:
 * read up to a batch from the TUN device or the UDP socket, process the
 * batch in stages (route/assign, crypto, finish), write the batch out.
 * Each buffer has room for the data message header in front of an inner
 * packet and for padding and the tag behind it, so encryption and
 * decryption happen in place.
 */
#ifndef CVPC_WG_PACKET_H
#define CVPC_WG_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/sockaddr.h"
#include "wg/messages.h"

struct wg_peer;
struct noise_keypair;

enum packet_sizes {
	PKT_HEADROOM = sizeof(struct message_data),
	PKT_MAX_INNER = 65535,
	PKT_TAILROOM = MESSAGE_PADDING_MULTIPLE + NOISE_AUTHTAG_LEN,
	/* Rounded to a cache line so every header in a batch is aligned. */
	PKT_BUF_SIZE = (PKT_HEADROOM + PKT_MAX_INNER + PKT_TAILROOM + 63) & ~63,
	PKT_BATCH_MAX = 256,
	/* Packets one crypto call takes: enough to share ChaCha20 passes
	 * (wg_aead_seal_batch), few enough to spread a batch over cores. */
	CRYPT_CHUNK = 8,
	/* Receive buffers for UDP GRO: each holds up to 64 datagrams. */
	PKT_RX_BUFS = 8,
	PKT_RX_BUF_SIZE = 65536,
};

enum pkt_state {
	PKT_FREE,     /* nothing to do with this slot */
	PKT_PENDING,  /* assigned a peer and keypair, awaiting crypto */
	PKT_CRYPTED,  /* crypto succeeded, awaiting finish */
	PKT_FAILED,   /* crypto failed (decryption did not authenticate) */
	PKT_READY,    /* ready to be written out (and, once sent, sent) */
	PKT_UNSENT,   /* encrypted, but the socket would not take it */
	/* Handshake messages that arrive under load, checked in parallel: */
	PKT_HS_CHECK,       /* mac1 and mac2 to check */
	PKT_HS_BAD,         /* mac1 is wrong */
	PKT_HS_COOKIE_SENT, /* mac1 only: answered with a cookie */
	PKT_HS_COOKIE_UNSENT, /* the same, but the reply could not be sent */
	PKT_HS_ACCEPT,      /* mac2 proves the source: for the queue */
};

struct pkt {
	uint8_t *head; /* PKT_BUF_SIZE bytes */
	uint8_t *data;
	uint32_t len;
	uint8_t state;
	union sockaddr_inet addr; /* RX: source; TX: destination */
	struct inet_src src;      /* RX: our address it came to; TX: from */
	struct wg_peer *peer;
	struct noise_keypair *keypair; /* holds a reference while set */
	uint64_t nonce;
	uint16_t slot; /* the send path's per-peer record for this batch */
};

struct pkt_batch {
	struct pkt pkts[PKT_BATCH_MAX];
	unsigned int len;
	uint32_t mtu; /* for padding, while the batch is being encrypted */
	uint8_t *arena;
	uint8_t *rx_bufs[PKT_RX_BUFS];
	/*
	 * One more PKT_BUF_SIZE buffer, not any packet's: the TUN side swaps
	 * it with a slot holding a super-packet, which then stays put while
	 * its segments fill the slots of this and the next batches.
	 */
	uint8_t *spare;
};

/* Buffers are mapped lazily: only pages actually used become resident. */
int pkt_batch_init(struct pkt_batch *batch);

/*
 * Calls fn once for each run of consecutive PKT_PENDING packets of one
 * keypair among chunk c's packets (CRYPT_CHUNK of them), with their
 * indices, so that the crypto stage can seal or open a run as one batch.
 */
typedef void (*pkt_run_fn)(struct pkt_batch *batch, const unsigned int *idx,
			   unsigned int n);
void pkt_batch_for_each_run(struct pkt_batch *batch, unsigned int c,
			    pkt_run_fn fn);
void pkt_batch_free(struct pkt_batch *batch);
/* Gives the buffers' pages back while the batch is idle (keeps spare). */
void pkt_batch_release(struct pkt_batch *batch);

#endif
