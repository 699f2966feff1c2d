"""EL130, EL131, EL132 on the diff side: real git commits on the example kernel (examples/kernel), whose
setup_arch calls x86_init slots that the Xen PV and PVH code override."""

from __future__ import annotations

import shutil

import pytest

from clirun import entrylint
from gitrepo import GitRepo
from image_fixtures import KERNEL

SETUP = "arch/x86/kernel/setup.c"
ENLIGHTEN_PV = "arch/x86/xen/enlighten_pv.c"
XEN_SETUP = "arch/x86/xen/setup.c"
WARNING = """	/*
	 * Reserve before the memory map is set up: on Xen PV, memory_setup moves the page
	 * tables into memory it believes to be free.
	 */
"""


@pytest.fixture
def kernel(tmp_path) -> GitRepo:
    shutil.copytree(KERNEL, tmp_path / "linux", ignore=shutil.ignore_patterns("*.o", "vmlinux"))
    repo = GitRepo(tmp_path / "linux")
    repo.commit("example kernel")
    return repo


def findings(repo, rules="EL130,EL131,EL132", source="HEAD"):
    run = entrylint("check", source, "--format", "json", "--select", rules, cwd=repo.path)
    assert run.code in (0, 1), run.err
    return run.json()["findings"]


def test_el130_the_2021_move_names_the_slot_and_each_paths_function(kernel):
    kernel.edit(SETUP, WARNING + "\tearly_reserve_memory();\n\te820__memory_setup();\n",
                "\te820__memory_setup();\n\tearly_reserve_memory();\n")
    kernel.commit("x86/setup: reserve after the memory map")
    [f] = findings(kernel, "EL130")
    assert f["message"] == ("moves early_reserve_memory() after e820__memory_setup(), which calls "
                            "x86_init.resources.memory_setup: xen-pv runs xen_memory_setup there; "
                            "native, pvh run e820__memory_setup_default; it deletes the comment that says why the order matters")
    assert f["file"] == SETUP and kernel.read(SETUP).splitlines()[f["line"] - 1].strip() == "early_reserve_memory();"
    assert f["paths"] == ["native", "pvh", "xen-pv"] and f["severity"] == "warning"
    assert f"{SETUP}: - * Reserve before the memory map is set up: on Xen PV, memory_setup moves the page" in f["evidence"]


def test_el130_work_moved_into_a_new_helper_that_runs_later(kernel):
    """The real 2021 shape: reservations made inline before the hook move into a new helper called after it."""
    kernel.edit(SETUP, WARNING + "\tearly_reserve_memory();\n\te820__memory_setup();\n",
                "\tmemblock_reserve(0, 0x10000);\n\te820__memory_setup();\n")
    kernel.commit("x86/setup: reserve the first 64K inline")
    kernel.edit(SETUP, "\tmemblock_reserve(0, 0x10000);\n\te820__memory_setup();\n",
                "\te820__memory_setup();\n\tearly_reserve_more();\n")
    kernel.edit(SETUP, "void setup_arch(char **cmdline)\n",
                "static noinline void early_reserve_more(void)\n{\n\tmemblock_reserve(0, 0x10000);\n}\n\n"
                "void setup_arch(char **cmdline)\n")
    kernel.commit("x86/setup: consolidate the early reservations")
    [f] = findings(kernel, "EL130")
    assert f["message"].startswith("moves memblock_reserve() (now called from early_reserve_more()) after "
                                   "e820__memory_setup(), which calls x86_init.resources.memory_setup")


def test_el130_direct_slot_call_crossed(kernel):
    """Moving a call across `x86_init.oem.arch_setup()`, which both Xen paths override."""
    kernel.edit(SETUP, "\tx86_init.oem.arch_setup();\n" + WARNING + "\tearly_reserve_memory();\n",
                WARNING + "\tearly_reserve_memory();\n\tx86_init.oem.arch_setup();\n")
    kernel.commit("x86/setup: reserve before the OEM set-up")
    [f] = findings(kernel, "EL130")
    assert f["message"] == ("moves early_reserve_memory() before x86_init.oem.arch_setup(): xen-pv runs "
                            "xen_arch_setup there; pvh runs pvh_arch_setup there; native runs x86_init_noop")
    assert f["paths"] == ["native", "pvh", "xen-pv"]


