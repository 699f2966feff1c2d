"""Compiler-style text, one finding a line, then a one-line summary.

    arch/x86/xen/xen-head.S:31: error: EL101 new-entry-note: ... [xen-pv] [commit 1a2b3c4d5e6f]
        startup_64 -> x86_64_start_kernel (call)
    3 findings: 1 error, 1 warning, 1 note in 2 of 3 patches
"""

from __future__ import annotations

import os
import sys
from typing import TextIO

from linter.result import RunResult

COLOURS = {"error": "\033[1;31m", "warning": "\033[1;33m", "note": "\033[1;36m"}
RESET = "\033[0m"


def _use_colour(out: TextIO) -> bool:
    return out is sys.stdout and out.isatty() and "NO_COLOR" not in os.environ


def line_of(f, colour: bool = False) -> str:
    sev = f"{COLOURS[f.severity]}{f.severity}{RESET}" if colour else f.severity
    paths = f" [{', '.join(f.paths)}]" if f.paths else ""
    commit = f" [commit {f.commit[:12]}]" if f.commit else (f" [patch {f.patch}]" if f.patch else "")
    return f"{f.location}: {sev}: {f.rule} {f.name}: {f.message}{paths}{commit}"


def summary_line(result: RunResult) -> str:
    n = len(result.findings)
    if not n:
        return f"no findings in {_patches(len(result.patches))}" if result.patches else "no findings"
    counts = result.counts()
    parts = [f"{counts[s]} {s}{'s' if counts[s] != 1 else ''}" for s in ("error", "warning", "note") if counts[s]]
    touched = len({f.patch for f in result.findings if f.patch})
    tail = f" in {touched} of {_patches(len(result.patches))}" if result.patches else ""
    return f"{n} finding{'s' if n != 1 else ''}: {', '.join(parts)}{tail}"


def _patches(n: int) -> str:
    return f"{n} patch{'es' if n != 1 else ''}"


def render(result: RunResult, out: TextIO) -> None:
    colour = _use_colour(out)
    for f in result.findings:
        out.write(line_of(f, colour) + "\n")
        for step in f.evidence:
            out.write(f"    {step}\n")
    for note in result.notes:
        out.write(f"note: {note}\n")
    out.write(summary_line(result) + "\n")
