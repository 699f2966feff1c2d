"""Output for b4's per-patch check commands (`b4.prep-perpatch-check-cmd`, `b4.am-perpatch-check-cmd`).

    arch/x86/xen/xen-head.S:31: ERROR: EL101 new-entry-note: new Xen ELF note ENTRY … [xen-pv]
    arch/x86/kernel/head64.c:212: WARNING: EL104 sequence-divergence: … [native, xen-pv]

b4 runs the command once per patch and sorts its stdout lines: a line with `ERROR:` fails the
patch, any other line warns, no output passes. So this is checkpatch's terse shape (see
checkpatch.py), one line per finding, and nothing at all when there is nothing to say. Notes
(CHECK: lines, and the run's notes) would count as warnings in b4, so they are written only
when result.show_notes is True: the CLI sets it False for this format unless --fail-on note.
Nothing goes to stderr, which b4 would count as a failure.
"""

from __future__ import annotations

from linter.report.checkpatch import render   # the same lines: see above

__all__ = ["render"]
