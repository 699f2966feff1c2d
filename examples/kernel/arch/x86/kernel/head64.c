// SPDX-License-Identifier: GPL-2.0
/*
 * Native early C start-up: startup_64 calls __startup_64 from the head, then the head jumps
 * through initial_code to x86_64_start_kernel, which prepares what the native path owes and
 * hands over to the common code.
 */
#include <linux/kernel.h>
#include <asm/bootparam.h>

struct boot_params boot_params;
char boot_command_line[256];
unsigned long early_pgt[512] __attribute__((__aligned__(4096)));

/* Runs from the identity mapping before the kernel's own page tables exist. */
unsigned long __head __startup_64(unsigned long physaddr)
{
	early_pgt[0] = physaddr | 0x63;
	return physaddr;
}

static noinline void __init clear_bss(void)
{
	extern char __bss_start[], __bss_stop[];
	char *p;

	for (p = __bss_start; p < __bss_stop; p++)
		*(volatile char *)p = 0;
}

static noinline void __init copy_bootdata(char *real_mode_data)
{
	unsigned int i;

	for (i = 0; i < sizeof(boot_params); i++)
		((volatile char *)&boot_params)[i] = real_mode_data[i];
	if (boot_params.hdr.cmd_line_ptr)
		for (i = 0; i < sizeof(boot_command_line); i++)
			boot_command_line[i] = ((char *)(unsigned long)boot_params.hdr.cmd_line_ptr)[i];
}

void __init __noreturn x86_64_start_kernel(char *real_mode_data)
{
	clear_bss();
	early_setup_idt();
	copy_bootdata(real_mode_data);
	x86_64_start_reservations(real_mode_data);
}

void __init __noreturn x86_64_start_reservations(char *real_mode_data)
{
	if (!boot_params.hdr.hardware_subarch)
		copy_bootdata(real_mode_data);
	start_kernel();
}
