"""JSON: a stable object other tools parse (documented in the README, "JSON output").

    {"version": 1, "tool": "entrylint", "tool_version": "0.1.0",
     "summary": {"findings": 3, "error": 1, "warning": 1, "note": 1, "patches": 3, "exit_code": 1},
     "patches": [{"index": 1, "commit": "…", "subject": "…", "source": "git"}],
     "findings": [{"rule": "EL101", "name": "new-entry-note", "severity": "error", "message": "…",
                   "file": "arch/x86/xen/xen-head.S", "line": 31, "commit": "…", "subject": "…",
                   "patch": 1, "paths": ["xen-pv"], "symbol": null, "image": null,
                   "evidence": [], "fingerprint": "…"}],
     "notes": [], "skipped_rules": []}
"""

from __future__ import annotations

import json
from linter.record import asdict
from typing import TextIO

from linter import __version__
from linter.result import RunResult

SCHEMA_VERSION = 1


def as_object(result: RunResult) -> dict:
    counts = result.counts()
    return {
        "version": SCHEMA_VERSION,
        "tool": "entrylint",
        "tool_version": __version__,
        "summary": {"findings": len(result.findings), **counts, "patches": len(result.patches),
                    "fail_on": result.fail_on, "exit_code": result.exit_code},
        "patches": [asdict(p) for p in result.patches],
        "findings": [f.to_dict() for f in result.findings],
        "notes": list(result.notes),
        "skipped_rules": list(result.skipped_rules),
    }


def render(result: RunResult, out: TextIO) -> None:
    json.dump(as_object(result), out, indent=2)
    out.write("\n")
