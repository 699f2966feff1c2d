"""A changed function runs before convergence on some entry paths only.

What it does: for every function or asm label the series changes, looks it up in the image built
with the series (--image) and notes when it runs before convergence on some entry paths and not
on the others (a path that joins another, like PVH joining native at startup_64, runs what that
one runs). The evidence is the shortest chain from a door of a path that runs it.

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

    analysis = analysis_of(ctx.image("head"), ctx.profile)
    seen = set()
    for mark in ctx.marks:
        for function in mark.functions:
            name = base_name(function)
            if (mark.patch.index, name) in seen:
                continue
            seen.add((mark.patch.index, name))
            on = analysis.runs_on(name)
            off = [p for p in analysis.paths if p not in on]
            if not on or not off:
                continue
            first = next(p for p in on if name in analysis.reach_names(p))
            chain = analysis.chain(first, analysis.reach_names(first)[name])
            yield finding(sys.modules[__name__],
                          f"{name}, changed here, runs before convergence on {', '.join(on)} only "
                          f"(not on {', '.join(off)})",
                          mark=mark, paths=on, symbol=name, image="head",
                          evidence=[chain[0][0]] + [f"-{kind}-> {fn}" for fn, kind in chain[1:]],
                          key=f"{name}:{','.join(on)}")
