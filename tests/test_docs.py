"""The README's rule catalogue is made from the rule modules' docs: it must be current."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))

import readme_sections  # noqa: E402


def test_readme_rule_catalogue_is_current():
    assert readme_sections.section("rules") == readme_sections.rules_markdown(), \
        "run: .venv/bin/python tools/readme_sections.py rules"


def test_readme_first_lines_give_the_two_commands():
    first = readme_sections.README.read_text().splitlines()[:6]
    assert any(line.startswith("make demo") for line in first)
    assert any(line.startswith("make test") for line in first)
