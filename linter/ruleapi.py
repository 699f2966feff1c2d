"""What a rule module uses to build its findings, so every finding says where, on which path, why."""

from __future__ import annotations

import sys
from types import ModuleType
from typing import TYPE_CHECKING, Iterable

from linter.findings import Finding

if TYPE_CHECKING:  # pragma: no cover
    from linter.marks import HunkMark

DOC_HEADINGS = ("What it does:", "Why it matters:", "Example:", "Instead:")


def finding(rule: ModuleType | str, message: str, *, mark: "HunkMark | None" = None, line: int | None = None,
            file: str | None = None, paths: Iterable[str] = (), symbol: str | None = None,
            image: str | None = None, evidence: Iterable[str] = (), key: str = "") -> Finding:
    """A Finding of `rule` (a rule module, or its __name__), located at a hunk mark or an image symbol."""
    if isinstance(rule, str):
        rule = sys.modules[rule]
    f = Finding(rule=rule.ID, name=rule.NAME, severity=rule.SEVERITY, message=message,
                paths=sorted(set(paths)), symbol=symbol, image=image, evidence=list(evidence), key=key)
    if mark is not None:
        f.file = mark.file
        f.line = line if line is not None else mark.line
        f.commit = mark.patch.commit
        f.subject = mark.patch.subject
        f.patch = mark.patch.index
    if file is not None:
        f.file, f.line = file, line
    return f


def summary(rule: ModuleType) -> str:
    """The rule's one-line title (the docstring's first line), for `entrylint rules` and SARIF."""
    doc = (rule.__doc__ or "").strip()
    return doc.splitlines()[0].rstrip(".") if doc else rule.NAME
