"""Property and fuzz tests: the readers raise only EntrylintError, whatever they are given.

Hypothesis makes diffs and mboxes (valid, then broken), mutates a real vmlinux built from the
example kernel (bit flips, truncation, header fields set to edge values) and mutates profiles and
configs. A valid series must also come back whole: every added line of every watched file.

`make test` runs each property a few hundred times (the spans-after-edit one lives in test_csource.py). `make fuzz` runs the `fuzz`-marked twins for
$ENTRYLINT_FUZZ_SECONDS (default 600) shared between them, and prints how many cases each ran.
"""

from __future__ import annotations

import os
import struct
import time
import tomllib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from corpus import elfmut
from test_csource import ASM_SHAPES, C_SHAPES, _edited
from linter.context import Context
from linter.csource import spans, spans_after_edit
from linter.engine import run_rules
from linter.errors import EntrylintError
from linter.marks import mark_series
from linter.profile import SHIPPED, _build, load_profile
from linter.series import series_from_bytes

PROFILE = load_profile()
FUZZ_SECONDS = float(os.environ.get("ENTRYLINT_FUZZ_SECONDS") or 600)
FUZZ_TESTS = 7            # the fuzz-marked tests below share the budget
SHORT = settings(max_examples=200, deadline=None, database=None,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                        HealthCheck.function_scoped_fixture])
ROUND = settings(SHORT, max_examples=250)   # one round of a fuzz run

WATCHED = ["arch/x86/xen/xen-head.S", "arch/x86/kernel/head_64.S", "arch/x86/kernel/head64.c",
           "arch/x86/platform/pvh/head.S", "arch/x86/xen/enlighten_pv.c", "arch/x86/kernel/setup.c"]
OTHERS = ["drivers/misc/widget.c", "Documentation/arch/x86/boot.rst", "init/Kconfig"]


# -- strategies: diffs and mboxes ----------------------------------------------------------------
# Line text: anything but a line end; form feeds, NULs, tabs and non-ASCII are all fair.
line_text = st.text(st.characters(blacklist_characters="\n\r", blacklist_categories=("Cs",)), max_size=30)
code_line = st.one_of(line_text, st.sampled_from([
    "SYM_CODE_START(startup_xen)", "SYM_CODE_END(startup_xen)", "\tcall\txen_start_kernel", "\tcld",
    "void __init x86_64_start_kernel(char *p)", "{", "}", "\txen_pv_domain();", "#ifdef CONFIG_XEN",
    "\tELFNOTE(Xen, XEN_ELFNOTE_ENTRY, _ASM_PTR startup_xen)", "-- ", "--- a/x", "+++ b/x", "@@ -1 +1 @@",
    "diff --git a/x b/x", "\x0c"]))


@st.composite
def hunks(draw, start: int):
    lines = draw(st.lists(st.tuples(st.sampled_from(" +-"), code_line), min_size=1, max_size=12))
    src = sum(tag != "+" for tag, _ in lines)
    tgt = sum(tag != "-" for tag, _ in lines)
    context = draw(st.sampled_from(["", " SYM_CODE_START(startup_64)", " void setup_arch(char **p)"]))
    head = f"@@ -{start},{src} +{start},{tgt} @@{context}\n"
    return head + "".join(f"{tag}{text}\n" for tag, text in lines), [t for tag, t in lines if tag == "+"]


@st.composite
def file_diffs(draw):
    """(diff text of one file, its name, its added lines)."""
    name = draw(st.sampled_from(WATCHED + OTHERS))
    out, added, start = [], [], 1
    for _ in range(draw(st.integers(1, 3))):
        start += draw(st.integers(0, 40))
        text, plus = draw(hunks(start))
        out.append(text)
        added += plus
        start += 60   # hunks of one file do not overlap
    header = f"diff --git a/{name} b/{name}\nindex 1111111..2222222 100644\n--- a/{name}\n+++ b/{name}\n"
    return header + "".join(out), name, added


# Message text: a word first, so that no line of it starts like a diff ("--- a/", "diff ") or an mbox "From ".
words = st.text(st.sampled_from("abcxyz ÄöüéçŁ€[]:;,.-_/<>@=?0123456789\t"), max_size=20).map(lambda s: "w" + s)


