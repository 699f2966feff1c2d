"""Hook slots in C source, without a compiler: writes to hook tables, calls through them, their
static defaults, and the order of the calls a function makes.

A slot is named by its member path from the table: `x86_init.resources.memory_setup`,
`pv_ops.cpu.io_delay`; `apic->read` is `apic.read`. Kernel style keeps these shapes plain
(HOOKS.md): `x86_init.oem.arch_setup = xen_arch_setup;`, `pv_ops.cpu = xen_cpu_ops;` (a struct
copy: every slot of the sub-table at once), `x86_init.oem.arch_setup();` and designated
initialisers `struct x86_init_ops x86_init __initdata = { .oem = { .banner = default_banner, }, };`.
Calls hidden in header wrappers (pv_ops' `PVOP_VCALL` macros) are not seen here; the image side
sees them as slot reads.
"""

from __future__ import annotations

import re
from functools import lru_cache

from linter.csource import C_KEYWORDS, Span, c_spans
from linter.listcache import ByList
from linter.record import record

NOT_CALLS = C_KEYWORDS | {"defined", "asm", "__asm__", "volatile", "do", "else", "case", "goto"}
IDENT = re.compile(r"[A-Za-z_]\w*")
CALL_NAME = re.compile(r"([A-Za-z_]\w*)\s*\(")


@record(frozen=True)
class Assignment:
    slot: str              # "x86_init.resources.memory_setup" (or a sub-table: "pv_ops.cpu")
    value: str             # the function (or table) written: "xen_memory_setup", "NULL"
    function: str | None   # the function whose code writes it
    line: int              # 1-based


@record(frozen=True)
class Call:
    name: str              # a function, or a slot ("x86_init.oem.arch_setup")
    line: int
    slot: bool = False


LEXEMES = re.compile(r"/\*.*?(?:\*/|\Z)|//[^\n]*|\"(?:\\.|[^\"\\\n])*\"?|'(?:\\.|[^'\\\n])*'?", re.S)


def _blank(lines: list[str]) -> list[str]:
    def blank(m) -> str:
        text = m.group(0)
        if text[0] in "\"'":
            closed = len(text) > 1 and text[-1] == text[0]
            return text[0] + " " * (len(text) - 1 - closed) + (text[0] if closed else "")
        return "\n".join(" " * len(part) for part in text.split("\n"))

    return LEXEMES.sub(blank, "\n".join(lines)).split("\n")


# The lines with comments, string and character literals blanked (lengths and line breaks kept): a
# call named in a comment or a message is no call. One regular expression over the text (a loop
# over characters in Python cost 100 ms on a kernel's boot files). A file version is blanked once
# a run: the hook map, the reorder rule and the counterparts all ask. The result is shared: never
# change it in place.
blank_comments = ByList(_blank)


@lru_cache(maxsize=8)
def _patterns(tables: tuple[str, ...]):
    names = "|".join(map(re.escape, sorted(tables, key=len, reverse=True)))
    member = r"(?:\s*(?:\.|->)\s*\w+(?:\s*\[[^\]]*\])?)"
    slot = rf"(?<![\w.>])({names})({member}*)"
    assign = re.compile(slot + r"\s*=(?!=)\s*(&?\s*[A-Za-z_][\w]*(?:\s*\.\s*\w+)*)\s*;")
    call = re.compile(slot + r"\s*\(")
    return assign, call, re.compile(slot)


def slot_name(table: str, members: str) -> str:
    """`x86_init` + ` .resources. memory_setup` → "x86_init.resources.memory_setup"."""
    path = re.sub(r"\s+", "", members).replace("->", ".")
    path = re.sub(r"\[[^\]]*\]", "", path)
    return table + path


