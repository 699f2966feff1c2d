"""i386-balanced: the same step on both 32-bit doors, PVH's i386 entry and the native i386 head.

i386 has no Xen PV (since 5.9) and PVH on i386 joins startup_32: a change to both is balanced. The
x86_64 images do not build either piece (the #else branch of pvh/head.S, head_32.S): nothing there.
"""

from series.edits import Patch

PVH_HEAD = "arch/x86/platform/pvh/head.S"
HEAD_32 = "arch/x86/kernel/head_32.S"
STEP = "\t/* e2e fixture: %fs as the boot data segment */\n\tmovl $(__BOOT_DS), %eax\n\tmovl %eax, %fs\n"


def both(tree) -> None:
    tree.insert_before(PVH_HEAD, "\tcall mk_early_pgtbl_32\n", STEP)
    tree.insert_after(HEAD_32, "\tlgdt pa(boot_gdt_descr)\n", STEP)


def patches(era: str) -> list[Patch]:
    return [Patch("x86/boot/32: load %fs on both 32-bit doors",
                  "The PVH i386 entry and startup_32 set %fs alike.", both)]
