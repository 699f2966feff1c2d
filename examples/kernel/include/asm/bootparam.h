/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _EXAMPLE_BOOTPARAM_H
#define _EXAMPLE_BOOTPARAM_H

struct setup_header {
	unsigned int	cmd_line_ptr;
	unsigned char	hardware_subarch;
	unsigned char	loadflags;
};

struct boot_params {
	unsigned char		screen_info[64];
	struct setup_header	hdr;
	unsigned char		pad[184];
};

extern struct boot_params boot_params;
extern char boot_command_line[256];

#endif
