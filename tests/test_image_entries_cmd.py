"""`entrylint entries IMAGE` (linter.cmd_entries.run) in text and JSON."""

from __future__ import annotations

import argparse
import json

import pytest

from linter import cmd_entries
from linter.errors import ImageError

pytestmark = pytest.mark.image


def entries(image, fmt, capsys):
    args = argparse.Namespace(image=str(image), format=fmt, no_cache=True, profile=None)
    assert cmd_entries.run(args) == 0
    return capsys.readouterr().out


def test_json(example_images, capsys):
    report = json.loads(entries(example_images.head_norela, "json", capsys))
    assert report["relocations"] is False and len(report["build_id"]) == 40
    assert [(e["path"], e["symbol"], e["announced_by"]) for e in report["entries"]] == [
        ("native", "startup_64", ["elf:e_entry"]),
        ("native", "secondary_startup_64", []),
        ("native", "common_startup_64", []),
        ("xen-pv", "startup_xen", ["note:Xen:1"]),
        ("xen-pv", "startup_xen_kexec", ["note:Xen:1"]),
        ("pvh", "pvh_start_xen", ["note:Xen:18"]),
    ]
    assert report["entries"][0]["announced_values"] == {"elf:e_entry": "0x1000000"}
    assert report["entries"][-1]["converges_at"] == ["startup_64"]
    notes = {(n["name"], n["symbol"]): n["value"] for n in report["notes"] if n["owner"] == "Xen"}
    assert notes[("ENTRY", "startup_xen")] == report["entries"][3]["address"]
    assert notes[("ENTRY", "startup_xen_kexec")] == report["entries"][4]["address"]
    assert notes[("PHYS32_RELOC", None)] == {"align": "0x200000", "min": "0x1000000", "max": "0x3fffffff"}
    assert notes[("GUEST_OS", None)] == "linux"


def test_text(example_images, capsys):
    out = entries(example_images.base, "text", capsys).splitlines()
    assert out[0].startswith(f"image    {example_images.base}  build-id ") and out[0].endswith("relocations: yes")
    rows = [line.split()[:2] for line in out[3:8]]
    assert rows == [["native", "startup_64"], ["native", "secondary_startup_64"], ["native", "common_startup_64"],
                    ["xen-pv", "startup_xen"], ["pvh", "pvh_start_xen"]]
    assert any(line.split()[:3] == ["Xen", "18", "PHYS32_ENTRY"] and line.endswith("(pvh_start_xen)") for line in out)


def test_bad_image_is_an_image_error(tmp_path):
    with pytest.raises(ImageError):
        cmd_entries.run(argparse.Namespace(image=str(tmp_path / "nope"), format="text", no_cache=True, profile=None))


def test_compare_two_images(example_images, capsys):
    """The example series adds a second Xen ENTRY note: B has a door A has not, on xen-pv only."""
    args = argparse.Namespace(image=str(example_images.base), compare=str(example_images.head_norela),
                              format="json", no_cache=True, profile=None)
    assert cmd_entries.run(args) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["images"] == [str(example_images.base), str(example_images.head_norela)]
    assert {name: (p["only_a"], p["only_b"]) for name, p in report["paths"].items()} == {
        "native": ([], []), "xen-pv": ([], ["startup_xen_kexec"]), "pvh": ([], [])}
    assert report["paths"]["xen-pv"]["b"][-1] == {"symbol": "startup_xen_kexec", "announced_by": ["note:Xen:1"]}
    args.format = "text"
    assert cmd_entries.run(args) == 0
    text = capsys.readouterr().out.splitlines()
    row = next(line.split(None, 1) for line in text if line.startswith("xen-pv"))
    assert row[1].split("  ")[-1].strip().endswith("+startup_xen_kexec")
    assert text[-1] == "1 door only in B (+), 0 only in A (-)"


def test_compare_with_a_missing_image_is_one_line(example_images, tmp_path):
    from clirun import assert_one_line_error, entrylint

    run = entrylint("entries", str(example_images.base), "--compare", str(tmp_path / "nope"))
    assert_one_line_error(run, str(tmp_path / "nope"), "no such file")
