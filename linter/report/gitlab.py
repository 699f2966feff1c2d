"""GitLab Code Quality report (`artifacts: reports: codequality: gl-code-quality-report.json`).

    [
      {"description": "EL101 new-entry-note: new Xen ELF note ENTRY announces … [xen-pv] [commit 1a2b3c4d5e6f]",
       "check_name": "EL101 new-entry-note",
       "fingerprint": "3f1c9a…",
       "severity": "critical",
       "location": {"path": "arch/x86/xen/xen-head.S", "lines": {"begin": 31}}}
    ]

GitLab reads a subset of the Code Climate spec: every entry has description, check_name,
fingerprint, severity and location.path with location.lines.begin; it ignores other keys.

Severity: GitLab's scale is info < minor < major < critical < blocker. An entrylint error is a
boot path that diverged, which a maintainer should not merge: `critical`. A warning asks for a
look: `major`. A note is information: `info`. (`blocker` is left for nothing: entrylint cannot
know a change will not boot.)

Location: the finding's file and line (line 1 when the finding is about a whole file). An image
finding is located at the file its rule tied the symbol to; when a rule could not name one, the
path is IMAGE_PLACEHOLDER ("vmlinux"): not a file of the repository, so GitLab lists the finding
without a link to the diff.

Fingerprints must be unique within a report: Finding.fingerprint is stable across rebases, and a
second finding with the same fingerprint (the same problem met twice, say in two patches) gets
that fingerprint re-hashed with its occurrence number, which stays stable too.
"""

from __future__ import annotations

import hashlib
import json
from typing import TextIO

from linter.findings import Finding
from linter.result import RunResult

SEVERITIES = {"error": "critical", "warning": "major", "note": "info"}
IMAGE_PLACEHOLDER = "vmlinux"


def _description(f: Finding) -> str:
    where = f"{f.symbol}@{f.image or 'image'}: " if f.symbol else ""
    paths = f" [{', '.join(f.paths)}]" if f.paths else ""
    commit = f" [commit {f.commit[:12]}]" if f.commit else (f" [patch {f.patch}]" if f.patch else "")
    return f"{f.rule} {f.name}: {where}{f.message}{paths}{commit}"


def issues(result: RunResult) -> list[dict]:
    seen: dict[str, int] = {}
    out = []
    for f in result.findings:
        fingerprint = f.fingerprint
        seen[fingerprint] = seen.get(fingerprint, 0) + 1
        if seen[fingerprint] > 1:
            fingerprint = hashlib.sha256(f"{fingerprint}\0{seen[fingerprint]}".encode()).hexdigest()[:32]
        out.append({
            "description": _description(f),
            "check_name": f"{f.rule} {f.name}",
            "fingerprint": fingerprint,
            "severity": SEVERITIES[f.severity],
            "location": {"path": f.file or IMAGE_PLACEHOLDER, "lines": {"begin": f.line or 1}},
        })
    return out


def render(result: RunResult, out: TextIO) -> None:
    json.dump(issues(result), out, indent=2)
    out.write("\n")
