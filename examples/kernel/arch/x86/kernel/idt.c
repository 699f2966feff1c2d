// SPDX-License-Identifier: GPL-2.0
/* The early interrupt descriptor table. */
#include <linux/kernel.h>
#include <asm/paravirt_types.h>

struct desc_ptr {
	unsigned short size;
	unsigned long address;
} __attribute__((__packed__));

static unsigned long idt_table[512];
static struct desc_ptr idt_descr = { sizeof(idt_table) - 1, (unsigned long)idt_table };

void __init early_setup_idt(void)
{
	load_idt(&idt_descr);
}
