"""A call moved across a hook slot that some entry path overrides.

What it does: for every common boot function a series changes (the profile's hooks.common_files:
setup_arch, start_kernel, ...), compares the order of its calls before and after the change. When a
call moves to the other side of a call that reaches a hook slot some path overrides (directly, like
`x86_init.oem.arch_setup()`, or through the common functions it calls, like
`e820__memory_setup()` → `x86_init.resources.memory_setup()`), it names the moved call, the hooked
call, the slot, and what each path runs there. Calls of a helper from the same file are followed one
level, so work moved into a new helper that runs later counts too. The hook map is read at the
series' base revision (git), from the files the profile names; with --base-image and --image the
call order of the two images is compared as well (the order of call sites in the code, which gcc
keeps for straight-line code but may change across branches), and agreeing images are said in the
evidence. A call only added or only removed moves nothing; nor does a swap that crosses no hooked
call. Patch files with no git tree see only slot calls written in the hunk itself.

Why it matters: the paths converge in start_kernel, but by then Xen PV has written its own
functions into the hook tables. Common code that calls a slot runs each path's function at that
point, so moving a call across it changes what one path sees and nothing else: in 2021 moving the
early memblock reservations after e820__memory_setup() broke Xen PV dom0 boot, because
xen_memory_setup() relies on them (fixed by moving them back, with a comment).

Example: a series moves `early_reserve_memory();` below `e820__memory_setup();` in setup_arch:
    moves early_reserve_memory() after e820__memory_setup(), which calls
    x86_init.resources.memory_setup: xen-pv runs xen_memory_setup there; native runs
    e820__memory_setup_default

Instead: keep the call on the side of the hook it was on, or check every path's override of the
slot (here xen_memory_setup) for what it needs done first and say so in the commit message;
"Entrylint-Ack: EL130 <reason>" accepts the finding.
"""

from __future__ import annotations

import sys

from linter.ruleapi import finding

ID, NAME, SEVERITY, NEEDS = "EL130", "hook-reorder", "warning", frozenset({"diff"})
SHOWN = 4   # moved calls named in one message


def check(ctx):
    from linter.hookslots import changed_common_functions, image_hook_maps

    hooks = HookView(ctx, ctx.hook_map())
    images = image_hook_maps(ctx)
    steps: dict[tuple[str, str], list] = {}          # (file, function) → [(mark, pre, post)], in patch order
    for mark, function, pre, post in changed_common_functions(ctx):
        if _reordered([i.name for i in pre], [i.name for i in post]):
            steps.setdefault((mark.file, function), []).append((mark, pre, post))
    for (_, function), changes in steps.items():
        # the series as a whole: a move that a later patch undoes (or that undoes an earlier one) is no move
        net = _moves(changes[0][1], changes[-1][2], hooks) if len(changes) > 1 else None
        seen = _image_moves(images, function) if images else None
        told = set()
        for index, (mark, pre, post) in enumerate(changes):
            found = _moves(pre, post, hooks)
            for hook in dict.fromkeys(m.hook for m in found):
                across = [m for m in found if m.hook == hook]
                undone = net is not None and not any(n.hook == hook and n.call in {a.call for a in across} for n in net)
                told.add(hook)
                yield _source_finding(ctx, hooks, mark, function, post, across, None if undone else seen,
                                      undone=("later" if index < len(changes) - 1 else "earlier") if undone else None)
        for hook in dict.fromkeys(m.hook for m in seen or () if m.hook not in told):
            yield _image_finding(ctx, images[1], changes[0][0], function, [m for m in seen if m.hook == hook])


def _reordered(pre: list[str], post: list[str]) -> bool:
    """Did any call change places relative to another? (Only then can one have crossed a hook: the
    hook map's costly part is read only for such a function.) Calls only added or only removed
    are left out of the comparison, and a name that is called more or fewer times keeps its order."""
    both = set(pre) & set(post)
    return [n for n in pre if n in both] != [n for n in post if n in both]


def _moves(pre, post, hooks):
    from linter.reorder import moves

    return moves([i.name for i in pre], [i.name for i in post], hooks.is_hooked, [i.top for i in pre], [i.top for i in post])


def _source_finding(ctx, hooks, mark, function, post, across, seen, undone: str | None):
    from linter.hookslots import slot_words

    hook = across[0].hook
    tops = list(dict.fromkeys(g for m in across for g in m.groups))
    moved_tops = [t for t in tops if t in {m.call for m in across}]
    moved = _names(moved_tops or tops)
    if not moved_tops:          # work that moved into a helper called on the other side
        moved = _names([m.call for m in across]) + f" (now called from {_names(tops)})"
    slot, words, paths = hooks.describe(hook)
    shown = [m for m in across if m.call in m.groups] or across
    evidence = [_step(function, m) for m in shown[:SHOWN * 2]]
    if seen is not None:
        agree = any(m.hook == hook and m.call in tops + [a.call for a in across] for m in seen)
        evidence.append(f"the images {'agree' if agree else 'do not show it'}: the call sites in {function} "
                        f"of --base-image and --image" + ("" if agree else " (inlined, or laid out otherwise)"))
    removed, added = _order_comments(ctx, mark, function, {hook, slot, slot.rsplit(".", 1)[-1]} | hooks.values(slot))
    message = f"moves {moved} {_side(across[0])} {hook}(){slot_words(hook, slot)}: {words}"
    severity = None
    if undone:
        message += f"; {'a later' if undone == 'later' else 'an earlier'} patch of the series moves it the other way"
        severity = "note"
    if removed:
        message += "; it deletes the comment that says why the order matters"
        evidence += [f"{mark.file}: - {text}" for text in removed[:6]]
    elif added and not undone:
        message += "; a comment it adds says why"
        severity = "note"
    first = post[across[0].at].line
    f = finding(sys.modules[__name__], message, mark=ctx_mark(ctx, mark, first), line=first, paths=paths,
                key=f"{function}|{hook}|{','.join(tops)}", evidence=evidence)
    f.severity = severity or f.severity
    return f


