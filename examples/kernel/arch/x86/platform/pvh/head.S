/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The PVH entry: Xen (or QEMU, or a PVH-aware loader) starts the kernel in 32-bit protected
 * mode with paging off at the physical address announced by XEN_ELFNOTE_PHYS32_ENTRY.
 * We build a 64-bit world, call xen_prepare_pvh and continue on the native path at startup_64.
 */
#include <linux/linkage.h>
#include <linux/elfnote.h>
#include <asm/page_types.h>
#include <xen/interface/elfnote.h>

	__HEAD
	.code32
SYM_CODE_START_LOCAL(pvh_start_xen)
	cld
	lgdt	(_pa(gdt))
	mov	%ebx, %esi			/* start_info */
	mov	%cr4, %eax
	orl	$0x20, %eax			/* PAE */
	mov	%eax, %cr4
	ljmp	$0x10, $_pa(1f)

	.code64
1:
	movl	$0x18, %eax			/* data segment */
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	leaq	xen_prepare_pvh(%rip), %rax
	call	*%rax
	movq	$_pa(startup_64), %rax
	jmp	*%rax
SYM_CODE_END(pvh_start_xen)

	.section ".init.data", "aw"
	.balign 8
gdt:
	.word	gdt_end - gdt - 1
	.long	_pa(gdt)
	.word	0
	.quad	0x00af9a000000ffff		/* 64-bit code */
	.quad	0x00cf92000000ffff		/* data */
gdt_end:

	ELFNOTE(Xen, XEN_ELFNOTE_PHYS32_ENTRY, _ASM_PTR (pvh_start_xen - __START_KERNEL_map))
	ELFNOTE(Xen, XEN_ELFNOTE_PHYS32_RELOC, .long PHYSICAL_ALIGN ; .long LOAD_PHYSICAL_ADDR ; .long KERNEL_IMAGE_SIZE - 1)
