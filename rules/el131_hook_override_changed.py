"""A path overrides a hook slot it did not, stops overriding one, or points it elsewhere.

What it does: reads the assignments to hook tables (`x86_init.resources.memory_setup =
xen_memory_setup;`, `pv_ops.cpu = xen_cpu_ops;`) that the series adds to and removes from a path's
own code (the profile's hooks.overrides: arch/x86/xen/*.c for Xen PV and PVH) and compares what each
path overrides before and after, against the hook map at the base revision. An assignment moved
within the path's code changes nothing and stays quiet. With --base-image and --image it compares
the slot writes each path's code makes in the two images as well, and reports what the source
did not show (a write the compiler made from a helper, a struct copy). The message names the slot,
its native default and the new value.

Why it matters: an override is a door in disguise: from the moment the path's early code writes
the slot, common code runs the path's function where every other path runs the default, long after
the paths converged. A new override is new code one path runs and the others never do; a lost one
puts a path back on a default its early code may not have prepared for.

Example: a series adds `x86_init.resources.dmi_setup = x86_init_noop;` to xen_start_kernel:
    xen-pv now overrides x86_init.resources.dmi_setup with x86_init_noop in xen_start_kernel:
    native runs dmi_setup there

Instead: prefer making the common code right for every path; when an override is the right tool,
say in the commit message what the default does that the path must not do, and accept with
"Entrylint-Ack: EL131 <reason>".
"""

from __future__ import annotations

import sys

from linter.ruleapi import finding

ID, NAME, SEVERITY, NEEDS = "EL131", "hook-override-changed", "warning", frozenset({"diff"})


def check(ctx):
    from linter.hookslots import override_changes

    hm = ctx.hook_map()
    changes = override_changes(ctx, hm)
    for change in changes:
        yield finding(sys.modules[__name__], change.message(hm, ctx.profile), mark=change.mark, line=change.line,
                      paths=[change.path], key=f"{change.path}|{change.slot}|{change.old}|{change.new}",
                      evidence=change.evidence)
    yield from _image_changes(ctx, changes)


def _image_changes(ctx, changes):
    from linter.hookslots import image_hook_maps

    maps = image_hook_maps(ctx)
    if maps is None:
        return
    base, head = maps
    reported = {(c.path, c.slot) for c in changes}
    values = {(c.path, v) for c in changes for v in (c.new or "").split(", ") + (c.old or "").split(", ")}
    for path in sorted(set(base.overrides) | set(head.overrides)):
        before = {o.slot: o for o in base.overrides.get(path, [])}
        after = {o.slot: o for o in head.overrides.get(path, [])}
        for slot in sorted(set(before) | set(after)):
            old, new = before.get(slot), after.get(slot)
            if (old and new and old.new == new.new) or (path, slot) in reported:
                continue
            if (path, (new or old).new) in values:
                continue   # the source side said it, by the member's name
            o = new or old
            if new and not old:
                text = f"{path} now overrides {slot} with {new.new} in {new.writer} (image)"
            elif old and not new:
                text = f"{path} no longer overrides {slot} (it wrote {old.new} from {old.writer}) (image)"
            else:
                text = f"{path}'s override of {slot} changes from {old.new} to {new.new} (image)"
            yield finding(sys.modules[__name__], f"{text}: {o.default or 'the default'} runs there on the other paths",
                          paths=[path], symbol=o.writer, image="head" if new else "base",
                          key=f"{path}|{slot}|image")
