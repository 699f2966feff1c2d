"""`entrylint build` and `check --build` on real git repositories made from examples/kernel, built with
real make, gcc and ld: the cache, the user's untouched state, every error, Ctrl-C."""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from clirun import assert_one_line_error, entrylint
from image_fixtures import KERNEL, SERIES, copy_tree, have_toolchain

pytestmark = [pytest.mark.image,
              pytest.mark.skipif(not have_toolchain(), reason="needs gcc, ld, objcopy, make and git")]

# --arch arm64 cross-compiles unless the host is arm64 (then it is gcc itself)
CROSS = "" if platform.machine().lower() in ("aarch64", "arm64") else "aarch64-linux-gnu-"
needs_arm64_gcc = pytest.mark.skipif(not (shutil.which(f"{CROSS}gcc") and shutil.which(f"{CROSS}ld")),
                                     reason=f"needs {CROSS}gcc and {CROSS}ld (Debian: gcc-aarch64-linux-gnu)")
EM_X86_64, EM_AARCH64 = 62, 183

REORDER_OLD = "\tearly_reserve_memory();\n\te820__memory_setup();\n"
REORDER_NEW = "\te820__memory_setup();\n\tearly_reserve_memory();\n"


def git(tree: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=tree, check=True, capture_output=True, text=True).stdout


def commit_all(tree: Path, message: str) -> str:
    git(tree, "add", "-A")
    git(tree, "commit", "-q", "-m", message)
    return git(tree, "rev-parse", "HEAD").strip()


@pytest.fixture
def repo(tmp_path) -> Path:
    """examples/kernel as one commit."""
    tree = copy_tree(tmp_path / "linux")
    git(tree, "init", "-q", "-b", "master")
    commit_all(tree, "example kernel: base tree")
    return tree


def edit(tree: Path, path: str, old: str, new: str) -> None:
    f = tree / path
    text = f.read_text()
    assert old in text, (path, old)
    f.write_text(text.replace(old, new, 1))


def reorder(tree: Path) -> str:
    """A commit moving early_reserve_memory() after e820__memory_setup() in setup_arch (one file)."""
    edit(tree, "arch/x86/kernel/setup.c", REORDER_OLD, REORDER_NEW)
    return commit_all(tree, "x86/setup: reserve once the memory map is known")


def build(tree: Path, cache: Path, *args: str, env=None):
    return entrylint("build", "--cache-dir", str(cache), *args, cwd=tree, env=env)


def ci_env(**extra) -> dict[str, str]:
    return {**os.environ, "CI": "1", **extra}


def out_dir(cache: Path) -> Path:
    (out,) = (cache / "work").glob("*/out-*")
    return out


def test_two_revisions_then_the_cache(repo, tmp_path):
    git(repo, "am", "-q", *map(str, SERIES))
    cache = tmp_path / "cache"
    first = build(repo, cache, "HEAD~4", "HEAD", env=ci_env())
    assert first.code == 0, first.err
    paths = [Path(p) for p in first.out.splitlines()]
    assert len(paths) == 2 and paths[0] != paths[1]
    for p in paths:
        assert p.read_bytes()[:4] == b"\x7fELF" and p.parent.parent == cache / "images"
    assert [ln.split(": ")[2].split()[0] for ln in first.err.splitlines()] == ["built", "built"], first.err
    logs = {p: p.stat().st_mtime_ns for p in (cache / "logs").iterdir()}
    assert len(logs) == 2
    meta = json.loads((paths[1].parent / "meta.json").read_text())
    assert meta["commit"] == git(repo, "rev-parse", "HEAD").strip()
    assert meta["tree"] == git(repo, "rev-parse", "HEAD^{tree}").strip()

    again = build(repo, cache, "HEAD~4", "HEAD", env=ci_env())
    assert again.code == 0 and again.out == first.out
    assert again.err.count(": cached ") == 2 and len(again.err.splitlines()) == 2, again.err
    assert {p: p.stat().st_mtime_ns for p in (cache / "logs").iterdir()} == logs    # no make ran

    printed = build(repo, cache, "--print-path", "HEAD~4")
    assert printed.code == 0 and printed.out == first.out.splitlines()[0] + "\n" and printed.err == ""


