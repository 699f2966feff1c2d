"""Hook slots in the image: names (linter.image.slotnames), the hook map (linter.image.hookmap) and
how `entrylint gaps` shows them, on the example kernel with relocations, without, and with DWARF."""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess

import numpy as np
import pytest

from linter import cmd_gaps
from linter.image import lines
from linter.image.hookmap import image_hook_map
from linter.image.model import load_image
from linter.image.slotnames import join_with_source, slot_namer
from linter.profile import load_profile

pytestmark = pytest.mark.image

CPU_OPS = ("io_delay", "read_cr0", "write_cr4", "load_idt")


def image(example_images, example_debug_image, variant):
    return example_debug_image if variant == "debug" else getattr(example_images, variant)


def hook_map(path, use_cache=False):
    profile = load_profile()
    model = load_image(str(path), profile, use_cache=use_cache)
    return model, image_hook_map(model, profile)


def word_offsets(model, table: str, function: str) -> list[int]:
    """Where `table`'s static bytes hold `function`'s address: slot offsets, read from the data."""
    syms = model.symbols
    t = next(int(i) for i in syms.find(table) if syms.type(int(i)) == 1)
    f = model.code_symbol(function)
    sec = model.sections[int(syms.shndx[t])]
    start = int(syms.value[t]) - sec.addr
    words = np.frombuffer(model.section_bytes(sec)[start:start + int(syms.size[t])].tobytes(), "<u8")
    return [8 * int(i) for i in np.flatnonzero(words == syms.value[f])]


def word_offset(model, table: str, function: str) -> int:
    (offset,) = word_offsets(model, table, function)
    return offset


def override(hmap, path, new):
    return next(o for o in hmap.overrides[path] if o.new == new)


@pytest.mark.parametrize("variant", ["base", "base_norela", "debug"])
def test_xen_pv_overrides_memory_setup(example_images, example_debug_image, variant):
    model, hmap = hook_map(image(example_images, example_debug_image, variant))
    o = override(hmap, "xen-pv", "xen_memory_setup")
    assert (o.default, o.writer) == ("e820__memory_setup_default", "xen_start_kernel")
    offset = word_offset(model, "x86_init", "e820__memory_setup_default")
    assert offset == 2 * 8                                  # the third pointer of resources
    assert o.slot == ("x86_init.resources.memory_setup" if variant == "debug" else f"x86_init+{offset:#x}")
    assert hmap.namer.table_of(o.address) == ("x86_init", 0x10)
    assert model.warnings == []


@pytest.mark.parametrize("variant", ["base_norela", "debug"])
def test_pvh_overrides_arch_setup(example_images, example_debug_image, variant):
    model, hmap = hook_map(image(example_images, example_debug_image, variant))
    o = override(hmap, "pvh", "pvh_arch_setup")
    assert (o.default, o.writer) == ("x86_init_noop", "xen_pvh_init")
    offset = 3 * 8                                          # oem.arch_setup: after resources' 3 pointers
    assert offset in word_offsets(model, "x86_init", "x86_init_noop")
    assert o.slot == ("x86_init.oem.arch_setup" if variant == "debug" else f"x86_init+{offset:#x}")
    # both Xen paths write that slot: each is an overrider
    assert {(x.path, x.new) for x in hmap.overriders(o.slot)} == {("xen-pv", "xen_arch_setup"),
                                                                  ("pvh", "pvh_arch_setup")}
    assert [x.slot for x in hmap.overrides["pvh"]] == [o.slot]
    assert hmap.overrides["native"] == []


@pytest.mark.parametrize("variant", ["base", "debug"])
def test_struct_copy_of_pv_ops_cpu(example_images, example_debug_image, variant):
    model, hmap = hook_map(image(example_images, example_debug_image, variant))
    got = {o.new: o.slot for o in hmap.overrides["xen-pv"] if o.new in {f"xen_{op}" for op in CPU_OPS}}
    want = {f"xen_{op}": (f"pv_ops.cpu.{op}" if variant == "debug"
                          else f"pv_ops+{word_offset(model, 'pv_ops', f'native_{op}'):#x}") for op in CPU_OPS}
    assert got == want
    assert [o.default for o in hmap.overriders(want["xen_io_delay"])] == ["native_io_delay"]


@pytest.mark.parametrize("variant", ["base_norela", "debug"])
def test_callers_and_call_order(example_images, example_debug_image, variant):
    model, hmap = hook_map(image(example_images, example_debug_image, variant))
    memory = override(hmap, "xen-pv", "xen_memory_setup").slot
    arch = override(hmap, "xen-pv", "xen_arch_setup").slot
    assert memory in hmap.callers["e820__memory_setup"] and hmap.depth["e820__memory_setup"][memory] == 0
    assert hmap.depth["setup_arch"][memory] == 1 and hmap.depth["setup_arch"][arch] == 0
    assert hmap.called_by(memory)[:2] == ["e820__memory_setup", "setup_arch"]
    order = hmap.call_order("setup_arch")
    assert order.index(arch) < order.index("early_reserve_memory") < order.index("e820__memory_setup")
    if variant == "debug":
        assert order[0] == "x86_init.oem.arch_setup" and "x86_init.oem.banner" in order
    assert hmap.call_order("no_such_function") == []
    json.dumps(hmap.to_dict())


