"""Tests of the e2e harness itself (the kernel runs are `make e2e`): pytest e2e/test_e2e.py"""

import sys
import tomllib
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import run  # noqa: E402
import series  # noqa: E402
from series.edits import AnchorError, Tree  # noqa: E402

from rules import ALL  # noqa: E402

RULES = set(ALL)   # the catalogue: an expectation must name a rule that exists


@pytest.fixture
def tree(tmp_path):
    (tmp_path / "head.S").write_text("start:\n\tcld\n\tcall main\nend:\n\tcall main\n")
    return Tree(tmp_path)


def test_insert_after_unique_anchor(tree):
    tree.insert_after("head.S", "\tcld\n", "\tnop\n")
    assert (tree.root / "head.S").read_text().startswith("start:\n\tcld\n\tnop\n\tcall main\n")
    assert tree.touched == ["head.S"]


def test_missing_anchor_names_the_file(tree):
    with pytest.raises(AnchorError, match="head.S: anchor missing"):
        tree.replace("head.S", "\tstd\n", "")


def test_repeated_anchor_is_refused(tree):
    with pytest.raises(AnchorError, match="found 2 times"):
        tree.delete("head.S", "\tcall main\n")
    assert "\tcall main\n" in (tree.root / "head.S").read_text()


def test_missing_file(tree):
    with pytest.raises(AnchorError, match="no such file"):
        tree.append("nothere.c", "x")


def test_cut_returns_the_span(tree):
    text = tree.cut("head.S", "end:\n", "end:\n\tcall main\n")
    assert text == "end:\n\tcall main\n"
    assert (tree.root / "head.S").read_text() == "start:\n\tcld\n\tcall main\n"


def test_every_series_has_expectations_for_every_era():
    data = tomllib.loads((HERE / "expected.toml").read_text())["series"]
    assert set(data) == {series.branch(n).removeprefix("e2e/") for n in series.ALL_NAMES}
    for era in run.ERAS:
        for name, (expect, forbid, notes) in run.expectations(era).items():
            assert set(expect) <= RULES and set(forbid) <= RULES, name
            assert not set(expect) & set(forbid), name
            assert set(notes) <= set(expect), name


def test_every_series_has_patches_for_every_era():
    for era in run.ERAS:
        for name in series.names_for(era):
            assert series.patches(name, era), (name, era)


def test_the_arm64_era_lists_its_doors_and_debian_image():
    doors = tomllib.loads((HERE / "expected.toml").read_text())["doors"]["arm64"]
    assert doors["debian"] == "*-arm64" and "arm64-native:primary_entry" in doors["doors"]
    assert not any(d.startswith(("xen", "-:")) for d in doors["doors"])      # no Xen door, none unclaimed
    assert "__primary_switched" in doors["reach"] and "start_kernel" in doors["reach_not"]


def test_outcome_verdicts():
    o = run.Outcome("x", expect=["EL100", "EL110"], forbid=["EL202"], got={"EL100": 2, "EL201": 1})
    assert o.missing == ["EL110"] and o.unwanted == [] and o.extra == ["EL201"] and not o.ok
    o.got["EL110"] = 1
    assert o.ok
    o.got["EL202"] = 1
    assert o.unwanted == ["EL202"] and not o.ok
    assert "MISS" in run.table("6.1", [o])


def test_a_rule_that_may_only_be_a_note():
    o = run.Outcome("x", expect=["EL130"], forbid=[], notes=["EL130"], got={"EL130": 2})
    assert o.ok
    o.above_note.add("EL130")
    assert o.unwanted == ["EL130(not a note)"] and not o.ok
