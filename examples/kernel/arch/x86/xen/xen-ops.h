/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _EXAMPLE_XEN_OPS_H
#define _EXAMPLE_XEN_OPS_H

char *xen_memory_setup(void);
void xen_arch_setup(void);

#endif
