"""Issue 17 with images: a helper the series calls on both paths, inlined on one of them, is no gap."""

from __future__ import annotations

import shutil

import pytest

from clirun import entrylint
from gitrepo import GitRepo
from image_fixtures import KERNEL, build, have_toolchain

HEAD64 = "arch/x86/kernel/head64.c"
ENLIGHTEN_PV = "arch/x86/xen/enlighten_pv.c"


@pytest.fixture(scope="module")
def inlined(tmp_path_factory):
    if not have_toolchain():
        pytest.skip("needs gcc, ld, objcopy, make and git")
    where = tmp_path_factory.mktemp("inlined")
    shutil.copytree(KERNEL, where / "linux", ignore=shutil.ignore_patterns("*.o", "vmlinux"))
    repo = GitRepo(where / "linux")
    repo.commit("example kernel")
    base = build(repo.path, where / "base", False)
    # small enough that gcc inlines it into x86_64_start_kernel (same file) and calls it from Xen PV
    repo.edit(HEAD64, "void __init __noreturn x86_64_start_kernel(char *real_mode_data)\n{\n\tclear_bss();\n",
              "void early_mark_boot(void)\n{\n\tboot_params.hdr.loadflags |= 0x40;\n}\n\n"
              "void __init __noreturn x86_64_start_kernel(char *real_mode_data)\n{\n\tclear_bss();\n"
              "\tearly_mark_boot();\n")
    repo.edit(ENLIGHTEN_PV, "struct start_info *xen_start_info;",
              "void early_mark_boot(void);\nstruct start_info *xen_start_info;")
    repo.edit(ENLIGHTEN_PV, "\txen_setup_features();\n", "\txen_setup_features();\n\tearly_mark_boot();\n")
    repo.commit("x86/boot: mark the boot on both paths")
    return repo, base, build(repo.path, where / "head", False)


def test_a_helper_inlined_on_one_path_is_no_gap(inlined):
    repo, base, head = inlined
    objdump = shutil.which("objdump")
    if objdump:   # the premise: native has it inlined, Xen PV calls it
        import subprocess
        text = subprocess.run([objdump, "-d", str(head)], capture_output=True, text=True).stdout
        native = text[text.index("<x86_64_start_kernel>:"):].split("\n\n")[0]
        assert "early_mark_boot" not in native and "call" in text and "<early_mark_boot>" in text
    run = entrylint("check", "HEAD~1..HEAD", "--format", "json", "--select", "EL110,EL210", "--no-cache",
                    "--base-image", str(base), "--image", str(head), cwd=repo.path)
    assert run.code == 0, run.out + run.err
    assert run.json()["findings"] == []
    assert ("EL210: early_mark_boot is no gap of the xen-pv path: the series calls it on native too, "
            "where the compiler inlined it") in run.json()["notes"]


def test_the_same_helper_on_one_path_only_is_a_gap(inlined, tmp_path):
    repo, base, _ = inlined
    repo.edit(HEAD64, "\tearly_mark_boot();\n", "")
    repo.commit("x86/boot: only Xen PV marks the boot")
    head = build(repo.path, tmp_path / "head", False)
    run = entrylint("check", "HEAD~2..HEAD", "--format", "json", "--select", "EL210", "--no-cache",
                    "--base-image", str(base), "--image", str(head), cwd=repo.path)
    assert [f["symbol"] for f in run.json()["findings"]] == ["early_mark_boot"]


def test_el110_is_a_note_when_the_images_show_no_change(tmp_path):
    """A respelled line of code (here: a cast the compiler drops) changes no byte of the function."""
    if not have_toolchain():
        pytest.skip("needs gcc, ld, objcopy, make and git")
    shutil.copytree(KERNEL, tmp_path / "linux", ignore=shutil.ignore_patterns("*.o", "vmlinux"))
    repo = GitRepo(tmp_path / "linux")
    repo.commit("example kernel")
    base = build(repo.path, tmp_path / "base", False)
    repo.edit(HEAD64, "\tcopy_bootdata(real_mode_data);\n\tx86_64_start_reservations",
              "\tcopy_bootdata((char *)real_mode_data);\n\tx86_64_start_reservations")
    repo.commit("x86/boot: spell the argument out")
    head = build(repo.path, tmp_path / "head", False)
    run = entrylint("check", "HEAD~1..HEAD", "--format", "json", "--select", "EL110", "--no-cache",
                    "--base-image", str(base), "--image", str(head), cwd=repo.path)
    [f] = run.json()["findings"]
    assert f["severity"] == "note" and f["message"].endswith("; the images show no change in x86_64_start_kernel")
    diff_only = entrylint("check", "HEAD~1..HEAD", "--format", "json", "--select", "EL110", cwd=repo.path)
    assert diff_only.json()["findings"][0]["severity"] == "warning"
