"""native-head: an instruction added where the boot and secondary CPUs meet in head_64.S.

The label differs by era: 6.1 has secondary_startup_64_no_verify, 6.12 common_startup_64.
"""

from series.edits import Patch, by_era

HEAD_64 = "arch/x86/kernel/head_64.S"

NOP = "\n\t/* e2e fixture: one more instruction on the native head */\n\tnop\n"


def patches(era: str) -> list[Patch]:
    anchor = by_era(era, {
        "6.1": "SYM_INNER_LABEL(secondary_startup_64_no_verify, SYM_L_GLOBAL)\n"
               "\tUNWIND_HINT_EMPTY\n\tANNOTATE_NOENDBR\n",
        "6.12": "SYM_INNER_LABEL(common_startup_64, SYM_L_LOCAL)\n"
                "\tUNWIND_HINT_END_OF_STACK\n\tANNOTATE_NOENDBR\n",
    })
    return [Patch(
        "x86/head_64: add a nop where the CPUs' start-up code meets",
        "Native head code (the PVH path runs it too, after startup_64); Xen PV never does.",
        lambda t: t.insert_after(HEAD_64, anchor, NOP),
    )]
