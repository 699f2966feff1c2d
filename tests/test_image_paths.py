"""Per-path reach, gaps and hooks on the example kernel (linter.image.paths), bytes only or not."""

from __future__ import annotations

import numpy as np
import pytest

from linter.image import decode as D
from linter.image.model import load_image
from linter.image.paths import FALLTHROUGH, analyse, base_name, function_table
from linter.profile import load_profile

pytestmark = pytest.mark.image

NATIVE = {"startup_64", "common_startup_64", "verify_cpu", "__startup_64",
          "x86_64_start_kernel", "clear_bss", "copy_bootdata", "early_setup_idt", "native_load_idt"}
XEN_PV = {"startup_xen", "xen_start_kernel", "xen_setup_features", "xen_init_capabilities"}
PVH = {"pvh_start_xen", "xen_prepare_pvh", "xen_pvh_init"}


def analysis(image, profile=None):
    profile = profile or load_profile()
    return analyse(load_image(str(image), profile, use_cache=False), profile)


@pytest.mark.parametrize("variant", ["base", "base_norela"])
def test_reach_per_path(example_images, variant):
    a = analysis(getattr(example_images, variant))
    assert {p: set(a.reach_names(p)) for p in a.paths} == {"native": NATIVE, "xen-pv": XEN_PV, "pvh": PVH}
    common = {a.name(f) for f in a.common.nodes()}
    assert {"start_kernel", "setup_arch", "native_io_delay", "native_read_cr0"} <= common
    assert not common & (NATIVE | XEN_PV | PVH)
    assert a.decoded < len(a.funcs)          # only what the searches visit is decoded


def test_series_widens_the_native_path_only(example_images):
    a = analysis(example_images.head_norela)
    assert set(a.reach_names("native")) == NATIVE | {"early_cpu_quirks_init"}
    assert set(a.reach_names("xen-pv")) == XEN_PV | {"startup_xen_kexec"}
    assert a.only("native", ["xen-pv"]).keys() == NATIVE | {"early_cpu_quirks_init"}
    assert a.runs_on("early_cpu_quirks_init") == ["native", "pvh"]      # pvh joins native
    assert a.runs_on("xen_setup_features") == ["xen-pv"]


def test_chain_follows_rel8_jump_slot_load_and_static_call(example_images):
    a = analysis(example_images.base_norela)
    assert a.paths["native"].doors == [a.reach_names("native")["startup_64"]]   # announced doors only
    node = a.reach_names("native")["copy_bootdata"]
    assert a.chain("native", node) == [("startup_64", None), ("common_startup_64", "jump"),
                                       ("x86_64_start_kernel", "slot-read"), ("copy_bootdata", "call")]
    node = a.reach_names("native")["native_load_idt"]
    assert a.chain("native", node)[-1] == ("native_load_idt", "slot-jump")   # pv_ops default
    pvh = a.reach_names("pvh")["xen_pvh_init"]
    assert a.chain("pvh", pvh) == [("pvh_start_xen", None), ("xen_prepare_pvh", "address"),
                                   ("xen_pvh_init", "jump")]


def test_inner_label_splits_its_function(example_images):
    profile = load_profile()
    model = load_image(str(example_images.base), profile, use_cache=False)
    funcs = function_table(model)
    names = [model.name(int(i)) for i in funcs.sym]
    outer, inner = names.index("secondary_startup_64"), names.index("common_startup_64")
    assert inner == outer + 1 and funcs.falls_into_next[outer] and not funcs.falls_into_next[inner]
    assert funcs.end[outer] == funcs.start[inner]
    assert "_text" not in names and "startup_64" in names     # the marker never becomes a node
    assert funcs.asm[names.index("startup_64")] and not funcs.asm[names.index("copy_bootdata")]
    a = analyse(model, profile)
    _src, dst, kind = _edges_of(a, outer)
    assert (inner, FALLTHROUGH) in set(zip(dst.tolist(), kind.tolist()))


