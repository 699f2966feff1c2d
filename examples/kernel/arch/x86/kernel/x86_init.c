// SPDX-License-Identifier: GPL-2.0
/* The platform hook table, statically initialised with what a native boot runs. */
#include <linux/kernel.h>
#include <asm/x86_init.h>

void x86_init_noop(void)
{
	asm volatile("" : : : "memory");
}

static void default_banner(void)
{
	printk("Booting the kernel on bare hardware");
}

struct x86_init_ops x86_init __initdata = {
	.resources = {
		.probe_roms		= x86_init_noop,
		.reserve_resources	= x86_init_noop,
		.memory_setup		= e820__memory_setup_default,
	},
	.oem = {
		.arch_setup		= x86_init_noop,
		.banner			= default_banner,
	},
};
