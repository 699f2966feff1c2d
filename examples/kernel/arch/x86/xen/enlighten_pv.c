// SPDX-License-Identifier: GPL-2.0
/*
 * Xen PV start-up: startup_xen calls xen_start_kernel, which does its own version of what the
 * native head and x86_64_start_kernel do, replaces the pv_ops tables and then joins the native
 * sequence at x86_64_start_reservations.
 */
#include <linux/kernel.h>
#include <asm/bootparam.h>
#include <asm/paravirt_types.h>
#include <asm/x86_init.h>
#include "xen-ops.h"

struct start_info {
	char magic[32];
	unsigned long nr_pages;
	unsigned long shared_info;
	unsigned long flags;
	char cmd_line[64];
};

struct start_info *xen_start_info;
static unsigned long xen_features;

static void xen_io_delay(void)
{
}

static unsigned long xen_read_cr0(void)
{
	return 0x80050033;
}

static void xen_write_cr4(unsigned long val)
{
	(void)val;
}

static void xen_load_idt(const void *dtr)
{
	asm volatile("" : : "r" (dtr) : "memory");
}

static const struct pv_cpu_ops xen_cpu_ops __initconst = {
	.io_delay	= xen_io_delay,
	.read_cr0	= xen_read_cr0,
	.write_cr4	= xen_write_cr4,
	.load_idt	= xen_load_idt,
};

static noinline void __init xen_setup_features(void)
{
	xen_features = xen_start_info->flags & 0xff;
}

static noinline void __init xen_init_capabilities(void)
{
	if (xen_features & 1)
		boot_params.hdr.hardware_subarch = 2;
}

void __init __noreturn xen_start_kernel(struct start_info *si)
{
	unsigned int i;

	xen_start_info = si;
	xen_setup_features();
	pv_ops.cpu = xen_cpu_ops;
	x86_init.resources.memory_setup = xen_memory_setup;
	x86_init.oem.arch_setup = xen_arch_setup;
	xen_init_capabilities();
	for (i = 0; i < sizeof(si->cmd_line); i++)
		boot_command_line[i] = si->cmd_line[i];
	x86_64_start_reservations((char *)&boot_params);
}
