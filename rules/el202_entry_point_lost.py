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
    from linter.image.doors import entry_file_for

    head, base = ctx.image("head"), ctx.image("base")
    after = {door.key: door for door in head.doors}
    for door in base.doors:
        if not door.resolves:
            continue  # never led to code: nothing to lose
        path = door.path or "unknown"
        new = after.get(door.key)
        if new is not None:
            lost = [a for a in door.announced_by if a not in new.announced_by]
            if not lost:
                continue
            message = f"entry point {door.label} of the {path} path is no longer announced by {', '.join(lost)}"
        else:
            lost = list(door.announced_by)
            message = f"entry point {door.label} of the {path} path is gone from the image"
            moved = [d for d in head.doors if d.path == door.path and set(d.announced_by) & set(door.announced_by)]
            for d in moved:
                announcers = ", ".join(sorted(set(d.announced_by) & set(door.announced_by)))
                if not d.resolves:
                    message = (f"entry point {door.label} of the {path} path no longer resolves to code: "
                               f"{announcers} now points at {d.address:#x} ({d.section or 'outside every section'})")
                else:
                    message += f"; {announcers} now leads to {d.label}"
        source = base.symbols.file_name(door.index)
        yield finding(sys.modules[__name__], message, file=entry_file_for(ctx.profile, door.path, source),
                      paths=[door.path] if door.path else [], symbol=door.label, image="base",
                      evidence=[f"{door.label} at {door.address:#x} in {door.section} (base image)"]
                      + [f"was announced by {a}" for a in door.announced_by],
                      key=f"{path}:{door.label}:{','.join(sorted(lost))}")
