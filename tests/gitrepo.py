"""A real git repository in a temp dir, with a tiny kernel-shaped tree written for the tests.

The files mimic the shapes of the real entry files (our own text, not kernel code): a native head
with startup_64, a Xen head with its notes, a PVH head, head64.c, enlighten_pv.c, init/main.c.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

MINI_KERNEL = {
    "arch/x86/kernel/head_64.S": """\
/* SPDX-License-Identifier: GPL-2.0 */
/* the native head (test fixture) */
	__HEAD
	.code64
SYM_CODE_START_NOALIGN(startup_64)
	leaq	_text(%rip), %rdi
	call	__startup_64
	jmp	1f
SYM_CODE_END(startup_64)

SYM_CODE_START(secondary_startup_64)
1:
	movq	initial_code(%rip), %rax
	pushq	%rax
	lretq
SYM_CODE_END(secondary_startup_64)

#include "../xen/xen-head.S"
""",
    "arch/x86/xen/xen-head.S": """\
/* SPDX-License-Identifier: GPL-2.0 */
/* the Xen PV head (test fixture) */
	__INIT
SYM_CODE_START(startup_xen)
	cld
	movq	$init_stack_end, %rsp
	call	xen_start_kernel
SYM_CODE_END(startup_xen)

	ELFNOTE(Xen, XEN_ELFNOTE_GUEST_OS,       .asciz "linux")
	ELFNOTE(Xen, XEN_ELFNOTE_VIRT_BASE,      _ASM_PTR __START_KERNEL_map)
	ELFNOTE(Xen, XEN_ELFNOTE_ENTRY,          _ASM_PTR startup_xen)
	ELFNOTE(Xen, XEN_ELFNOTE_FEATURES,       .ascii "!writable_page_tables")
""",
    "arch/x86/platform/pvh/head.S": """\
/* SPDX-License-Identifier: GPL-2.0 */
/* the PVH head (test fixture) */
	__HEAD
	.code32
SYM_CODE_START_LOCAL(pvh_start_xen)
	cld
	lgdt	(_pa(gdt))
	.code64
	leaq	xen_prepare_pvh(%rip), %rax
	call	*%rax
	movq	$_pa(startup_64), %rax
	jmp	*%rax
SYM_CODE_END(pvh_start_xen)

	ELFNOTE(Xen, XEN_ELFNOTE_PHYS32_ENTRY, _ASM_PTR (pvh_start_xen - __START_KERNEL_map))
""",
    "arch/x86/kernel/head64.c": """\
// SPDX-License-Identifier: GPL-2.0
/* early native C start-up (test fixture) */
#include <linux/init.h>

static void __init copy_bootdata(char *real_mode_data)
{
	memcpy(&boot_params, real_mode_data, sizeof(boot_params));
}

asmlinkage __visible void __init x86_64_start_kernel(char *real_mode_data)
{
	cr4_init_shadow();
	reset_early_page_tables();
	clear_bss();
	copy_bootdata(__va(real_mode_data));
	x86_64_start_reservations(real_mode_data);
}

void __init x86_64_start_reservations(char *real_mode_data)
{
	start_kernel();
}
""",
    "arch/x86/xen/enlighten_pv.c": """\
// SPDX-License-Identifier: GPL-2.0
/* the Xen PV C start-up (test fixture) */
#include <linux/init.h>

static void __init xen_setup_gdt(int cpu)
{
	pv_ops.cpu.write_gdt_entry = xen_write_gdt_entry_boot;
}

asmlinkage __visible void __init xen_start_kernel(struct start_info *si)
{
	xen_setup_features();
	pv_ops.cpu = xen_cpu_ops;
	xen_setup_gdt(0);
	clear_bss();
	x86_64_start_reservations((char *)__pa_symbol(&boot_params));
}

static void xen_halt(void)
{
	HYPERVISOR_sched_op(SCHEDOP_shutdown, NULL);
}
""",
    "arch/x86/platform/pvh/enlighten.c": """\
// SPDX-License-Identifier: GPL-2.0
/* the PVH C start-up (test fixture) */
#include <linux/init.h>

void __init xen_prepare_pvh(void)
{
	xen_pvh_init(&pvh_bootparams);
	init_pvh_bootparams(xen_guest);
}
""",
    "arch/x86/kernel/setup.c": """\
// SPDX-License-Identifier: GPL-2.0
/* common early setup (test fixture) */
#include <linux/init.h>

void __init setup_arch(char **cmdline_p)
{
	early_reserve_memory();
	parse_early_param();
}
""",
    "init/main.c": """\
// SPDX-License-Identifier: GPL-2.0
/* the common kernel (test fixture) */
#include <linux/init.h>

asmlinkage __visible void __init start_kernel(void)
{
	setup_arch(&command_line);
	rest_init();
}
""",
    "drivers/misc/widget.c": """\
// SPDX-License-Identifier: GPL-2.0
/* a driver nobody boots through (test fixture) */

int widget_probe(void)
{
	return 0;
}
""",
}


class GitRepo:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.mkdir(parents=True, exist_ok=True)
        if not (self.path / ".git").exists():
            self.git("init", "-q")

    def git(self, *args: str, input: bytes | None = None) -> str:
        proc = subprocess.run(["git", *args], cwd=self.path, input=input, capture_output=True, check=True)
        return proc.stdout.decode("utf-8", "replace")

    def write(self, rel: str, text: str | bytes) -> Path:
        p = self.path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(text if isinstance(text, bytes) else text.encode())
        return p

    def read(self, rel: str) -> str:
        return (self.path / rel).read_text()

    def edit(self, rel: str, old: str, new: str) -> None:
        text = self.read(rel)
        assert old in text, f"anchor {old!r} not in {rel}"
        self.write(rel, text.replace(old, new, 1))

    def write_mini_kernel(self) -> None:
        for rel, text in MINI_KERNEL.items():
            self.write(rel, text)

    def commit(self, subject: str, body: str = "") -> str:
        self.git("add", "-A")
        msg = subject + ("\n\n" + body if body else "")
        self.git("commit", "-q", "-m", msg)
        return self.head()

    def head(self) -> str:
        return self.git("rev-parse", "HEAD").strip()

    def format_patch(self, rev_range: str, outdir: Path, *extra: str) -> list[Path]:
        outdir.mkdir(parents=True, exist_ok=True)
        names = self.git("format-patch", "-o", str(outdir), *extra, rev_range).split()
        return [Path(n) if Path(n).is_absolute() else self.path / n for n in names]

    def mbox(self, rev_range: str, *extra: str) -> bytes:
        return subprocess.run(["git", "format-patch", "--stdout", *extra, rev_range], cwd=self.path,
                              capture_output=True, check=True).stdout
