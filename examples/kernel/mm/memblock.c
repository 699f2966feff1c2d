// SPDX-License-Identifier: GPL-2.0
/* A boot-time allocator's bookkeeping, reduced to one region list. */
#include <linux/kernel.h>
#include <asm/x86_init.h>

static unsigned long reserved_base[16], reserved_size[16];
static unsigned int reserved_count;

void memblock_reserve(unsigned long base, unsigned long size)
{
	if (reserved_count < 16) {
		reserved_base[reserved_count] = base;
		reserved_size[reserved_count++] = size;
	}
}

int memblock_is_reserved(unsigned long addr)
{
	unsigned int i;

	for (i = 0; i < reserved_count; i++)
		if (addr - reserved_base[i] < reserved_size[i])
			return 1;
	return 0;
}
