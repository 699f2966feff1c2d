"""ImageModel on the example kernel: doors, notes and symbols, checked against nm and readelf."""

from __future__ import annotations

import re
import subprocess

import pytest

from linter.image.model import load_image
from linter.profile import load_profile

pytestmark = pytest.mark.image
START_KERNEL_MAP = 0xFFFFFFFF80000000


@pytest.fixture(scope="module")
def profile():
    return load_profile()


def nm_addresses(image) -> dict[str, int]:
    out = subprocess.run(["nm", str(image)], check=True, capture_output=True, text=True).stdout
    return {name: int(addr, 16) for addr, _kind, name in (line.split() for line in out.splitlines())}


def doors(model):
    return [(d.path, d.label, d.announced_by) for d in model.doors]


BASE_DOORS = [
    ("native", "startup_64", ["elf:e_entry"]),
    ("native", "secondary_startup_64", []),
    ("native", "common_startup_64", []),
    ("xen-pv", "startup_xen", ["note:Xen:1"]),
    ("pvh", "pvh_start_xen", ["note:Xen:18"]),
]


@pytest.mark.parametrize("variant", ["base", "base_norela"])
def test_base_doors(example_images, profile, variant):
    model = load_image(str(getattr(example_images, variant)), profile, use_cache=False)
    assert doors(model) == BASE_DOORS
    nm = nm_addresses(model.path)
    assert {d.label: d.address for d in model.doors} == {name: nm[name] for _p, name, _a in BASE_DOORS}


@pytest.mark.parametrize("variant", ["head", "head_norela"])
def test_head_doors_have_the_new_xen_entry(example_images, profile, variant):
    model = load_image(str(getattr(example_images, variant)), profile, use_cache=False)
    assert doors(model) == BASE_DOORS[:3] + [("xen-pv", "startup_xen", ["note:Xen:1"]),
                                             ("xen-pv", "startup_xen_kexec", ["note:Xen:1"]),
                                             BASE_DOORS[4]]


def test_e_entry_is_physical_and_maps_to_startup_64_not_text(example_images, profile):
    model = load_image(str(example_images.base), profile, use_cache=False)
    nm = nm_addresses(example_images.base)
    assert model.entry == nm["startup_64"] - START_KERNEL_MAP        # 0x1000000
    assert nm["_text"] == nm["startup_64"]                            # the marker shares the address
    native = model.doors[0]
    assert (native.symbol, native.section, native.announced_at) == ("startup_64", ".text",
                                                                     {"elf:e_entry": 0x1000000})


def readelf_notes(image) -> list[tuple[str, int, bytes]]:
    """(owner, type, descriptor) of every note, as GNU readelf prints them."""
    out = subprocess.run(["readelf", "-n", str(image)], check=True, capture_output=True, text=True).stdout
    notes = []
    for line in out.splitlines():
        m = re.match(r"\s+(\S+)\s+0x([0-9a-f]{8})\s+(.*)$", line)
        if m:
            kind = re.search(r"\(0x([0-9a-f]+)\)", m.group(3))
            notes.append([m.group(1), int(kind.group(1), 16) if kind else m.group(3), b""])
        elif "description data:" in line:
            notes[-1][2] = bytes.fromhex(line.split(":", 1)[1].replace(" ", ""))
        elif "Build ID:" in line:
            notes[-1][2] = bytes.fromhex(line.split(":", 1)[1].strip())
    return [tuple(n) for n in notes]


def test_notes_match_readelf(example_images, profile):
    model = load_image(str(example_images.base), profile, use_cache=False)
    ours = [(n.owner, n.desc) for n in model.notes]
    theirs = readelf_notes(example_images.base)
    assert ours == [(owner, desc) for owner, _kind, desc in theirs]
    # readelf names Xen notes by GNU's table ("NT_VERSION" for ENTRY); where it prints a number, agree
    for note, (_owner, kind, _desc) in zip(model.notes, theirs):
        if isinstance(kind, int):
            assert note.type == kind


