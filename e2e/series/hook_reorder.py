"""hook-reorder: the 2021 move (a799c2bd29d1) re-enacted in each era's setup_arch().

early_reserve_memory() leaves its place before e820__memory_setup() (with the comment that says
why it must stay there) and is called right after it. e820__memory_setup() calls the slot
x86_init.resources.memory_setup, which Xen PV points at xen_memory_setup(): on PV dom0 that hook
now runs before the early memblock reservations it relies on (PV dom0 stopped booting; tip
1c1046581f1a moved the call back). Native and PVH keep the default and see no change.
"""

from series.edits import Patch

SETUP = "arch/x86/kernel/setup.c"

# The comment block above the call, from its first line to the call itself (same text in both
# eras); only the anchors are stored, the cut text is dropped.
COMMENT_START = "\t/*\n\t * Do some memory reservations *before* memory is added to memblock, so\n"
CALL = "\tearly_reserve_memory();\n\n"
MEMORY_SETUP = "\te820__memory_setup();\n"


def move(tree) -> None:
    tree.cut(SETUP, COMMENT_START, CALL)
    tree.insert_after(SETUP, MEMORY_SETUP, "\tearly_reserve_memory();\n")


def patches(era: str) -> list[Patch]:
    return [Patch(
        "x86/setup: Consolidate early memory reservations after the memory map",
        "Do the early memblock reservations once the e820 memory map is set up, next to the\n"
        "other users of the map, instead of before it.",
        move,
    )]
