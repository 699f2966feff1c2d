"""New ELF note that announces an entry point.

What it does: flags a hunk that adds an ELF note a loader uses to find a way into the kernel: a
Xen ENTRY (type 1) or PHYS32_ENTRY (type 18) note, or any note type the profile lists under
`announces_entry`.

Why it matters: every announced entry point is a door with boot code that the other doors never
run. Init work added to one path later goes missing on this one, and boots break months after
the merge. Kernel maintainers have long asked for "no custom entries": a new door needs a
"hey, wait a minute" before it lands.

Example:
    +	ELFNOTE(Xen, XEN_ELFNOTE_PHYS32_ENTRY, .long xen_direct_entry - __START_KERNEL_map)

Instead: enter through an existing door and branch later in common code (PVH enters the native
path at startup_64), or make the case on the list and record it with `Entrylint-Ack: EL101 <reason>`.
"""

from linter.ruleapi import finding
from rules.notes_in_source import note_paths, series_note_changes

ID, NAME, SEVERITY, NEEDS = "EL101", "new-entry-note", "error", frozenset({"diff"})


def check(ctx):
    for added, _removed, _changed in series_note_changes(ctx):
        for note in added:
            owner = ctx.profile.notes[note.owner]
            if note.type not in owner.announces_entry:
                continue
            yield finding(__name__, f"adds a {note.owner} {note.type_name} note ({note.value}): a new entry point "
                          f"announced to the loader, with boot code the other paths never run",
                          mark=note.mark, line=note.line, paths=note_paths(ctx, note),
                          key=f"{note.owner}:{note.type}:{note.value}")
