"""Marks: for every hunk of a watched file, the entry paths whose entry code it touches and the
functions or asm labels it changes.

Which function a changed line belongs to, best source first:
  1. the post-image file from git (the commit, or the index for a staged change);
  2. for a patch file or stdin (b4 gives us those), the checkout's HEAD: it holds the pre-image
     when the patch is not applied yet (b4 am) and the post-image when it is (the tip of a b4 prep
     branch); the hunks' own lines must match HEAD's file to tell which, else HEAD is not used;
  3. the hunk's own lines (a function that starts inside the hunk);
  4. the hunk header's function context (git names the *previous* function when the definition
     line is itself in the context: IMAGE-ANALYSIS.md measured 13 % wrong, hence last).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from unidiff import PatchedFile
from unidiff.patch import Hunk

from linter.csource import ASM_END, ASM_LABEL, ASM_PLAIN_LABEL, ASM_SUFFIXES, C_KEYWORDS, C_NAME, Span, enclosing, spans
from linter.profile import Profile
from linter.series import Patch, Series

COMMENT_ONLY = re.compile(r"^\s*(/\*.*|\*.*|//.*|\*/)?\s*$")


@dataclass
class ChangedLine:
    line: int          # post-image line (for a removal: the post-image line where it was)
    text: str
    added: bool
    function: str | None


@dataclass
class HunkMark:
    patch: Patch
    file: str
    hunk: Hunk
    line: int                                   # first changed post-image line
    changes: list[ChangedLine]
    functions: list[str]                        # functions/labels changed, in order
    paths: list[str] = field(default_factory=list)          # entry paths whose entry code it touches
    sequence: dict[str, list[str]] = field(default_factory=dict)  # path → its sequence functions changed
    deleted_file: bool = False
    new_file: bool = False

    @property
    def added(self) -> list[ChangedLine]:
        return [c for c in self.changes if c.added]

    @property
    def removed(self) -> list[ChangedLine]:
        return [c for c in self.changes if not c.added]

    @property
    def substantive(self) -> bool:
        """Does it change code, not only comments and blank lines?"""
        return any(not COMMENT_ONLY.match(c.text) for c in self.changes)


class SourceLookup:
    """Post-image (or pre-image) function spans of a file, from git when a repository is at hand."""

    def __init__(self, blobs=None):
        self.blobs = blobs                      # gitsource.BlobReader or None
        self._spans: dict[tuple[str | None, str], list[Span] | None] = {}

    def file_spans(self, patch: Patch, path: str, post: bool) -> list[Span] | None:
        if self.blobs is None:
            return None
        if patch.commit:
            rev = patch.commit if post else f"{patch.commit}^"
        elif patch.source == "index":
            rev = None if post else "HEAD"    # the staged post-image is the index
        else:
            return None
        return self._rev_spans(rev, path)

    def head_spans(self, patch: Patch, pf: PatchedFile, pre_path: str, post_path: str):
        """(post spans, pre spans) from HEAD for a patch that is no commit: at most one is not None."""
        if self.blobs is None or patch.commit or patch.source in ("git", "index"):
            return None, None
        pre = None if pf.is_added_file else self.blobs.lines("HEAD", pre_path)
        if pre is not None and _matches(pre, pf, post=False):
            return None, self._rev_spans("HEAD", pre_path)
        post = None if pf.is_removed_file else self.blobs.lines("HEAD", post_path)
        if post is not None and _matches(post, pf, post=True):
            return self._rev_spans("HEAD", post_path), None
        return None, None                     # HEAD is neither image (another base): use the hunks

    def _rev_spans(self, rev: str | None, path: str) -> list[Span] | None:
        lines = self.blobs.lines(rev, path)
        if lines is None:
            return None
        # one file version is often both a commit's post-image and the next one's pre-image
        key = (self.blobs.blob_ids.get((rev or "", path)) or rev, path)
        if key not in self._spans:
            self._spans[key] = spans(lines, path)
        return self._spans[key]


def _matches(lines: list[str], pf: PatchedFile, post: bool) -> bool:
    """Does every line of pf's hunks on that side (context and removed, or context and added) sit at
    its number in `lines`? Trailing blanks are ignored: mail may strip them."""
    for hunk in pf:
        for ln in hunk:
            number = ln.target_line_no if post else ln.source_line_no
            if not number:                    # a line of the other side, or a trailing marker
                continue
            if number > len(lines) or lines[number - 1].rstrip() != ln.value.rstrip():
                return False
    return True


def mark_series(series: Series, profile: Profile, blobs=None) -> list[HunkMark]:
    lookup = SourceLookup(blobs)
    if blobs is not None:
        blobs.prefetch(_versions_needed(series))
    marks = []
    for patch in series.patches:
        for pf in patch.patchset:
            marks += mark_file(patch, pf, profile, lookup)
    return marks


def _versions_needed(series: Series) -> list[tuple[str | None, str]]:
    """The (revision, path) of every file version marking will read: what file_spans() asks for."""
    out = []
    for patch in series.patches:
        if not (patch.commit or patch.source == "index"):
            continue
        post_rev, pre_rev = (patch.commit, f"{patch.commit}^") if patch.commit else (None, "HEAD")
        for pf in patch.patchset:
            if not pf.is_removed_file:
                out.append((post_rev, pf.path))
            if pf.removed > 0 and not pf.is_added_file:
                out.append((pre_rev, pf.source_file.removeprefix("a/")))
    return out


def mark_file(patch: Patch, pf: PatchedFile, profile: Profile, lookup: SourceLookup) -> list[HunkMark]:
    path = pf.source_file[2:] if pf.is_removed_file and pf.source_file.startswith("a/") else pf.path
    pre_path = pf.source_file[2:] if pf.source_file.startswith("a/") else path
    post_spans = None if pf.is_removed_file else lookup.file_spans(patch, path, post=True)
    # removed lines belong to the function they were in: read the pre-image when there are any
    removes = pf.removed > 0 and not pf.is_added_file
    pre_spans = lookup.file_spans(patch, pre_path, post=False) if removes else None
    if post_spans is None and pre_spans is None:
        post_spans, pre_spans = lookup.head_spans(patch, pf, pre_path, path)
    out = []
    for hunk in pf:
        changes = _changed_lines(hunk, path, post_spans, pre_spans)
        if not changes:
            continue
        functions = list(dict.fromkeys(c.function for c in changes if c.function))
        mark = HunkMark(patch=patch, file=path, hunk=hunk, line=changes[0].line, changes=changes,
                        functions=functions, deleted_file=pf.is_removed_file, new_file=pf.is_added_file)
        _assign_paths(mark, profile)
        out.append(mark)
    return out


def _changed_lines(hunk: Hunk, path: str, post_spans, pre_spans) -> list[ChangedLine]:
    local = _hunk_functions(hunk, path, _header_function(hunk.section_header, path))
    out = []
    next_target = hunk.target_start
    for index, ln in enumerate(hunk):
        if ln.is_added or ln.is_context:
            next_target = ln.target_line_no + 1
        if not (ln.is_added or ln.is_removed):
            continue
        post_line = ln.target_line_no if ln.is_added else max(next_target, 1)
        fn = None
        if ln.is_removed and pre_spans is not None:
            span = enclosing(pre_spans, ln.source_line_no)
            fn = span.name if span else None
        elif post_spans is not None:
            span = enclosing(post_spans, post_line)
            fn = span.name if span else None
        elif pre_spans is not None:
            pre_line = ln.source_line_no if ln.is_removed else _source_position(hunk, ln)
            span = enclosing(pre_spans, pre_line)
            fn = span.name if span else None
        else:
            fn = local[index]
        out.append(ChangedLine(post_line, ln.value.rstrip("\n"), ln.is_added, fn))
    return out


def _source_position(hunk: Hunk, target) -> int:
    """The pre-image line just before an added line."""
    last = hunk.source_start
    for ln in hunk:
        if ln is target:
            return last
        if ln.source_line_no:
            last = ln.source_line_no
    return last


def _hunk_functions(hunk: Hunk, path: str, header_fn: str | None) -> list[str | None]:
    """The function each hunk line belongs to, reading only the hunk: it starts in the header's
    function and follows the starts and ends of functions the hunk's own lines show."""
    is_asm = path.endswith(ASM_SUFFIXES)
    current, pending, out = header_fn, None, []
    for ln in hunk:
        text = ln.value.rstrip("\n")
        if is_asm:
            start = ASM_LABEL.match(text) or ASM_PLAIN_LABEL.match(text)
            if start and not start.group(1).startswith(".L"):
                current = start.group(1)
            out.append(current)
            if ASM_END.match(text):
                current = None
            continue
        if text.startswith("{") and pending:
            current = pending
        elif text[:1].isalpha() or text[:1] == "_":
            name = _header_function(text, path)
            pending = name if name and not text.rstrip().endswith(";") else None
        out.append(current)
        if text.startswith("}"):
            current = None
    return out


