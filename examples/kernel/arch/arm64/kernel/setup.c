// SPDX-License-Identifier: GPL-2.0
/* start_kernel of the arm64 side: the common printk, then the idle loop. */
#include <linux/kernel.h>

static char command_line[] __initdata = "console=hvc0";

void __init __noreturn start_kernel(void)
{
	printk(command_line);
	for (;;)
		asm volatile("wfi");
}
