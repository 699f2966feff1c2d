"""EL130 and EL131 with --base-image and --image: the example kernel built by gcc and ld before and
after a series, with and without relocations."""

from __future__ import annotations

import functools
import shutil
from pathlib import Path

import pytest

from clirun import entrylint
from gitrepo import GitRepo
from image_fixtures import KERNEL, build, have_toolchain

SETUP = "arch/x86/kernel/setup.c"
ENLIGHTEN_PV = "arch/x86/xen/enlighten_pv.c"
X86_INIT = "arch/x86/kernel/x86_init.c"
WARNING_AND_CALL = """	/*
	 * Reserve before the memory map is set up: on Xen PV, memory_setup moves the page
	 * tables into memory it believes to be free.
	 */
	early_reserve_memory();
	e820__memory_setup();
"""


@functools.cache
def _kernel(where: Path) -> tuple[GitRepo, dict[str, Path]]:
    """A git tree of the example kernel: base, then three branches, each built (with relocations,
    and without for the reorder)."""
    shutil.copytree(KERNEL, where / "linux", ignore=shutil.ignore_patterns("*.o", "vmlinux"))
    repo = GitRepo(where / "linux")
    repo.git("checkout", "-q", "-b", "base")
    repo.commit("example kernel")
    images = {"base": build(repo.path, where / "base"), "base-norela": build(repo.path, where / "base-norela", False)}
    for branch, edit in EDITS.items():
        repo.git("checkout", "-q", "-b", branch, "base")
        edit(repo)
        repo.commit(branch)
        images[branch] = build(repo.path, where / branch)
        images[branch + "-norela"] = build(repo.path, where / (branch + "-norela"), False)
    repo.git("checkout", "-q", "base")
    return repo, images


def _reorder(repo):
    repo.edit(SETUP, WARNING_AND_CALL, "\te820__memory_setup();\n\tearly_reserve_memory();\n")


def _override(repo):
    repo.edit(ENLIGHTEN_PV, "\tx86_init.oem.arch_setup = xen_arch_setup;\n",
              "\tx86_init.oem.arch_setup = xen_arch_setup;\n\tx86_init.resources.probe_roms = x86_init_noop;\n")


def _hidden_override(repo):
    """xen_start_kernel calls a helper of a file the profile does not count as Xen's own code, which
    writes the slot: only the image sees the path override it."""
    repo.edit(X86_INIT, "struct x86_init_ops x86_init __initdata = {",
              "void x86_init_quiet_banner(void)\n{\n\tx86_init.oem.banner = x86_init_noop;\n}\n\n"
              "struct x86_init_ops x86_init __initdata = {")
    repo.edit("include/asm/x86_init.h", "void x86_init_noop(void);\n",
              "void x86_init_noop(void);\nvoid x86_init_quiet_banner(void);\n")
    repo.edit(ENLIGHTEN_PV, "\txen_init_capabilities();\n", "\txen_init_capabilities();\n\tx86_init_quiet_banner();\n")


EDITS = {"reorder": _reorder, "override": _override, "hidden-override": _hidden_override}


@pytest.fixture(scope="module")
def kernel(tmp_path_factory):
    if not have_toolchain():
        pytest.skip("needs gcc, ld, objcopy, make and git")
    return _kernel(tmp_path_factory.getbasetemp() / "hook-kernel")


def check(kernel, branch, rules, relocs=True):
    repo, images = kernel
    suffix = "" if relocs else "-norela"
    run = entrylint("check", f"base..{branch}", "--format", "json", "--select", rules, "--no-cache",
                    "--base-image", str(images["base" + suffix]), "--image", str(images[branch + suffix]),
                    cwd=repo.path)
    assert run.code in (0, 1), run.err
    return run.json()["findings"]


@pytest.mark.parametrize("relocs", [True, False])
def test_el130_images_agree_with_the_source(kernel, relocs):
    [f] = check(kernel, "reorder", "EL130", relocs)
    assert "moves early_reserve_memory() after e820__memory_setup(), which calls x86_init.resources.memory_setup" \
        in f["message"] and "xen-pv runs xen_memory_setup there" in f["message"]
    assert "the images agree: the call sites in setup_arch of --base-image and --image" in f["evidence"]


def test_el131_told_once_when_source_and_image_both_see_it(kernel):
    found = check(kernel, "override", "EL131")
    assert [f["message"] for f in found] == [
        "xen-pv now overrides x86_init.resources.probe_roms with x86_init_noop in xen_start_kernel: "
        "native, pvh run x86_init_noop there"]


@pytest.mark.parametrize("relocs", [True, False])
def test_el131_an_override_only_the_image_shows(kernel, relocs):
    [f] = check(kernel, "hidden-override", "EL131", relocs)
    assert f["message"].startswith("xen-pv now overrides x86_init")
    assert "with x86_init_noop in x86_init_quiet_banner (image)" in f["message"]
    assert f["symbol"] == "x86_init_quiet_banner" and f["paths"] == ["xen-pv"]
    assert "0xffffffff" not in f["message"]


def test_no_hook_finding_for_a_series_that_touches_no_hook(kernel):
    assert check(kernel, "override", "EL130") == []
    assert check(kernel, "reorder", "EL131,EL132") == []


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github", "gitlab", "junit", "patchwork", "checkpatch", "b4"])
def test_no_report_format_shows_a_bare_slot_address(kernel, fmt):
    repo, images = kernel
    for branch in ("reorder", "hidden-override"):
        run = entrylint("check", f"base..{branch}", "--format", fmt, "--select", "EL13", "--no-cache",
                        "--base-image", str(images["base-norela"]), "--image", str(images[branch + "-norela"]),
                        cwd=repo.path)
        assert run.code == 1, run.err
        assert ("x86_init" in run.out or fmt == "patchwork") and "0xffffffff" not in run.out   # (patchwork: counts only)