@st.composite
def mails(draw, index: int, total: int):
    """(one format-patch message, {watched file: added lines})."""
    files = draw(st.lists(file_diffs(), min_size=1, max_size=3, unique_by=lambda f: f[1]))
    subject = draw(words)
    author = draw(st.sampled_from(["Ada Tester <ada@example.org>", "Jörg Müller <jm@example.org>",
                                   "=?UTF-8?q?J=C3=B6rg?= <j@example.org>"]))
    body = "\n".join(draw(st.lists(words, max_size=3)))
    trailer = draw(st.sampled_from(["", "Entrylint-Ack: EL110 the counterpart is fixed in patch 2\n"]))
    mail = (f"From {index:040x} Mon Sep 17 00:00:00 2001\nFrom: {author}\nDate: Fri, 27 Nov 2026 11:00:00 +0000\n"
            f"Subject: [PATCH {index}/{total}] {subject}\n\n{body}\n\n{trailer}Signed-off-by: {author}\n---\n\n"
            + "".join(f[0] for f in files) + "-- \n2.39.5\n\n")
    return mail, {name: added for text, name, added in files if PROFILE.wants(name, text)}


@st.composite
def mboxes(draw):
    """(mbox bytes, how many patches, {(patch index, file): added lines})."""
    count = draw(st.integers(1, 4))
    parts, expect = [], {}
    if draw(st.booleans()):
        parts.append(f"From {0:040x} Mon Sep 17 00:00:00 2001\nFrom: Ada <a@example.org>\n"
                     f"Subject: [PATCH 0/{count}] a cover letter\n\nno diff here\n\n")
    for i in range(1, count + 1):
        mail, added = draw(mails(i, count))
        parts.append(mail)
        expect.update({(i, name): lines for name, lines in added.items()})
    return "".join(parts).encode("utf-8"), count, expect


def _mutate(draw, data: bytes) -> bytes:
    how = draw(st.sampled_from(["truncate", "flip", "delete-line", "repeat-line", "junk", "crlf", "counts"]))
    if not data:
        return data
    at = draw(st.integers(0, len(data) - 1))
    if how == "truncate":
        return data[:at]
    if how == "flip":
        return data[:at] + bytes([data[at] ^ (1 << draw(st.integers(0, 7)))]) + data[at + 1:]
    lines = data.split(b"\n")
    i = draw(st.integers(0, len(lines) - 1))
    if how == "delete-line":
        return b"\n".join(lines[:i] + lines[i + 1:])
    if how == "repeat-line":
        return b"\n".join(lines[:i + 1] + lines[i:])
    if how == "junk":
        return b"\n".join(lines[:i] + [draw(st.binary(max_size=40))] + lines[i:])
    if how == "crlf":
        return data[:at] + data[at:].replace(b"\n", b"\r\n")
    return data.replace(b"@@ -", b"@@ -" + str(draw(st.integers(0, 99))).encode(), 1)   # "counts"


@st.composite
def broken_mboxes(draw):
    data = draw(mboxes())[0]
    for _ in range(draw(st.integers(1, 3))):
        data = _mutate(draw, data)
    return data


# -- properties --------------------------------------------------------------------------------
def read_and_check(data: bytes):
    """The whole diff side, as `entrylint check FILE` runs it: only EntrylintError may escape."""
    try:
        series = series_from_bytes(data, "fuzz.mbox", PROFILE.wants)
    except EntrylintError:
        return None
    marks = mark_series(series, PROFILE, None)
    from rules import ALL

    ctx = Context(series=series, marks=marks, profile=PROFILE)
    run_rules(ctx, {rid: m for rid, m in ALL.items() if m.NEEDS <= {"diff"}}, {})
    return series


def valid_mbox_comes_back_whole(sample):
    data, count, expect = sample
    series = read_and_check(data)
    assert series is not None, "a valid mbox was refused"
    assert len(series.patches) == count
    for patch in series.patches:
        for pf in patch.patchset:
            got = [ln.value.rstrip("\n") for hunk in pf for ln in hunk if ln.is_added]
            assert got == expect[(patch.index, pf.path)], pf.path
    assert {(p.index, pf.path) for p in series.patches for pf in p.patchset} == set(expect)