@pytest.mark.parametrize("old, new", [
    # a swap that crosses no hooked call
    ("\tparse_setup_data();\n\twrite_cr4(read_cr0() & 0x20);\n", "\twrite_cr4(read_cr0() & 0x20);\n\tparse_setup_data();\n"),
    # a new call after the hook: new work on every path, nothing moved
    ("\te820__memory_setup();\n", "\te820__memory_setup();\n\tmemblock_reserve(0x9f000, 0x1000);\n"),
    # a removed call: nothing moved either
    ("\tparse_setup_data();\n", ""),
    # only the warning comment goes
    (WARNING, ""),
])
def test_el130_quiet_when_nothing_crosses_a_hook(kernel, old, new):
    kernel.edit(SETUP, old, new)
    kernel.commit("x86/setup: harmless")
    assert findings(kernel, "EL130") == []


def test_el130_in_patch_files_without_a_tree_sees_slot_calls_in_the_hunk(kernel, tmp_path):
    kernel.edit(SETUP, "\tx86_init.oem.arch_setup();\n" + WARNING + "\tearly_reserve_memory();\n",
                WARNING + "\tearly_reserve_memory();\n\tx86_init.oem.arch_setup();\n")
    kernel.commit("x86/setup: reserve before the OEM set-up")
    [patch] = kernel.format_patch("HEAD~1..HEAD", tmp_path / "out")
    run = entrylint("check", str(patch), "--format", "json", "--select", "EL130", cwd=tmp_path)
    [f] = run.json()["findings"]
    assert "x86_init.oem.arch_setup()" in f["message"] and "no git tree" in f["message"]


def test_el131_new_lost_and_changed_overrides(kernel):
    kernel.edit(ENLIGHTEN_PV, "\tx86_init.oem.arch_setup = xen_arch_setup;\n",
                "\tx86_init.resources.probe_roms = x86_init_noop;\n")
    kernel.edit(ENLIGHTEN_PV, "\tx86_init.resources.memory_setup = xen_memory_setup;\n",
                "\tx86_init.resources.memory_setup = xen_arch_memory_setup;\n")
    kernel.commit("x86/xen: no ROMs, and a memory set-up of our own")
    got = sorted(f["message"] for f in findings(kernel, "EL131"))
    assert got == [
        "xen-pv no longer overrides x86_init.oem.arch_setup (it wrote xen_arch_setup in xen_start_kernel): "
        "it now runs x86_init_noop there, as native does",
        "xen-pv now overrides x86_init.resources.probe_roms with x86_init_noop in xen_start_kernel: "
        "native, pvh run x86_init_noop there",
        "xen-pv's override of x86_init.resources.memory_setup changes from xen_memory_setup to "
        "xen_arch_memory_setup in xen_start_kernel: native, pvh run e820__memory_setup_default there",
    ]


def test_el131_quiet_for_an_override_moved_within_the_path(kernel):
    kernel.edit(ENLIGHTEN_PV, "\tx86_init.oem.arch_setup = xen_arch_setup;\n", "")
    kernel.edit(ENLIGHTEN_PV, "\txen_setup_features();\n",
                "\txen_setup_features();\n\tx86_init.oem.arch_setup = xen_arch_setup;\n")
    kernel.commit("x86/xen: set the OEM hook first")
    assert findings(kernel, "EL131") == []


def test_el132_override_body_and_replaced_default(kernel):
    kernel.edit(XEN_SETUP, '\treturn "Xen";\n', '\tprintk("Xen memory map");\n\treturn "Xen";\n')
    kernel.edit("arch/x86/kernel/e820.c", '\treturn "BIOS-e820";\n', '\tprintk("e820");\n\treturn "BIOS-e820";\n')
    kernel.commit("say who set the memory map up")
    got = {f["message"]: f["paths"] for f in findings(kernel, "EL132")}
    assert got == {
        "xen_memory_setup runs instead of e820__memory_setup_default on xen-pv only "
        "(x86_init.resources.memory_setup, written by xen_start_kernel): no other path runs this change": ["xen-pv"],
        "e820__memory_setup_default is the native x86_init.resources.memory_setup: xen-pv replaces it with "
        "xen_memory_setup, so this change never runs there": ["xen-pv"],
    }


