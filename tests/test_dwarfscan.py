"""linter.image.dwarfscan against pyelftools on the example kernel built with DWARF 5 and DWARF 4:
the same unit names, the same top-level variables, the same hook-table member maps."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from image_fixtures import copy_tree, have_toolchain
from linter.image import dwarfscan, slotnames
from linter.image.lines import _dwarf, _text
from linter.image.model import load_image
from linter.profile import load_profile

pytestmark = [pytest.mark.image, pytest.mark.skipif(not have_toolchain(), reason="needs gcc, ld, make")]


@pytest.fixture(scope="module", params=["-gdwarf-5", "-gdwarf-4"])
def model(request, tmp_path_factory):
    where = tmp_path_factory.mktemp("dwarfscan")
    tree = copy_tree(where / "tree")
    subprocess.run(["make", "-s", "-C", str(tree), f"O={where / 'out'}", "DEBUG=1", f"CC=gcc {request.param}"],
                   check=True, capture_output=True)
    return load_image(str(where / "out" / "vmlinux"), load_profile(), use_cache=False)


def test_unit_names_are_pyelftools(model):
    dwarf = _dwarf(model)
    expected = [(cu.cu_offset, _text(cu.get_top_DIE().attributes["DW_AT_name"].value)) for cu in dwarf.iter_CUs()]
    assert list(dwarfscan.unit_names(model)) == expected and len(expected) > 5


def test_top_level_variables_and_members_are_pyelftools(model):
    profile = load_profile()
    tables = [t for t in profile.hooks.tables if slotnames._table_symbol(model, t) is not None]
    assert "x86_init" in tables
    units = [off for off, name in dwarfscan.unit_names(model) if name.endswith(".c")]
    compared = 0
    for offset in units:
        raw = {name: die.offset for name, die in dwarfscan.top_level_variables(model, offset, set(tables))}
        cu = _dwarf(model).get_CU_at(offset)
        ref = {_text(d.attributes["DW_AT_name"].value): d.offset for d in cu.get_top_DIE().iter_children()
               if d.tag == "DW_TAG_variable" and "DW_AT_type" in d.attributes and "DW_AT_name" in d.attributes
               and _text(d.attributes["DW_AT_name"].value) in tables}
        assert raw == ref
        by_raw = slotnames._unit_members(model, offset, set(tables), raw=True)
        assert by_raw == slotnames._unit_members(model, offset, set(tables), raw=False)
        compared += len(by_raw)
    assert compared >= 1


def test_the_type_walk_names_nested_members(model):
    offset = next(off for off, name in dwarfscan.unit_names(model) if name.endswith("x86_init.c"))
    members = slotnames._unit_members(model, offset, {"x86_init"}, raw=True)["x86_init"]
    assert "x86_init.resources.memory_setup" in members.values()


def test_an_unknown_form_is_said(model):
    dwarf = dwarfscan.sections(model)
    die = dwarfscan.top_level_variables(model, next(off for off, n in dwarfscan.unit_names(model)
                                                    if n.endswith("x86_init.c")), {"x86_init"})[0][1]
    die.attributes["DW_AT_type"].code = 0x20              # DW_FORM_ref_sig8: a type unit's signature
    with pytest.raises(dwarfscan.UnknownForm):
        die.get_DIE_from_attribute("DW_AT_type")
    assert dwarf.unit_at(dwarf.units[-1].end + 1) is None


def test_a_truncated_section_is_an_error_not_a_hang(model, tmp_path):
    info = dwarfscan.sections(model).info
    short = dwarfscan._FileRange(info.fd, info.offset, 10)
    assert list(dwarfscan.unit_headers(short)) == []
    with pytest.raises(IndexError):
        dwarfscan._FileRange(info.fd, Path(model.path).stat().st_size - 4, 100).read(0, 100)
    with pytest.raises(IndexError):
        short.read(4, 10)
    assert len(short.read(4, 10, exact=False)) == 6


def test_a_unit_die_longer_than_the_first_read(model, monkeypatch):
    expected = list(dwarfscan.unit_names(model))
    model.memo.pop(("dwarfscan",), None)
    monkeypatch.setattr(dwarfscan, "TOP_DIE_GUESS", 5)          # every name lies past the first read
    monkeypatch.setattr(dwarfscan, "STRING_CHUNK", 3)           # and every string is read in pieces
    assert list(dwarfscan.unit_names(model)) == expected


def test_unit_functions_and_inlined_copies_are_pyelftools(model):
    """The changed-lines map's walk (functions and inlined copies per unit) read raw and by
    pyelftools gives the same rows, for every C unit of the example."""
    from linter.image import lines

    dwarf = _dwarf(model)
    compared = 0
    for offset, name in dwarfscan.unit_names(model):
        if not name.endswith(".c"):
            continue
        program = dwarf.line_program_for_CU(dwarf.get_CU_at(offset))
        files = set(range(len(program.header.file_entry) + 1))           # every file of the unit
        top = dwarf.get_CU_at(offset).get_top_DIE()
        expected = (list(lines._subprograms(top)), list(lines._inlined(top, files)))
        assert lines._unit_functions(model, dwarf, offset, files) == expected
        compared += len(expected[0])
    assert compared > 20


def test_line_programs_are_pyelftools(model):
    """Every unit's line table read raw: the same directories, files and rows as pyelftools."""
    from linter.image.dwarflines import line_program

    dwarf = _dwarf(model)
    rows = 0
    for offset, _ in dwarfscan.unit_names(model):
        ours = line_program(model, offset)
        theirs = dwarf.line_program_for_CU(dwarf.get_CU_at(offset))
        assert ours.header.version == theirs.header.version
        assert ours.header.include_directory == [_text(d) for d in theirs.header.include_directory]
        assert [(f.name, f.dir_index) for f in ours.header.file_entry] == \
            [(_text(f.name), f.dir_index) for f in theirs.header.file_entry]
        expected = [(s.address, s.file, s.line, s.end_sequence)
                    for s in (e.state for e in theirs.get_entries()) if s is not None]
        assert [(r.address, r.file, r.line, r.end_sequence) for r in ours.rows()] == expected
        rows += len(expected)
    assert rows > 200


@pytest.mark.parametrize("section", [".debug_info", ".debug_abbrev", ".debug_line", ".debug_str"])
def test_damaged_dwarf_is_a_result_or_one_clear_line(model, tmp_path, section):
    """Bytes of one DWARF section overwritten at random places (fixed seed): naming hook slots,
    listing units and mapping lines to functions give an answer, or ImageError, never another
    exception."""
    import random
    import shutil

    from linter.errors import ImageError
    from linter.image import lines

    rng = random.Random(section)
    sec = next(s for s in model.sections if s.name == section)
    for round_ in range(8):
        damaged = tmp_path / f"vmlinux.{round_}"
        shutil.copy(model.path, damaged)
        with open(damaged, "r+b") as fh:
            for _ in range(12):
                fh.seek(sec.offset + rng.randrange(sec.size))
                fh.write(bytes([rng.randrange(256)]))
        try:
            broken = load_image(str(damaged), load_profile(), use_cache=False)
            lines._unit_names(broken)
            lines.functions_for_lines(broken, "arch/x86/kernel/head64.c", [10, 20, 30])
            slotnames.slot_namer(broken, load_profile()).members()
        except ImageError:
            pass
