"""refactor: move mem_map_via_hcall() (PVH entry code) from enlighten_pvh.c to enlighten.c.

The function's code does not change: the image's paths must not change either.
"""

from series.edits import Patch

FROM = "arch/x86/xen/enlighten_pvh.c"
TO = "arch/x86/xen/enlighten.c"

INCLUDES = "#include <xen/hvc-console.h>\n#include <xen/interface/memory.h>\n"


def move(tree) -> None:
    # The cut starts at the blank line before the function so that none is left behind.
    body = tree.cut(FROM, "\nvoid __init mem_map_via_hcall(struct boot_params *boot_params_p)\n",
                    "\tboot_params_p->e820_entries = memmap.nr_entries;\n}\n")
    tree.insert_after(TO, "#include <xen/page.h>\n", INCLUDES)
    tree.append(TO, "\n#ifdef CONFIG_XEN_PVH\n" + body.lstrip("\n") + "#endif\n")


def patches(era: str) -> list[Patch]:
    return [Patch(
        "x86/xen: move mem_map_via_hcall() to enlighten.c",
        "No functional change: the PVH memory map helper moves next to the common Xen code.",
        move,
    )]
