// SPDX-License-Identifier: GPL-2.0
/*
 * pv_ops: the operations a hypervisor may take over, statically initialised with the native
 * implementations. Callers go through the table (call *pv_ops+off(%rip)); Xen PV overwrites
 * whole sub-tables at boot.
 */
#include <linux/kernel.h>
#include <asm/paravirt_types.h>

static unsigned long cr4_shadow;

static void native_io_delay(void)
{
	asm volatile("outb %al, $0x80");
}

static unsigned long native_read_cr0(void)
{
	unsigned long val;

	asm volatile("mov %%cr0, %0" : "=r" (val));
	return val;
}

static void native_write_cr4(unsigned long val)
{
	cr4_shadow = val;
	asm volatile("mov %0, %%cr4" : : "r" (val) : "memory");
}

static void native_load_idt(const void *dtr)
{
	asm volatile("lidt (%0)" : : "r" (dtr) : "memory");
}

static void native_irq_disable(void)
{
	asm volatile("cli" : : : "memory");
}

static void native_irq_enable(void)
{
	asm volatile("sti" : : : "memory");
}

struct paravirt_patch_template pv_ops = {
	.cpu.io_delay		= native_io_delay,
	.cpu.read_cr0		= native_read_cr0,
	.cpu.write_cr4		= native_write_cr4,
	.cpu.load_idt		= native_load_idt,
	.irq.irq_disable	= native_irq_disable,
	.irq.irq_enable		= native_irq_enable,
};