def test_head_builds_incrementally_after_base(repo, tmp_path):
    reorder(repo)
    cache = tmp_path / "cache"
    assert build(repo, cache, "HEAD~1").code == 0
    objects = {o: o.stat().st_mtime_ns for o in out_dir(cache).rglob("*.o")}
    assert len(objects) == 15
    time.sleep(0.05)
    assert build(repo, cache, "HEAD").code == 0
    rebuilt = sorted(str(o.relative_to(out_dir(cache))) for o, t in objects.items() if o.stat().st_mtime_ns != t)
    assert rebuilt == ["arch/x86/kernel/setup.o"]


def test_a_rebased_commit_with_the_same_tree_reuses_the_image(repo, tmp_path):
    reorder(repo)
    cache = tmp_path / "cache"
    first = build(repo, cache, "HEAD")
    git(repo, "commit", "-q", "--amend", "-m", "x86/setup: reworded, same tree")
    second = build(repo, cache, "HEAD", env=ci_env())
    assert second.code == 0 and second.out == first.out and ": cached " in second.err


def _user_state(tree: Path) -> dict:
    return {"status": git(tree, "status", "--porcelain=v2", "--untracked-files=all", "--ignored"),
            "index": (tree / ".git" / "index").read_bytes(), "head": (tree / ".git" / "HEAD").read_text(),
            "head-commit": git(tree, "rev-parse", "HEAD"),
            "files": {str(p.relative_to(tree)): hashlib.sha256(p.read_bytes()).hexdigest()
                      for p in sorted(tree.rglob("*")) if p.is_file() and ".git" not in p.parts}}


def test_the_user_worktree_index_head_and_config_are_untouched(repo, tmp_path):
    reorder(repo)
    (repo / "untracked.txt").write_text("mine\n")
    (repo / ".config").write_text("CONFIG_MINE=y\n")
    edit(repo, "init/main.c", "\n", "\n/* staged */\n")
    git(repo, "add", "init/main.c")
    edit(repo, "kernel/printk.c", "\n", "\n/* not staged */\n")
    before = _user_state(repo)
    run = entrylint("build", "--cache-dir", str(tmp_path / "cache"), "HEAD~1", "HEAD", cwd=repo)
    assert run.code == 0, run.err
    assert _user_state(repo) == before


def test_check_build_runs_the_image_rules(repo, tmp_path):
    edit(repo, "kernel/printk.c", "\n", "\n/* a harmless patch first */\n")
    commit_all(repo, "printk: a comment")
    reorder(repo)
    run = entrylint("check", "HEAD~2..HEAD", "--build", "--cache-dir", str(tmp_path / "cache"), "--format", "json",
                    "--select", "EL130", cwd=repo, env=ci_env())
    assert run.code == 1, run.err
    el130 = [f for f in run.json()["findings"] if f["rule"] == "EL130"]
    assert el130, run.out
    assert any("the images agree" in e for f in el130 for e in f.get("evidence", [])), el130
    assert len(run.err.splitlines()) == 2      # one line per image, nothing else in CI


def test_check_build_on_the_example_series_finds_the_new_door(repo, tmp_path):
    git(repo, "am", "-q", *map(str, SERIES))
    run = entrylint("check", "HEAD~4..HEAD", "--build", "--cache-dir", str(tmp_path / "cache"), "--format", "json",
                    "--jobs", "1", "--select", "EL201,EL101", cwd=repo)
    assert run.code == 1, run.err
    assert "EL201" in run.rules() and "EL101" in run.rules()


def test_jobs_pass_through_to_make(repo, tmp_path):
    cache = tmp_path / "cache"
    assert build(repo, cache, "--jobs", "3").code == 0
    (log,) = (cache / "logs").iterdir()
    make_lines = [line.split() for line in log.read_text().splitlines() if line.startswith("$ make ")]
    vmlinux_make = [argv for argv in make_lines if argv[-1] == "vmlinux"]
    assert vmlinux_make and "-j3" in vmlinux_make[0], make_lines   # CC=ccache gcc may stand between
    assert_one_line_error(build(repo, cache, "--jobs", "0"), "--jobs")


def test_cache_dir_from_the_environment(repo, tmp_path):
    run = entrylint("build", cwd=repo, env=ci_env(ENTRYLINT_BUILD_CACHE=str(tmp_path / "env-cache")))
    assert run.code == 0 and run.out.startswith(str(tmp_path / "env-cache" / "images")), run.err
    default = entrylint("build", "--print-path", "HEAD", cwd=repo)   # conftest's XDG_CACHE_HOME
    assert default.code == 1
    run = entrylint("build", cwd=repo)
    assert run.out.startswith(os.path.join(os.environ["XDG_CACHE_HOME"], "entrylint", "build", "images"))


