"""linter.record: the @dataclass subset the diff path uses, checked against dataclasses itself."""

from __future__ import annotations

import dataclasses

import pytest

from linter.record import FrozenInstanceError, asdict, field, record


@record
class Patchish:
    index: int
    subject: str = ""
    trailers: list = field(default_factory=list)
    _memo: object = field(default=None, repr=False, compare=False)


@record(frozen=True)
class Spot:
    file: str
    line: int = 0


@record
class Viewish(Patchish):
    reported: set = field(default_factory=set)


@dataclasses.dataclass
class PatchishDC:
    index: int
    subject: str = ""
    trailers: list = dataclasses.field(default_factory=list)
    _memo: object = dataclasses.field(default=None, repr=False, compare=False)


def test_init_repr_and_eq_match_dataclasses():
    ours, theirs = Patchish(3, "x", ["a"], _memo=1), PatchishDC(3, "x", ["a"], _memo=1)
    assert repr(ours).replace("Patchish", "P") == repr(theirs).replace("PatchishDC", "P")
    assert Patchish(3, "x", ["a"], _memo=1) == ours and Patchish(3, "x", ["a"], _memo=2) == ours  # _memo not compared
    assert Patchish(4, "x", ["a"]) != ours
    with pytest.raises(TypeError):
        Patchish()                      # a field without a default is required
    with pytest.raises(TypeError):
        hash(ours)                      # mutable records are unhashable, as dataclasses are


def test_factories_make_a_new_value_each_time():
    a, b = Patchish(1), Patchish(2)
    a.trailers.append("t")
    assert b.trailers == [] and a.trailers == ["t"]


def test_frozen_records_are_hashable_and_immutable():
    spot = Spot("head.S", 3)
    assert {spot: 1}[Spot("head.S", 3)] == 1
    with pytest.raises(FrozenInstanceError):
        spot.line = 4
    with pytest.raises(AttributeError):
        del spot.file


def test_a_subclass_has_its_base_fields_first():
    view = Viewish(1, "s", reported={1})
    assert (view.index, view.subject, view.trailers, view.reported) == (1, "s", [], {1})
    assert asdict(view) == {"index": 1, "subject": "s", "trailers": [], "_memo": None, "reported": {1}}


def test_asdict_goes_into_lists_and_dicts():
    outer = Patchish(1, "s", [Spot("a", 1)], _memo={"k": Spot("b", 2)})
    assert asdict(outer)["trailers"] == [{"file": "a", "line": 1}]
    assert asdict(outer)["_memo"] == {"k": {"file": "b", "line": 2}}
