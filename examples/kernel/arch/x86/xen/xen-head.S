/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The legacy Xen PV entry. This file is included by head_64.S, so its symbols belong to that
 * object. The domain builder finds startup_xen through the XEN_ELFNOTE_ENTRY note below.
 */
#include <xen/interface/elfnote.h>

	__INIT
	.code64
SYM_CODE_START(startup_xen)
	cld
	leaq	init_stack_top(%rip), %rsp
	movq	%rsi, %rdi			/* start_info */
	call	xen_start_kernel
SYM_CODE_END(startup_xen)

	ELFNOTE(Xen, XEN_ELFNOTE_GUEST_OS,       .asciz "linux")
	ELFNOTE(Xen, XEN_ELFNOTE_GUEST_VERSION,  .asciz "2.6")
	ELFNOTE(Xen, XEN_ELFNOTE_XEN_VERSION,    .asciz "xen-3.0")
	ELFNOTE(Xen, XEN_ELFNOTE_VIRT_BASE,      _ASM_PTR __START_KERNEL_map)
	ELFNOTE(Xen, XEN_ELFNOTE_PADDR_OFFSET,   _ASM_PTR 0)
	ELFNOTE(Xen, XEN_ELFNOTE_ENTRY,          _ASM_PTR startup_xen)
	ELFNOTE(Xen, XEN_ELFNOTE_FEATURES,       .ascii "!writable_page_tables")
	ELFNOTE(Xen, XEN_ELFNOTE_PAE_MODE,       .asciz "yes")
	ELFNOTE(Xen, XEN_ELFNOTE_SUSPEND_CANCEL, .long 1)
