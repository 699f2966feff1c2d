// SPDX-License-Identifier: GPL-2.0
/* PVH early set-up, called by pvh_start_xen before it jumps to startup_64. */
#include <linux/kernel.h>
#include <asm/bootparam.h>

struct hvm_start_info {
	unsigned int magic;
	unsigned int version;
	unsigned long cmdline_paddr;
};

struct hvm_start_info pvh_start_info;

void __init xen_prepare_pvh(void)
{
	if (pvh_start_info.magic != 0x336ec578)
		return;
	boot_params.hdr.cmd_line_ptr = (unsigned int)pvh_start_info.cmdline_paddr;
	xen_pvh_init(&boot_params);
}