def _header_function(header: str, path: str) -> str | None:
    if not header:
        return None
    m = ASM_LABEL.match(header) or re.match(r"^([A-Za-z_][\w.]*):", header)
    if m:
        return m.group(1)
    for m in C_NAME.finditer(header):
        if m.group(1) not in C_KEYWORDS and not m.group(1).isupper():
            return m.group(1)
    return None


def _assign_paths(mark: HunkMark, profile: Profile) -> None:
    paths: dict[str, None] = {}
    for name, scope in profile.entry_scopes(mark.file):
        seq = sorted(set(mark.functions) & profile.paths[name].sequence)
        if seq:
            mark.sequence[name] = seq
        if scope == "file" or seq:
            paths[name] = None
    for fn in mark.functions:  # a sequence function that lives in a file the profile does not list
        for name in profile.paths_of_function(fn):
            if name not in paths:
                mark.sequence.setdefault(name, []).append(fn)
                paths[name] = None
    mark.paths = list(paths)


def moved_verbatim(marks: list[HunkMark]) -> set[str]:
    """Functions whose changed lines across the series all left one place and arrived at another
    unchanged (a refactor that moves code): no new work on any path."""
    from collections import Counter

    added: dict[str, Counter] = {}
    removed: dict[str, Counter] = {}
    for mark in marks:
        for c in mark.changes:
            text = " ".join(c.text.split())
            if c.function and text:
                (added if c.added else removed).setdefault(c.function, Counter())[text] += 1
    return {fn for fn in set(added) | set(removed) if added.get(fn) == removed.get(fn)}
