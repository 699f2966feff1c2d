// SPDX-License-Identifier: GPL-2.0
/*
 * A console that goes nowhere: messages are kept in a small ring so that a debugger can
 * recieve them after a crash.
 */
#include <linux/kernel.h>

static char log_buf[4096];
static unsigned int log_next;

void printk(const char *msg)
{
	while (msg && *msg)
		log_buf[log_next++ % sizeof(log_buf)] = *msg++;
}
