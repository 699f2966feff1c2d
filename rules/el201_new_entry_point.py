"""New entry point in the image.

What it does: compares the doors of the image built after the series (--image) with those of the
image built before it (--base-image) and flags every door the base lacks: a new code address a
loader is told about (ELF e_entry, a Xen ENTRY or PHYS32_ENTRY note), a new announcement of an
existing address, or a new profile entry symbol (a secondary-CPU or inner-label door).

Why it matters: every door is a way into the kernel that skips the code the other doors run.
The Xen PV and PVH doors each began as "just a small entry point" and grew their own copies of
early set-up; the bugs live in what one door does and another does not.

Example:
    +SYM_CODE_START(startup_xen_kexec)
    +	jmp	startup_xen
    +	ELFNOTE(Xen, XEN_ELFNOTE_ENTRY, _ASM_PTR startup_xen_kexec)
gives: new entry point startup_xen_kexec on the xen-pv path, announced by note:Xen:1.

Instead: reuse an existing door and tell it apart by the boot data it is given, or, if a new
door is the right design, say in the commit message which path it joins and where, and accept
the finding with an "Entrylint-Ack: EL201 <reason>" trailer.
"""

from __future__ import annotations

import sys
from typing import Iterable

from linter.findings import Finding
from linter.ruleapi import finding

ID = "EL201"
NAME = "new-entry-point"
SEVERITY = "error"
NEEDS = frozenset({"image", "base-image"})


def check(ctx) -> Iterable[Finding]:
    from linter.image.sourcefile import profile_file

    head, base = ctx.image("head"), ctx.image("base")
    before = {door.key: door for door in base.doors}
    base_announcers = {a for door in base.doors for a in door.announced_by}
    for door in head.doors:
        old = before.get(door.key)
        new_announcers = [a for a in door.announced_by if old is None or a not in old.announced_by]
        if old is not None and not new_announcers:
            continue
        if not door.resolves and set(door.announced_by) <= base_announcers:
            continue  # an old announcement that now leads nowhere: EL202 reports the loss
        path = door.path or "unknown"
        how = ", ".join(f"{a}={door.announced_at[a]:#x}" for a in door.announced_by) or "profile entry symbol"
        where = f"on the {path} path" if door.path else f"on no path of the {ctx.profile.name} profile"
        if old is None:
            message = (f"new entry point {door.label} {where} ({how}): the base image has no such door")
        else:
            message = f"entry point {door.label} {where} is newly announced by {', '.join(new_announcers)}"
        source = head.symbols.file_name(door.index) if door.resolves else None
        yield finding(sys.modules[__name__], message, file=profile_file(ctx.profile, source, door.path, fallback=True),
                      paths=[door.path] if door.path else [], symbol=door.label, image="head",
                      evidence=[f"{door.label} at {door.address:#x} in {door.section or 'no section'}"]
                      + [f"announced by {a}" for a in door.announced_by],
                      key=f"{path}:{door.label}:{','.join(sorted(new_announcers))}")
