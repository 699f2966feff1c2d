"""A small cache keyed by the identity of a list of lines: a file version is one list object for
a whole run (linter.versions), so work done on it once (blanking comments, finding functions) is
looked up by that object, without hashing its text."""

from __future__ import annotations



class ByList:
    """compute(lines), once per list object (the `most` latest kept)."""

    def __init__(self, compute, most: int = 64):
        self.compute, self.most = compute, most
        self._entries: dict[int, tuple] = {}

    def __call__(self, lines: list[str]):
        hit = self._entries.get(id(lines))
        if hit is not None and hit[0] is lines:
            return hit[1]
        value = self.compute(lines)
        if len(self._entries) >= self.most:
            self._entries.pop(next(iter(self._entries)))
        self._entries[id(lines)] = (lines, value)     # (the lines kept: their id stays theirs)
        return value
