// SPDX-License-Identifier: GPL-2.0
/* The memory map: the firmware's by default, a hypervisor's when a path hooks memory_setup. */
#include <linux/kernel.h>
#include <asm/bootparam.h>
#include <asm/x86_init.h>

char *e820__memory_setup_default(void)
{
	if (boot_params.hdr.loadflags & 2)
		return "BIOS-e801";
	return "BIOS-e820";
}

void e820__memory_setup(void)
{
	char *who = x86_init.resources.memory_setup();

	printk(who);
}
