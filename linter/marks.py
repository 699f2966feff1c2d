"""Marks: for every hunk of a watched file, the entry paths whose entry code it touches and the
functions or asm labels it changes.

Which function a changed line belongs to, best source first:
  1. the post-image file: derived from the series itself and checked against the blob id its
     diff names, or read from git (the commit, or the index for a staged change): versions.py;
  2. for a patch file or stdin (b4 gives us those), the checkout's HEAD: it holds the pre-image
     when the patch is not applied yet (b4 am) and the post-image when it is (the tip of a b4 prep
     branch); the hunks' own lines must match HEAD's file to tell which, else HEAD is not used;
  3. the hunk's own lines (a function that starts inside the hunk);
  4. the hunk header's function context (git names the *previous* function when the definition
     line is itself in the context: IMAGE-ANALYSIS.md measured 13 % wrong, hence last).
"""

from __future__ import annotations

import re

from unidiff import PatchedFile
from unidiff.patch import Hunk

from linter.csource import (ASM_END, ASM_LABEL, ASM_PLAIN_LABEL, ASM_SUFFIXES, Span, enclosing, first_c_name,
                            spans, spans_after_edit)
from linter.profile import Profile
from linter.record import field, record
from linter.series import Patch, Series
from linter.versions import FileVersions

COMMENT_ONLY = re.compile(r"^\s*(/\*.*|\*.*|//.*|\*/)?\s*$")
# Assembler annotations that emit no instruction: objtool's hints and markers, CFI directives.
NO_CODE = re.compile(r"^\s*(UNWIND_HINT\w*|ANNOTATE_\w+|\.cfi_\w+|ENDBR\w*_NOP)\b")
# Symbol macros: only their name and binding matter to the code (SYM_FUNC_START vs SYM_CODE_START,
# ENTRY vs SYM_FUNC_START, END vs SYM_FUNC_END emit the same instructions).
SYM_START = re.compile(r"^\s*(?:SYM_(?:CODE|FUNC|TYPED_FUNC)_START(\w*)|ENTRY|GLOBAL)\s*\(\s*(\w+)")
SYM_END = re.compile(r"^\s*(?:SYM_(?:CODE|FUNC)_END\w*|END|ENDPROC)\s*\(\s*(\w+)")


@record
class ChangedLine:
    line: int          # post-image line (for a removal: the post-image line where it was)
    text: str
    added: bool
    function: str | None


@record
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
    width: int = 64             # 32: it changes i386-only code (head_32.S, an #ifndef CONFIG_X86_64 branch)
    _kind: str | None = field(default=None, repr=False, compare=False)   # kind, once worked out

    @property
    def added(self) -> list[ChangedLine]:
        return [c for c in self.changes if c.added]

    @property
    def removed(self) -> list[ChangedLine]:
        return [c for c in self.changes if not c.added]

    @property
    def substantive(self) -> bool:
        """Does it change code, not only comments, blank lines and annotations?"""
        return self.kind == "code"

    @property
    def kind(self) -> str:
        """"comment" (comments and blank lines only), "annotation" (also annotations that emit no
        instruction: unwind hints, SYM_* spelled otherwise with the same name and binding), or
        "code"."""
        if self._kind is None:                  # (rules ask it of every hunk, often)
            self._kind = self._classify()
        return self._kind

    def _classify(self) -> str:
        if all(COMMENT_ONLY.match(c.text) for c in self.changes):
            return "comment"
        # the hunk's window before and after, in order: a moved line is a change, a respelled one not
        for kind, without_annotations in (("comment", False), ("annotation", True)):
            before = [_code_of(ln.value, without_annotations) for ln in self.hunk if ln.is_context or ln.is_removed]
            after = [_code_of(ln.value, without_annotations) for ln in self.hunk if ln.is_context or ln.is_added]
            if list(filter(None, before)) == list(filter(None, after)):
                return kind
        return "code"


