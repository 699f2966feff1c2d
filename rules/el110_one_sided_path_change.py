"""One path's boot sequence changed, its counterpart's not.

What it does: looks at the whole series. When it changes the code of one path's pre-convergence
sequence (e.g. `x86_64_start_kernel` on the native path, which PVH joins) and not the sequence of
that path's counterpart (the legacy Xen PV path's `xen_start_kernel`), it reports the path that
changed, once per path, at its first changed hunk. Comments do not count, code moved unchanged
between files of one path (a refactor) is not a change, and a write to a hook table in the path's
own code (`x86_init.resources.probe_roms = x86_init_noop;`) is EL131's, which names the slot.

Why it matters: init work added to x86_64_start_kernel never runs on a Xen PV guest, which enters
at startup_xen and skips all of it; a fix made in xen_start_kernel alone leaves native and PVH
boots without it. The paths drift apart silently until a boot breaks months later.

Example: a series adds `early_foo_init()` to x86_64_start_kernel and nothing to xen_start_kernel.

i386 code is its own sequence: head_32.S and head32.c, and an `#ifndef CONFIG_X86_64` branch of
a shared head (PVH's 32-bit entry). Its counterparts are the profile's counterparts_32 (PVH's i386
code has the native i386 head, since i386 has no Xen PV), so a change to both is balanced.

With --base-image and --image, a change whose functions have the same code in both images (the
same bytes, every reference to the same name) is a note that says the images show no change.

The message says which way the change goes, from the calls and hardware names (MSR_*,
X86_FEATURE_*) it adds and removes compared with the counterparts' entry code at the series' head:
a change that only makes the path more like them (Xen PV now calls clear_bss() as native does) is
a note; one that makes it differ more stays a warning and names what the counterparts lack.

Instead: put the work in common code both paths call after they converge (start_kernel,
setup_arch), or add it to both sequences in the same series. If only one path needs it, say why
with `Entrylint-Ack: EL110 <reason>` on any commit of the series that changes that path.
"""

from collections import Counter

from linter.marks import COMMENT_ONLY
from linter.ruleapi import finding

ID, NAME, SEVERITY, NEEDS = "EL110", "one-sided-path-change", "warning", frozenset({"diff"})


def _norm(text: str) -> str:
    return " ".join(text.split())


def changed_paths(ctx, width: int = 64) -> dict[str, list]:
    """path → the substantive hunks that change its sequence (its i386 code for width 32); pure
    moves within a path dropped."""
    by_path: dict[str, list] = {}
    for mark in ctx.marks:
        if not mark.substantive or mark.width != width:
            continue
        for path in mark.sequence:
            by_path.setdefault(path, []).append(mark)
    for path, marks in list(by_path.items()):
        # only the lines of the path's own functions: an #ifdef or #include around a move is no work
        own = [c for m in marks for c in m.changes if c.function in m.sequence[path] and _norm(c.text)
               and not COMMENT_ONLY.match(c.text) and not _hook_write(ctx, m, c.text)]
        added = Counter(_norm(c.text) for c in own if c.added)
        removed = Counter(_norm(c.text) for c in own if not c.added)
        if added == removed:
            del by_path[path]  # the same lines left and arrived: a move, not new work
    return by_path


def _hook_write(ctx, mark, text: str) -> bool:
    from linter.hooksource import assignments

    hooks = ctx.profile.hooks
    return hooks.is_override_file(mark.file) and bool(assignments([text], [], tuple(hooks.tables)))


def check(ctx):
    for width in (64, 32):
        yield from _one_sided(ctx, width)


def _one_sided(ctx, width: int):
    changed = changed_paths(ctx, width)
    i386 = " i386" if width == 32 else ""
    for path, marks in changed.items():
        # a path that joins another (pvh → native) gets that path's changes too
        missing = [q for q in ctx.profile.paths[path].counterparts_for(width)
                   if q not in changed and ctx.profile.paths[q].joins not in changed]
        if not missing:
            continue
        # Place the finding on a commit that acks it, if any: an ack on any contributing commit counts.
        acked = [m for m in marks if m.patch.acks(ID)]
        mark = (acked or marks)[0]
        functions = sorted({f for m in marks for f in m.sequence[path]})
        theirs = " or ".join(ctx.profile.paths[q].entry_symbols[0] for q in missing)
        direction, converges = _direction(ctx, path, marks, missing)
        guest = f"its{i386} counterpart's code never gets it" if width == 32 else \
            f"a guest entering at {theirs} never runs this change"
        f = finding(__name__, f"the series changes the {path} path's{i386} boot sequence ({', '.join(functions)}) "
                    f"but not its counterpart{'s' if len(missing) > 1 else ''} {', '.join(missing)}{i386}: "
                    f"{guest}{direction}",
                    mark=mark, paths=[path, *missing], key=f"{path}|{','.join(functions)}{i386}",
                    evidence=[f"{m.file}:{m.line}: {', '.join(m.sequence[path])} [patch {m.patch.index}]" for m in marks])
        same = _images_show_no_change(ctx, functions)
        if same:
            f.message += f"; the images show no change in {', '.join(same)}"
        if converges or same:
            f.severity = "note"
        yield f


def _images_show_no_change(ctx, functions: list[str]) -> list[str]:
    """The functions, when --base-image and --image both hold each with the same code (samecode.py):
    the proof that the change runs nothing differently. Else []."""
    if not (ctx.image_path and ctx.base_image_path):
        return []
    from linter.image.samecode import same_code

    base, head = ctx.image("base"), ctx.image("head")
    return functions if functions and all(same_code(base, head, f) for f in functions) else []


def _direction(ctx, path: str, marks, missing: list[str]) -> tuple[str, bool]:
    """(words for the message, whether the change only brings the path closer): a call or hardware
    name the change adds that the counterparts use too, or removes that they do not, makes the path
    more like them; one it adds that they lack, or removes that they have, makes it differ more."""
    from linter.counterpart import head_revision, vocabulary, words

    revision = head_revision(ctx)
    theirs = set()
    for q in missing:
        found = vocabulary(ctx, q, revision)
        if found is None:
            return "", False
        theirs |= found
    lines = [c for m in marks for c in m.changes if c.function in m.sequence.get(path, ())]
    asm = any(m.file.endswith((".S", ".s")) for m in marks)
    added = words([c.text for c in lines if c.added], asm) - words([c.text for c in lines if not c.added], asm)
    removed = words([c.text for c in lines if not c.added], asm) - words([c.text for c in lines if c.added], asm)
    closer = sorted((added & theirs) | (removed - theirs))
    apart = sorted((added - theirs) | (removed & theirs))
    who = ", ".join(missing)
    if apart:
        return f"; it makes {path} differ more from {who} ({_said(apart, added, who)})", False
    if closer:
        return f"; it makes {path} more like {who} ({_said(closer, added, who)})", True
    return "", False


def _said(names: list[str], added: set[str], who: str) -> str:
    shown = ", ".join(f"{_named(n)} {'added' if n in added else 'removed'}" for n in names[:3])
    more = f" and {len(names) - 3} more" if len(names) > 3 else ""
    return f"{shown}{more}, against the entry code of {who}"


def _named(name: str) -> str:
    return name if name.startswith(("MSR_", "X86_")) else f"{name}()"
