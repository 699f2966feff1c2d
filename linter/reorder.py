"""Calls that change sides of a hooked call: the comparison behind EL130, for source sequences and
for the call order an image shows alike.

A call X crossed a hooked call H when some of X's calls ran before H and now run after it (or
the reverse): fewer X before H and more X after H. A call only added or only removed changes one
count, not both, so it crosses nothing (it is new work, not moved work); a swap of two calls
that H does not separate changes no count. Only the first H of a sequence is the reference point.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Move:
    call: str           # what moved (a function or slot name as the sequences spell it)
    hook: str           # the hooked call it crossed
    after: bool         # True: it now runs after the hook (before: it ran before it)
    at: int             # index in the new sequence of the first moved occurrence


def moves(pre: list[str], post: list[str], is_hooked: Callable[[str], bool]) -> list[Move]:
    out = []
    for hook in dict.fromkeys(n for n in pre if is_hooked(n)):
        if hook not in post:
            continue
        hp, hq = pre.index(hook), post.index(hook)
        for call in dict.fromkeys(pre):
            if call == hook or call not in post:
                continue
            before0, after0 = pre[:hp].count(call), pre[hp + 1:].count(call)
            before1, after1 = post[:hq].count(call), post[hq + 1:].count(call)
            if before0 > before1 and after1 > after0:
                out.append(Move(call, hook, True, hq + 1 + post[hq + 1:].index(call)))
            elif before1 > before0 and after0 > after1:
                out.append(Move(call, hook, False, post.index(call)))
    return out
