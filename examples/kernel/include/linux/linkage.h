/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Symbol annotations for assembler code, written for the entrylint example tree.
 * Code labels get no ELF type (NOTYPE), like the kernel's SYM_CODE_* ones; C functions are FUNC.
 */
#ifndef _EXAMPLE_LINKAGE_H
#define _EXAMPLE_LINKAGE_H

#define SYM_CODE_START(name)		.globl name ; name:
#define SYM_CODE_START_LOCAL(name)	name:
#define SYM_CODE_END(name)		.size name, . - name
#define SYM_INNER_LABEL(name)		.globl name ; name:
#define SYM_FUNC_START_LOCAL(name)	.type name, @function ; name:
#define SYM_FUNC_END(name)		.size name, . - name
#define SYM_DATA(name, value...)	.globl name ; .type name, @object ; .balign 8 ; name: value ; .size name, . - name

#define __HEAD		.section ".head.text", "ax"
#define __INIT		.section ".init.text", "ax"

#endif