def test_el132_quiet_for_comments_and_functions_no_slot_holds(kernel):
    kernel.edit(XEN_SETUP, "/* Moves the initial page tables", "/* Moves the first page tables")
    kernel.edit(SETUP, '\t\tprintk("setup data present");\n', '\t\tprintk("setup data found");\n')
    kernel.commit("comments and messages")
    assert findings(kernel, "EL132") == []


def test_hook_rules_outside_a_kernel_tree_give_a_note(tmp_path):
    repo = GitRepo(tmp_path / "elsewhere")
    repo.write(SETUP, "void setup_arch(void)\n{\n\ta();\n\tb();\n}\n")
    repo.commit("not a kernel")
    repo.edit(SETUP, "\ta();\n\tb();\n", "\tb();\n\ta();\n")
    repo.commit("swap")
    run = entrylint("check", "HEAD", "--format", "json", "--select", "EL13", cwd=repo.path)
    assert run.code == 0 and run.json()["findings"] == []
    assert any("hook map" in n for n in run.json().get("notes", [])), run.out


@pytest.mark.parametrize("old, new, words", [
    ("depth = 2", 'depth = "two"', "key 'hooks.depth' must be an int"),
    ("depth = 2", "depth = 99", "key 'hooks.depth' must be from 0 to 8"),
    ("[hooks.overrides]\n", "[hooks.overrides]\nxen-hvm = []\n", "key 'hooks.overrides.xen-hvm' names unknown path"),
    ('{ path = "arch/x86/xen/mmu_pv.c" }', '"arch/x86/xen/mmu_pv.c"', "key 'hooks.overrides.xen-pv[1]' must be a table"),
    ('tables = ["x86_init"', 'tables = [1, "x86_init"', "key 'hooks.tables[0]' must be a string"),
])
def test_a_bad_hooks_profile_is_one_line_and_exit_2(kernel, tmp_path, old, new, words):
    from linter.profile import SHIPPED

    text = open(SHIPPED).read()
    assert old in text
    bad = tmp_path / "bad.toml"
    bad.write_text(text.replace(old, new, 1))
    run = entrylint("check", "--profile", str(bad), "HEAD", cwd=kernel.path)
    assert run.code == 2 and run.out == ""
    assert run.err.count("\n") == 1 and "bad.toml" in run.err and words in run.err, run.err


def test_el130_a_move_the_series_undoes_is_a_note_on_both_patches(kernel):
    kernel.edit(SETUP, WARNING + "\tearly_reserve_memory();\n\te820__memory_setup();\n",
                "\te820__memory_setup();\n\tearly_reserve_memory();\n")
    kernel.commit("x86/setup: reserve after the memory map")
    kernel.edit(SETUP, "\te820__memory_setup();\n\tearly_reserve_memory();\n",
                "\tearly_reserve_memory();\n\te820__memory_setup();\n")
    kernel.commit("x86/setup: reserve before the memory map again")
    found = findings(kernel, "EL130", "HEAD~2..HEAD")
    assert [(f["patch"], f["severity"]) for f in found] == [(1, "note"), (2, "note")]
    assert found[0]["message"].endswith("a later patch of the series moves it the other way; "
                                        "it deletes the comment that says why the order matters")
    assert found[1]["message"].startswith("moves early_reserve_memory() before e820__memory_setup()")
    assert found[1]["message"].endswith("an earlier patch of the series moves it the other way")


def test_el130_a_move_whose_new_comment_says_why_is_a_note(kernel):
    """The shape of the 2021 fix: the call moved back before the hook, with a comment naming it."""
    kernel.edit(SETUP, WARNING + "\tearly_reserve_memory();\n\te820__memory_setup();\n",
                "\te820__memory_setup();\n\tearly_reserve_memory();\n")
    kernel.commit("x86/setup: reserve after the memory map")
    kernel.edit(SETUP, "\te820__memory_setup();\n\tearly_reserve_memory();\n",
                "\t/* before e820__memory_setup(): xen_memory_setup() needs the reservations */\n"
                "\tearly_reserve_memory();\n\te820__memory_setup();\n")
    kernel.commit("x86/setup: call early_reserve_memory() earlier")
    [f] = findings(kernel, "EL130")
    assert f["severity"] == "note" and f["message"].endswith("; a comment it adds says why")


