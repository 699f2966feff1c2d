"""Changed lines → image functions (linter/image/lines.py) and EL211 on inlined and same-name statics.

Images are the example kernel (examples/kernel) built by its Makefile with DEBUG=1 (-g: DWARF line
programs and inlined subroutines; with --emit-relocs, so .rela.debug_* exist and must not be
needed) and without. A variant of it adds a static helper gcc inlines (cmdline_present, into
copy_bootdata) and a second static clear_bss in enlighten_pv.c; its git history changes each.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from image_fixtures import copy_tree, git, have_toolchain

from linter.context import Context
from linter.errors import ImageError
from linter.image import lines as L
from linter.image.model import load_image
from linter.profile import load_profile

pytestmark = pytest.mark.image

HEAD64 = "arch/x86/kernel/head64.c"
PV = "arch/x86/xen/enlighten_pv.c"
HEAD_S = "arch/x86/kernel/head_64.S"

HELPER = """\
/* Small enough that gcc -O2 inlines it into its only caller: no symbol of its own. */
static int cmdline_present(void)
{
	return boot_params.hdr.cmd_line_ptr != 0;
}

"""
XEN_CLEAR_BSS = """\
/* The same name as head64.c's static: only the STT_FILE group tells the two apart. */
static noinline void __init clear_bss(void)
{
	xen_features = 0;
}

"""


def make(tree: Path, out: Path, **variables) -> Path:
    args = [f"{k}={v}" for k, v in variables.items()]
    subprocess.run(["make", "-s", "-C", str(tree), f"O={out}", *args], check=True, capture_output=True)
    return out / "vmlinux"


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert text.count(old) == 1, (path, old)
    path.write_text(text.replace(old, new))


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """pristine: the example built with -g; debug / plain: the variant after its history, with -g
    and without (no relocations either); tree: the variant's git repository."""
    if not have_toolchain():
        pytest.skip("needs gcc, ld, objcopy, make and git")
    where = tmp_path_factory.mktemp("lines")
    pristine = make(copy_tree(where / "pristine"), where / "pristine-out", DEBUG=1)
    pristine4 = make(where / "pristine", where / "pristine4-out", DEBUG=1, CC="gcc -gdwarf-4")
    tree = copy_tree(where / "variant")
    head64, pv = tree / HEAD64, tree / PV
    edit(head64, "static noinline void __init copy_bootdata", HELPER + "static noinline void __init copy_bootdata")
    edit(head64, "\tif (boot_params.hdr.cmd_line_ptr)\n", "\tif (cmdline_present())\n")
    edit(pv, "void __init __noreturn xen_start_kernel", XEN_CLEAR_BSS + "void __init __noreturn xen_start_kernel")
    edit(pv, "\txen_start_info = si;\n", "\txen_start_info = si;\n\tclear_bss();\n")
    git(tree, "init", "-q", "-b", "master")
    git(tree, "add", "-A")
    git(tree, "commit", "-q", "-m", "base")
    edit(head64, "return boot_params.hdr.cmd_line_ptr != 0;", "return boot_params.hdr.cmd_line_ptr > 1;")
    git(tree, "commit", "-q", "-am", "x86/head64: a command line pointer of 1 is none")
    edit(pv, "\txen_features = 0;\n", "\txen_features = 0x80;\n")
    git(tree, "commit", "-q", "-am", "x86/xen: start with the early feature bit set")
    debug = make(tree, where / "debug", DEBUG=1)
    plain = make(tree, where / "plain", DEBUG=0, EMIT_RELOCS=0)
    return {"pristine": pristine, "pristine4": pristine4, "pristine_tree": where / "pristine", "debug": debug, "plain": plain, "tree": tree}


def image(path: Path, use_cache: bool = False):
    return load_image(str(path), load_profile(), use_cache=use_cache)


def line_of(tree: Path, file: str, text: str, nth: int = 0) -> int:
    numbers = [i for i, ln in enumerate((tree / file).read_text().splitlines(), 1) if text in ln]
    return numbers[nth]


def named(model, hits):
    return [(h.function, h.inlined, h.how) for h in hits]


