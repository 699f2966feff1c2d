"""arm64-special-case: a Xen-only branch in setup_arch(), common early boot code on arm64."""

from series.edits import Patch

SETUP = "arch/arm64/kernel/setup.c"

BRANCH = """
	/* e2e fixture: a Xen-only branch in common code */
	if (xen_domain())
		pr_info("e2e: Xen takes its own way here\\n");
"""


def patches(era: str) -> list[Patch]:
    return [Patch(
        "arm64: setup: special-case Xen after efi_init()",
        "setup_arch() is common to every way in; the branch makes Xen's boot differ.",
        lambda t: (t.insert_after(SETUP, "#include <asm/xen/hypervisor.h>\n", "#include <xen/xen.h>\n"),
                   t.insert_after(SETUP, "\tefi_init();\n", BRANCH)),
    )]
