/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The arm64 side of the example kernel (`make ARCH=arm64`, what `entrylint build --arch arm64`
 * asks): the Image header a boot loader reads (Documentation/arch/arm64/booting.rst), whose first
 * instruction branches to primary_entry, which sets up a stack and calls start_kernel.
 */
#include <linux/linkage.h>

	__HEAD
SYM_CODE_START(_head)
	b	primary_entry			/* code0 */
	.long	0				/* code1 */
	.quad	0				/* text_offset */
	.quad	_kernel_size			/* image_size (the linker script's) */
	.quad	0xa				/* flags: little-endian, 4K pages, anywhere in memory */
	.quad	0, 0, 0				/* reserved */
	.ascii	"ARM\x64"			/* magic */
	.long	0				/* the PE header's offset, when the EFI stub is built in */
SYM_CODE_END(_head)

	__INIT
SYM_CODE_START(primary_entry)
	adrp	x1, init_stack_top
	add	x1, x1, :lo12:init_stack_top
	mov	sp, x1
	bl	start_kernel
SYM_CODE_END(primary_entry)

	.bss
	.balign	16
init_stack:
	.skip	4096
init_stack_top:
