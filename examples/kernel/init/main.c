// SPDX-License-Identifier: GPL-2.0
/* start_kernel: where every entry path converges. */
#include <linux/kernel.h>
#include <asm/paravirt_types.h>

static char *command_line;

static noinline void __init mm_core_init(void)
{
	io_delay();
}

void __init __noreturn start_kernel(void)
{
	local_irq_disable();
	setup_arch(&command_line);
	printk(command_line);
	mm_core_init();
	local_irq_enable();
	for (;;)
		io_delay();
}