def test_old_entries_are_pruned_past_the_limit(repo, tmp_path):
    cache = tmp_path / "cache"
    old = Path(build(repo, cache).out.strip())
    reorder(repo)
    new = build(repo, cache, "--max-cache-size", "1K")
    assert new.code == 0, new.err
    assert Path(new.out.strip()).exists() and not old.exists()
    assert_one_line_error(build(repo, cache, "--max-cache-size", "lots"), "--max-cache-size")


# -- errors: one line, exit 2 -------------------------------------------------------------------------

def test_print_path_of_an_image_not_built_yet(repo, tmp_path):
    run = build(repo, tmp_path / "cache", "--print-path", "HEAD")
    assert run.code == 1 and run.out == ""
    assert run.err.strip().splitlines() == ["entrylint: HEAD: not built yet (run `entrylint build HEAD`)"]


def test_a_revision_that_does_not_exist(repo, tmp_path):
    assert_one_line_error(build(repo, tmp_path / "cache", "HEAD", "no-such-rev"), "no-such-rev", "unknown revision")
    assert not (tmp_path / "cache").exists()     # checked before anything is built


def test_not_a_kernel_tree(tmp_path):
    tree = tmp_path / "notes"
    tree.mkdir()
    (tree / "README").write_text("not a kernel\n")
    git(tree, "init", "-q", "-b", "master")
    commit_all(tree, "notes")
    assert_one_line_error(build(tree, tmp_path / "cache"), "HEAD", "not a kernel tree", "arch/x86", "Kbuild")
    assert_one_line_error(build(tmp_path, tmp_path / "cache"), "not a git repository")


