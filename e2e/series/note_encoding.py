"""note-encoding: the PHYS32_ENTRY note's value shrinks from _ASM_PTR (8 bytes) to .long (4 bytes).

The door stays where it was; what changes is the encoding a loader reads (an ABI change).
"""

from series.edits import Patch

PVH_HEAD = "arch/x86/platform/pvh/head.S"


def patches(era: str) -> list[Patch]:
    return [Patch(
        "x86/pvh: emit the PHYS32_ENTRY note as a 32-bit value",
        "The entry is a 32-bit physical address: write it with .long.",
        lambda t: t.replace(PVH_HEAD,
                            "\t             _ASM_PTR (pvh_start_xen - __START_KERNEL_map))\n",
                            "\t             .long (pvh_start_xen - __START_KERNEL_map))\n"),
    )]