def assignments(lines: list[str], spans: list[Span], tables: tuple[str, ...], blanked: bool = False) -> list[Assignment]:
    """Writes of a function or table into a hook slot, each with the function that makes it."""
    from linter.csource import enclosing

    assign, _, _ = _patterns(tuple(tables))
    code = lines if blanked else blank_comments(lines)
    found = []
    for i, line in enumerate(code):
        if "=" not in line:
            continue
        for m in assign.finditer(line):
            span = enclosing(spans, i + 1) if spans else None
            found.append(Assignment(slot_name(m.group(1), m.group(2)), re.sub(r"[\s&]", "", m.group(3)),
                                    span.name if span else None, i + 1))
    return found


def calls(lines: list[str], span: Span, tables: tuple[str, ...]) -> list[Call]:
    """The calls a function makes, in source order: functions by name, slots by their name.
    Member calls other than hook slots (`ops->foo()`) and ALL-CAPS macros are left out."""
    return calls_in(_body(lines, span), tables)


def calls_in(numbered: list[tuple[int, str]], tables: tuple[str, ...]) -> list[Call]:
    """calls() of any (line number, text) stretch: a hunk's window onto a function."""
    _, slot_call, _ = _patterns(tuple(tables))
    out = []
    for number, line in numbered:
        found = [(m.start(), Call(slot_name(m.group(1), m.group(2)), number, slot=True), m.end())
                 for m in slot_call.finditer(line)]
        for m in re.finditer(r"([A-Za-z_]\w*)\s*\(", line):
            name, start = m.group(1), m.start(1)
            if any(at <= start < end for at, _, end in found) or name in NOT_CALLS or name.isupper() \
                    or line[:start].rstrip().endswith((".", "->")):
                continue
            found.append((start, Call(name, number), m.end()))
        out += [c for _, c, _ in sorted(found, key=lambda f: f[0])]
    return out


def calls_by_function(code: list[str], spans: list[Span], tables: tuple[str, ...]) -> dict[str, tuple[set, set]]:
    """function → (slots it calls, functions it calls), for every function of a blanked file at
    once: one pass of the regular expressions over the whole text (calls() per function was 100 ms
    on a kernel's boot files)."""
    from bisect import bisect_right

    _, slot_call, _ = _patterns(tuple(tables))
    text = "\n".join(code)
    line_starts = [0]
    for line in code[:-1]:
        line_starts.append(line_starts[-1] + len(line) + 1)
    starts = [sp.start for sp in spans]
    out: dict[str, tuple[set, set]] = {}

    def owner(pos: int) -> Span | None:
        line = bisect_right(line_starts, pos)
        at = bisect_right(starts, line) - 1
        return spans[at] if at >= 0 and spans[at].start <= line <= spans[at].end else None

    slot_spans = []
    for m in slot_call.finditer(text):
        slot_spans.append((m.start(), m.end()))
        sp = owner(m.start())
        if sp is not None:
            out.setdefault(sp.name, (set(), set()))[0].add(slot_name(m.group(1), m.group(2)))
    k = 0
    for m in CALL_NAME.finditer(text):
        start = m.start(1)
        while k < len(slot_spans) and slot_spans[k][1] <= start:
            k += 1
        name = m.group(1)
        before = start - 1
        while before >= 0 and text[before] in " \t":
            before -= 1
        if (k < len(slot_spans) and slot_spans[k][0] <= start) or name in NOT_CALLS or name.isupper() \
                or (before >= 0 and text[before] in ".>"):     # a member call (ops->foo()) is no call
            continue
        sp = owner(start)
        if sp is not None and name != sp.name:
            out.setdefault(sp.name, (set(), set()))[1].add(name)
    return out


def _body(code: list[str], span: Span) -> list[tuple[int, str]]:
    """(line number, text) of a function's body: from its opening brace to its end."""
    lines = list(range(span.start - 1, min(span.end, len(code))))
    opening = next((k for k in lines if code[k].startswith("{")), None)
    if opening is None:
        return []
    return [(k + 1, code[k] if k != opening else code[k][1:]) for k in lines if k >= opening]


