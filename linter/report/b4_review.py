"""b4's review check protocol (`b4.review-perpatch-check-cmd`, `b4.review-series-check-cmd`).

    [
      {"tool": "entrylint", "status": "fail", "summary": "1 error, 1 warning",
       "url": "https://ci.example.org/job/123/entrylint.txt",
       "details": "[{\"status\": \"fail\", \"description\": \"arch/x86/xen/xen-head.S:31: ERROR: EL101 …\"}, …]"}
    ]

One object per patch in result.patches, in series order (b4 runs a per-patch command once per
patch, so usually there is one), and `[]` when there is no patch. status: `fail` when the patch
has an error, `warn` when it has a warning, else `pass`. url is result.target_url when known.

details is a string, as b4 stores it in a TEXT column: a JSON list of {status, description} with
one finding a line in checkpatch's terse shape, the shape b4's own checkpatch check writes, so
b4's review screen shows each finding with its status mark. Findings tied to no patch (image
findings) and the run's notes belong to the series as a whole, so they go with its last patch.
"""

from __future__ import annotations

import json
from typing import TextIO

from linter.findings import Finding
from linter.report import checkpatch
from linter.result import RunResult

TOOL = "entrylint"
STATUS = {"error": "fail", "warning": "warn", "note": "pass"}


def _summary(findings: list[Finding]) -> str:
    counts = {s: sum(f.severity == s for f in findings) for s in ("error", "warning", "note")}
    parts = [f"{n} {s}{'s' if n != 1 else ''}" for s, n in counts.items() if n]
    return ", ".join(parts) if parts else "no findings"


def _status(findings: list[Finding]) -> str:
    severities = {f.severity for f in findings}
    return "fail" if "error" in severities else ("warn" if "warning" in severities else "pass")


def checks(result: RunResult) -> list[dict]:
    if not result.patches:
        return []
    known = {p.index for p in result.patches}
    last = result.patches[-1].index
    out = []
    for p in result.patches:
        mine = [f for f in result.findings if f.patch == p.index or (p.index == last and f.patch not in known)]
        details = [{"status": STATUS[f.severity], "description": checkpatch.line_of(f)} for f in mine]
        if p.index == last:
            details += [{"status": "pass", "description": checkpatch.note_line(n)} for n in result.notes]
        check = {"tool": TOOL, "status": _status(mine), "summary": _summary(mine)}
        if result.target_url:
            check["url"] = result.target_url
        if details:
            check["details"] = json.dumps(details)
        out.append(check)
    return out


def render(result: RunResult, out: TextIO) -> None:
    json.dump(checks(result), out, indent=2)
    out.write("\n")
