/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ELF notes from assembler: ELFNOTE(owner, type, desc) emits one note record (namesz, descsz,
 * type, the owner name and the descriptor, each padded to 4 bytes) into .note.<owner>.
 * The labels are numbered high so that they never capture a "jmp 1f" of the code around them.
 */
#ifndef _EXAMPLE_ELFNOTE_H
#define _EXAMPLE_ELFNOTE_H

#define ELFNOTE(owner, type, desc...)			\
	.pushsection .note.owner, "a", @note ;		\
	.balign 4 ;					\
	.long 8812f - 8811f ;				\
	.long 8814f - 8813f ;				\
	.long type ;					\
8811:	.asciz #owner ;					\
8812:	.balign 4 ;					\
8813:	desc ;						\
8814:	.balign 4 ;					\
	.popsection

#endif
