"""`entrylint rules` and `entrylint explain ID`: the catalogue, from the rule modules' own docs."""

from __future__ import annotations

import json
import sys

from linter.engine import rule_info
from linter.errors import ConfigError


def run(args) -> int:
    from rules import ALL

    if args.command == "explain":
        module = ALL.get(args.rule.upper())
        if module is None:
            raise ConfigError(args.rule, "unknown rule id (see `entrylint rules`)")
        info = rule_info(module)
        print(f"{info.id} {info.name} ({info.severity}; needs {', '.join(sorted(info.needs))})\n")
        print(info.docs)
        return 0
    infos = [rule_info(m) for m in ALL.values()]
    if args.format == "markdown":
        print(markdown(infos), end="")
        return 0
    if args.format == "json":
        json.dump([{"id": i.id, "name": i.name, "severity": i.severity, "needs": sorted(i.needs),
                    "summary": i.summary} for i in infos], sys.stdout, indent=2)
        print()
        return 0
    for i in infos:
        print(f"{i.id}  {i.name:<24} {i.severity:<8} {i.summary}")
    return 0


def markdown(infos) -> str:
    """The README's rule catalogue, made from the rule modules' own docs (one copy, never stale)."""
    out = ["| id | name | severity | needs | what it flags |", "| --- | --- | --- | --- | --- |"]
    for i in infos:
        out.append(f"| [{i.id}](#{i.id.lower()}-{i.name}) | {i.name} | {i.severity} | "
                   f"{', '.join(sorted(i.needs))} | {i.summary} |")
    for i in infos:
        body = i.docs.split("\n", 1)[1].strip() if "\n" in i.docs else ""
        body = body.replace("\nExample:\n", "\nExample:\n\n").replace("\nInstead:\n", "\nInstead:\n\n")
        out += ["", f"### {i.id} {i.name}", "", f"*{i.summary}.* Severity: {i.severity}; needs: "
                f"{', '.join(sorted(i.needs))}.", "", body]
    return "\n".join(out) + "\n"
