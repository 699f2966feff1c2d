/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _EXAMPLE_PARAVIRT_TYPES_H
#define _EXAMPLE_PARAVIRT_TYPES_H

/* Operations a hypervisor may replace: tables of function pointers with native defaults. */
struct pv_cpu_ops {
	void (*io_delay)(void);
	unsigned long (*read_cr0)(void);
	void (*write_cr4)(unsigned long);
	void (*load_idt)(const void *);
};

struct pv_irq_ops {
	void (*irq_disable)(void);
	void (*irq_enable)(void);
};

struct paravirt_patch_template {
	struct pv_cpu_ops	cpu;
	struct pv_irq_ops	irq;
};

extern struct paravirt_patch_template pv_ops;

static inline void io_delay(void)		{ pv_ops.cpu.io_delay(); }
static inline unsigned long read_cr0(void)	{ return pv_ops.cpu.read_cr0(); }
static inline void write_cr4(unsigned long v)	{ pv_ops.cpu.write_cr4(v); }
static inline void load_idt(const void *dt)	{ pv_ops.cpu.load_idt(dt); }
static inline void local_irq_disable(void)	{ pv_ops.irq.irq_disable(); }
static inline void local_irq_enable(void)	{ pv_ops.irq.irq_enable(); }

#endif
