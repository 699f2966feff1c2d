/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _EXAMPLE_X86_INIT_H
#define _EXAMPLE_X86_INIT_H

/*
 * Platform hooks: common boot code calls these slots at fixed points of setup_arch; a path
 * that needs something else there (Xen PV, PVH) writes its own function into the slot from
 * its early code, before it converges with the native path.
 */
struct x86_init_resources {
	void (*probe_roms)(void);
	void (*reserve_resources)(void);
	char *(*memory_setup)(void);
};

struct x86_init_oem {
	void (*arch_setup)(void);
	void (*banner)(void);
};

struct x86_init_ops {
	struct x86_init_resources	resources;
	struct x86_init_oem		oem;
};

extern struct x86_init_ops x86_init;

void x86_init_noop(void);
char *e820__memory_setup_default(void);
void e820__memory_setup(void);
void memblock_reserve(unsigned long base, unsigned long size);
int memblock_is_reserved(unsigned long addr);

#endif
