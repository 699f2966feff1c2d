"""lose-door: the PVH entry note goes away (the code stays, but no loader can find it)."""

from series.edits import Patch

PVH_HEAD = "arch/x86/platform/pvh/head.S"

NOTE = ("\tELFNOTE(Xen, XEN_ELFNOTE_PHYS32_ENTRY,\n"
        "\t             _ASM_PTR (pvh_start_xen - __START_KERNEL_map))\n")


def patches(era: str) -> list[Patch]:
    return [Patch(
        "x86/pvh: drop the PHYS32_ENTRY note",
        "Without XEN_ELFNOTE_PHYS32_ENTRY no loader can start the kernel through PVH.",
        lambda t: t.delete(PVH_HEAD, NOTE),
    )]
