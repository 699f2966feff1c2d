/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _EXAMPLE_PAGE_TYPES_H
#define _EXAMPLE_PAGE_TYPES_H

/* The kernel image is linked at __START_KERNEL_map + 16 MiB and loaded at 16 MiB physical. */
#define __START_KERNEL_map	0xffffffff80000000
#define LOAD_PHYSICAL_ADDR	0x1000000
#define PHYSICAL_ALIGN		0x200000
#define KERNEL_IMAGE_SIZE	0x40000000

#ifdef __ASSEMBLY__
#define _pa(x)		((x) - __START_KERNEL_map)
#define _ASM_PTR	.quad
#endif

#endif
