"""Entry code touched.

What it does: notes every function or assembler label of entry code that a commit changes, once
per function and commit (its hunks are the evidence), naming the entry path(s) whose code it is
and what kind of change it is: code; only annotations that emit no instruction (unwind hints,
objtool annotations, CFI directives, SYM_* macros spelled otherwise with the same name and binding:
no semantic change, and EL110 stays quiet); or only comments. It is the mark itself, visible in
every output. It also says when an entry file is renamed to a name the profile does not know,
since later changes there would go unmarked.

Why it matters: code before the paths converge runs on one door only. A reviewer who sees
"this hunk runs on the native path only" asks the right question: does the Xen PV or PVH door
need the same change?

Example:
    arch/x86/kernel/head64.c:512: note: EL100 entry-code-touched: changes x86_64_start_kernel,
    entry code of the native path (the pvh path joins it later): it runs before the paths
    converge, so the other doors do not get this change
    arch/x86/xen/xen-head.S:40: note: EL100 entry-code-touched: changes only annotations of
    startup_xen (no semantic change), entry code of the xen-pv path

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
    joiners: dict[str, list[str]] = {}
    for p in ctx.profile.paths.values():
        if p.joins:
            joiners.setdefault(p.joins, []).append(p.name)
    for (_, file, function), marks in _by_function(ctx.marked()).items():
        patch = marks[0].patch
        what = function or "code outside any function (notes, data, directives)"
        paths = sorted({p for m in marks for p in m.paths}, key=list(ctx.profile.paths).index)
        also = sorted({j for path in paths for j in joiners.get(path, []) if j not in paths})
        tail = f" (the {', '.join(also)} path{'s' if len(also) > 1 else ''} join{'s' if len(also) == 1 else ''} it later)" if also else ""
        kinds = {m.kind for m in marks}
        kind = "code" if "code" in kinds else "annotation" if "annotation" in kinds else "comment"
        i386 = all(m.width == 32 for m in marks)
        where = f"{'i386 ' if i386 else ''}entry code of the {', '.join(paths)} path{'' if i386 else tail}"
        if kind == "code":
            message = (f"changes {what}, {where}: it runs before the paths converge, so the other doors "
                       f"do not get this change")
        else:
            only = "annotations of" if kind == "annotation" else "comments in"
            message = f"changes only {only} {what} (no semantic change), {where}"
        yield finding(__name__, message, mark=marks[0], paths=paths, key=f"{patch.subject}|{file}|{what}",
                      evidence=[f"{m.file}:{m.line}: {m.kind}" for m in marks] if len(marks) > 1 else [])


def _by_function(marks) -> dict:
    """(patch index, file, function or None) → the hunks that change it, in order."""
    out: dict = {}
    for mark in marks:
        for function in mark.functions or [None]:
            out.setdefault((mark.patch.index, mark.file, function), []).append(mark)
    return out
