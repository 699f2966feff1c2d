"""Function spans in kernel C and assembler sources, without a compiler.

C: kernel brace style puts a function's opening and closing braces in column 0, so a function is
the identifier before the first "(" of the declaration that precedes a column-0 "{", up to the
next column-0 "}". Assembler: SYM_*_START / ENTRY / GLOBAL labels, or a plain "name:" label in
column 0, up to the next label. Good enough to name what a hunk changes; the image side maps
changed lines precisely through DWARF where it can.
"""

from __future__ import annotations

import re
from bisect import bisect_right

from linter.listcache import ByList
from linter.record import record

ASM_SUFFIXES = (".S", ".s")
ASM_LABEL = re.compile(
    r"^\s*(?:SYM_(?:CODE|FUNC|TYPED_FUNC)_START\w*|SYM_INNER_LABEL\w*|ENTRY|GLOBAL)"
    r"\s*\(\s*(\w+)")
ASM_PLAIN_LABEL = re.compile(r"^([A-Za-z_][\w.]*):")
ASM_END = re.compile(r"^\s*(?:SYM_(?:CODE|FUNC)_END\w*|END|ENDPROC)\s*\(\s*(\w+)")
C_NAME = re.compile(r"\b([A-Za-z_]\w*)\s*\(")
C_KEYWORDS = {"if", "for", "while", "switch", "return", "sizeof", "__attribute__", "typeof",
              "__section", "__aligned", "__printf", "__must_hold", "__acquires", "__releases"}


@record(frozen=True)
class Span:
    name: str
    start: int   # 1-based first line
    end: int     # 1-based last line (inclusive)


def spans(lines: list[str], path: str) -> list[Span]:
    return asm_spans(lines) if path.endswith(ASM_SUFFIXES) else c_spans(lines)


def _c_spans(lines: list[str]) -> list[Span]:
    return [span for span, _ in _c_scan(lines, 0)]


# the functions of a C file version, found once a run for each (shared: never change it in place)
c_spans = ByList(_c_spans)


def _c_scan(lines: list[str], begin: int):
    """(span, index of its closing "}" line, or None for a function that runs past the end), in
    order, scanning from `begin`: the start of the file or the line after a function's "}"."""
    decl_start = begin
    current: tuple[str, int] | None = None
    for i in range(begin, len(lines)):
        line = lines[i]
        if line and line[0] in " \t" and not line.isspace():
            continue        # only column-0 lines and blank lines decide anything
        if current is None:
            if line.startswith("{"):
                name = _c_function_name(lines[decl_start:i])
                if name:
                    current = (name, decl_start + 1)
            elif not line[:1].isspace() and line.strip() and not line.startswith(("#", "/", "*", "}")):
                # a new top-level declaration starts here (unless it continues the previous one)
                prev = lines[i - 1].rstrip() if i else ""
                if not prev.endswith((",", "(", "\\")) or not prev:
                    decl_start = i
            elif not line.strip():
                decl_start = i + 1
        elif line.startswith("}"):
            yield Span(current[0], current[1], i + 1), i
            current = None
            decl_start = i + 1
    if current is not None:  # a function that runs past the end (a hunk's window onto a file)
        yield Span(current[0], current[1], len(lines)), None


# An edit: (old start, old stop, new start, new stop) of a stretch of lines one version replaced in
# the other (0-based, stop exclusive); sorted, not overlapping. The lines between edits are the
# same in both versions, `delta` lines apart.
Edit = tuple[int, int, int, int]


def spans_after_edit(old: list[str], old_spans: list[Span], new: list[str], edits: list[Edit],
                     path: str) -> list[Span]:
    """spans(new, path), from the spans of the `old` version that `edits` turned into `new`: only
    the lines around each edit are scanned again. A series' next version of a file differs from
    the one before in a few hunks; scanning whole files again was most of a 100-patch check's time."""
    if not edits:
        return old_spans
    return (_asm_after_edit if path.endswith(ASM_SUFFIXES) else _c_after_edit)(old, old_spans, new, edits)