@st.composite
def bare_diffs(draw):
    text = "".join(f[0] for f in draw(st.lists(file_diffs(), min_size=1, max_size=3)))
    data = text.encode()
    return _mutate(draw, data) if draw(st.booleans()) else data


@SHORT
@given(mboxes())
def test_valid_mbox_comes_back_whole(sample):
    valid_mbox_comes_back_whole(sample)


@SHORT
@given(broken_mboxes())
def test_broken_mbox_raises_only_entrylint_errors(data):
    read_and_check(data)


@SHORT
@given(bare_diffs())
def test_bare_diff_raises_only_entrylint_errors(data):
    read_and_check(data)


# -- images ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def image_bytes(tmp_path_factory) -> bytes:
    why = elfmut.toolchain_missing()
    if why:
        pytest.skip(why)
    return elfmut.base_image(tmp_path_factory.mktemp("fuzz-elf")).read_bytes()


EDGE_VALUES = [0, 1, 7, 0xFF, 0xFFFF, 0xFFFFFFFF, 1 << 31, (1 << 63), (1 << 64) - 1]


@st.composite
def image_mutations(draw, data: bytes):
    """A list of (offset, bytes) writes and a new length: bit flips, header fields, truncation."""
    secs = elfmut.sections(data)
    regions = [(0, 64), (64, 64 + 56 * 4)] + [(at, at + 64) for at, _ in secs.values()]
    for name in (".symtab", ".strtab", ".notes", ".rela.notes", ".shstrtab"):
        if name in secs:
            off, size = secs[name][1][4], secs[name][1][5]
            regions.append((off, off + size))
    writes = []
    for _ in range(draw(st.integers(1, 4))):
        lo, hi = draw(st.sampled_from(regions))
        at = draw(st.integers(lo, max(lo, hi - 8)))
        kind = draw(st.sampled_from(["flip", "u16", "u32", "u64"]))
        if kind == "flip":
            writes.append((at, bytes([data[at] ^ (1 << draw(st.integers(0, 7)))])))
        else:
            fmt = {"u16": "<H", "u32": "<I", "u64": "<Q"}[kind]
            width = struct.calcsize(fmt)
            value = draw(st.sampled_from(EDGE_VALUES + [len(data), len(data) + 1]) | st.integers(0, len(data) * 2))
            writes.append((at, struct.pack(fmt, value & ((1 << (8 * width)) - 1))))
    length = draw(st.sampled_from([len(data)] * 3 + [-1]))   # cut short one time in four
    length = length if length >= 0 else draw(st.integers(1, len(data)))
    return writes, length


def write_mutant(data: bytes, mutation, path: Path) -> None:
    """The image with a mutation's (offset, bytes) writes, cut to its length, at `path`."""
    writes, length = mutation
    out = bytearray(data)
    for at, chunk in writes:
        out[at:at + len(chunk)] = chunk
    path.write_bytes(bytes(out[:length]))


def load_mutant(data: bytes, mutation, path: Path) -> None:
    from linter.cmd_entries import entries_report, render_text
    from linter.image.model import load_image

    write_mutant(data, mutation, path)
    try:
        model = load_image(str(path), PROFILE, use_cache=False)
    except EntrylintError:
        return
    render_text(entries_report(model, PROFILE))   # what `entrylint entries` prints must work too


def test_image_mutant_found_by_make_fuzz(image_bytes, tmp_path):
    """make fuzz, 2026-11-27: a program header whose p_vaddr became 2**64-1 made the physical
    e_entry map past 2**64 (OverflowError in the symbol lookup)."""
    load_mutant(image_bytes, ([(80, b"\xff\xff\xff\xff")], 18344), tmp_path / "vmlinux")


def test_image_mutants_raise_only_entrylint_errors(image_bytes, tmp_path):
    @SHORT
    @given(image_mutations(image_bytes))
    def run(mutation):
        load_mutant(image_bytes, mutation, tmp_path / "vmlinux")
    run()


# -- DWARF of a debug image: the raw readers (linter.image.dwarfscan, dwarflines) and pyelftools ----
DWARF_SECTIONS = (".debug_info", ".debug_abbrev", ".debug_line", ".debug_str", ".debug_line_str")