def test_el110_leaves_a_new_override_to_el131_but_not_new_work_beside_it(kernel):
    kernel.edit(ENLIGHTEN_PV, "\tx86_init.oem.arch_setup = xen_arch_setup;\n",
                "\tx86_init.oem.arch_setup = xen_arch_setup;\n\t/* no option ROMs in a PV guest */\n"
                "\tx86_init.resources.probe_roms = x86_init_noop;\n")
    kernel.commit("x86/xen: no ROM probing")
    assert [f["rule"] for f in findings(kernel, "EL110,EL131")] == ["EL131"]
    kernel.edit(ENLIGHTEN_PV, "\txen_init_capabilities();\n", "\txen_init_capabilities();\n\txen_setup_features();\n")
    kernel.commit("x86/xen: features again")
    assert [f["rule"] for f in findings(kernel, "EL110,EL131")] == ["EL110"]


def reorder_commit(kernel):
    kernel.edit(SETUP, WARNING + "\tearly_reserve_memory();\n\te820__memory_setup();\n",
                "\te820__memory_setup();\n\tearly_reserve_memory();\n")
    kernel.commit("x86/setup: reserve after the memory map")


def test_the_hook_map_is_cached_by_the_files_blob_ids(kernel):
    """A second run reads none of the hook files (the map and the reaches come from the cache);
    a commit that leaves the hook files alone keeps the key, one that edits one changes it."""
    from linter.gitobjects import GitObjects
    from linter.hookmap import hook_map_at
    from linter.profile import load_profile
    from linter.versions import FileVersions

    hooks = load_profile().hooks
    tables = tuple(hooks.tables)

    class Counting(FileVersions):
        reads = 0

        def named(self, name):
            Counting.reads += 1
            return super().named(name)

    first = hook_map_at(str(kernel.path), "HEAD", hooks, tables, Counting(GitObjects(str(kernel.path))))
    reaches = first.reaches
    assert Counting.reads > 3 and reaches
    Counting.reads = 0
    again = hook_map_at(str(kernel.path), "HEAD", hooks, tables, Counting(GitObjects(str(kernel.path))))
    assert again.overrides == first.overrides and again.defaults == first.defaults
    assert again.reaches == reaches and Counting.reads == 0
    (kernel.path / "NOTES").write_text("a file no hook rule reads\n")
    kernel.commit("notes")
    assert hook_map_at(str(kernel.path), "HEAD", hooks, tables, Counting(GitObjects(str(kernel.path)))).reaches == reaches
    assert Counting.reads == 0
    kernel.edit(XEN_SETUP, "\n", "\n/* edited */\n")
    kernel.commit("xen: a comment")
    hook_map_at(str(kernel.path), "HEAD", hooks, tables, Counting(GitObjects(str(kernel.path))))
    assert Counting.reads > 3


def test_a_damaged_hook_cache_is_noted_and_rebuilt(kernel, tmp_path):
    import os
    from pathlib import Path

    reorder_commit(kernel)
    good = findings(kernel, "EL130")
    files = sorted((Path(os.environ["XDG_CACHE_HOME"]) / "entrylint" / "hookmap").iterdir())
    assert [f.name.endswith(".reaches") for f in files] == [False, True]
    for f in files:
        f.write_bytes(f.read_bytes()[:-3])
    run = entrylint("check", "HEAD", "--format", "json", "--select", "EL130", cwd=kernel.path)
    assert run.json()["findings"] == good
    notes = [n for n in run.json()["notes"] if "cache file ignored" in n]
    assert len(notes) == 1 and "checksum mismatch" in notes[0]      # the map; reaches are not asked again
    assert findings(kernel, "EL130") == good


@pytest.mark.parametrize("path", ["arch/x86/xen/enlighten_pv.c", "arch/x86/xen/sub/dir.c", "arch/x86/kernel/setup.c",
                                  "arch/x86/kernel/setup.h", "init/main.c", "init/main.cc", "README", "arch/x86/xen",
                                  "arch/x86/kernel/apic/io_apic.c", "xarch/x86/kernel/setup.c"])
def test_the_hook_files_matcher_is_glob_matches(path):
    from linter.profile import glob_matches, globs_matcher, load_profile

    patterns = load_profile().hooks.globs() + ["arch/x86/xen/*.c", "init/[a-m]*.c", "a?c"]
    assert globs_matcher(patterns)(path) == any(glob_matches(path, p) for p in patterns)
    assert globs_matcher([])(path) is False
