"""What a path's own boot code calls and names, read from the series' head revision: EL110 asks it
whether a one-sided change makes a path more like its counterparts or different from them.

The vocabulary of a path is the calls (`name(` in C, `call/jmp name` in assembler) and the hardware
names (MSR_*, X86_FEATURE_*, X86_CR*) in its entry code: whole files of scope "file", the sequence
functions of scope "sequence"; a path that joins another (pvh → native) also has that one's.
"""

from __future__ import annotations

import re

from linter.csource import ASM_SUFFIXES, C_KEYWORDS, spans

CALL = re.compile(r"\b([A-Za-z_]\w*)\s*\(")
ASM_CALL = re.compile(r"\b(?:call|jmp)\w*\s+\*?([A-Za-z_]\w*)")
HARDWARE = re.compile(r"\b((?:MSR|X86_FEATURE|X86_CR\d)_\w+)")


def words(lines: list[str], asm: bool = False) -> set[str]:
    """The calls and hardware names of some lines (comments are no calls)."""
    from linter.hooksource import blank_comments

    found = set()
    for line in blank_comments(lines):
        found.update(HARDWARE.findall(line))
        calls = ASM_CALL.findall(line) if asm else CALL.findall(line)
        found.update(n for n in calls if n not in C_KEYWORDS and not n.isupper())
    return found


def vocabulary(ctx, path: str, revision: str | None) -> set[str] | None:
    """The words of `path`'s entry code (and of the path it joins) at `revision`; None when no
    file of it could be read (patch files with no tree)."""
    if revision is None or ctx.versions is None:
        return None
    out, read = set(), False
    profile = ctx.profile
    for name in (path, profile.paths[path].joins):
        if not name:
            continue
        p = profile.paths[name]
        for ef in p.entry_files:
            if not ef.is_plain:
                continue
            found = ctx.versions.named(f"{revision}:{ef.pattern}")
            if found is None:
                continue
            read, lines = True, found[1].lines
            asm = ef.pattern.endswith(ASM_SUFFIXES)
            if ef.scope == "file":
                out |= words(lines, asm)
            else:
                for span in spans(lines, ef.pattern):
                    if span.name in p.sequence:
                        out |= words(lines[span.start - 1:span.end], asm)
    return out if read else None


def head_revision(ctx) -> str | None:
    """The revision the series ends at: its last commit, the index for a staged change, HEAD for
    patch files in a work tree."""
    if ctx.series is None or not ctx.series.patches or not ctx.repo_root:
        return None
    last = ctx.series.patches[-1]
    return last.commit or ("" if last.source == "index" else "HEAD")
