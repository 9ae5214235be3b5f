// SPDX-License-Identifier: MIT
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "base/memtrim.h"
#include "wg/packet.h"

/* The slots, the spare, then the receive buffers. */
static size_t arena_size(void)
{
	return (size_t)(PKT_BATCH_MAX + 1) * PKT_BUF_SIZE +
	       (size_t)PKT_RX_BUFS * PKT_RX_BUF_SIZE;
}

int pkt_batch_init(struct pkt_batch *batch)
{
	size_t size = arena_size();
	void *arena = mmap(NULL, size, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (arena == MAP_FAILED)
		return -errno;
	memset(batch, 0, sizeof(*batch));
	batch->arena = arena;
	for (unsigned int i = 0; i < PKT_BATCH_MAX; i++) {
		batch->pkts[i].head = batch->arena + (size_t)i * PKT_BUF_SIZE;
		batch->pkts[i].data = batch->pkts[i].head;
	}
	batch->spare = batch->arena + (size_t)PKT_BATCH_MAX * PKT_BUF_SIZE;
	for (unsigned int i = 0; i < PKT_RX_BUFS; i++)
		batch->rx_bufs[i] = batch->spare + PKT_BUF_SIZE +
				    (size_t)i * PKT_RX_BUF_SIZE;
	return 0;
}

void pkt_batch_free(struct pkt_batch *batch)
{
	if (!batch->arena)
		return;
	munmap(batch->arena, arena_size());
	batch->arena = NULL;
}

void pkt_batch_release(struct pkt_batch *batch)
{
	size_t slot;

	if (!batch->arena)
		return;
	/*
	 * Slot by slot, because the TUN side may have swapped the spare into
	 * the slots, and the buffer now called spare may hold a super-packet
	 * still being cut up.
	 */
	for (unsigned int i = 0; i < PKT_BATCH_MAX; i++)
		mem_release_buffer(batch->pkts[i].head, PKT_BUF_SIZE);
	slot = (size_t)PKT_BATCH_MAX * PKT_BUF_SIZE + PKT_BUF_SIZE;
	mem_release_buffer(batch->arena + slot, arena_size() - slot);
}

void pkt_batch_for_each_run(struct pkt_batch *batch, unsigned int c,
			    pkt_run_fn fn)
{
	unsigned int first = c * CRYPT_CHUNK, end = first + CRYPT_CHUNK, n = 0;
	unsigned int idx[CRYPT_CHUNK];

	if (end > batch->len)
		end = batch->len;
	for (unsigned int i = first; i < end; i++) {
		const struct pkt *pkt = &batch->pkts[i];

		if (pkt->state != PKT_PENDING)
			continue;
		if (n && pkt->keypair != batch->pkts[idx[0]].keypair) {
			fn(batch, idx, n);
			n = 0;
		}
		idx[n++] = i;
	}
	if (n)
		fn(batch, idx, n);
}