@pytest.fixture(scope="module")
def debug_image_bytes(tmp_path_factory) -> bytes:
    from image_fixtures import build, copy_tree

    why = elfmut.toolchain_missing()
    if why:
        pytest.skip(why)
    where = tmp_path_factory.mktemp("fuzz-dwarf")
    return build(copy_tree(where / "tree"), where / "out", emit_relocs=False, debug=True).read_bytes()


@st.composite
def dwarf_mutations(draw, data: bytes):
    """Writes of edge values and flipped bits inside the DWARF sections (the file keeps its length)."""
    secs = elfmut.sections(data)
    regions = [(h[4], h[4] + h[5]) for name, (_, h) in secs.items() if name in DWARF_SECTIONS and h[5] > 8]
    writes = []
    for _ in range(draw(st.integers(1, 6))):
        lo, hi = draw(st.sampled_from(regions))
        at = draw(st.integers(lo, hi - 8))
        if draw(st.booleans()):
            writes.append((at, bytes([data[at] ^ (1 << draw(st.integers(0, 7)))])))
        else:
            writes.append((at, struct.pack("<I", draw(st.sampled_from(EDGE_VALUES[:6]) | st.integers(0, 1 << 20))
                                           & 0xFFFFFFFF)))
    return writes, len(data)


def read_dwarf_mutant(data: bytes, mutation, path: Path) -> None:
    """Unit names, hook slot names and changed lines → functions of a mutant: EntrylintError or
    an answer (slot names fall back to symbol+offset with a warning)."""
    from linter.image import lines, slotnames
    from linter.image.model import load_image

    write_mutant(data, mutation, path)
    try:
        model = load_image(str(path), PROFILE, use_cache=False)
        slotnames.slot_namer(model, PROFILE).members()
        lines.functions_for_lines(model, "arch/x86/kernel/head64.c", [5, 20, 40])
        lines.functions_for_lines(model, "arch/x86/kernel/setup.c", [10, 30])
    except EntrylintError:
        return


def test_dwarf_mutants_raise_only_entrylint_errors(debug_image_bytes, tmp_path):
    @settings(SHORT, max_examples=60, derandomize=True)   # the same cases each run; make fuzz explores
    @given(dwarf_mutations(debug_image_bytes))
    def run(mutation):
        read_dwarf_mutant(debug_image_bytes, mutation, tmp_path / "vmlinux")
    run()


# -- profile and config ------------------------------------------------------------------------
SHIPPED_DATA = tomllib.loads(Path(SHIPPED).read_text())
toml_values = st.recursive(
    st.booleans() | st.integers(-5, 1 << 40) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12) | st.sampled_from(["file", "sequence", "0x12", "ENTRY", "[", "*.S"])
    | st.builds(list) | st.builds(dict),   # fresh empty ones: a later mutation may fill them
    lambda inner: st.lists(inner, min_size=1, max_size=3) | st.dictionaries(st.text(max_size=8), inner, min_size=1,
                                                                            max_size=3),
    max_leaves=6)


def _paths(tree, prefix=()):
    """Every key path in a nested TOML document (dicts and lists)."""
    items = tree.items() if isinstance(tree, dict) else enumerate(tree) if isinstance(tree, list) else []
    for key, value in items:
        yield prefix + (key,)
        yield from _paths(value, prefix + (key,))


PROFILE_PATHS = list(_paths(SHIPPED_DATA))


@st.composite
def mutated_profiles(draw):
    import copy

    data = copy.deepcopy(SHIPPED_DATA)
    for _ in range(draw(st.integers(1, 3))):
        where = draw(st.sampled_from(PROFILE_PATHS))
        parent = data
        try:
            for key in where[:-1]:
                parent = parent[key]
            if draw(st.booleans()) and isinstance(parent, dict):
                parent.pop(where[-1], None)
            else:
                parent[where[-1]] = draw(toml_values)
        except (KeyError, IndexError, TypeError):
            continue   # an earlier change removed this place
    return data


def profile_is_refused_or_built(data):
    try:
        profile = _build(data, "fuzz.toml")
    except EntrylintError:
        return
    for name in WATCHED + OTHERS:
        profile.wants(name, "ELFNOTE(Xen, XEN_ELFNOTE_ENTRY, x)")
    profile.all_entry_symbols()
    profile.watched_globs()


