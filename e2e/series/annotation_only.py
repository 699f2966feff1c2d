"""annotation-only: startup_xen's objtool annotations in the other order, and a comment on `cld`.

Nothing runs differently: EL100 says "changes only annotations", and no warning fires.
"""

from series.edits import Patch, by_era

XEN_HEAD = "arch/x86/xen/xen-head.S"


def reorder(tree, era: str) -> None:
    hint = by_era(era, {"6.1": "UNWIND_HINT_EMPTY", "6.12": "UNWIND_HINT_END_OF_STACK"})
    tree.replace(XEN_HEAD, f"SYM_CODE_START(startup_xen)\n\t{hint}\n\tANNOTATE_NOENDBR\n\tcld\n",
                 f"SYM_CODE_START(startup_xen)\n\tANNOTATE_NOENDBR\n\t{hint}\n\tcld\t\t/* string ops count up */\n")


def patches(era: str) -> list[Patch]:
    return [Patch("x86/xen: annotations of startup_xen in objtool's order",
                  "No code change.", lambda t: reorder(t, era))]
