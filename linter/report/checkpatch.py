"""checkpatch.pl's `--terse` shape, which editors, CI problem matchers and b4 already parse.

    arch/x86/xen/xen-head.S:31: ERROR: EL101 new-entry-note: new Xen ELF note ENTRY … [xen-pv]
    arch/x86/kernel/head64.c:212: WARNING: EL104 sequence-divergence: … [native, xen-pv]
    -:0: CHECK: EL202 image-entry-unreached: startup_xen@head: no call chain from … [xen-pv]
    -:0: CHECK: entrylint: --base-image not given: EL201 skipped

Errors say `ERROR:`, warnings `WARNING:`, notes `CHECK:` (checkpatch's mildest level). A finding
in a file is `FILE:LINE:` as with checkpatch's --showfile (line 0 when the finding is about the
whole file). A finding without a file (an image finding no rule could tie to a source file) is
`-:0:`: checkpatch names stdin input `-`, and line 0 points at no line of it, so b4, which reads
`-:N:` as a line of the patch, ignores it. The run's notes follow as `-:0: CHECK: entrylint:`
lines. Notes (CHECK: findings and the run's notes) are written only when result.show_notes is
True, as for the b4 format: the CLI sets it with --show-notes or --fail-on note. Like
`checkpatch --terse --no-summary`, there is no summary line and no output at all when there is
nothing to say. Every entry is one line.
"""

from __future__ import annotations

from typing import TextIO

from linter.findings import Finding
from linter.result import RunResult

LEVELS = {"error": "ERROR", "warning": "WARNING", "note": "CHECK"}
NO_FILE = "-:0"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def line_of(f: Finding) -> str:
    where = f"{f.file}:{f.line or 0}" if f.file else NO_FILE
    symbol = f"{f.symbol}@{f.image or 'image'}: " if f.symbol else ""
    paths = f" [{', '.join(f.paths)}]" if f.paths else ""
    return f"{where}: {LEVELS[f.severity]}: {f.rule} {f.name}: {_one_line(symbol + f.message)}{paths}"


def note_line(note: str) -> str:
    return f"{NO_FILE}: CHECK: entrylint: {_one_line(note)}"


def lines(result: RunResult) -> list[str]:
    """One line per finding; note findings and the run's notes only when result.show_notes."""
    out = [line_of(f) for f in result.findings if result.show_notes or f.severity != "note"]
    if result.show_notes:
        out += [note_line(n) for n in result.notes]
    return out


def render(result: RunResult, out: TextIO) -> None:
    for line in lines(result):
        out.write(line + "\n")