@pytest.mark.parametrize("which, version", [("pristine", 5), ("pristine4", 4)])
def test_lines_map_to_their_functions_through_dwarf(built, which, version):
    model, tree = image(built[which]), built["pristine_tree"]
    assert L.has_dwarf(model) and model.section(".rela.debug_info") is not None  # read, never relocated
    assert int(model.section_bytes(".debug_info")[4]) == version
    want = {(HEAD64, "early_pgt[0] = physaddr | 0x63;"): "__startup_64",
            (HEAD64, "*(volatile char *)p = 0;"): "clear_bss",
            (HEAD64, "((volatile char *)&boot_params)[i] = real_mode_data[i];"): "copy_bootdata",
            (HEAD64, "early_setup_idt();"): "x86_64_start_kernel",
            # its row also sits, zero bytes long, at the start of the next function: no code there
            (HEAD64, "start_kernel();"): "x86_64_start_reservations",
            (PV, "xen_features = xen_start_info->flags & 0xff;"): "xen_setup_features",
            (PV, "pv_ops.cpu = xen_cpu_ops;"): "xen_start_kernel",
            (HEAD_S, "leaq	init_stack_top(%rip), %rsp"): "startup_64",
            (HEAD_S, "movq	initial_code(%rip), %rax"): "common_startup_64"}
    for (file, text), function in want.items():
        hits = L.functions_for_lines(model, file, [line_of(tree, file, text)])
        assert named(model, hits) == [(function, None, L.DWARF)], (file, text)
        assert model.name(hits[0].symbol) == function
    # a comment has no code; with its source function named, the function's symbol answers
    comment = line_of(tree, HEAD64, "Runs from the identity mapping")
    assert L.functions_for_lines(model, HEAD64, [comment]) == []
    assert named(model, L.functions_for_lines(model, HEAD64, [comment], ["__startup_64"])) == \
        [("__startup_64", None, L.SYMBOL)]


def test_an_inlined_static_is_found_in_its_caller(built):
    model, tree = image(built["debug"]), built["tree"]
    assert model.code_symbol("cmdline_present") is None          # gcc inlined it: no symbol
    body = line_of(tree, HEAD64, "return boot_params.hdr.cmd_line_ptr > 1;")
    hits = L.functions_for_lines(model, HEAD64, [body])
    assert named(model, hits) == [("copy_bootdata", "cmdline_present", L.DWARF)]
    assert model.symbols.file_name(hits[0].symbol) == "head64.c"
    # the same from the mark's source function, and for a line with no code of its own (its brace)
    assert L.functions_for_lines(model, HEAD64, [body], ["cmdline_present"]) == hits
    brace = line_of(tree, HEAD64, "static int cmdline_present(void)") + 1
    assert named(model, L.functions_for_lines(model, HEAD64, [brace], ["cmdline_present"])) == \
        [("copy_bootdata", "cmdline_present", L.DWARF)]


def test_without_dwarf_the_name_and_the_stt_file_group_answer(built):
    model, tree = image(built["plain"]), built["tree"]
    assert not L.has_dwarf(model)
    body = line_of(tree, HEAD64, "return boot_params.hdr.cmd_line_ptr > 1;")
    assert L.functions_for_lines(model, HEAD64, [body], ["cmdline_present"]) == \
        [L.LineHit(body, None, "cmdline_present", how=L.MISSING)]     # not dropped: said missing
    assert L.functions_for_lines(model, HEAD64, [body]) == []          # no name, no DWARF: nothing
    native = L.functions_named(model, HEAD64, "clear_bss")
    xen = L.functions_named(model, PV, "clear_bss")
    assert [model.symbols.file_name(h.symbol) for h in native + xen] == ["head64.c", "enlighten_pv.c"]
    assert native[0].symbol != xen[0].symbol and native[0].how == xen[0].how == L.SYMBOL
    assert named(model, L.functions_named(model, HEAD64, "x86_64_start_kernel")) == \
        [("x86_64_start_kernel", None, L.SYMBOL)]                     # a global: no group needed
    assert named(model, L.functions_named(model, "arch/x86/kernel/absent.c", "absent_fn")) == \
        [("absent_fn", None, L.MISSING)]


