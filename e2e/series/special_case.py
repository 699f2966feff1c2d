"""special-case: a new xen_pv_domain() branch in common early boot code (setup_arch())."""

from series.edits import Patch

SETUP = "arch/x86/kernel/setup.c"

BRANCH = """
	/* e2e fixture: a path-specific branch in common code */
	if (xen_pv_domain())
		pr_info("e2e: Xen PV takes its own way here\\n");
"""


def patches(era: str) -> list[Patch]:
    return [Patch(
        "x86/setup: special-case Xen PV after the early parameters",
        "setup_arch() is common to every path; the branch makes it path-specific.",
        lambda t: t.insert_after(SETUP, "\tparse_early_param();\n", BRANCH),
    )]
