"""Calls that change sides of a hooked call: the comparison behind EL130, for source sequences and
for the call order an image shows alike.

A call X crossed a hooked call H when some of X's calls ran before H and now run after it (or
the reverse): fewer X before H and more X after H. A call only added or only removed changes one
count, not both, so it crosses nothing (it is new work, not moved work); a swap of two calls
that H does not separate changes no count. Only the first H of a sequence is the reference point.

Calls may come in groups (the call of the function itself that they are part of: a helper's calls
spliced into its caller's sequence). X is counted by name, so work that moved into a new helper
counts; the groups that moved are those with more of X on the new side than before.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Move:
    call: str                 # what moved (a function or slot name as the sequences spell it)
    hook: str                 # the hooked call it crossed
    after: bool               # True: it now runs after the hook (before: it ran before it)
    groups: tuple[str, ...]   # the groups (own calls) that carry it to the new side
    at: int                   # index in the new sequence of its first occurrence there


def moves(pre: list[str], post: list[str], is_hooked: Callable[[str], bool],
          pre_groups: list[str] | None = None, post_groups: list[str] | None = None) -> list[Move]:
    pre_groups, post_groups = pre_groups or pre, post_groups or post
    out = []
    for hook in dict.fromkeys(n for n in pre if is_hooked(n)):
        if hook not in post:
            continue
        hp, hq = pre.index(hook), post.index(hook)
        sides = {"before": (range(hp), range(hq)), "after": (range(hp + 1, len(pre)), range(hq + 1, len(post)))}
        for call in dict.fromkeys(pre):
            if call == hook or call not in post:
                continue
            count = {side: (sum(pre[i] == call for i in a), sum(post[i] == call for i in b))
                     for side, (a, b) in sides.items()}
            for side, other in (("after", "before"), ("before", "after")):
                if count[other][0] > count[other][1] and count[side][1] > count[side][0]:
                    was, now = sides[side]
                    old = Counter(pre_groups[i] for i in was if pre[i] == call)
                    new = [i for i in now if post[i] == call]
                    grew = Counter(post_groups[i] for i in new) - old
                    at = next(i for i in new if post_groups[i] in grew or not grew)
                    out.append(Move(call, hook, side == "after", tuple(grew) or (post_groups[at],), at))
    return out