def _order_comments(ctx, mark, function: str, words: set[str]) -> tuple[list[str], list[str]]:
    """(removed, added) comment lines of this patch in `function` that name the hook, the slot or a
    path's function for it: the comment that explains why a call sits on one side of the hook."""
    from linter.marks import COMMENT_ONLY

    words = {w for w in words if w and len(w) > 3}
    out = ([], [])
    for m in ctx.marks:
        if m.patch is not mark.patch or m.file != mark.file:
            continue
        for c in m.changes:
            if c.function == function and COMMENT_ONLY.match(c.text) and any(w in c.text for w in words):
                out[c.added].append(c.text.strip())
    return out


def _image_finding(ctx, head, mark, function, across):
    """A move only the images show (the source did not: a call through a helper of another file,
    or a hooked call the source reads no slot for)."""
    from linter.hookslots import image_who_runs_what, slot_words

    hook = across[0].hook
    slot = hook if hook in _slot_names(head) else sorted(head.callers.get(hook, ()))[0]
    words, paths = image_who_runs_what(ctx.profile, head, slot)
    moved = _names(list(dict.fromkeys(m.call for m in across)))
    return finding(sys.modules[__name__],
                   f"moves {moved} {_side(across[0])} {hook}(){slot_words(hook, slot)} in {function} (image): {words}",
                   mark=mark, paths=paths, key=f"{function}|{hook}|image",
                   evidence=[_step(function, m) for m in across[:SHOWN * 2]]
                   + [f"the order of the call sites in {function}: --base-image against --image"])


def _image_moves(images, function: str):
    """The moves the call order of base and head image show, or None when either lacks the function."""
    from linter.reorder import moves

    base, head = images
    before, after = base.call_order(function), head.call_order(function)
    if not before or not after:
        return None
    slots = _slot_names(head)
    return moves(before, after, lambda name: name in slots or bool(head.callers.get(name)))


def _slot_names(image_map) -> set[str]:
    return {o.slot for os in image_map.overrides.values() for o in os}


def _names(calls: list[str]) -> str:
    text = ", ".join(f"{c}()" for c in calls[:SHOWN])
    return text + (f" and {len(calls) - SHOWN} more" if len(calls) > SHOWN else "")


def _side(move) -> str:
    return "after" if move.after else "before"


def _step(function: str, move) -> str:
    return (f"{function}: {move.call}() ran {'before' if move.after else 'after'} {move.hook}(), "
            f"now runs {_side(move)} it")


def ctx_mark(ctx, mark, line: int):
    """The hunk of the same patch and file that holds `line` (the finding's place), else `mark`."""
    for m in ctx.marks:
        if m.patch is mark.patch and m.file == mark.file and any(c.line == line for c in m.changes):
            return m
    return mark


class HookView:
    """What the rule asks of the hook map; with no map (no git tree), every slot call of the
    profile's tables counts as hooked, with its overriders unknown."""

    def __init__(self, ctx, hm):
        self.ctx, self.hm = ctx, hm
        self.tables = tuple(ctx.profile.hooks.tables)

    def slots(self, name: str) -> list[str]:
        if self.hm is None:
            return [name] if "." in name and name.split(".")[0] in self.tables else []
        return self.hm.hooked_slots(name, "." in name)

    def is_hooked(self, name: str) -> bool:
        return bool(self.slots(name))

    def describe(self, hook: str) -> tuple[str, str, list[str]]:
        """(the slot, what each path runs there, the paths involved)."""
        from linter.hookslots import who_runs_what

        slot = self.slots(hook)[0]
        if self.hm is None:
            return slot, "a hook slot an entry path may override (no git tree here to tell which)", []
        words, paths = who_runs_what(self.ctx.profile, self.hm, slot)
        more = self.slots(hook)[1:]
        if more:
            words += f" (it reaches {len(more)} more overridden slot{'s' if len(more) > 1 else ''}: {', '.join(more[:3])})"
        return slot, words, paths

    def values(self, slot: str) -> set[str]:
        """The functions that run in the slot: each path's, and the default."""
        if self.hm is None:
            return set()
        return {o.value for o in self.hm.overriders(slot)} | {self.hm.default(slot) or ""}