def initialisers(lines: list[str], names: set[str] | None = None) -> dict[str, dict[str, str]]:
    """Designated initialisers of top-level variables: {variable: {member path: value}}, e.g.
    {"x86_init": {"resources.memory_setup": "e820__memory_setup_default"}}. Only variables in
    `names` when given. A value wrapped in a macro (`__PV_IS_CALLEE_SAVE(f)`) is the function in it."""
    text = "\n".join(line for line in blank_comments(lines) if not line.lstrip().startswith("#"))
    out = {}
    for m in re.finditer(r"^[A-Za-z_][^;=(){}]*?\b([A-Za-z_]\w*)\s*(?:\[[^\]]*\])?\s*(?:__\w+\s*)*=\s*\{", text, re.M):
        if names is not None and m.group(1) not in names:
            continue
        members: dict[str, str] = {}
        _members(text, m.end(), "", members)
        out[m.group(1)] = members
    return out


def _members(text: str, at: int, prefix: str, out: dict[str, str]) -> int:
    """Read `.a = x, .b.c = { ... },` from `at` (just inside a "{") to its "}"; return the index past it."""
    n = len(text)
    while at < n:
        m = re.compile(r"\s*(?:,\s*)?").match(text, at)
        at = m.end()
        if at >= n or text[at] == "}":
            return at + 1
        d = re.compile(r"((?:\.\s*\w+\s*|\[[^\]]*\]\s*)+)=\s*").match(text, at)
        key = ""
        if d:
            key = re.sub(r"\[[^\]]*\]|\s", "", d.group(1)).lstrip(".")
            at = d.end()
        path = f"{prefix}.{key}" if prefix and key else prefix or key
        if at < n and text[at] == "{":
            at = _members(text, at + 1, path, out)
            continue
        end = _value_end(text, at)
        if key:
            value = _function_in(text[at:end])
            if value:
                out[path] = value
        at = end
    return at


def _value_end(text: str, at: int) -> int:
    depth = 0
    for i in range(at, len(text)):
        c = text[i]
        if c in "({[":
            depth += 1
        elif c in ")]" or (c == "}" and depth):
            depth -= 1
        elif (c == "," or c == "}") and depth <= 0:
            return i
    return len(text)


def _function_in(expr: str) -> str | None:
    """The function an initialiser names: the last identifier that is no ALL-CAPS macro or cast."""
    names = [n for n in IDENT.findall(expr) if not n.isupper() and n not in ("void", "struct", "unsigned", "long")]
    return names[-1] if names else None


@record(frozen=True)
class SequenceItem:
    name: str              # a call (function or slot)
    top: str               # the function's own call it is part of: itself, or the same-file helper
    line: int              # the line of that own call
    slot: bool = False


def defined_functions(lines: list[str]) -> tuple[list[str], dict[str, Span]]:
    """(blanked lines, function → span) of a file version: what sequence() reads, made once."""
    code = blank_comments(lines)
    return code, {s.name: s for s in c_spans(code)}


def sequence(parsed: tuple[list[str], dict[str, Span]], function: str, tables: tuple[str, ...]) -> list[SequenceItem] | None:
    """The calls `function` makes, in order, with the calls of the helpers it calls from the same
    file spliced in (one level): code moved into a new helper called elsewhere still shows where it
    runs. `parsed` is defined_functions() of the file. None when the file defines no such function."""
    code, defined = parsed
    if function not in defined:
        return None
    items = []
    for c in calls(code, defined[function], tables):
        items.append(SequenceItem(c.name, c.name, c.line, c.slot))
        if not c.slot and c.name in defined and c.name != function:
            items += [SequenceItem(i.name, c.name, c.line, i.slot) for i in calls(code, defined[c.name], tables)]
    return items


def window_sequence(numbered: list[tuple[int, str]], tables: tuple[str, ...]) -> list[SequenceItem]:
    """sequence() of a hunk's window when no version of the file is at hand (no helpers spliced)."""
    code = blank_comments([text for _, text in numbered])
    return [SequenceItem(c.name, c.name, numbered[c.line - 1][0], c.slot)
            for c in calls_in(list(enumerate(code, 1)), tables)]