def _shifted(spans_: list[Span], delta: int) -> list[Span]:
    return [Span(s.name, s.start + delta, s.end + delta) for s in spans_] if delta else list(spans_)


def _moved(span: Span, delta: int) -> Span:
    return Span(span.name, span.start + delta, span.end + delta) if delta else span


def _c_after_edit(old: list[str], old_spans: list[Span], new: list[str], edits: list[Edit]) -> list[Span]:
    # The scan's state after a function's closing "}" does not depend on anything before it. So:
    # copy old's functions up to the last one that closes before an edit, scan from there past
    # the edit to the first "}" that old closes a function with too, and go on from there.
    old_closes = {s.end for s in old_spans if old[s.end - 1].startswith("}")}   # 1-based lines
    out: list[Span] = []
    at, k, e, delta = 0, 0, 0, 0     # old line where old and new agree; next old span; next edit
    while e < len(edits):
        while k < len(old_spans) and old_spans[k].end - 1 < edits[e][0] and old_spans[k].end in old_closes:
            out.append(_moved(old_spans[k], delta))
            at = old_spans[k].end
            k += 1
        resynced = False
        for span, close in _c_scan(new, at + delta):
            out.append(span)
            if close is None:
                return out
            while e < len(edits) and close >= edits[e][3]:
                delta = edits[e][3] - edits[e][1]
                e += 1
            # (inside an edit, this only restarts the scan where it is, in the same state)
            if close - delta + 1 in old_closes:
                at = close - delta + 1
                while k < len(old_spans) and old_spans[k].start <= at:
                    k += 1
                resynced = True
                break
        if not resynced:
            return out
    return out + _shifted(old_spans[k:], delta)


def _c_function_name(decl: list[str]) -> str | None:
    text = " ".join(decl)
    if "=" in text.split("(", 1)[0]:
        return None  # an initialised object (struct ops = {...}), not a function
    return first_c_name(text)


def first_c_name(text: str) -> str | None:
    """The first `name(` that is no keyword or macro: a declaration's function name."""
    for m in C_NAME.finditer(text):
        if m.group(1) not in C_KEYWORDS and not m.group(1).isupper():
            return m.group(1)
    return None


def asm_spans(lines: list[str]) -> list[Span]:
    return _asm_spans_of(*_asm_marks(lines, 0, len(lines)), len(lines))


def _asm_marks(lines: list[str], begin: int, stop: int) -> tuple[list[tuple[str, int]], list[int]]:
    """The labels (name, 1-based line) and SYM_*_END lines among lines[begin:stop]."""
    labels: list[tuple[str, int]] = []
    end_lines: list[int] = []
    for i in range(begin, stop):
        line = lines[i]
        m = ASM_LABEL.match(line) or ASM_PLAIN_LABEL.match(line)
        if m and not m.group(1).startswith(".L"):
            labels.append((m.group(1), i + 1))
        elif ASM_END.match(line):
            end_lines.append(i + 1)
    return labels, end_lines


def _asm_spans_of(labels: list[tuple[str, int]], end_lines: list[int], last_line: int) -> list[Span]:
    """A label runs to the next label or to the first SYM_*_END after it, whichever comes first:
    an inner label (SYM_INNER_LABEL) ends where its enclosing function does."""
    out = []
    for n, (name, start) in enumerate(labels):
        nxt = labels[n + 1][1] - 1 if n + 1 < len(labels) else last_line
        k = bisect_right(end_lines, start)
        out.append(Span(name, start, min(end_lines[k], nxt) if k < len(end_lines) else nxt))
    return out


