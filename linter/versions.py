"""The file versions a series touches, named by the git blob ids its diffs record.

A 100-patch series touches the same dozen files again and again: reading every version from git
moved 4.5 MB of blobs through a pipe (measured on bench/'s series, 60 ms of a 200 ms run). The
series itself says how each version follows from the one before, so only each file's first
pre-image is read from git; every later version is derived by applying the series' own hunks,
and a derived version counts only when its git blob id (the SHA-1 of "blob <size>\\0" and the
bytes, or SHA-256 in a SHA-256 repository) matches the one its diff's `index` line names. What
does not match, or cannot be derived, is read from git, or left unknown.

It also serves mailed patches that are not applied here: the pre-image blob is in the repository
whenever the series' base is, and the derived post-image is checked the same way.
"""

from __future__ import annotations

import hashlib
import re

from unidiff import PatchedFile

from linter.csource import Edit

INDEX_LINE = re.compile(r"index ([0-9a-f]{7,64})\.\.([0-9a-f]{7,64})\b")
NULL_ID = re.compile(r"0+")


class Text:
    """One file version: its lines without line ends, split at "\\n" only (a form feed inside a
    line is no line end, as for git), and whether the last line ends with one."""

    __slots__ = ("lines", "final_newline")

    def __init__(self, lines: list[str], final_newline: bool):
        self.lines = lines
        self.final_newline = final_newline

    @classmethod
    def from_bytes(cls, data: bytes) -> Text:
        text = data.decode("utf-8", "surrogateescape")   # exact round trip, for the blob id
        if not text:
            return cls([], False)
        final = text.endswith("\n")
        lines = text.split("\n")
        if final:
            lines.pop()
        return cls(lines, final)

    def to_bytes(self) -> bytes:
        text = "\n".join(self.lines) + ("\n" if self.final_newline and self.lines else "")
        return text.encode("utf-8", "surrogateescape")


def full_blob_id(text: Text, wanted: str) -> str | None:
    """The full id git gives these bytes, when `wanted` (a full or abbreviated id) names it."""
    data = text.to_bytes()
    header = b"blob %d\0" % len(data)
    for algo in (hashlib.sha1,) if len(wanted) == 40 else (hashlib.sha1, hashlib.sha256):
        full = algo(header + data).hexdigest()
        if full.startswith(wanted):
            return full
    return None


def diff_blob_ids(pf: PatchedFile) -> tuple[str | None, str | None]:
    """(pre-image id, post-image id) from the file's `index` line; "" for a side that is no file
    (a new or deleted file), None when the diff names no ids (not made by git)."""
    for line in pf.patch_info or ():
        m = INDEX_LINE.match(line)
        if m:
            return tuple("" if NULL_ID.fullmatch(i) else i for i in m.groups())
    return None, None


def apply_hunks(pre: Text, pf: PatchedFile) -> tuple[Text, list[Edit]] | None:
    """`pre` with pf's hunks applied, and where each hunk went (csource.Edit: what the post-image's
    spans are computed from); None when a hunk's context or removed lines are not what `pre`
    holds at their place (then the diff was made against another version)."""
    lines = pre.lines
    out: list[str] = []
    edits: list[Edit] = []
    at = 0                              # the next line of `pre` to copy
    final = pre.final_newline
    for hunk in pf:
        start = hunk.source_start if hunk.source_length == 0 else hunk.source_start - 1
        if start < at or start > len(lines):
            return None
        out += lines[at:start]
        at, out_start = start, len(out)
        side, no_newline = None, False  # the last post-side line: has a "\ No newline" marker?
        for ln in hunk:
            kind = ln.line_type
            if kind == "\\":
                no_newline = no_newline or side in ("+", " ")
                continue
            value = ln.value[:-1] if ln.value.endswith("\n") else ln.value
            if kind != "+":
                if at >= len(lines) or lines[at] != value:
                    return None
                at += 1
            if kind != "-":
                out.append(value)
                no_newline = False
            side = kind
        edits.append((start, at, out_start, len(out)))
        if at == len(lines):            # this hunk ends the file: it says how the last line ends
            final = not no_newline
    out += lines[at:]
    return Text(out, final and bool(out)), edits


class FileVersions:
    """File texts by blob id, read from git (gitobjects.GitObjects) or derived from the series: the
    first version of each file is read when a patch first needs it, the later ones derived."""

    def __init__(self, objects=None):
        self.objects = objects
        self._by_id: dict[str, Text] = {}              # full blob id → text
        self._by_name: dict[str, str | None] = {}      # a name git was asked for → its full id
        self.origins: dict[str, tuple[str, list[Edit]]] = {}   # derived id → (its pre-image id, edits)
        self.derived = 0                               # counts, for tests and bench/
        self.read = 0

    def text(self, blob_id: str) -> tuple[str, Text] | None:
        """(full id, text) of a full or abbreviated blob id, read from git when not known yet."""
        known = self._known(blob_id)
        return (known, self._by_id[known]) if known else self.named(blob_id)

    def post_image(self, pf: PatchedFile, fallback: str | None = None) -> tuple[str, Text] | None:
        """(blob id, text) of the version pf's diff produces: derived from its pre-image when the
        ids check out, else read from git by its id, else by `fallback` (e.g. "commit:path")."""
        pre_id, post_id = diff_blob_ids(pf)
        if post_id:
            known = self._known(post_id)
            if known:
                return known, self._by_id[known]
            pre = ("", Text([], False)) if pre_id == "" else self.text(pre_id) if pre_id else None
            applied = apply_hunks(pre[1], pf) if pre is not None else None
            full = full_blob_id(applied[0], post_id) if applied is not None else None
            if full:
                self.derived += 1
                self._by_id[full] = applied[0]
                self._by_name[post_id] = full      # (an abbreviated id: the next patch's pre-image)
                if pre[0]:
                    self.origins[full] = (pre[0], applied[1])
                return full, applied[0]
            found = self.text(post_id)
            if found:
                return found
        return self.named(fallback)

    def pre_image(self, pf: PatchedFile, fallback: str | None = None) -> tuple[str, Text] | None:
        pre_id, _ = diff_blob_ids(pf)
        return (self.text(pre_id) if pre_id else None) or self.named(fallback)

    def named(self, name: str | None) -> tuple[str, Text] | None:
        """(full id, text) of what git calls `name` (a blob id, "rev:path", ":path")."""
        if not name:
            return None
        self._read(name)
        full = self._by_name.get(name)
        return (full, self._by_id[full]) if full else None

    def _known(self, blob_id: str) -> str | None:
        if blob_id in self._by_id:
            return blob_id
        if self._by_name.get(blob_id):
            return self._by_name[blob_id]
        return next((full for full in self._by_id if full.startswith(blob_id)), None)

    def _read(self, name: str) -> None:
        if name in self._by_name:
            return
        got = self.objects.get(name) if self.objects is not None else None
        self._by_name[name] = got[0] if got else None
        if got:
            self._by_id.setdefault(got[0], Text.from_bytes(got[1]))
            self.read += 1
