"""A changed function runs before convergence on some entry paths only.

What it does: for every function or asm label the series changes, looks it up in the image built
with the series (--image) and notes when it runs before convergence on some entry paths and not
on the others (a path that joins another, like PVH joining native at startup_64, runs what that
one runs). The evidence is the shortest chain from a door of a path that runs it. It stays quiet
where another rule says more, or there is nothing to say: code moved verbatim, a door (EL201,
EL102), a function newly reached (EL210, with a base image), and a series that changes the other
paths' own code as well (balanced).

Why it matters: a fix to code that only one boot path runs leaves the other paths with the old
behaviour. That may be right (the Xen PV path has its own page-table set-up), but the reviewer
should know which guests the change reaches; the diff alone does not say.

Example: a series changes `copy_bootdata()`; the image gives
    copy_bootdata, changed here, runs before convergence on native, pvh only (not on xen-pv)

Instead: check whether the counterpart sequence (xen_start_kernel and its helpers for native
code, x86_64_start_kernel's for Xen PV code) needs the same change, and say so in the commit
message; "Entrylint-Ack: EL211 <reason>" accepts the note.
"""

from __future__ import annotations

import sys
from typing import Iterable

from linter.findings import Finding
from linter.ruleapi import finding

ID = "EL211"
NAME = "one-path-change"
SEVERITY = "note"
NEEDS = frozenset({"diff", "image"})


def check(ctx) -> Iterable[Finding]:
    from linter.image.paths import analysis_of, base_name
    from linter.marks import moved_verbatim

    head = ctx.image("head")
    analysis = analysis_of(head, ctx.profile)
    base = analysis_of(ctx.image("base"), ctx.profile) if ctx.base_image_path else None
    from linter.csource import defined_labels

    added_labels = {n for m in ctx.marks for n, _ in defined_labels([c.text for c in m.added])}
    doors = {door.symbol for door in head.doors} & added_labels   # new doors: EL201's and EL102's
    moved = moved_verbatim(ctx.marks)
    changed = {base_name(f) for m in ctx.marks for f in m.functions if f not in moved and f not in doors}
    changed_on = {p for f in changed for p in analysis.runs_on(f)}
    seen = set()
    for mark in ctx.marks:
        for function in mark.functions:
            name = base_name(function)
            if (mark.patch.index, name) in seen or function in moved or name in doors:
                continue  # a verbatim move is no new work; a door is EL201's and EL102's
            seen.add((mark.patch.index, name))
            on = analysis.runs_on(name)
            off = [p for p in analysis.paths if p not in on]
            if not on or not off or set(off) <= changed_on:
                continue  # the series changes the other paths' own code too: balanced
            if base is not None and not any(name in base.reach_names(p) for p in on):
                continue  # newly reached: EL210 reports it as a gap, with its chain
            first = next(p for p in on if name in analysis.reach_names(p))
            chain = analysis.chain(first, analysis.reach_names(first)[name])
            yield finding(sys.modules[__name__],
                          f"{name}, changed here, runs before convergence on {', '.join(on)} only "
                          f"(not on {', '.join(off)})",
                          mark=mark, paths=on, symbol=name, image="head",
                          evidence=[chain[0][0]] + [f"-{kind}-> {fn}" for fn, kind in chain[1:]],
                          key=f"{name}:{','.join(on)}")
