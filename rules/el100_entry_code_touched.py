"""Entry code touched.

What it does: marks every hunk that changes entry code, naming the entry path(s) whose code it is
and the function or assembler label it changes. It is the mark itself, visible in every output.
It also says when an entry file is renamed to a name the profile does not know, since later
changes there would go unmarked.

Why it matters: code before the paths converge runs on one door only. A reviewer who sees
"this hunk runs on the native path only" asks the right question: does the Xen PV or PVH door
need the same change?

Example:
    arch/x86/kernel/head64.c:512: note: EL100 entry-code-touched: changes x86_64_start_kernel,
    entry code of the native path (the pvh path joins it later)

Instead: nothing to fix: a note to read. Silence it with `--ignore EL100` or in .entrylint.toml.
"""

from linter.ruleapi import finding

ID, NAME, SEVERITY, NEEDS = "EL100", "entry-code-touched", "note", frozenset({"diff"})


def _renames(ctx):
    """An entry file renamed to a name the profile does not know: later changes there would go
    unmarked, so say so once, at the new name."""
    for patch in ctx.series.patches:
        for pf in patch.patchset:
            if not pf.is_rename:
                continue
            old, new = pf.source_file.removeprefix("a/"), pf.target_file.removeprefix("b/")
            was = sorted({p for p, _ in ctx.profile.entry_scopes(old)})
            if was and not ctx.profile.entry_scopes(new):
                yield finding(__name__, f"renames {old}, entry code of the {', '.join(was)} path, to {new}, "
                              f"which the profile does not know: later changes there go unmarked (update "
                              f"the profile: {ctx.profile.source})", file=new, line=1, paths=was,
                              key=f"rename:{old}:{new}", patch=patch)


def check(ctx):
    yield from _renames(ctx)
    joiners = {p.joins: [] for p in ctx.profile.paths.values() if p.joins}
    for p in ctx.profile.paths.values():
        if p.joins:
            joiners[p.joins].append(p.name)
    for mark in ctx.marked():
        what = ", ".join(mark.functions) if mark.functions else "code outside any function (notes, data, directives)"
        paths = ", ".join(mark.paths)
        also = sorted({j for path in mark.paths for j in joiners.get(path, []) if j not in mark.paths})
        tail = f" (the {', '.join(also)} path{'s' if len(also) > 1 else ''} join{'s' if len(also) == 1 else ''} it later)" if also else ""
        yield finding(__name__, f"changes {what}, entry code of the {paths} path{tail}: "
                      f"it runs before the paths converge, so the other doors do not get this change",
                      mark=mark, paths=mark.paths,
                      key=f"{mark.patch.subject}|{what}|{mark.hunk.section_header}")

