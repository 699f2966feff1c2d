"""The JSON body of a patchwork check (`POST /api/patches/<id>/checks/`, or `pwclient check-create`).

    {"state": "fail", "context": "entrylint",
     "description": "3 findings: 1 error, 1 warning, 1 note in 2 of 3 patches",
     "target_url": "https://ci.example.org/job/123/entrylint.txt"}

state: `fail` when any finding is an error, `warning` when the worst is a warning, else
`success` (notes alone do not colour a patch). description is the text report's one-line
summary. target_url is where the full report lives (result.target_url); it is left out when
unknown, as patchwork's API takes it as optional.
"""

from __future__ import annotations

import json
from typing import TextIO

from linter.report.text import summary_line
from linter.result import RunResult

CONTEXT = "entrylint"


def check_state(result: RunResult) -> str:
    counts = result.counts()
    if counts["error"]:
        return "fail"
    return "warning" if counts["warning"] else "success"


def as_object(result: RunResult) -> dict:
    body = {"state": check_state(result), "context": CONTEXT, "description": summary_line(result)}
    if result.target_url:
        body["target_url"] = result.target_url
    return body


def render(result: RunResult, out: TextIO) -> None:
    json.dump(as_object(result), out, indent=2)
    out.write("\n")
