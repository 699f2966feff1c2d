"""ELF note a loader reads: added, removed, or changed.

What it does: flags any change to an ELF note that a boot loader or hypervisor reads (every note
of an owner the profile lists, e.g. all Xen notes): a note added (entry notes are EL101's), a note
removed, or a note whose value or encoding changes (`_ASM_PTR` to `.long`, a new feature string).

Why it matters: these notes are an ABI with software outside the kernel. Xen's domain builder
reads them to place and enter the guest; a changed value or width breaks boots on hypervisors the
patch author never tried, and a removed entry note closes a door that guests still use.

Example:
    -	ELFNOTE(Xen, XEN_ELFNOTE_PHYS32_ENTRY, _ASM_PTR (pvh_start_xen - __START_KERNEL_map))
    +	ELFNOTE(Xen, XEN_ELFNOTE_PHYS32_ENTRY, .long (pvh_start_xen - __START_KERNEL_map))

Instead: keep loader-visible notes stable; when a change is needed, say which hypervisor versions
were tried, and record it with `Entrylint-Ack: EL103 <reason>`.
"""

from linter.ruleapi import finding
from rules.notes_in_source import note_paths, series_note_changes

ID, NAME, SEVERITY, NEEDS = "EL103", "loader-note-changed", "warning", frozenset({"diff"})


def check(ctx):
    for added, removed, changed in series_note_changes(ctx):
        for note in added:
            if note.type in ctx.profile.notes[note.owner].announces_entry:
                continue  # EL101 reports new doors
            yield finding(__name__, f"adds a {note.owner} {note.type_name} note ({note.value}): loaders read it, "
                          f"so its value becomes an interface with every hypervisor version",
                          mark=note.mark, line=note.line, paths=note_paths(ctx, note),
                          key=f"add:{note.owner}:{note.type_name}:{note.value}")
        for note in removed:
            door = note.type in ctx.profile.notes[note.owner].announces_entry
            why = "a loader can no longer find this entry point" if door else "loaders that read it lose it"
            yield finding(__name__, f"removes the {note.owner} {note.type_name} note ({note.value}): {why}",
                          mark=note.mark, line=note.line, paths=note_paths(ctx, note),
                          key=f"remove:{note.owner}:{note.type_name}:{note.value}")
        for old, new in changed:
            yield finding(__name__, f"changes the {new.owner} {new.type_name} note from ({old.value}) to "
                          f"({new.value}): loaders read its value and encoding",
                          mark=new.mark, line=new.line, paths=note_paths(ctx, new),
                          key=f"change:{new.owner}:{new.type_name}:{old.value}:{new.value}")
