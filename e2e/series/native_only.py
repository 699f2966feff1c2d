"""native-only: a new early init step called from x86_64_start_kernel() and nowhere else.

Xen PV enters at xen_start_kernel() and never runs x86_64_start_kernel(): this is the gap the
linter exists to catch (a new native-only function before convergence).
"""

from series.edits import Patch, by_era

HEAD64 = "arch/x86/kernel/head64.c"

STEP = """\
/* e2e fixture: one more early step before the reservations */
int e2e_early_steps __initdata;
void e2e_early_step(void);

void __init noinline e2e_early_step(void)
{
	e2e_early_steps++;
}

"""

CALL = """
	/* e2e fixture: the new early step */
	e2e_early_step();
"""


def start_kernel_line(era: str) -> str:
    return by_era(era, {
        "6.1": "asmlinkage __visible void __init x86_64_start_kernel(char * real_mode_data)\n",
        "6.12": "asmlinkage __visible void __init __noreturn x86_64_start_kernel(char * real_mode_data)\n",
    })


def add_step(tree, era: str) -> None:
    tree.insert_before(HEAD64, start_kernel_line(era), STEP)


def call_step_native(tree) -> None:
    # x86_64_start_reservations() also calls copy_bootdata(): anchor on the line before too.
    tree.insert_after(HEAD64, "\ttdx_early_init();\n\n\tcopy_bootdata(__va(real_mode_data));\n", CALL)


def patches(era: str) -> list[Patch]:
    return [
        Patch("x86/head64: add e2e_early_step()",
              "An early init helper, not called yet.",
              lambda t: add_step(t, era)),
        Patch("x86/head64: run e2e_early_step() on native boot",
              "Called from x86_64_start_kernel() only.",
              call_step_native),
    ]
