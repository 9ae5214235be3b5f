// SPDX-License-Identifier: MIT
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "wg/packet.h"

int pkt_batch_init(struct pkt_batch *batch)
{
	size_t size = (size_t)PKT_BATCH_MAX * PKT_BUF_SIZE;
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
	return 0;
}

void pkt_batch_free(struct pkt_batch *batch)
{
	if (!batch->arena)
		return;
	munmap(batch->arena, (size_t)PKT_BATCH_MAX * PKT_BUF_SIZE);
	batch->arena = NULL;
}
