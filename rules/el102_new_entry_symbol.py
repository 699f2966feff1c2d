"""New global code label in an entry file.

What it does: flags a new global assembler label (`SYM_CODE_START(name)`, `SYM_FUNC_START(name)`,
`ENTRY(name)`, or a `.globl` label) added to a file that is wholly entry code (the asm heads of
the profile's paths). A label that the same patch removes elsewhere (a move), or
that the same hunk puts in place of a removed global label (a rename), is not new.

Why it matters: a global label in head code is how a new door starts: something outside the file
(a loader note, a trampoline, a boot protocol) can jump to it, and what it runs before joining the
native path is code no other path runs.

Example:
    +SYM_CODE_START(startup_xen_direct)

Instead: use a local label (`SYM_CODE_START_LOCAL`) for code reached only from this file, or enter
through an existing door. If the door is intended, say why with `Entrylint-Ack: EL102 <reason>`.
"""

from collections import defaultdict

from linter.csource import defined_labels
from linter.ruleapi import finding

ID, NAME, SEVERITY, NEEDS = "EL102", "new-entry-symbol", "warning", frozenset({"diff"})


def check(ctx):
    removed = defaultdict(set)
    for mark in ctx.marks:
        for name, _global in defined_labels([c.text for c in mark.removed]):
            removed[mark.patch.index].add(name)
    for mark in ctx.marked():
        if not any(scope == "file" for _, scope in ctx.profile.entry_scopes(mark.file)):
            continue
        texts = [c.text for c in mark.added]
        labels = defined_labels(texts)
        added_names = {name for name, _ in labels}
        # a global label this hunk removes and does not add back: the added one is its new name
        renamed = [name for name, g in defined_labels([c.text for c in mark.removed]) if g and name not in added_names]
        for name, is_global in labels:
            if not is_global or name in removed[mark.patch.index]:
                continue
            if renamed:
                renamed.pop(0)
                continue
            line = next((c.line for c in mark.added if name in c.text), mark.line)
            yield finding(__name__, f"adds the global label {name} to entry code of the {', '.join(mark.paths)} "
                          f"path: a new way into the kernel whose code the other doors never run",
                          mark=mark, line=line, paths=mark.paths, symbol=name, key=name)
