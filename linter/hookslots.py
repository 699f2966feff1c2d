"""What the hook rules (EL130, EL131, EL132) read of a run: the common boot functions a series
changes with their call sequences before and after, the assignments its hunks add and remove, and
the words that say which path runs what in a slot."""

from __future__ import annotations

from collections import Counter
from typing import Iterator

from linter.marks import COMMENT_ONLY
from linter.hooksource import SequenceItem, assignments, defined_functions, sequence, window_sequence
from linter.record import field, record


def changed_common_functions(ctx) -> Iterator[tuple[object, str, list[SequenceItem], list[SequenceItem]]]:
    """(first mark, function, calls before, calls after) for each function of a common boot file
    that a patch changes in code (not only comments), once per patch. With no file version at hand
    (patch files outside a tree), the hunk's own window stands for the function."""
    hooks, tables = ctx.profile.hooks, tuple(ctx.profile.hooks.tables)
    seen = set()
    parsed: dict[int, tuple] = {}       # id(file version's lines) → defined_functions(), once each
    moving = _files_that_move_calls(ctx)
    for mark in ctx.marks:
        if not hooks.is_common_file(mark.file) or not mark.substantive or (mark.patch.index, mark.file) not in moving:
            continue
        pre_lines, post_lines = ctx.file_versions(mark)
        for function in mark.functions:
            if (mark.patch.index, mark.file, function) in seen:
                continue
            seen.add((mark.patch.index, mark.file, function))
            if pre_lines is None or post_lines is None:
                yield mark, function, *_window(mark.hunk, tables)
                continue
            for lines in (pre_lines, post_lines):
                if id(lines) not in parsed:
                    parsed[id(lines)] = defined_functions(lines)
            pre, post = (sequence(parsed[id(lines)], function, tables) for lines in (pre_lines, post_lines))
            if pre is not None and post is not None:    # (a new or a deleted function moves nothing)
                yield mark, function, pre, post


def _files_that_move_calls(ctx) -> set[tuple[int, str]]:
    """(patch, file) where the patch both removes and adds a line with a call: only there can a call
    have changed sides (a call only added or only removed moves nothing), so only there is a file
    read whole."""
    sides: dict[tuple[int, str], set[bool]] = {}
    for mark in ctx.marks:
        for c in mark.changes:
            if "(" in c.text and not COMMENT_ONLY.match(c.text):
                sides.setdefault((mark.patch.index, mark.file), set()).add(c.added)
    return {key for key, seen in sides.items() if len(seen) == 2}


def _window(hunk, tables) -> tuple[list[SequenceItem], list[SequenceItem]]:
    before = [(ln.source_line_no, ln.value.rstrip("\n")) for ln in hunk if ln.is_context or ln.is_removed]
    after = [(ln.target_line_no, ln.value.rstrip("\n")) for ln in hunk if ln.is_context or ln.is_added]
    return window_sequence(before, tables), window_sequence(after, tables)


def slot_words(hook: str, slot: str) -> str:
    return "" if hook == slot else f", which calls {slot}"


def who_runs_what(profile, hm, slot: str) -> tuple[str, list[str]]:
    """("xen-pv runs xen_memory_setup there; native runs e820__memory_setup_default", paths). The
    paths that override nothing there and join no other path stand for the default."""
    overs = hm.overriders(slot)
    own = {o.path for o in overs}
    parts = [f"{o.path} runs {o.value} there" for o in overs]
    rest = _default_runners(profile, own, hm.overrides)
    default = hm.default(slot)
    if rest:
        parts.append(f"{', '.join(rest)} run{'s' if len(rest) == 1 else ''} {default or 'the native default'}")
    return "; ".join(parts), sorted(own | set(rest))


def _default_runners(profile, own: set[str], overriding) -> list[str]:
    """The paths that run a slot's default: every path that does not override it, except one that
    joins another and overrides nothing at all (the EFI stub is the native path by then)."""
    return [p for p, path in profile.paths.items() if p not in own and (not path.joins or overriding.get(p))]


def changed_assignments(ctx, mark) -> tuple[list, list]:
    """(removed, added) hook-table assignments of a hunk, each with the function it sits in."""
    tables = tuple(ctx.profile.hooks.tables)
    out = []
    for added in (False, True):
        lines = [c for c in mark.changes if c.added == added]
        found = assignments([c.text for c in lines], [], tables)
        out.append([(a, lines[a.line - 1]) for a in found])
    return out[0], out[1]


