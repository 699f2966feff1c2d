"""Output formats: one module per format, chosen from this table.

Each module has `render(result: RunResult, out: TextIO) -> None` and a docstring showing a sample
of its output. Modules are imported only when chosen.
"""

from __future__ import annotations

import importlib
from typing import TextIO

from linter.result import RunResult

FORMATS = {
    "text": "linter.report.text",
    "json": "linter.report.json_format",
    "sarif": "linter.report.sarif",
    "github": "linter.report.github",
    "gitlab": "linter.report.gitlab",
    "junit": "linter.report.junit",
    "patchwork": "linter.report.patchwork",
    "checkpatch": "linter.report.checkpatch",
    "b4": "linter.report.b4",
    "b4-review": "linter.report.b4_review",
}


def render(fmt: str, result: RunResult, out: TextIO) -> None:
    importlib.import_module(FORMATS[fmt]).render(result, out)
