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
from dataclasses import dataclass

ASM_SUFFIXES = (".S", ".s")
ASM_LABEL = re.compile(
    r"^\s*(?:SYM_(?:CODE|FUNC|TYPED_FUNC)_START\w*|SYM_INNER_LABEL\w*|ENTRY|GLOBAL)"
    r"\s*\(\s*(\w+)")
ASM_PLAIN_LABEL = re.compile(r"^([A-Za-z_][\w.]*):")
ASM_END = re.compile(r"^\s*(?:SYM_(?:CODE|FUNC)_END\w*|END|ENDPROC)\s*\(\s*(\w+)")
C_NAME = re.compile(r"\b([A-Za-z_]\w*)\s*\(")
C_KEYWORDS = {"if", "for", "while", "switch", "return", "sizeof", "__attribute__", "typeof",
              "__section", "__aligned", "__printf", "__must_hold", "__acquires", "__releases"}


@dataclass(frozen=True)
class Span:
    name: str
    start: int   # 1-based first line
    end: int     # 1-based last line (inclusive)


def spans(lines: list[str], path: str) -> list[Span]:
    return asm_spans(lines) if path.endswith(ASM_SUFFIXES) else c_spans(lines)


def c_spans(lines: list[str]) -> list[Span]:
    out: list[Span] = []
    decl_start = 0
    current: tuple[str, int] | None = None
    # only column-0 lines and blank lines decide anything: skip the indented body lines at once
    for i in [i for i, line in enumerate(lines) if not line or line[0] not in " \t" or line.isspace()]:
        line = lines[i]
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
            out.append(Span(current[0], current[1], i + 1))
            current = None
            decl_start = i + 1
    if current is not None:  # a function that runs past the end (a hunk's window onto a file)
        out.append(Span(current[0], current[1], len(lines)))
    return out


def _c_function_name(decl: list[str]) -> str | None:
    text = " ".join(decl)
    if "=" in text.split("(", 1)[0]:
        return None  # an initialised object (struct ops = {...}), not a function
    for m in C_NAME.finditer(text):
        if m.group(1) not in C_KEYWORDS and not m.group(1).isupper():
            return m.group(1)
    return None


def asm_spans(lines: list[str]) -> list[Span]:
    """A label runs to the next label or to the first SYM_*_END after it, whichever comes first:
    an inner label (SYM_INNER_LABEL) ends where its enclosing function does."""
    labels: list[tuple[str, int]] = []
    end_lines: list[int] = []
    for i, line in enumerate(lines, 1):
        m = ASM_LABEL.match(line) or ASM_PLAIN_LABEL.match(line)
        if m and not m.group(1).startswith(".L"):
            labels.append((m.group(1), i))
        elif ASM_END.match(line):
            end_lines.append(i)
    out = []
    for n, (name, start) in enumerate(labels):
        nxt = labels[n + 1][1] - 1 if n + 1 < len(labels) else len(lines)
        k = bisect_right(end_lines, start)
        out.append(Span(name, start, min(end_lines[k], nxt) if k < len(end_lines) else nxt))
    return out


def enclosing(span_list: list[Span], line: int) -> Span | None:
    """The innermost span holding `line` (spans are sorted by start)."""
    starts = [s.start for s in span_list]
    i = bisect_right(starts, line) - 1
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
