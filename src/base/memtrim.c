// SPDX-License-Identifier: MIT
#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "base/memtrim.h"

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif

void mem_release_buffer(void *buf, size_t len)
{
	if (buf && len)
		madvise(buf, len, MADV_DONTNEED);
}

/*
 * Only read-only file mappings: MADV_PAGEOUT reclaims clean page-cache
 * pages and never discards data (pages we wrote, such as relocations, are
 * anonymous copies it leaves alone without swap), and pages other
 * processes map too stay where they are.
 */
static void page_out_libraries(void)
{
	FILE *maps = fopen("/proc/self/maps", "re");
	char line[512];

	if (!maps)
		return;
	while (fgets(line, sizeof(line), maps)) {
		unsigned long start, end;
		char perms[5], path[384] = "";

		if (sscanf(line, "%lx-%lx %4s %*s %*s %*s %383s", &start, &end,
			   perms, path) < 3)
			continue;
		if (path[0] != '/' || perms[1] == 'w')
			continue;
		madvise((void *)start, end - start, MADV_PAGEOUT);
	}
	fclose(maps);
}

void mem_trim_process(void)
{
	malloc_trim(0);
	page_out_libraries();
}
