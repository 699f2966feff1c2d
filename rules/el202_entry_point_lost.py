"""Entry point lost from the image.

What it does: compares the doors of the image built after the series (--image) with those of the
image built before it (--base-image) and flags every base door that is gone, no longer resolves
to code, or is no longer announced the way it was (its ELF e_entry or Xen note disappeared).

Why it matters: loaders in the field (Xen's domain builder, QEMU's PVH loader, boot loaders,
kexec) still jump to the doors they were told about. A door that moved into data, or whose note
vanished, is a guest that no longer boots, found only when someone boots it that way.

Example:
    -	ELFNOTE(Xen, XEN_ELFNOTE_PHYS32_ENTRY, _ASM_PTR (pvh_start_xen - __START_KERNEL_map))
gives: entry point pvh_start_xen of the pvh path is no longer announced by note:Xen:18.

Instead: keep the door and its announcement, or remove the path on purpose (and say so in the
commit message, with an "Entrylint-Ack: EL202 <reason>" trailer).
"""

from __future__ import annotations

import sys
from typing import Iterable

from linter.findings import Finding
from linter.ruleapi import finding

ID = "EL202"
NAME = "entry-point-lost"
SEVERITY = "error"
NEEDS = frozenset({"image", "base-image"})


def check(ctx) -> Iterable[Finding]:
    from linter.image.sourcefile import profile_file

    head, base = ctx.image("head"), ctx.image("base")
    after = {door.key: door for door in head.doors}
    before = {door.key: door for door in base.doors}
    for door in base.doors:
        if not door.resolves:
            continue  # never led to code: nothing to lose
        path = door.path or "unknown"
        new = after.get(door.key)
        lost = [a for a in door.announced_by if new is None or a not in new.announced_by]
        if new is not None and not lost:
            continue
        if new is None:
            message = f"entry point {door.label} of the {path} path is gone from the image"
        else:
            message = f"entry point {door.label} of the {path} path is no longer announced by {', '.join(lost)}"
        for other in head.doors:  # where the lost announcements lead now, if somewhere new
            was = before.get(other.key)
            moved = ", ".join(a for a in other.announced_by if a in lost and not (was and a in was.announced_by))
            if moved and not other.resolves:
                message += (f"; {moved} now points at {other.address:#x}, which is not code "
                            f"({other.section or 'outside every section'})")
            elif moved:
                message += f"; {moved} now leads to {other.label}"
        source = base.symbols.file_name(door.index)
        yield finding(sys.modules[__name__], message, file=profile_file(ctx.profile, source, door.path, fallback=True),
                      paths=[door.path] if door.path else [], symbol=door.label, image="base",
                      evidence=[f"{door.label} at {door.address:#x} in {door.section} (base image)"]
                      + [f"was announced by {a}" for a in door.announced_by],
                      key=f"{path}:{door.label}:{','.join(sorted(lost))}")
