// SPDX-License-Identifier: GPL-2.0
/* The Xen side of PVH: only when running on Xen. */
#include <linux/kernel.h>
#include <asm/bootparam.h>

void __init xen_pvh_init(void *bp)
{
	((struct boot_params *)bp)->hdr.hardware_subarch = 0;
}