def image_hook_maps(ctx):
    """(base, head) image hook maps (linter.image.hookmap) when --base-image and --image are both
    given, else None; slots DWARF does not name get the member paths of the source's assignments."""
    if not (ctx.image_path and ctx.base_image_path):
        return None

    def build():
        from linter.image.hookmap import image_hook_map

        hm = ctx.hook_map()
        written = [(o.slot.split(".", 1)[0], o.slot, o.value) for slots in (hm.overrides.values() if hm else ())
                   for o in slots.values()]
        return tuple(image_hook_map(ctx.image(which), ctx.profile, assignments=written or None)
                     for which in ("base", "head"))
    return ctx.shared("image-hook-maps", build)


def image_who_runs_what(profile, image_map, slot: str) -> tuple[str, list[str]]:
    """who_runs_what() from an image's slot writes."""
    overs = image_map.overriders(slot)
    own = {o.path for o in overs}
    parts = [f"{o.path} runs {o.new or 'a function it computes'} there" for o in overs]
    rest = _default_runners(profile, own, image_map.overrides)
    default = next((o.default for o in overs if o.default), None)
    if rest:
        parts.append(f"{', '.join(rest)} run{'s' if len(rest) == 1 else ''} {default or 'the native default'}")
    return "; ".join(parts), sorted(own | set(rest))


@record
class OverrideChange:
    """What a series does to one path's override of one slot."""

    path: str
    slot: str
    old: str | None          # the value(s) before, joined; None: no override before
    new: str | None          # after; None: no override after
    writer: str | None
    mark: object
    line: int
    evidence: list[str] = field(default_factory=list)

    def message(self, hm, profile) -> str:
        default = hm.default(self.slot) if hm is not None else None
        others = _default_runners(profile, {o.path for o in hm.overriders(self.slot)} | {self.path}, hm.overrides) \
            if hm is not None else []
        there = f": {', '.join(others)} run{'s' if len(others) == 1 else ''} {default} there" if default and others else ""
        where = f" in {self.writer}" if self.writer else ""
        if self.old is None:
            return f"{self.path} now overrides {self.slot} with {self.new}{where}{there}"
        if self.new is None:
            return (f"{self.path} no longer overrides {self.slot} (it wrote {self.old}{where}): it now runs "
                    f"{default or 'the native default'} there, as native does")
        return f"{self.path}'s override of {self.slot} changes from {self.old} to {self.new}{where}{there}"


def override_changes(ctx, hm) -> list[OverrideChange]:
    """Per path and slot, how the series changes its overrides (from the hunks of the paths' own
    files, against the base revision's assignments); computed once per run."""
    return ctx.shared("override-changes", lambda: _override_changes(ctx, hm))


def _override_changes(ctx, hm) -> list[OverrideChange]:
    hooks = ctx.profile.hooks
    before: dict[str, Counter] = {p: Counter(v) for p, v in (hm.written.items() if hm else ())}
    after = {p: Counter(c) for p, c in before.items()}
    where: dict[tuple[str, str], tuple] = {}
    for mark in ctx.marks:
        if not hooks.is_override_file(mark.file):
            continue
        removed, added = changed_assignments(ctx, mark)
        for side, found in ((False, removed), (True, added)):
            for a, line in found:
                for path in hooks.override_paths(mark.file, line.function):
                    pair = (a.slot, a.value)
                    if side:
                        after.setdefault(path, Counter())[pair] += 1
                    else:
                        before.setdefault(path, Counter())
                        if hm is None:
                            before[path][pair] += 1        # no tree: the hunk's own lines are the base
                        after.setdefault(path, Counter(before[path]))
                        after[path][pair] -= 1
                    where.setdefault((path, a.slot), (mark, line.line, line.function, []))[3].append(
                        f"{mark.file}:{line.line}: {'+' if side else '-'} {line.text.strip()}")
    out = []
    for (path, slot), (mark, line, writer, evidence) in where.items():
        old = sorted({v for (s, v), n in before.get(path, {}).items() if s == slot and n > 0})
        new = sorted({v for (s, v), n in after.get(path, {}).items() if s == slot and n > 0})
        if old != new:
            out.append(OverrideChange(path, slot, ", ".join(old) or None, ", ".join(new) or None, writer,
                                      mark, line, evidence))
    return out
