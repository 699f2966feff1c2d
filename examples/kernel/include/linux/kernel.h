/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _EXAMPLE_KERNEL_H
#define _EXAMPLE_KERNEL_H

#include <linux/init.h>

void printk(const char *msg);
void __noreturn start_kernel(void);
void __noreturn x86_64_start_kernel(char *real_mode_data);
void __noreturn x86_64_start_reservations(char *real_mode_data);
void setup_arch(char **cmdline);
void early_setup_idt(void);
void xen_pvh_init(void *boot_params);

#endif
