"""harmless-reorder: two adjacent plain calls in setup_arch() swap places, no hook in between.

trim_bios_range() and e820_add_kernel_range() (both static in setup.c) sit between
x86_init.resources.probe_roms() and x86_init.mpparse.find_mptable() (6.12) / find_smp_config()
(6.1). Neither is a slot call, and what they call (e820__range_update/remove/add,
e820__update_table, e820__mapped_all in e820.c) calls through no x86_init, x86_platform, pv_ops,
smp_ops or apic slot: no path sees a hook move, so the hook rules must stay quiet.
"""

from series.edits import Patch

SETUP = "arch/x86/kernel/setup.c"


def patches(era: str) -> list[Patch]:
    return [Patch(
        "x86/setup: Trim the BIOS range before checking the kernel range",
        "Take the BIOS area out of the memory map first, then make sure the kernel image is\n"
        "marked RAM. The two touch disjoint ranges; no boot hook runs between them.",
        lambda t: t.replace(SETUP, "\te820_add_kernel_range();\n\ttrim_bios_range();\n",
                            "\ttrim_bios_range();\n\te820_add_kernel_range();\n"),
    )]
