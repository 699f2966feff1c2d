"""Exact-string edits of a kernel tree: the only way the e2e series change kernel files.

Every edit names an anchor (text that must occur exactly once in the file) so that a series never
applies to the wrong place silently: a missing or repeated anchor stops the run with the file named.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable


class AnchorError(Exception):
    """An anchor is missing from, or not unique in, the file a series edits."""


@dataclass
class Patch:
    subject: str
    body: str
    apply: Callable[["Tree"], None]


@dataclass
class Tree:
    root: Path
    touched: list[str] = field(default_factory=list)

    def _read(self, rel: str) -> str:
        path = self.root / rel
        if not path.is_file():
            raise AnchorError(f"{rel}: no such file in {self.root}")
        return path.read_text()

    def _write(self, rel: str, text: str) -> None:
        (self.root / rel).write_text(text)
        self.touched.append(rel)

    def replace(self, rel: str, old: str, new: str) -> None:
        text = self._read(rel)
        count = text.count(old)
        if count != 1:
            where = "missing" if count == 0 else f"found {count} times"
            raise AnchorError(f"{rel}: anchor {where}: {old[:120]!r}")
        self._write(rel, text.replace(old, new))

    def insert_after(self, rel: str, anchor: str, lines: str) -> None:
        self.replace(rel, anchor, anchor + lines)

    def insert_before(self, rel: str, anchor: str, lines: str) -> None:
        self.replace(rel, anchor, lines + anchor)

    def delete(self, rel: str, text: str) -> None:
        self.replace(rel, text, "")

    def cut(self, rel: str, start: str, end: str) -> str:
        """Remove and return the text from `start` through `end` (both anchors, each unique)."""
        text = self._read(rel)
        for anchor in (start, end):
            if text.count(anchor) != 1:
                raise AnchorError(f"{rel}: anchor not unique or missing: {anchor[:120]!r}")
        first = text.index(start)
        last = text.index(end, first) + len(end)
        self._write(rel, text[:first] + text[last:])
        return text[first:last]

    def append(self, rel: str, lines: str) -> None:
        self._write(rel, self._read(rel) + lines)


def by_era(era: str, choices: dict[str, str]) -> str:
    """The era's variant of an anchor or a line; a missing era is a bug in the series."""
    if era not in choices:
        raise AnchorError(f"series has no variant for era {era}")
    return choices[era]
