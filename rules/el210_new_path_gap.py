"""New gap between entry paths in the image.

What it does: compares the images built before (--base-image) and after (--image) the series and
flags every function that now runs before convergence on one entry path and on none of its
counterparts (native vs Xen PV, Xen PV vs native and PVH), when it did not before. The evidence is
the shortest chain from the path's door to the function, with each edge's kind (CALL_REL, a slot
read through pv_ops, a jump through initial_code, ...).

Why it matters: early set-up added to one boot sequence and not the other is how the Xen PV path
fell behind the native one for years: each gap is a feature, fix or mitigation that one kind of
guest silently does not get, and nobody sees it in review because the two sequences live in
different files.

Example: a series adds `early_cpu_quirks_init()` to x86_64_start_kernel(); the head image gives
    early_cpu_quirks_init now runs before convergence on the native path but not on xen-pv
    startup_64 -jump-> common_startup_64 -slot-read-> x86_64_start_kernel -call-> early_cpu_quirks_init

A function that is not work of one path only is dropped, with a note saying why: one the series
calls on a counterpart's sequence too (the compiler inlined it there, so that path's image shows
no call), and an empty one (at most 5 bytes at head: a bare `ret`; whatever calls it does
no work). DWARF's inlined instances are not read for this yet.

Instead: call the new work from code every path runs (after x86_64_start_reservations, or from
start_kernel's early set-up), or add the counterpart call in xen_start_kernel() in the same
series; if the path really must not run it, say why with "Entrylint-Ack: EL210 <reason>".
"""

from __future__ import annotations

import sys
from typing import Iterable

from linter.findings import Finding
from linter.ruleapi import finding

ID = "EL210"
NAME = "new-path-gap"
SEVERITY = "warning"
NEEDS = frozenset({"image", "base-image"})
TINY = 5   # bytes: `ret`, `endbr64; ret`: a function with nothing in it


def check(ctx) -> Iterable[Finding]:
    from linter.image.paths import analysis_of

    head_model = ctx.image("head")
    head = analysis_of(head_model, ctx.profile)
    base = analysis_of(ctx.image("base"), ctx.profile)
    doors = {door.symbol for door in head_model.doors}
    for path in head.paths:
        versus = head.counterparts(path)
        if not versus:
            continue
        before = base.only(path, base.counterparts(path)) if path in base.paths else {}
        for name, node in sorted(head.only(path, versus).items()):
            if name in before or name in doors:
                continue  # an old gap, or a door (new doors are EL201's)
            why = _not_a_gap(ctx, head, name, node, versus)
            if why:
                ctx.notes.append(f"EL210: {name} is no gap of the {path} path: {why}")
                continue
            yield finding(sys.modules[__name__],
                          f"{name} now runs before convergence on the {path} path but not on "
                          f"{' or '.join(versus)}",
                          paths=[path], symbol=name, image="head",
                          evidence=[head.chain_text(path, node)],
                          key=f"{path}:{name}")


def _not_a_gap(ctx, analysis, name: str, node: int, versus: list[str]) -> str | None:
    """Why a function one path reaches is no work of that path only, or None."""
    on = _called_by_series(ctx, name, versus)
    if on:
        return f"the series calls it on {', '.join(on)} too, where the compiler inlined it"
    size = int(analysis.funcs.end[node]) - int(analysis.funcs.start[node])
    if size <= TINY:
        return f"it is {size} bytes long: it does nothing"
    return None


def _called_by_series(ctx, name: str, versus: list[str]) -> list[str]:
    """The paths of `versus` in whose own code the series, as a whole, adds a call to `name`."""
    import re
    from collections import Counter

    call = re.compile(rf"\b{re.escape(name)}\s*\(|\bcall\s+{re.escape(name)}\b")
    net: Counter = Counter()
    for mark in ctx.marks:
        for c in mark.changes:
            if call.search(c.text):
                for q in versus:
                    if q in mark.sequence and c.function in mark.sequence[q]:
                        net[q] += 1 if c.added else -1
    return sorted(q for q, n in net.items() if n > 0)
