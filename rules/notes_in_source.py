"""Loader notes as source writes them (ELFNOTE(Xen, XEN_ELFNOTE_ENTRY, _ASM_PTR startup_xen)).

Shared by EL101 and EL103: which notes a patch adds, removes or changes, read from its hunks.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from linter.marks import ChangedLine, HunkMark
from linter.profile import NoteOwner, Profile


@dataclass(frozen=True)
class NoteLine:
    owner: str
    type: int | None          # None: a constant the profile does not know
    type_name: str            # "ENTRY", or the constant as written
    value: str                # the rest of the macro, normalised (the value and its encoding)
    mark: HunkMark
    change: ChangedLine


def _pattern(owner: NoteOwner) -> re.Pattern:
    return re.compile(rf"\b{re.escape(owner.macro)}(?:32|64)?\s*\(\s*{re.escape(owner.owner)}\s*,\s*(\w+)\s*,?(.*)\)")


def note_lines(marks: list[HunkMark], profile: Profile) -> list[NoteLine]:
    out = []
    patterns = {name: _pattern(owner) for name, owner in profile.notes.items()}
    for mark in marks:
        for change in mark.changes:
            for name, pat in patterns.items():
                m = pat.search(change.text)
                if not m:
                    continue
                owner = profile.notes[name]
                const = m.group(1)
                typ = int(const, 0) if const[0].isdigit() else owner.type_by_name(const)
                tname = owner.types.get(typ, const) if typ is not None else const
                out.append(NoteLine(name, typ, tname, " ".join(m.group(2).split()), mark, change))
    return out


def note_changes(marks: list[HunkMark], profile: Profile):
    """Per patch: (added, removed, changed) notes, matching additions with removals of the same type.

    A note removed in one file and added unchanged in another is a move: neither added nor removed.
    """
    by_patch: dict[int, list[NoteLine]] = defaultdict(list)
    for note in note_lines(marks, profile):
        by_patch[note.mark.patch.index].append(note)
    for notes in by_patch.values():
        added = [n for n in notes if n.change.added]
        removed = [n for n in notes if not n.change.added]
        changed = []
        for a in list(added):
            same = next((r for r in removed if (r.owner, r.type_name, r.value) == (a.owner, a.type_name, a.value)), None)
            if same is not None:
                added.remove(a)
                removed.remove(same)
                continue
            old = next((r for r in removed if (r.owner, r.type_name) == (a.owner, a.type_name)), None)
            if old is not None:
                added.remove(a)
                removed.remove(old)
                changed.append((old, a))
        yield added, removed, changed
