"""RunResult: everything a report format needs, and nothing it must compute itself."""

from __future__ import annotations

from linter.findings import Finding, severity_rank
from linter.record import field, record


@record
class PatchInfo:
    index: int                 # 1-based position in the series
    commit: str | None
    subject: str
    source: str                # where it came from: a file name, "git", "stdin", "index"


@record
class RuleInfo:
    id: str
    name: str
    severity: str              # default severity (after config overrides)
    summary: str               # one line: "What it does"
    docs: str                  # the full docs (the module docstring)
    needs: frozenset[str]


@record
class RunResult:
    findings: list[Finding]
    patches: list[PatchInfo] = field(default_factory=list)
    rules: list[RuleInfo] = field(default_factory=list)      # the rules that were selected
    notes: list[str] = field(default_factory=list)           # what could not be read, or was skipped
    skipped_rules: list[str] = field(default_factory=list)   # "EL201: needs --base-image"
    fail_on: str = "warning"
    target_url: str | None = None                             # for patchwork / b4-review
    show_notes: bool = True                                   # b4 format hides notes unless asked

    def failing(self) -> list[Finding]:
        bar = severity_rank(self.fail_on)
        return [f for f in self.findings if severity_rank(f.severity) >= bar]

    @property
    def exit_code(self) -> int:
        return 1 if self.failing() else 0

    def counts(self) -> dict[str, int]:
        out = {"error": 0, "warning": 0, "note": 0}
        for f in self.findings:
            out[f.severity] += 1
        return out