def _asm_after_edit(old: list[str], old_spans: list[Span], new: list[str], edits: list[Edit]) -> list[Span]:
    # A label's span depends only on the lines from it to the next label. Copy the spans that end
    # (with the line before the next label) before an edit, scan again up to the first label after
    # it, and go on from there.
    out: list[Span] = []
    k, e, delta = 0, 0, 0
    while e < len(edits):
        while k < len(old_spans) and old_spans[k].end < edits[e][0]:
            out.append(_moved(old_spans[k], delta))
            k += 1
        begin = out[-1].end if out else 0
        # the first label after this edit; an edit that comes before it is scanned with this one
        while True:
            delta = edits[e][3] - edits[e][1]
            nxt = next((j for j in range(k, len(old_spans)) if old_spans[j].start - 1 >= edits[e][1]), None)
            if nxt is None or e + 1 == len(edits) or old_spans[nxt].start - 1 < edits[e + 1][0]:
                break
            e += 1
        e += 1
        stop = old_spans[nxt].start - 1 + delta if nxt is not None else len(new)
        labels, end_lines = _asm_marks(new, begin, stop)
        if nxt is None:
            return out + _asm_spans_of(labels, end_lines, len(new))
        labels.append((old_spans[nxt].name, stop + 1))
        out += _asm_spans_of(labels, end_lines, len(new))[:-1]
        k = nxt
    return out + _shifted(old_spans[k:], delta)


def enclosing(span_list: list[Span], line: int) -> Span | None:
    """The innermost span holding `line` (spans are sorted by start)."""
    i = bisect_right(span_list, line, key=lambda s: s.start) - 1
    while i >= 0:
        if span_list[i].start <= line <= span_list[i].end:
            return span_list[i]
        i -= 1
    return None


def defined_labels(text_lines: list[str]) -> list[tuple[str, bool]]:
    """(label, is_global) for the asm labels the given lines define (EL102 reads added lines)."""
    found = []
    globl = set()
    for line in text_lines:
        g = re.match(r"^\s*\.glob(?:a)?l\s+(\w+)", line)
        if g:
            globl.add(g.group(1))
    for line in text_lines:
        m = re.match(r"^\s*(SYM_(?:CODE|FUNC|TYPED_FUNC)_START(\w*)|SYM_INNER_LABEL(\w*)|ENTRY|GLOBAL)\s*\(\s*(\w+)([^)]*)", line)
        if m:
            local = "LOCAL" in (m.group(2) or "") or "SYM_L_LOCAL" in m.group(5)
            found.append((m.group(4), not local))
            continue
        p = ASM_PLAIN_LABEL.match(line)
        if p and p.group(1) in globl:
            found.append((p.group(1), True))
    return found


_IF = re.compile(r"^\s*#\s*(ifdef|ifndef|if|elif|else|endif)\b(.*)")
_WIDTH = {("ifdef", "CONFIG_X86_64"): 64, ("ifndef", "CONFIG_X86_64"): 32,
          ("ifdef", "CONFIG_X86_32"): 32, ("ifndef", "CONFIG_X86_32"): 64}


def line_widths(lines: list[str]) -> list[int | None]:
    """Per line, 32 or 64 when it sits in an `#ifdef CONFIG_X86_64` (or _32) branch that builds it
    for one width only (an `#else` of one is the other width), else None (both)."""
    stack: list[int | None] = []
    out = []
    for line in lines:
        m = _IF.match(line)
        if m:
            word, rest = m.group(1), m.group(2).split("/*")[0].strip()
            if word in ("ifdef", "ifndef", "if"):
                cond = rest.replace("defined(", "").replace(")", "").strip()
                stack.append(_WIDTH.get(("ifdef" if word == "if" else word, cond)))
            elif word == "else" and stack:
                stack[-1] = {32: 64, 64: 32}.get(stack[-1])
            elif word == "elif" and stack:
                stack[-1] = None
            elif word == "endif" and stack:
                stack.pop()
        out.append(next((w for w in reversed(stack) if w), None))
    return out