def _code_of(text: str, annotations: bool = True) -> str | None:
    """What a line means to the code: None for comments, blanks and (with `annotations`) no-code
    annotations; symbol macros as their name and binding; the rest without comments and white space."""
    if COMMENT_ONLY.match(text) or (annotations and NO_CODE.match(text)):
        return None
    start = SYM_START.match(text) if annotations else None
    if start:
        local = "LOCAL" in (start.group(1) or "") or "SYM_L_LOCAL" in text
        return f"start {start.group(2)} {'local' if local else 'global'}"
    end = SYM_END.match(text) if annotations else None
    if end:
        return f"end {end.group(1)}"
    code = re.sub(r"/\*.*?\*/|//.*$", "", text)
    return re.sub(r"\s+", "", code) or None      # (white space alone never changes what runs)


class SourceLookup:
    """Function spans of the file versions a hunk's lines belong to; versions.py finds the
    versions (by blob id, derived or read from git), this caches their spans by blob id."""

    def __init__(self, versions: FileVersions | None = None):
        self.versions = versions
        self._spans: dict[str, list[Span]] = {}
        self._widths: dict[int, tuple] = {}

    def post_spans(self, patch: Patch, pf: PatchedFile, path: str) -> list[Span] | None:
        if self.versions is None or pf.is_removed_file:
            return None
        post = self.versions.post_image(pf, rev_path(patch, path, post=True))
        origin = self.versions.origins.get(post[0]) if post is not None else None
        if origin is not None and post[0] not in self._spans:
            # derived from its pre-image: scan only around the hunks
            pre = self.versions.text(origin[0])
            self._spans[post[0]] = spans_after_edit(pre[1].lines, self._spans_of(pre, path), post[1].lines,
                                                    origin[1], path)
        return self._spans_of(post, path)

    def pre_spans(self, patch: Patch, pf: PatchedFile, path: str) -> list[Span] | None:
        if self.versions is None or pf.is_added_file:
            return None
        return self._spans_of(self.versions.pre_image(pf, rev_path(patch, path, post=False)), path)

    def texts(self, patch: Patch, pf: PatchedFile, pre_path: str, post_path: str):
        return file_texts(self.versions, patch, pf, pre_path, post_path)

    def widths(self, lines: list[str] | None) -> list[int | None] | None:
        """csource.line_widths of a file version's lines, once per version (None: no #ifdef of
        CONFIG_X86_* in it, or no text)."""
        if lines is None:
            return None
        key = id(lines)
        if key not in self._widths:
            from linter.csource import line_widths

            table = line_widths(lines) if any("CONFIG_X86_" in line for line in lines) else None
            self._widths[key] = (lines, table)          # (the lines kept: their id stays theirs)
        return self._widths[key][1]

    def head_spans(self, patch: Patch, pf: PatchedFile, pre_path: str, post_path: str):
        """(post spans, pre spans) from HEAD for a patch that is no commit: at most one is not None."""
        if self.versions is None or patch.commit or patch.source in ("git", "index"):
            return None, None
        for post, path, skip in ((False, pre_path, pf.is_added_file), (True, post_path, pf.is_removed_file)):
            found = None if skip else self.versions.named(f"HEAD:{path}")
            if found is not None and _matches(found[1].lines, pf, post=post):
                spans_ = self._spans_of(found, path)
                return (spans_, None) if post else (None, spans_)
        return None, None                     # HEAD is neither image (another base): use the hunks

    def _spans_of(self, version, path: str) -> list[Span] | None:
        if version is None:
            return None
        blob_id, text = version
        # one file version is often both a commit's post-image and the next one's pre-image
        if blob_id not in self._spans:
            self._spans[blob_id] = spans(text.lines, path)
        return self._spans[blob_id]


def file_texts(versions: FileVersions | None, patch: Patch, pf: PatchedFile, pre_path: str, post_path: str):
    """(pre-image lines, post-image lines) of a patched file, each None when not at hand."""
    if versions is None:
        return None, None
    pre = None if pf.is_added_file else versions.pre_image(pf, rev_path(patch, pre_path, post=False))
    post = None if pf.is_removed_file else versions.post_image(pf, rev_path(patch, post_path, post=True))
    return (pre[1].lines if pre else None), (post[1].lines if post else None)


