"""add-door: a second Xen PV entry point (code, then the ELF note that announces it)."""

from series.edits import Patch, by_era

XEN_HEAD = "arch/x86/xen/xen-head.S"


def new_entry(era: str) -> str:
    hint = by_era(era, {"6.1": "UNWIND_HINT_EMPTY", "6.12": "UNWIND_HINT_END_OF_STACK"})
    return f"""
/* e2e fixture: a second way in for Xen PV */
SYM_CODE_START(startup_xen_e2e)
	{hint}
	ANNOTATE_NOENDBR
	jmp startup_xen
SYM_CODE_END(startup_xen_e2e)
"""


NOTE = "\tELFNOTE(Xen, XEN_ELFNOTE_ENTRY,          _ASM_PTR startup_xen_e2e)\n"


def patches(era: str) -> list[Patch]:
    return [
        Patch("x86/xen: add startup_xen_e2e", "A second Xen PV entry, not announced yet.",
              lambda t: t.insert_after(XEN_HEAD, "SYM_CODE_END(startup_xen)\n", new_entry(era))),
        Patch("x86/xen: announce startup_xen_e2e to the loader",
              "A second XEN_ELFNOTE_ENTRY note.",
              lambda t: t.insert_after(
                  XEN_HEAD, "\tELFNOTE(Xen, XEN_ELFNOTE_ENTRY,          _ASM_PTR startup_xen)\n", NOTE)),
    ]
