"""Run the selected rules over a Context, then apply severities, acks and ordering."""

from __future__ import annotations

from types import ModuleType

from linter.context import Context
from linter.errors import ConfigError
from linter.findings import Finding
from linter.result import RuleInfo
from linter.ruleapi import summary

NEED_WORDS = {"diff": "a patch series", "image": "--image", "base-image": "--base-image"}


def select_rules(catalogue: dict[str, ModuleType], select: list[str], ignore: list[str],
                 source: str = "command line") -> dict[str, ModuleType]:
    """Rules chosen by id or id prefix ("EL1" = every EL1xx rule); unknown ids are errors."""
    for rid in select + ignore:
        if not any(r.startswith(rid.upper()) for r in catalogue):
            raise ConfigError(source, f"unknown rule id '{rid}' (see `entrylint rules`)")
    chosen = {r: m for r, m in catalogue.items() if not select or any(r.startswith(s.upper()) for s in select)}
    return {r: m for r, m in chosen.items() if not any(r.startswith(i.upper()) for i in ignore)}


def rule_info(module: ModuleType, severity: str | None = None) -> RuleInfo:
    return RuleInfo(module.ID, module.NAME, severity or module.SEVERITY, summary(module),
                    (module.__doc__ or "").strip(), module.NEEDS)


def run_rules(ctx: Context, rules: dict[str, ModuleType], severity: dict[str, str]) -> tuple[list[Finding], list[str]]:
    findings: list[Finding] = []
    skipped: list[str] = []
    for rid, module in rules.items():
        missing = module.NEEDS - ctx.has
        if missing:
            skipped.append(f"{rid}: needs {' and '.join(NEED_WORDS[n] for n in sorted(missing))}")
            continue
        for f in module.check(ctx):
            f.severity = severity.get(rid, f.severity)
            findings.append(f)
    if any(f.image and not (f.file and f.line) for f in findings):
        from linter.image.sourcefile import locate_findings  # image runs only: keeps numpy out of diff runs

        locate_findings(ctx, findings)
    findings = [f for f in findings if not _acked(ctx, f)]
    findings.sort(key=_order)
    return _dedupe(findings), skipped


def _acked(ctx: Context, f: Finding) -> bool:
    """An `Entrylint-Ack: RULE reason` trailer on the finding's commit accepts it (a reason is required)."""
    if ctx.series is None or not f.patch or f.rule == "EL001":
        return False
    return ctx.series.patches[f.patch - 1].acks(f.rule)


def _order(f: Finding) -> tuple:
    return f.patch or 0, f.file or "", f.line or 0, f.rule, f.symbol or ""


def merge_findings(first: list[Finding], more: list[Finding]) -> list[Finding]:
    """Two runs' findings (one series through two profiles) as one sorted list, each once."""
    merged = first + more
    merged.sort(key=_order)
    return _dedupe(merged)


def _dedupe(findings: list[Finding]) -> list[Finding]:
    seen, out = set(), []
    for f in findings:
        key = (f.fingerprint, f.line, f.patch)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out
