"""Loader notes as source writes them (ELFNOTE(Xen, XEN_ELFNOTE_ENTRY, _ASM_PTR startup_xen)).

Shared by EL101 and EL103: which notes a patch adds, removes or changes. Each hunk's pre-image
(context and removed lines) and post-image (context and added lines) are read as text, so a note
written over two lines (the macro on one, its value on the next, as Linux writes PHYS32_ENTRY) is
one note, and a note that is only reformatted is no change at all.
"""

from __future__ import annotations

import re
from collections import defaultdict

from linter.marks import HunkMark
from linter.profile import NoteOwner, Profile
from linter.record import record

MAX_NOTE_LINES = 4   # a note macro spans at most this many lines


@record(frozen=True)
class NoteLine:
    owner: str
    type: int | None          # None: a constant the profile does not know
    type_name: str            # "ENTRY", or the constant as written
    value: str                # the rest of the macro, normalised (the value and its encoding)
    mark: HunkMark
    line: int                 # where the note starts (post-image; a removal: where it was)


def _pattern(owner: NoteOwner) -> re.Pattern:
    return re.compile(rf"\b{re.escape(owner.macro)}(?:32|64)?\s*\(\s*{re.escape(owner.owner)}\s*,\s*(\w+)\s*,?(.*)", re.S)


def _statements(lines: list[tuple[int, str]], pat: re.Pattern):
    """(first line number, joined text) of each note macro in these lines, up to its closing ')'."""
    for i, (number, text) in enumerate(lines):
        if not pat.search(text):
            continue
        joined = text
        for _, more in lines[i + 1:i + MAX_NOTE_LINES]:
            if joined.count("(") <= joined.count(")"):
                break
            joined = joined.rstrip().rstrip("\\") + " " + more.strip()
        yield number, joined


def _key(note: NoteLine) -> tuple:
    return note.owner, note.type_name, note.value


def _notes_of(lines, mark, patterns: dict[str, tuple[NoteOwner, re.Pattern]]) -> list[NoteLine]:
    out = []
    for name, (owner, pat) in patterns.items():
        for number, text in _statements(lines, pat):
            m = pat.search(text)
            const = m.group(1)
            typ = int(const, 0) if const[0].isdigit() else owner.type_by_name(const)
            tname = owner.types.get(typ, const) if typ is not None else const
            value = " ".join(m.group(2).strip().removesuffix(";").strip().removesuffix(")").split())
            out.append(NoteLine(name, typ, tname, value, mark, number))
    return out


def _images(mark: HunkMark) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """The hunk's pre-image and post-image lines, numbered by post-image line (a removed line
    takes the number of the post-image line where it was), so every finding has a post-image place."""
    pre, post = [], []
    next_target = mark.hunk.target_start
    for ln in mark.hunk:
        if not (ln.is_added or ln.is_removed or ln.is_context):
            continue  # "\ No newline at end of file"
        text = ln.value.rstrip("\n")
        if not ln.is_removed:
            next_target = ln.target_line_no + 1
            post.append((ln.target_line_no, text))
        if not ln.is_added:
            pre.append((ln.target_line_no if ln.is_context else next_target, text))
    return pre, post


def note_changes(marks: list[HunkMark], profile: Profile):
    """Per patch: (added, removed, changed) notes. A note removed in one place and added unchanged
    in another (a move, a reformat) is neither."""
    patterns = {name: (owner, _pattern(owner)) for name, owner in profile.notes.items()}
    by_patch: dict[int, tuple[list, list]] = defaultdict(lambda: ([], []))
    for mark in marks:
        pre, post = _images(mark)
        before, after = _notes_of(pre, mark, patterns), _notes_of(post, mark, patterns)
        removed, added = by_patch[mark.patch.index]
        after_keys = [_key(n) for n in after]
        before_keys = [_key(n) for n in before]
        removed += [n for n in before if _key(n) not in after_keys]
        added += [n for n in after if _key(n) not in before_keys]
    for removed, added in by_patch.values():
        changed = []
        for a in list(added):
            same = next((r for r in removed if _key(r) == _key(a)), None)
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


def series_note_changes(ctx) -> list:
    """note_changes() of the run's marks, computed once for EL101 and EL103 together."""
    return ctx.shared("note_changes", lambda: list(note_changes(ctx.marks, ctx.profile)))


def note_paths(ctx, note: NoteLine) -> list[str]:
    """The paths whose door this note announces (the profile's announced_by), else the paths
    whose entry code holds it."""
    tag = f"note:{note.owner}:{note.type}"
    return [p.name for p in ctx.profile.paths.values() if tag in p.announced_by] or note.mark.paths
