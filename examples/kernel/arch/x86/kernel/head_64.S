/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The native entry of the example kernel: a boot loader jumps to startup_64 at the physical
 * address in the ELF header's e_entry, with %rsi pointing at struct boot_params.
 */
#include <linux/linkage.h>
#include <linux/elfnote.h>
#include <asm/page_types.h>

	__HEAD
	.code64
SYM_CODE_START(startup_64)
	cld
	leaq	_text(%rip), %rdi		/* where we run: address arithmetic, not a call */
	leaq	init_stack_top(%rip), %rsp
	call	verify_cpu
	pushq	%rsi
	call	__startup_64
	popq	%rsi
	jmp	1f				/* short jump into the common part below */
SYM_CODE_END(startup_64)

/* Secondary CPUs come here from the real-mode trampoline. */
SYM_CODE_START(secondary_startup_64)
	call	verify_cpu
SYM_INNER_LABEL(common_startup_64)
1:
	movq	%rsi, %rdi
	movq	initial_code(%rip), %rax
	pushq	$0x10				/* __KERNEL_CS */
	pushq	%rax
	lretq
SYM_CODE_END(secondary_startup_64)

SYM_FUNC_START_LOCAL(verify_cpu)
	pushfq
	popq	%rax
	xorl	%eax, %eax
	ret
SYM_FUNC_END(verify_cpu)

	.data
SYM_DATA(initial_code, .quad x86_64_start_kernel)

	.bss
	.balign 4096
init_stack:
	.skip	4096
init_stack_top:

#include "../xen/xen-head.S"