def test_same_name_statics_through_dwarf(built):
    model, tree = image(built["debug"]), built["tree"]
    hits = L.functions_for_lines(model, PV, [line_of(tree, PV, "xen_features = 0x80;")])
    assert named(model, hits) == [("clear_bss", None, L.DWARF)]
    assert model.symbols.file_name(hits[0].symbol) == "enlighten_pv.c"
    # a file the image has no unit for (a header): by name, and missing when no symbol has it
    assert named(model, L.functions_for_lines(model, "include/asm/paravirt_types.h", [28], ["load_idt"])) == \
        [("load_idt", None, L.MISSING)]


def el211_findings(built, which: str, spec: str):
    from linter.gitobjects import GitObjects
    from linter.gitsource import open_repo, series_from_range
    from linter.marks import mark_series
    from rules import el211_one_path_change as el211

    profile = load_profile()
    repo = open_repo(str(built["tree"]))
    series = series_from_range(repo, spec, None)
    marks = mark_series(series, profile, GitObjects(repo.working_tree_dir))
    ctx = Context(series=series, marks=marks, profile=profile, image_path=str(built[which]), use_cache=False)
    return list(el211.check(ctx))


def test_el211_reports_an_inlined_static_on_its_callers_paths(built):
    found = el211_findings(built, "debug", "master~2..master~1")
    assert [(f.symbol, f.paths, f.file) for f in found] == [("cmdline_present", ["native", "pvh"], HEAD64)]
    assert found[0].message == ("cmdline_present, changed here, is inlined into copy_bootdata, which runs "
                                "before convergence on native, pvh only (not on xen-pv)")
    assert found[0].evidence[-1].endswith(" -call-> copy_bootdata")


def test_el211_without_dwarf_says_an_inlined_static_is_not_in_the_image(built):
    found = el211_findings(built, "plain", "master~2..master~1")
    assert [(f.symbol, f.paths, f.severity) for f in found] == [("cmdline_present", [], "note")]
    assert found[0].message == ("cmdline_present, changed here, is not in the image (inlined or not built): "
                                "the image cannot tell which entry paths run it")


@pytest.mark.parametrize("which", ["debug", "plain"])
def test_el211_tells_same_name_statics_apart(built, which):
    # by name alone, clear_bss runs on every path (head64.c's on native, this one on xen-pv)
    found = el211_findings(built, which, "master~1..master")
    assert [(f.symbol, f.paths, f.file) for f in found] == [("clear_bss", ["xen-pv"], PV)]
    assert found[0].message == "clear_bss, changed here, runs before convergence on xen-pv only (not on native, pvh)"
    assert found[0].evidence == ["startup_xen -call-> xen_start_kernel -call-> clear_bss"]


def test_the_file_table_is_cached_per_image(built, monkeypatch):
    body = line_of(built["tree"], HEAD64, "return boot_params.hdr.cmd_line_ptr > 1;")
    first = L.functions_for_lines(image(built["debug"], use_cache=True), HEAD64, [body])

    class ReadAgain(BaseException):
        """Not an Exception: nothing on the way may turn it into an ImageError."""

    def no_dwarf_reading(*_):
        raise ReadAgain()

    monkeypatch.setattr(L, "_read_file_table", no_dwarf_reading)
    monkeypatch.setattr(L.dwarfscan, "unit_names", no_dwarf_reading)
    assert L.functions_for_lines(image(built["debug"], use_cache=True), HEAD64, [body]) == first
    with pytest.raises(ReadAgain):                       # another image: nothing cached for it
        L.functions_for_lines(image(built["pristine"], use_cache=True), HEAD64, [body])


def test_damaged_dwarf_is_one_image_error(built, tmp_path):
    damaged = tmp_path / "vmlinux"
    shutil.copy(built["pristine"], damaged)
    model = image(damaged)
    line = model.section(".debug_line")
    with open(damaged, "r+b") as fh:                     # every line program header garbled
        fh.seek(line.offset + 4)
        fh.write(b"\x07\x00" + b"\xff" * (line.size - 6))
    with pytest.raises(ImageError) as err:
        L.functions_for_lines(image(damaged), HEAD64, [17])
    assert str(damaged) in str(err.value) and "DWARF" in str(err.value) and "\n" not in str(err.value)
