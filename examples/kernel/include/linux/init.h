/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _EXAMPLE_INIT_H
#define _EXAMPLE_INIT_H

#define __init		__attribute__((__section__(".init.text"), __cold__))
#define __head		__attribute__((__section__(".head.text")))
#define __initdata	__attribute__((__section__(".init.data")))
#define __initconst	__attribute__((__section__(".init.rodata")))
#define noinline	__attribute__((__noinline__))
#define __noreturn	__attribute__((__noreturn__))

#endif
