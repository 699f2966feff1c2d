"""A changed function runs before convergence on some entry paths only.

What it does: for every function or asm label the series changes, finds the image functions that
hold its code in the image built with the series (--image): through the DWARF line map of the
touched file when the image has one, else by name (statics told apart by their source file).
It notes when that code runs before convergence on some entry paths and not on the others (a
path that joins another, like PVH joining native at startup_64, runs what that one runs). A
static the compiler inlined has no symbol: its paths are those of the functions it was inlined
into ("inlined into X"); a changed function the image does not hold at all (inlined, with no
DWARF to say where, or not built) gets a note saying so. The evidence is the shortest chain
from a door of a path that runs it. It stays quiet where another rule says more, or there is
nothing to say: a hunk of comments or annotations only, i386 code (the image side reads x86_64 images), code moved verbatim, a door (EL201, EL102), a function newly reached (EL210,
with a base image), and a series that changes the other paths' own code as well (balanced).

Why it matters: a fix to code that only one boot path runs leaves the other paths with the old
behaviour. That may be right (the Xen PV path has its own page-table set-up), but the reviewer
should know which guests the change reaches; the diff alone does not say.

Example: a series changes `copy_bootdata()`; the image gives
    copy_bootdata, changed here, runs before convergence on native, pvh only (not on xen-pv)
and, for a helper gcc inlined into it,
    cmdline_present, changed here, is inlined into copy_bootdata, which runs before convergence
    on native, pvh only (not on xen-pv)

Instead: check whether the counterpart sequence (xen_start_kernel and its helpers for native
code, x86_64_start_kernel's for Xen PV code) needs the same change, and say so in the commit
message; "Entrylint-Ack: EL211 <reason>" accepts the note.
"""

from __future__ import annotations

import sys
from typing import Iterable

from linter.findings import Finding
from linter.record import record
from linter.ruleapi import finding

ID = "EL211"
NAME = "one-path-change"
SEVERITY = "note"
NEEDS = frozenset({"diff", "image"})


def check(ctx) -> Iterable[Finding]:
    from linter.csource import defined_labels
    from linter.image.paths import analysis_of
    from linter.marks import moved_verbatim

    head = ctx.image("head")
    analysis = analysis_of(head, ctx.profile)
    base = analysis_of(ctx.image("base"), ctx.profile) if ctx.base_image_path else None
    added_labels = {n for m in ctx.marks for n, _ in defined_labels([c.text for c in m.added])}
    doors = {door.symbol for door in head.doors} & added_labels   # new doors: EL201's and EL102's
    moved = moved_verbatim(ctx.marks)
    units = [(mark, unit, analysis.runs_on_functions(unit.funcs))
             for mark in ctx.marks if mark.substantive and mark.width == 64 for unit in _changed(head, analysis, mark, moved, doors)]
    changed_on = {p for _, _, on in units for p in on}
    seen = set()
    for mark, unit, on in units:
        if (mark.patch.index, unit.source, unit.holder) in seen:
            continue
        seen.add((mark.patch.index, unit.source, unit.holder))
        if unit.holder is None:
            yield finding(sys.modules[__name__],
                          f"{unit.source}, changed here, is not in the image (inlined or not built): "
                          f"the image cannot tell which entry paths run it",
                          mark=mark, symbol=unit.source, image="head", key=f"{unit.source}:not-in-image")
            continue
        off = [p for p in analysis.paths if p not in on]
        if not on or not off or set(off) <= changed_on:
            continue  # the series changes the other paths' own code too: balanced
        if base is not None and not any(unit.holder in base.reach_names(p) for p in on):
            continue  # newly reached: EL210 reports it as a gap, with its chain
        first = next(p for p in on if any(analysis.paths[p].own[f] for f in unit.funcs))
        search = analysis.paths[first].search
        f = min((f for f in unit.funcs if analysis.paths[first].own[f]), key=lambda f: (int(search.depth[f]), f))
        where = f"is inlined into {unit.holder}, which runs" if unit.inlined else "runs"
        yield finding(sys.modules[__name__],
                      f"{unit.source}, changed here, {where} before convergence on {', '.join(on)} only "
                      f"(not on {', '.join(off)})",
                      mark=mark, paths=on, symbol=unit.source, image="head",
                      evidence=[analysis.chain_text(first, f)],
                      key=f"{unit.source}{'@' + unit.holder if unit.inlined else ''}:{','.join(on)}")


@record(frozen=True)
class Unit:
    """A changed source function, as the image holds it."""

    source: str                 # the function the series changes
    holder: str | None          # the image function holding its code (itself, or where it was
                                # inlined); None: not in the image
    funcs: tuple[int, ...]      # the holder's function indices in the path analysis
    inlined: bool = False


def _changed(model, analysis, mark, moved: set[str], doors: set[str]) -> list[Unit]:
    """The changed functions of one hunk: added lines through the image's line map (DWARF), removed
    lines (pre-image functions) by name."""
    from linter.image.lines import MISSING, functions_for_lines, functions_named
    from linter.image.paths import base_name

    changes = [c for c in mark.changes
               if not (c.function and (c.function in moved or c.function in doors or base_name(c.function) in doors))]
    added = [c for c in changes if c.added]
    hits = functions_for_lines(model, mark.file, [c.line for c in added], [c.function for c in added])
    for c in changes:
        if not c.added and c.function:
            hits += [h for h in functions_named(model, mark.file, c.function, c.line) if h.how != MISSING]
    by_source: dict[str, list] = {}
    for h in hits:
        by_source.setdefault(h.inlined or h.function, []).append(h)
    units = []
    for source, found in by_source.items():
        own = [h for h in found if h.symbol is not None and not h.inlined]
        copies = [h for h in found if h.inlined]
        if copies and not own:  # partly inlined: its own symbol speaks for it, as without DWARF
            own = [h for h in functions_named(model, mark.file, source) if h.symbol is not None and not h.inlined]
        if own:
            units.append(Unit(source, base_name(source), _indices(model, analysis, own)))
        elif copies:
            for holder in dict.fromkeys(h.function for h in copies):
                units.append(Unit(source, holder, _indices(model, analysis, [h for h in copies if h.function == holder]),
                                  inlined=True))
        else:
            units.append(Unit(source, None, ()))
    return units


def _indices(model, analysis, hits) -> tuple[int, ...]:
    found = analysis.funcs.containing([int(model.symbols.value[h.symbol]) for h in hits])
    return tuple(sorted({int(f) for f in found if f >= 0}))
