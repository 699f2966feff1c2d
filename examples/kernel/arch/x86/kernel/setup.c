// SPDX-License-Identifier: GPL-2.0
/* Architecture set-up, called by start_kernel on every path. */
#include <linux/kernel.h>
#include <asm/bootparam.h>
#include <asm/paravirt_types.h>
#include <asm/x86_init.h>

static noinline void parse_setup_data(void)
{
	if (boot_params.hdr.loadflags & 1)
		printk("setup data present");
}

/* The kernel image and the first 64K: nothing may be allocated there. */
static noinline void early_reserve_memory(void)
{
	memblock_reserve(0x1000000, 0x2000000);
	memblock_reserve(0, 0x10000);
}

void setup_arch(char **cmdline)
{
	x86_init.oem.arch_setup();
	/*
	 * Reserve before the memory map is set up: on Xen PV, memory_setup moves the page
	 * tables into memory it believes to be free.
	 */
	early_reserve_memory();
	e820__memory_setup();
	parse_setup_data();
	write_cr4(read_cr0() & 0x20);
	x86_init.oem.banner();
	*cmdline = boot_command_line;
}
