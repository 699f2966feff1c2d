"""Finding: what a rule reports, and its stable fingerprint."""

from __future__ import annotations

import hashlib

from linter.record import field, record

SEVERITIES = ("note", "warning", "error")  # in rising order


def severity_rank(severity: str) -> int:
    return SEVERITIES.index(severity)


@record
class Finding:
    rule: str                  # "EL101"
    name: str                  # "new-entry-note"
    severity: str              # "error" | "warning" | "note"
    message: str               # says what and why it matters
    file: str | None = None    # post-image path, repository relative
    line: int | None = None    # 1-based post-image line
    commit: str | None = None  # full commit id, when the patch came from git
    subject: str | None = None  # the patch's subject line
    patch: int | None = None   # 1-based index of the patch in the series
    paths: list[str] = field(default_factory=list)      # entry paths involved
    symbol: str | None = None  # image symbol, for image findings
    image: str | None = None   # which image ("head", "base") for image findings
    evidence: list[str] = field(default_factory=list)   # e.g. a call chain, one step a line
    key: str = ""              # what makes this finding itself, for the fingerprint

    @property
    def fingerprint(self) -> str:
        """Stable across line shifts and rebases: rule, file or symbol, paths and the key."""
        where = self.file or self.symbol or ""
        text = "\0".join([self.rule, where, ",".join(sorted(self.paths)), self.key or self.message])
        return hashlib.sha256(text.encode()).hexdigest()[:32]

    @property
    def location(self) -> str:
        if self.file:
            return f"{self.file}:{self.line}" if self.line else self.file
        if self.symbol:
            return f"{self.symbol}@{self.image or 'image'}"
        return "<series>"

    def to_dict(self) -> dict:
        return {
            "rule": self.rule,
            "name": self.name,
            "severity": self.severity,
            "message": self.message,
            "file": self.file,
            "line": self.line,
            "commit": self.commit,
            "subject": self.subject,
            "patch": self.patch,
            "paths": list(self.paths),
            "symbol": self.symbol,
            "image": self.image,
            "evidence": list(self.evidence),
            "fingerprint": self.fingerprint,
        }