def gaps(image_path, capsys, fmt, hooks=False):
    args = argparse.Namespace(image=str(image_path), format=fmt, no_cache=True, profile=None, path=None, vs=None,
                              validate=False, hooks=hooks)
    assert cmd_gaps.run(args) == 0
    return capsys.readouterr()


@pytest.mark.parametrize("variant", ["base", "base_norela", "debug"])
def test_gaps_never_prints_a_slot_address(example_images, example_debug_image, variant, capsys):
    path = image(example_images, example_debug_image, variant)
    memory = "x86_init.resources.memory_setup" if variant == "debug" else "x86_init+0x10"
    text = gaps(path, capsys, "text").out
    assert "0xffffffff" not in text
    assert (f"  hook  xen_start_kernel writes {memory}: e820__memory_setup_default -> xen_memory_setup; "
            f"called by e820__memory_setup, setup_arch") in text
    dot = gaps(path, capsys, "dot").out
    assert "0xffffffff" not in dot
    assert f'"xen_start_kernel" -> "{memory}" [style=dashed, label="writes"];' in dot
    assert f'"{memory}" -> "xen_memory_setup" [style=dashed];' in dot
    report = json.loads(gaps(path, capsys, "json").out)
    hooks = report["paths"]["xen-pv"]["hooks"]
    assert {h["slot"] for h in hooks} >= {memory} and all(h["address"].startswith("0xffffffff") for h in hooks)
    for p in report["paths"].values():
        for h in p["hooks"]:
            del h["address"]                      # the one place an address may appear
    assert "0xffffffff" not in json.dumps(report)
    view = gaps(path, capsys, "text", hooks=True).out.splitlines()
    assert view[0] == "native: 0 slots overridden" and "pvh: 1 slot overridden" in view
    line = next(v for v in view if v.strip().startswith(memory))
    assert line.split()[1:5] == ["e820__memory_setup_default", "->", "xen_memory_setup", "by"]


def test_broken_dwarf_warns_and_falls_back(example_debug_image, tmp_path, capsys):
    broken = tmp_path / "vmlinux.broken"
    shutil.copy(example_debug_image, broken)
    profile = load_profile()
    model = load_image(str(example_debug_image), profile, use_cache=False)
    unit = next(off for off, name in lines._unit_names(model) if name.endswith("x86_init.c"))
    info = model.section_bytes(".debug_info")
    cut = tmp_path / "info"
    cut.write_bytes(info[:unit + 40].tobytes())            # the table's unit ends mid-DIE
    subprocess.run(["objcopy", f"--update-section=.debug_info={cut}", str(broken)], check=True, capture_output=True)
    out = gaps(broken, capsys, "text")
    assert "x86_init+0x10" in out.out and "x86_init.resources" not in out.out
    warnings = [w for w in out.err.splitlines() if "DWARF" in w]
    assert len(warnings) == 1 and "unreadable" in warnings[0] and "symbol+offset" in warnings[0]
    assert "Traceback" not in out.err


def test_member_map_is_cached(example_debug_image, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    _model, first = hook_map(example_debug_image, use_cache=True)
    assert override(first, "xen-pv", "xen_memory_setup").slot == "x86_init.resources.memory_setup"

    def no_dwarf(model):
        raise AssertionError("DWARF opened on a cached run")

    monkeypatch.setattr(lines, "_dwarf", no_dwarf)
    _model, again = hook_map(example_debug_image, use_cache=True)
    assert again.to_dict() == first.to_dict()


def test_join_with_source_names_what_dwarf_cannot(example_images):
    profile = load_profile()
    model = load_image(str(example_images.base_norela), profile, use_cache=False)
    source = [("x86_init", "x86_init.resources.memory_setup", "xen_memory_setup"),
              ("x86_init", "oem.arch_setup", "xen_arch_setup"),
              ("x86_init", "oem.banner", "xen_memory_setup")]          # ambiguous: left alone
    hmap = image_hook_map(model, profile)
    plain = join_with_source(hmap.overrides["xen-pv"], source[:2])     # from the names alone
    assert {o.new: o.slot for o in plain}["xen_memory_setup"] == "x86_init.resources.memory_setup"
    named = image_hook_map(model, profile, assignments=source[1:2])
    assert override(named, "xen-pv", "xen_arch_setup").slot == "x86_init.oem.arch_setup"
    assert override(named, "pvh", "pvh_arch_setup").slot == "x86_init.oem.arch_setup"   # the same slot
    assert "x86_init.oem.arch_setup" in named.callers["setup_arch"]
    namer = slot_namer(model, profile)
    again = namer.join_with_source(named.overrides["xen-pv"], source)
    assert {o.new: o.slot for o in again}["xen_memory_setup"] == "x86_init+0x10"       # ambiguous
