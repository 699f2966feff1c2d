"""A change to a function that one path installs in a hook slot, or to a default a path replaces.

What it does: for every function the series changes in code, looks it up in the hook map (read at
the base revision): when some path writes it into a hook slot (xen_memory_setup into
x86_init.resources.memory_setup), the note says it runs instead of the native default on that path
only; when it is the native default of a slot some path overrides (e820__memory_setup_default),
the note names the paths that never run it. One note per function and commit. Functions in files
the profile does not watch are not looked at.

Why it matters: an override runs long after the paths converged, called from common code, so its
file and name do not say that only one path runs it. A reviewer of a change to xen_memory_setup
should know native never runs it, and a reviewer of a change to a native default should know
which guests will not get it.

Example: a series changes xen_memory_setup() in arch/x86/xen/setup.c:
    xen_memory_setup runs instead of e820__memory_setup_default on xen-pv
    (x86_init.resources.memory_setup, written by xen_start_kernel): no other path runs this change

Instead: nothing to do when the change is meant for that path only; otherwise make the same change
in the other paths' function for the slot (or in the default), and say so in the commit message.
"""

from __future__ import annotations

import sys

from linter.ruleapi import finding

ID, NAME, SEVERITY, NEEDS = "EL132", "hooked-function-changed", "note", frozenset({"diff"})


def check(ctx):
    hm = ctx.hook_map()
    if hm is None:
        return
    seen = set()
    for mark in ctx.marks:
        if not mark.substantive:
            continue
        for function in mark.functions:
            if (mark.patch.index, function) in seen:
                continue
            seen.add((mark.patch.index, function))
            message, paths = _words(ctx, hm, function)
            if message:
                yield finding(sys.modules[__name__], message, mark=mark, paths=paths, key=function)


def _words(ctx, hm, function: str) -> tuple[str | None, list[str]]:
    installed = hm.installed_as(function)
    if installed:
        o = installed[0]
        default = hm.default(o.slot)
        instead = f" instead of {default}" if default else ""
        paths = sorted({i.path for i in installed})
        return (f"{function} runs{instead} on {', '.join(paths)} only ({o.slot}, written by "
                f"{o.writer or o.file}): no other path runs this change", paths)
    slots = hm.default_of(function)
    if slots:
        overs = hm.overriders(slots[0])
        by = "; ".join(f"{o.path} replaces it with {o.value}" for o in overs)
        return (f"{function} is the native {slots[0]}: {by}, so this change never runs there",
                sorted({o.path for o in overs}))
    return None, []