def test_xen_note_values(example_images, profile):
    model = load_image(str(example_images.base), profile, use_cache=False)
    nm = nm_addresses(example_images.base)
    values = {n.name: n.value for n in model.notes if n.owner == "Xen"}
    assert values == {
        "GUEST_OS": "linux", "GUEST_VERSION": "2.6", "XEN_VERSION": "xen-3.0",
        "VIRT_BASE": START_KERNEL_MAP, "PADDR_OFFSET": 0, "ENTRY": nm["startup_xen"],
        "FEATURES": "!writable_page_tables", "PAE_MODE": "yes", "SUSPEND_CANCEL": 1,
        "PHYS32_ENTRY": nm["pvh_start_xen"] - START_KERNEL_MAP,
        "PHYS32_RELOC": {"align": 0x200000, "min": 0x1000000, "max": 0x3FFFFFFF},
    }
    gnu = [n for n in model.notes if n.owner == "GNU"]
    assert [n.name for n in gnu] == ["BUILD_ID"] and gnu[0].value == model.build_id


def test_relocations_are_a_cross_check_only(example_images, profile):
    with_rela = load_image(str(example_images.base), profile, use_cache=False)
    without = load_image(str(example_images.base_norela), profile, use_cache=False)
    assert with_rela.has_relocations and not without.has_relocations
    entry = {n.name: n.relocated_to for n in with_rela.notes if n.owner == "Xen"}
    assert entry["ENTRY"] == "startup_xen"
    assert entry["PHYS32_ENTRY"] == ".text"          # a section symbol plus an addend
    assert with_rela.warnings == [] and without.warnings == []
    assert all(n.relocated_to is None for n in without.notes)


def test_symbols_match_nm(example_images, profile):
    model = load_image(str(example_images.base), profile, use_cache=False)
    syms = model.symbols
    ours = {(syms.name(i), int(syms.value[i])) for i in range(1, len(syms)) if syms.type(i) not in (3, 4)}
    nm = subprocess.run(["nm", str(example_images.base)], check=True, capture_output=True, text=True).stdout
    theirs = {(name, int(addr, 16)) for addr, _kind, name in (line.split() for line in nm.splitlines())}
    assert ours == theirs


def test_name_lookup_survives_shared_string_tails(example_images, profile):
    model = load_image(str(example_images.base), profile, use_cache=False)
    nm = nm_addresses(example_images.base)
    strtab = model.symbols.strtab.tobytes()
    assert strtab.count(b"startup_64\0") >= 2        # secondary_startup_64 and common_startup_64 end with it
    found = model.symbols.find("startup_64")
    assert [int(model.symbols.value[i]) for i in found] == [nm["startup_64"]]
    assert len(model.symbols.find("no_such_symbol")) == 0


def test_locals_belong_to_their_source_file(example_images, profile):
    model = load_image(str(example_images.base), profile, use_cache=False)
    syms = model.symbols
    assert syms.file_name(int(syms.find("copy_bootdata")[0])) == "head64.c"
    assert syms.file_name(int(syms.find("pvh_start_xen")[0])).startswith("head.")
    assert syms.file_name(int(syms.find("startup_xen")[0])) is None          # global


def test_cache_by_build_id(example_images, profile, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    first = load_image(str(example_images.base), profile)
    files = list((tmp_path / "entrylint").glob("*/symbols.npz"))
    assert len(files) == 1 and first.build_id in files[0].parent.name
    cached = first.cache.load("symbols")
    again = load_image(str(example_images.base), profile)
    assert doors(again) == doors(first)
    assert all((cached[k] == getattr(again.symbols, k)).all() for k in ("value", "name_off", "file_group"))
    # objcopy keeps the build-id but renumbers sections: a different key
    load_image(str(example_images.base_norela), profile)
    dirs = sorted(p.name for p in (tmp_path / "entrylint").iterdir())
    assert len(dirs) == 2 and all(first.build_id in d for d in dirs)


def test_corrupt_cache_is_rebuilt(example_images, profile, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    first = load_image(str(example_images.head), profile)
    (first.cache.dir / "symbols.npz").write_bytes(b"not a zip file")
    again = load_image(str(example_images.head), profile)
    assert doors(again) == doors(first)
    assert again.cache.load("symbols") is not None


def test_no_cache_writes_nothing(example_images, profile, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    load_image(str(example_images.base), profile, use_cache=False)
    assert not (tmp_path / "entrylint").exists()
