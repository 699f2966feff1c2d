"""hook-move-and-fix: the 2021 move and its fix in one series.

Patch 1 is hook-reorder's move (early_reserve_memory() after e820__memory_setup(), its warning
comment deleted); patch 2 moves the call back before e820__memory_setup() with a comment that
says why, as tip 1c1046581f1a did. Taken as a whole the series changes nothing a path sees: each
patch's EL130 is a note that names the other, and nothing fails.
"""

from series.edits import Patch
from series.hook_reorder import MEMORY_SETUP, SETUP, move

MOVED = "\te820__memory_setup();\n\tearly_reserve_memory();\n"
FIXED = ("\t/* before e820__memory_setup(): on Xen PV dom0 it runs xen_memory_setup(), which needs\n"
         "\t * the early reservations made */\n\tearly_reserve_memory();\n" + MEMORY_SETUP)


def fix(tree) -> None:
    tree.replace(SETUP, MOVED, FIXED)


def patches(era: str) -> list[Patch]:
    return [
        Patch("x86/setup: Consolidate early memory reservations after the memory map",
              "Do the early memblock reservations once the e820 memory map is set up.", move),
        Patch("x86/setup: Call early_reserve_memory() earlier",
              "xen_memory_setup() relies on the early reservations: make them before\n"
              "e820__memory_setup() again, and say so.", fix),
    ]
