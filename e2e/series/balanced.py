"""balanced: the native-only step, called from both x86_64_start_kernel() and xen_start_kernel()."""

from series.edits import Patch
from series.native_only import add_step, call_step_native

ENLIGHTEN_PV = "arch/x86/xen/enlighten_pv.c"

# Declared locally so that no header changes (a header edit would rebuild most of the tree).
DECLARATION = "\nvoid e2e_early_step(void);\n"

CALL = """
	/* e2e fixture: the same early step as x86_64_start_kernel() */
	e2e_early_step();
"""


def call_step_xen(tree) -> None:
    tree.insert_after(ENLIGHTEN_PV, '#include "xen-ops.h"\n', DECLARATION)
    tree.insert_after(ENLIGHTEN_PV, "\txen_efi_init(&boot_params);\n", CALL)


def patches(era: str) -> list[Patch]:
    return [
        Patch("x86/head64: add e2e_early_step()", "An early init helper, not called yet.",
              lambda t: add_step(t, era)),
        Patch("x86/head64: run e2e_early_step() on native boot",
              "Called from x86_64_start_kernel().", call_step_native),
        Patch("x86/xen: run e2e_early_step() on Xen PV boot too",
              "xen_start_kernel() skips x86_64_start_kernel(): call the step there as well.",
              call_step_xen),
    ]
