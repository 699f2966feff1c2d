// SPDX-License-Identifier: GPL-2.0
/* Architecture set-up, called by start_kernel on every path. */
#include <linux/kernel.h>
#include <asm/bootparam.h>
#include <asm/paravirt_types.h>

static noinline void parse_setup_data(void)
{
	if (boot_params.hdr.loadflags & 1)
		printk("setup data present");
}

void setup_arch(char **cmdline)
{
	parse_setup_data();
	write_cr4(read_cr0() & 0x20);
	*cmdline = boot_command_line;
}
