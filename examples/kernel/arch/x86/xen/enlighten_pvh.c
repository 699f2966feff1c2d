// SPDX-License-Identifier: GPL-2.0
/* The Xen side of PVH: only when running on Xen. */
#include <linux/kernel.h>
#include <asm/bootparam.h>
#include <asm/x86_init.h>

static void __init pvh_arch_setup(void)
{
	printk("PVH: start info read");
}

void __init xen_pvh_init(void *bp)
{
	((struct boot_params *)bp)->hdr.hardware_subarch = 0;
	x86_init.oem.arch_setup = pvh_arch_setup;
}