def _edges_of(a, node):
    from linter.image.graph import Graph
    from linter.image.paths import EdgeReader

    return Graph.lazy(len(a.funcs), EdgeReader(a.model, a.funcs)).out_edges([node])


def test_xen_pv_hooks_are_reported_not_followed(example_images):
    a = analysis(example_images.base)
    hooks = {(a.name(h.function), a.name(h.default), a.name(h.new)) for h in a.paths["xen-pv"].hooks}
    assert hooks == {("xen_start_kernel", f"native_{op}", f"xen_{op}")
                     for op in ("io_delay", "read_cr0", "write_cr4", "load_idt")} | {
        ("xen_start_kernel", "e820__memory_setup_default", "xen_memory_setup"),
        ("xen_start_kernel", "x86_init_noop", "xen_arch_setup")}
    assert "xen_io_delay" not in a.reach_names("xen-pv")


def test_relocations_and_bytes_agree_on_calls(example_images):
    """Where relocations exist, every call or tail call they name from a visited function is an edge
    the bytes gave us; the bytes also give the calls gas resolved itself (no relocation)."""
    profile = load_profile()
    model = load_image(str(example_images.base), profile, use_cache=False)
    a = analyse(model, profile)
    found = set()
    for pr in a.paths.values():
        for f in np.flatnonzero(pr.search.visited):
            _src, dst, kind = _edges_of(a, int(f))
            found |= {(a.name(int(f)), a.name(int(d))) for d, k in zip(dst, kind) if k in (D.CALL_REL, D.JMP_REL)}
    syms = model.symbols
    named = set()
    for rel in model.relocations(".rela.init.text"):
        if int(rel["info"]) & 0xFFFFFFFF != 4:      # R_X86_64_PLT32: a call or tail call
            continue
        site = int(rel["offset"]) - 1
        caller = a.funcs.containing([site])[0]
        callee = a.funcs.starting_at([int(syms.value[int(rel["info"]) >> 32]) + int(rel["addend"]) + 4])[0]
        if caller >= 0 and callee >= 0 and any(pr.search.visited[caller] for pr in a.paths.values()):
            named.add((a.name(int(caller)), a.name(int(callee))))
    assert named and named <= found
    assert ("x86_64_start_kernel", "copy_bootdata") in found - named


@pytest.mark.parametrize("name, base", [("copy_bootdata.constprop.0", "copy_bootdata"),
                                        ("native_irq_enable.cold", "native_irq_enable"),
                                        ("f.part.3.isra.0", "f"), ("startup_64", "startup_64")])
def test_base_name(name, base):
    assert base_name(name) == base


def test_cached_graph_gives_the_same_answers(example_images, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    profile = load_profile()
    first = analyse(load_image(str(example_images.head), profile), profile)
    assert first.decoded > 0 and list((tmp_path / "entrylint").glob("*/graph-*.npz"))
    again = analyse(load_image(str(example_images.head), profile), profile)
    assert again.decoded == 0                                   # nothing decoded: arrays only
    for path in first.paths:
        assert again.reach_names(path) == first.reach_names(path)
        assert [(h.function, h.slot, h.default, h.new) for h in again.paths[path].hooks] == \
            [(h.function, h.slot, h.default, h.new) for h in first.paths[path].hooks]
    node = again.reach_names("native")["early_cpu_quirks_init"]
    assert again.chain("native", node) == first.chain("native", node)
    # a profile that visits one more function decodes just that one, and the cache keeps both
    wider = load_profile()
    wider.paths["native"].converges_at = ["start_kernel"]      # x86_64_start_reservations: now expanded
    assert analyse(load_image(str(example_images.head), wider), wider).decoded == 1
    assert analyse(load_image(str(example_images.head), wider), wider).decoded == 0
    assert analyse(load_image(str(example_images.head), profile), profile).decoded == 0