def _path_without(tmp_path: Path, *missing: str) -> str:
    """A PATH holding git, make, gcc, ld and friends, as symlinks, except `missing`."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("git", "make", "gcc", "cc", "ld", "as", "objcopy", "flex", "bison", "bc", "sh", "grep", "sed",
                 "awk", "mv", "mkdir", "cat", "rm"):
        found = subprocess.run(["sh", "-c", f"command -v {tool}"], capture_output=True, text=True).stdout.strip()
        if found and tool not in missing:
            (bin_dir / tool).symlink_to(found)
    return str(bin_dir)


def test_a_missing_compiler_names_the_packages(repo, tmp_path):
    run = build(repo, tmp_path / "cache", env=ci_env(PATH=_path_without(tmp_path, "gcc")))
    assert_one_line_error(run, "'gcc' is missing", "Debian/Ubuntu: gcc", "Fedora: gcc")


def test_a_real_kernel_tree_needs_flex(repo, tmp_path):
    (repo / "scripts" / "kconfig").mkdir()
    (repo / "scripts" / "kconfig" / "Makefile").write_text("# Kconfig lives here in a real tree\n")
    commit_all(repo, "scripts/kconfig")
    run = build(repo, tmp_path / "cache", env=ci_env(PATH=_path_without(tmp_path, "flex")))
    assert_one_line_error(run, "'flex' is missing", "Debian/Ubuntu: flex")


def test_a_build_failure_gives_the_first_error_and_the_log(repo, tmp_path):
    edit(repo, "arch/x86/kernel/setup.c", REORDER_OLD, "\tearly_reserve_memory()\n\te820__memory_setup();\n")
    commit_all(repo, "broken")
    run = build(repo, tmp_path / "cache")
    assert_one_line_error(run, "HEAD: build failed: arch/x86/kernel/setup.c:", "error:", "(log: ")
    log = Path(run.err.rsplit("(log: ", 1)[1].rstrip(")\n"))
    assert log.is_file() and "error:" in log.read_text()
    assert not list((tmp_path / "cache" / "images").iterdir())


def test_an_option_that_does_not_stick(repo, tmp_path):
    fragment = tmp_path / "mine.config"
    fragment.write_text("# mine\nCONFIG_NR_CPUS=4\nCONFIG_NOT_IN_THIS_TREE=y\n")
    run = build(repo, tmp_path / "cache", "--config", str(fragment))
    assert_one_line_error(run, str(fragment), "CONFIG_NOT_IN_THIS_TREE=y did not stick", "(log: ")
    fragment.write_text("CONFIG_NR_CPUS=4\n# CONFIG_PCI is not set\n")
    ok = build(repo, tmp_path / "cache", "--config", str(fragment))
    assert ok.code == 0, ok.err
    configs = [(d / ".config").read_text() for d in (tmp_path / "cache" / "work").glob("*/out-*")]
    assert any("CONFIG_NR_CPUS=4" in c and "# CONFIG_PCI is not set" in c for c in configs)
    fragment.write_text("CONFIG_NR_CPUS\n")
    assert_one_line_error(build(repo, tmp_path / "cache", "--config", str(fragment)), f"{fragment}:1",
                          "not a config line")


def test_no_space_left_is_one_line(repo, tmp_path):
    edit(repo, "Makefile", "\t$(LD) $(LDFLAGS) -o $@ $(OUT_OBJS)\n",
         "\t$(LD) $(LDFLAGS) -o $@ $(OUT_OBJS)\n\tcat $@ > /dev/full\n")
    commit_all(repo, "a disk that is full")
    assert_one_line_error(build(repo, tmp_path / "cache"), "no space left on device", "(log: ")


def test_check_build_needs_revisions(repo, tmp_path):
    patch = tmp_path / "p.patch"
    patch.write_bytes(SERIES[2].read_bytes())
    run = entrylint("check", str(patch), "--build", "--cache-dir", str(tmp_path / "cache"), cwd=repo)
    assert_one_line_error(run, "--build", "needs a git range")
    run = entrylint("check", "HEAD", "--build", "--image", str(patch), cwd=repo)
    assert_one_line_error(run, "--build", "not both")


def test_ctrl_c_leaves_no_half_entry_and_no_stray_worktree(repo, tmp_path):
    edit(repo, "Makefile", "$(O)/%.o: %.c\n\t@mkdir -p $(dir $@)\n", "$(O)/%.o: %.c\n\t@mkdir -p $(dir $@)\n\tsleep 2\n")
    commit_all(repo, "a slow build")
    cache = tmp_path / "cache"
    proc = subprocess.Popen([sys.executable, "-m", "linter.cli", "build", "--cache-dir", str(cache), "--jobs", "1"],
                            cwd=repo, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not any("sleep 2" in log.read_text()
                                                  for log in (cache / "logs").glob("*.log")):
        time.sleep(0.1)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 2 and out == "" and err.strip().endswith("entrylint: interrupted"), err
    assert list((cache / "images").iterdir()) == []
    listing = git(repo, "worktree", "list", "--porcelain")
    assert "prunable" not in listing
    for line in listing.splitlines():
        if line.startswith("worktree "):
            assert Path(line.split(" ", 1)[1]).is_dir()
    assert not subprocess.run(["pgrep", "-f", f"O={out_dir(cache)}"], capture_output=True).stdout
    again = build(repo, cache, "--jobs", "2")        # and the state left is one the next run builds from
    assert again.code == 0, again.err


def test_an_interrupted_worktree_is_removed_and_made_again(repo, tmp_path):
    cache = tmp_path / "cache"
    assert build(repo, cache).code == 0
    (ready,) = (cache / "work").glob("*/src.ready")
    ready.unlink()                                    # as if `git worktree add` had been interrupted
    reorder(repo)
    assert build(repo, cache).code == 0
    assert "prunable" not in git(repo, "worktree", "list", "--porcelain")
    assert ready.exists()


def test_the_status_line_names_the_target_on_a_terminal(monkeypatch):
    import io

    from linter.kbuild.make import target_of
    from linter.kbuild.status import Status

    assert target_of("  CC      arch/x86/kernel/setup.o\n") == "CC arch/x86/kernel/setup.o"
    assert target_of("  LD      vmlinux.o") == "LD vmlinux.o"
    assert target_of("gcc -O2 -c -o /out/init/main.o init/main.c") == "/out/init/main.o"
    assert target_of("make[1]: Entering directory '/src'") is None

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.delenv("CI", raising=False)
    tty = Terminal()
    status = Status(tty)
    status.begin("building HEAD")
    status.set_phase("make vmlinux")
    status.show("CC arch/x86/kernel/setup.o", force=True)
    status.line("HEAD: built /c/vmlinux in 1.0s")
    assert "make vmlinux" in tty.getvalue() and "CC arch/x86/kernel/setup.o" in tty.getvalue()
    assert tty.getvalue().endswith("\r\033[Kentrylint: HEAD: built /c/vmlinux in 1.0s\n")
    monkeypatch.setenv("CI", "true")
    quiet = Terminal()
    status = Status(quiet)
    status.begin("building HEAD")
    status.line("HEAD: cached /c/vmlinux")
    assert quiet.getvalue() == "entrylint: HEAD: cached /c/vmlinux\n"


# -- --arch arm64: the example's arm64 side (arch/arm64), cross-compiled ------------------------------

def e_machine(image: Path) -> int:
    return int.from_bytes(image.read_bytes()[18:20], "little")


def make_lines(log: Path) -> list[str]:
    return [line for line in log.read_text().splitlines() if line.startswith("$ make ")]


def arm64_fragment() -> list[str]:
    text = (Path(__file__).resolve().parent.parent / "linter" / "kbuild" / "fragment-arm64.config").read_text()
    return [line.removeprefix("CONFIG_") for line in text.splitlines() if line.startswith("CONFIG_")]


@needs_arm64_gcc
def test_x86_and_arm64_images_of_one_revision_are_two_cache_entries(repo, tmp_path):
    cache = tmp_path / "cache"
    x86 = build(repo, cache, env=ci_env())
    arm = build(repo, cache, "--arch", "arm64", env=ci_env())
    assert x86.code == 0 and arm.code == 0, (x86.err, arm.err)
    x86_path, arm_path = Path(x86.out.strip()), Path(arm.out.strip())
    assert x86_path != arm_path and len(list((cache / "images").iterdir())) == 2
    assert x86_path.parent.name[:12] == arm_path.parent.name[:12]        # one tree id, two keys
    assert (e_machine(x86_path), e_machine(arm_path)) == (EM_X86_64, EM_AARCH64)
    assert arm.err.startswith("entrylint: HEAD (arm64): built "), arm.err
    meta = json.loads((arm_path.parent / "meta.json").read_text())
    assert meta["arch"] == "arm64" and meta["compiler"].startswith(f"{CROSS}gcc ")
    assert json.loads((x86_path.parent / "meta.json").read_text())["arch"] == "x86_64"
    outs = sorted(d.name for d in (cache / "work").glob("*/out-*"))     # a build directory per arch, x86_64's
    assert [bool(re.fullmatch(r"out-[0-9a-f]{12}", o)) for o in outs].count(True) == 1   # named as before --arch
    assert len(outs) == 2 and any(o.startswith("out-arm64-") for o in outs), outs

    logs = {p: p.stat().st_mtime_ns for p in (cache / "logs").iterdir()}
    again = build(repo, cache, "--arch", "arm64", env=ci_env())
    assert again.out == arm.out and again.err.startswith("entrylint: HEAD (arm64): cached "), again.err
    assert build(repo, cache, "--print-path", "HEAD").out == x86.out
    assert build(repo, cache, "--print-path", "--arch", "arm64", "HEAD").out == arm.out
    assert {p: p.stat().st_mtime_ns for p in (cache / "logs").iterdir()} == logs    # no make ran


@needs_arm64_gcc
def test_arm64_make_gets_arch_and_the_cross_compiler(repo, tmp_path):
    cache = tmp_path / "cache"
    assert build(repo, cache, "--arch", "arm64", "--jobs", "2").code == 0
    (log,) = (cache / "logs").iterdir()
    lines = make_lines(log)
    assert [line.split()[-1] for line in lines] == ["tinyconfig", "olddefconfig", "vmlinux"], lines
    for line in lines:      # every make run: Kconfig's choices depend on ARCH as much as the build does
        assert " ARCH=arm64 " in line, line
        assert (f" CROSS_COMPILE={CROSS} " in line) == bool(CROSS), line
        if shutil.which("ccache"):
            assert f" CC=ccache {CROSS}gcc " in line, line       # not the host's gcc
    assert f"{CROSS}gcc " in log.read_text().split("vmlinux\n", 1)[1]      # the compiler make ran

    reorder(repo)
    assert build(repo, cache).code == 0                     # x86_64: make's command line as before --arch
    x86_log = next(p for p in (cache / "logs").iterdir() if p != log)
    assert not any("ARCH=" in line or "CROSS_COMPILE=" in line for line in make_lines(x86_log))


@needs_arm64_gcc
def test_arm64_builds_with_its_own_fragment(repo, tmp_path):
    cache = tmp_path / "cache"
    run = build(repo, cache, "--arch", "arm64", "--debug-info")
    assert run.code == 0, run.err
    image = Path(run.out.strip())
    options = json.loads((image.parent / "meta.json").read_text())["options"]
    assert options[:len(arm64_fragment())] == arm64_fragment()
    assert "DEBUG_INFO_DWARF_TOOLCHAIN_DEFAULT=y" in options          # --debug-info applies to both arches
    assert not any(o.startswith(("XEN_PV=", "64BIT=", "PVH=")) for o in options)    # nothing of x86's
    (out,) = (cache / "work").glob("*/out-arm64-*")
    config = (out / ".config").read_text().splitlines()
    for option in ("OF", "KERNEL_MODE_NEON", "EFI", "XEN", "PARAVIRT", "ACPI"):
        assert f"CONFIG_{option}=y" in config
    assert "# CONFIG_XEN_PV is not set" in config
    assert b".debug_info" in image.read_bytes()                       # the example's DEBUG=1 from .config


@needs_arm64_gcc
def test_an_arm64_option_that_does_not_stick(repo, tmp_path):
    edit(repo, "scripts/known-options", "\nEFI\n", "\n")           # this tree's Kconfig knows no EFI
    commit_all(repo, "no EFI here")
    run = build(repo, tmp_path / "cache", "--arch", "arm64")
    assert_one_line_error(run, "entrylint's arm64 config fragment", "CONFIG_EFI=y did not stick", "(log: ")
    assert build(repo, tmp_path / "cache").code == 0                 # x86_64's fragment has no EFI


@pytest.mark.skipif(not CROSS, reason="an arm64 host builds arm64 with its own gcc")
def test_a_missing_cross_compiler_names_the_package(repo, tmp_path):
    path = _path_without(tmp_path)                                    # git, make, gcc, ld: no aarch64-*
    run = build(repo, tmp_path / "cache", "--arch", "arm64", env=ci_env(PATH=path))
    assert_one_line_error(run, "the arm64 cross compiler 'aarch64-linux-gnu-gcc' is missing",
                          "Debian/Ubuntu: gcc-aarch64-linux-gnu")
    assert not (tmp_path / "cache").exists()                          # checked before anything is built
    reorder(repo)
    run = entrylint("check", "HEAD~1..HEAD", "--build", "--arch", "arm64", "--cache-dir", str(tmp_path / "cache"),
                    cwd=repo, env=ci_env(PATH=path))
    assert_one_line_error(run, "'aarch64-linux-gnu-gcc' is missing", "gcc-aarch64-linux-gnu")
    assert build(repo, tmp_path / "cache", env=ci_env(PATH=path)).code == 0    # x86_64 needs none of it
    cross_gcc = shutil.which("aarch64-linux-gnu-gcc")
    if cross_gcc:
        (Path(path) / "aarch64-linux-gnu-gcc").symlink_to(cross_gcc)
        run = build(repo, tmp_path / "cache", "--arch", "arm64", env=ci_env(PATH=path))
        assert_one_line_error(run, "the arm64 cross linker 'aarch64-linux-gnu-ld' is missing",
                              "Debian/Ubuntu: binutils-aarch64-linux-gnu")


def test_an_unknown_arch_is_one_line(repo, tmp_path):
    assert_one_line_error(build(repo, tmp_path / "cache", "--arch", "riscv"), "--arch", "invalid choice")


@needs_arm64_gcc
def test_check_build_builds_arm64_images(repo, tmp_path):
    reorder(repo)
    cache = tmp_path / "cache"
    run = entrylint("check", "HEAD~1..HEAD", "--build", "--arch", "arm64", "--cache-dir", str(cache),
                    "--select", "EL100", "--format", "json", cwd=repo, env=ci_env())
    assert run.code in (0, 1), run.err
    assert run.err.count(" (arm64): built ") == 2, run.err
    metas = [json.loads(m.read_text()) for m in (cache / "images").glob("*/meta.json")]
    assert len(metas) == 2 and {m["arch"] for m in metas} == {"arm64"}


def test_the_x86_64_key_is_the_one_from_before_arch():
    from linter.kbuild import ARCHES
    from linter.kbuild.arch import BY_NAME
    from linter.kbuild.cache import RECIPE, image_key

    tree, frag, cc = "ab" * 20, "cd" * 32, "gcc (Debian 12.2.0-14) 12.2.0"
    before = hashlib.sha256("\n".join([RECIPE, tree, frag, cc]).encode()).hexdigest()[:12]
    assert image_key(tree, frag, cc, "x86_64") == f"{tree[:12]}-{before}"        # existing caches stay valid
    assert image_key(tree, frag, cc, "arm64") != image_key(tree, frag, cc, "x86_64")
    assert tuple(BY_NAME) == ARCHES
