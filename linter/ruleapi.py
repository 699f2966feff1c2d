"""What a rule module uses to build its findings, so every finding says where, on which path, why."""

from __future__ import annotations

import sys
from types import ModuleType
from typing import TYPE_CHECKING, Iterable

from linter.findings import Finding

if TYPE_CHECKING:  # pragma: no cover
    from linter.marks import HunkMark
    from linter.series import Patch

DOC_HEADINGS = ("What it does:", "Why it matters:", "Example:", "Instead:")


def finding(rule: ModuleType | str, message: str, *, mark: "HunkMark | None" = None, line: int | None = None,
            file: str | None = None, paths: Iterable[str] = (), symbol: str | None = None,
            image: str | None = None, evidence: Iterable[str] = (), key: str = "",
            patch: "Patch | None" = None) -> Finding:
    """A Finding of `rule` (a rule module, or its __name__), located at a hunk mark, an image
    symbol, or a file of a patch."""
    if isinstance(rule, str):
        rule = sys.modules[rule]
    f = Finding(rule=rule.ID, name=rule.NAME, severity=rule.SEVERITY, message=message,
                paths=sorted(set(paths)), symbol=symbol, image=image, evidence=list(evidence), key=key)
    if mark is not None:
        f.file = mark.file
        f.line = line if line is not None else mark.line
        patch = mark.patch
    if patch is not None:
        f.commit, f.subject, f.patch = patch.commit, patch.subject, patch.index
    if file is not None:
        f.file, f.line = file, line
    return f


def summary(rule: ModuleType) -> str:
    """The rule's one-line title (the docstring's first line), for `entrylint rules` and SARIF."""
    doc = (rule.__doc__ or "").strip()
    return doc.splitlines()[0].rstrip(".") if doc else rule.NAME
