"""Rewrite a README section between its markers: `python tools/readme_sections.py rules` puts the
rule catalogue made from the rule modules' docs there (tests/test_docs.py checks it is current)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def section(name: str, text: str | None = None, path: Path = README) -> str:
    """The text between `<!-- BEGIN name -->` and `<!-- END name -->`; replace it when text is given
    (the file is read just before it is written: others edit other sections; bench/run.py too)."""
    readme = path.read_text(encoding="utf-8")
    pat = re.compile(rf"(<!-- BEGIN {name} -->\n)(.*?)(<!-- END {name} -->)", re.S)
    m = pat.search(readme)
    if not m:
        raise SystemExit(f"{path.name} has no section '{name}'")
    if text is not None:
        path.write_text(readme[: m.start(2)] + text.rstrip() + "\n" + readme[m.end(2):], encoding="utf-8")
    return m.group(2)


def rules_markdown() -> str:
    from linter.cmd_rules import markdown
    from linter.engine import rule_info
    from rules import ALL

    return "## Rules\n\n" + markdown([rule_info(m) for m in ALL.values()])


if __name__ == "__main__":
    if sys.argv[1:] == ["rules"]:
        section("rules", rules_markdown())
    else:
        raise SystemExit("usage: readme_sections.py rules")