@SHORT
@given(mutated_profiles())
def test_profile_mutants_raise_only_config_errors(data):
    profile_is_refused_or_built(data)


def _toml(value) -> str:
    """A TOML literal for a value made by toml_values (inline tables and arrays)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return '"' + value.encode("unicode_escape").decode("ascii").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return "{" + ", ".join(f"{_toml(str(k))} = {_toml(v)}" for k, v in value.items()) + "}"


config_docs = st.dictionaries(st.sampled_from(["select", "ignore", "severity", "profile", "fail-on", "selct"]),
                              toml_values | st.sampled_from([["EL1"], ["EL999"], {"EL100": "note"}, "error"]),
                              max_size=4)


def config_is_refused_or_loaded(doc, path: Path):
    from linter.config import load_config

    text = "\n".join(f"{_toml(k)} = {_toml(v)}" for k, v in doc.items()) + "\n"
    path.write_text(text)
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        assume(False)   # our emitter's fault, not the reader's
    try:
        load_config(str(path))
    except EntrylintError:
        pass


def test_config_documents_raise_only_config_errors(tmp_path):
    @SHORT
    @given(config_docs)
    def run(doc):
        config_is_refused_or_loaded(doc, tmp_path / ".entrylint.toml")
    run()


# -- the long runs (make fuzz) -----------------------------------------------------------------
@pytest.fixture
def fuzz_for(request):
    """Run a property in rounds of fresh random examples until this test's share of the budget is
    spent; report the count on the terminal (pytest -q shows it)."""
    def run(strategy, prop):
        cases = 0

        @ROUND
        @given(strategy)
        def one_round(sample):
            nonlocal cases
            cases += 1
            prop(sample)

        start = time.monotonic()
        budget = FUZZ_SECONDS / FUZZ_TESTS
        while time.monotonic() - start < budget:
            one_round()
        spent = time.monotonic() - start
        line = f"fuzz: {request.node.name}: {cases} cases in {spent:.0f} s"
        reporter = request.config.pluginmanager.get_plugin("terminalreporter")
        capture = request.config.pluginmanager.get_plugin("capturemanager")
        if reporter and capture:
            with capture.global_and_fixture_disabled():   # past pytest's capture, onto the terminal
                reporter.write_line(line)
    return run


@pytest.mark.fuzz
def test_fuzz_valid_mboxes(fuzz_for):
    fuzz_for(mboxes(), valid_mbox_comes_back_whole)


@pytest.mark.fuzz
def test_fuzz_broken_mboxes_and_diffs(fuzz_for):
    fuzz_for(broken_mboxes() | bare_diffs(), read_and_check)


@pytest.mark.fuzz
def test_fuzz_image_mutants(fuzz_for, image_bytes, tmp_path):
    fuzz_for(image_mutations(image_bytes), lambda m: load_mutant(image_bytes, m, tmp_path / "vmlinux"))


@pytest.mark.fuzz
def test_fuzz_dwarf_mutants(fuzz_for, debug_image_bytes, tmp_path):
    fuzz_for(dwarf_mutations(debug_image_bytes), lambda m: read_dwarf_mutant(debug_image_bytes, m, tmp_path / "vmlinux"))


@pytest.mark.fuzz
def test_fuzz_profiles(fuzz_for):
    fuzz_for(mutated_profiles(), profile_is_refused_or_built)


@pytest.mark.fuzz
def test_fuzz_configs(fuzz_for, tmp_path):
    fuzz_for(config_docs, lambda doc: config_is_refused_or_loaded(doc, tmp_path / ".entrylint.toml"))


def spans_after_edit_are_a_whole_scan(sample):
    (old, new, edits), path = sample
    assert spans_after_edit(old, spans(old, path), new, edits, path) == spans(new, path)


@pytest.mark.fuzz
def test_fuzz_spans_after_edit(fuzz_for):
    fuzz_for(st.tuples(_edited(C_SHAPES) | _edited(ASM_SHAPES), st.sampled_from(["x.c", "x.S"])),
             spans_after_edit_are_a_whole_scan)
