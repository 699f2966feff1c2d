"""`entrylint gaps IMAGE` (linter.cmd_gaps.run): text, JSON, dot and bad options."""

from __future__ import annotations

import argparse
import json

import pytest

from linter import cmd_gaps
from linter.errors import ConfigError

pytestmark = pytest.mark.image


def gaps(image, capsys, fmt="json", path=None, vs=None):
    args = argparse.Namespace(image=str(image), format=fmt, no_cache=True, profile=None, path=path, vs=vs,
                              validate=False, hooks=False)
    assert cmd_gaps.run(args) == 0
    out = capsys.readouterr().out
    return json.loads(out) if fmt == "json" else out


def test_json(example_images, capsys):
    report = gaps(example_images.head_norela, capsys)
    assert sorted(report["paths"]) == ["native", "pvh", "xen-pv"]
    native = report["paths"]["native"]
    assert native["vs"] == ["xen-pv"] and "early_cpu_quirks_init" in native["reach"]
    only = {o["function"]: o["chain"] for o in native["only"]}
    assert only["early_cpu_quirks_init"] == [
        {"function": "startup_64", "kind": None},
        {"function": "common_startup_64", "kind": "jump"},
        {"function": "x86_64_start_kernel", "kind": "slot-read"},
        {"function": "early_cpu_quirks_init", "kind": "call"}]
    assert report["paths"]["xen-pv"]["vs"] == ["native", "pvh"]
    assert {h["new"] for h in report["paths"]["xen-pv"]["hooks"]} == {
        "xen_io_delay", "xen_read_cr0", "xen_write_cr4", "xen_load_idt", "xen_memory_setup", "xen_arch_setup"}
    # the head's jump slot is a one-entry table of the native path, listed beside the gaps
    assert native["tables"] == [{"table": "initial_code", "referenced_by": "common_startup_64",
                                 "functions": ["x86_64_start_kernel"]}]
    assert report["paths"]["pvh"]["tables"] == []
    assert 0 < report["decoded"] < report["functions"]


def test_one_pair(example_images, capsys):
    report = gaps(example_images.base, capsys, path="pvh", vs="native")
    assert list(report["paths"]) == ["pvh"]
    assert [o["function"] for o in report["paths"]["pvh"]["only"]] == ["pvh_start_xen", "xen_prepare_pvh",
                                                                       "xen_pvh_init"]


def test_text_and_dot(example_images, capsys):
    text = gaps(example_images.base, capsys, fmt="text", path="pvh").splitlines()
    assert text[0] == "pvh: 3 functions before convergence (startup_64); vs xen-pv: 3 only here"
    assert text[3].split() == ["xen_pvh_init", "pvh_start_xen", "-address->", "xen_prepare_pvh", "-jump->",
                                "xen_pvh_init"]
    dot = gaps(example_images.base, capsys, fmt="dot", path="pvh")
    assert dot.startswith("digraph gaps {") and '"pvh_start_xen" -> "xen_prepare_pvh" [label="address"];' in dot


def test_bad_options(example_images):
    args = dict(image=str(example_images.base), format="text", no_cache=True, profile=None, validate=False, hooks=False)
    with pytest.raises(ConfigError, match="no path 'efi-stub' with a door"):
        cmd_gaps.run(argparse.Namespace(**args, path="efi-stub", vs=None))
    with pytest.raises(ConfigError, match="needs --path"):
        cmd_gaps.run(argparse.Namespace(**args, path=None, vs="native"))