def rev_path(patch: Patch, path: str, post: bool) -> str | None:
    """Where git keeps this side of a patch's file when the diff names no usable blob id."""
    if patch.commit:
        return f"{patch.commit}:{path}" if post else f"{patch.commit}^:{path}"
    if patch.source == "index":
        return f":{path}" if post else f"HEAD:{path}"   # the staged post-image is the index
    return None


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


class SeriesMarker:
    """Marks patch by patch, so that a series can be marked while git still writes it (gitearly.py).
    `objects` (gitobjects.GitObjects) reads file versions from git."""

    def __init__(self, profile: Profile, objects=None):
        self.profile = profile
        self.objects = objects
        self.reset()

    def reset(self) -> None:
        self.lookup = SourceLookup(FileVersions(self.objects) if self.objects is not None else None)
        self.marks: list[HunkMark] = []
        self._marked: list[Patch] = []   # the patches marked, in order

    def add(self, patch: Patch) -> None:
        self._marked.append(patch)
        for pf in patch.patchset:
            self.marks += mark_file(patch, pf, self.profile, self.lookup)

    def catch_up(self, series: Series) -> list[HunkMark]:
        """The marks of the whole series: what came in early, if it is the series' beginning, and
        the rest now."""
        done = len(self._marked)
        if len(series.patches) < done or any(a is not b for a, b in zip(series.patches, self._marked)):
            self.reset()
            done = 0
        for patch in series.patches[done:]:
            self.add(patch)
        return self.marks


def mark_series(series: Series, profile: Profile, objects=None) -> list[HunkMark]:
    return SeriesMarker(profile, objects).catch_up(series)


def mark_file(patch: Patch, pf: PatchedFile, profile: Profile, lookup: SourceLookup) -> list[HunkMark]:
    path = pf.source_file[2:] if pf.is_removed_file and pf.source_file.startswith("a/") else pf.path
    pre_path = pf.source_file[2:] if pf.source_file.startswith("a/") else path
    post_spans = lookup.post_spans(patch, pf, path)
    # removed lines belong to the function they were in: read the pre-image when there are any
    pre_spans = lookup.pre_spans(patch, pf, pre_path) if pf.removed > 0 else None
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
        if mark.paths:
            mark.width = profile.file_bits(path) or _width(hunk, *map(lookup.widths,
                                                                       lookup.texts(patch, pf, pre_path, path)))
        out.append(mark)
    return out


def _width(hunk: Hunk, pre: list[int | None] | None, post: list[int | None] | None) -> int:
    """32 when every code line the hunk changes is built for i386 only, else 64 (pre, post: the
    widths of the file versions' lines, SourceLookup.widths)."""
    widths = {key: table for table, key in ((pre, "pre"), (post, "post")) if table is not None}
    if not widths:
        return 64
    seen = set()
    for ln in hunk:
        if (ln.is_added or ln.is_removed) and not COMMENT_ONLY.match(ln.value):
            side, number = ("post", ln.target_line_no) if ln.is_added else ("pre", ln.source_line_no)
            table = widths.get(side)
            seen.add(table[number - 1] if table and number <= len(table) else None)
    return 32 if seen == {32} else 64


def _changed_lines(hunk: Hunk, path: str, post_spans, pre_spans) -> list[ChangedLine]:
    # the hunk's own lines, when no version of the file is at hand
    local = _hunk_functions(hunk, path, _header_function(hunk.section_header, path)) \
        if post_spans is None and pre_spans is None else None
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
    m = ASM_LABEL.match(header) or ASM_PLAIN_LABEL.match(header)
    return m.group(1) if m else first_c_name(header)


def _assign_paths(mark: HunkMark, profile: Profile) -> None:
    paths: dict[str, None] = {}
    for name, scope in profile.entry_scopes(mark.file):
        seq = sorted(set(mark.functions) & profile.paths[name].sequence)
        if seq:
            mark.sequence[name] = seq
        if scope == "file" or seq:
            paths[name] = None
    for fn in mark.functions if not paths else ():  # a sequence function in a file the profile does not list
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
