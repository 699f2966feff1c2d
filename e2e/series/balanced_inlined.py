"""balanced-inlined: a small helper called from both x86_64_start_kernel() and xen_start_kernel().

Unlike `balanced`, the helper is no `noinline`: gcc may inline it into x86_64_start_kernel() (same
file) and call it from xen_start_kernel(), so one image shows a call edge on the PV path only.
The source says both paths run it: no gap (EL210 drops it with a note), no one-sided change.
"""

from series.balanced import DECLARATION, ENLIGHTEN_PV
from series.edits import Patch
from series.native_only import HEAD64, start_kernel_line

HELPER = """\
/* e2e fixture: a small step both boot paths make */
int e2e_marks __initdata;
void e2e_early_step(void);

void __init e2e_early_step(void)
{
	e2e_marks++;
}

"""
CALL = "\n\t/* e2e fixture: the small step */\n\te2e_early_step();\n"


def both(tree, era: str) -> None:
    tree.insert_before(HEAD64, start_kernel_line(era), HELPER)
    tree.insert_after(HEAD64, "\ttdx_early_init();\n\n\tcopy_bootdata(__va(real_mode_data));\n", CALL)
    tree.insert_after(ENLIGHTEN_PV, '#include "xen-ops.h"\n', DECLARATION)
    tree.insert_after(ENLIGHTEN_PV, "\txen_efi_init(&boot_params);\n", CALL)


def patches(era: str) -> list[Patch]:
    return [Patch("x86/boot: count the early steps on both paths",
                  "x86_64_start_kernel() and xen_start_kernel() both take the small step.",
                  lambda t: both(t, era))]
