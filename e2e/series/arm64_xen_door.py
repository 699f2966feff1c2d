"""arm64-xen-door: the first custom Xen entry on arm64 (a global label in the head, then the Xen
ENTRY note that announces it). arm64 has one door; this is what entrylint exists to stop."""

from series.edits import Patch

HEAD = "arch/arm64/kernel/head.S"

ENTRY = """
/* e2e fixture: a Xen-only way in */
SYM_CODE_START(xen_arm64_entry)
	b	primary_entry
SYM_CODE_END(xen_arm64_entry)
"""

NOTE = """
	ELFNOTE(Xen, XEN_ELFNOTE_ENTRY, .quad xen_arm64_entry)
"""


def patches(era: str) -> list[Patch]:
    return [
        Patch("arm64: head: add xen_arm64_entry", "A Xen-only way into the kernel, not announced yet.",
              lambda t: t.insert_after(HEAD, "SYM_CODE_END(primary_entry)\n", ENTRY)),
        Patch("arm64: head: announce xen_arm64_entry to Xen", "A XEN_ELFNOTE_ENTRY note.",
              lambda t: (t.insert_after(HEAD, "#include <linux/pgtable.h>\n",
                                        "#include <linux/elfnote.h>\n#include <xen/interface/elfnote.h>\n"),
                         t.insert_after(HEAD, "SYM_CODE_END(xen_arm64_entry)\n", NOTE))),
    ]
