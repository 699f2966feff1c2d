"""The bad-input corpus (tests/corpus/bad/manifest.toml): every case run as a user runs entrylint.

Each case ends in one of two ways: exit 2 with one line on stderr naming the input and what is
wrong, or a report of what could be read with a note saying what could not. Never a traceback,
never a silent pass. Big, binary and special inputs are made here at run time, not committed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from corpus import elfmut

CORPUS = Path(__file__).resolve().parent / "corpus" / "bad"
MANIFEST = tomllib.loads((CORPUS / "manifest.toml").read_text())["case"]
BIG_PATCH_BYTES = 50 << 20
# Runs entrylint in this process and writes its peak resident memory (KiB) to $ENTRYLINT_RSS_FILE.
RSS_WRAPPER = """\
import os, resource, sys
from linter.cli import main
code = main(sys.argv[1:])
sys.stdout.flush()
with open(os.environ["ENTRYLINT_RSS_FILE"], "w") as fh:
    fh.write(str(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))
sys.exit(code)
"""
# Root reads any file: drop the two capabilities that let it, so "no read permission" is real.
NO_DAC = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"]


def case_id(case: dict) -> str:
    what = case.get("file") or case["make"]
    args = case.get("args", ["check"])
    if case.get("make") == "git-repo":
        return f"{what}-{args[1]}"
    return what if args[0] == "check" else f"{what}-{args[0]}"


def params(cases):
    out = []
    for case in cases:
        marks = [pytest.mark.xfail(strict=True, reason=case["xfail"])] if "xfail" in case else []
        out.append(pytest.param(case, id=case_id(case), marks=marks))
    return out


# -- inputs made at run time -------------------------------------------------------------------
@pytest.fixture(scope="session")
def base_image(tmp_path_factory) -> Path:
    why = elfmut.toolchain_missing()
    if why:
        pytest.skip(why)
    return elfmut.base_image(tmp_path_factory.mktemp("elf-base"))


def big_patch(dest: Path, entry_file: str) -> Path:
    """The crlf case's mail (normalised), plus a ~50 MB new file diff for `entry_file`."""
    mail = (CORPUS / "crlf.patch").read_bytes().replace(b"\r\n", b"\n")
    cut = mail.index(b"-- \n2.39.5")
    count = BIG_PATCH_BYTES // 40
    name = entry_file.encode()
    head = (b"diff --git a/%s b/%s\nnew file mode 100644\nindex 0000000..1111111\n--- /dev/null\n"
            b"+++ b/%s\n@@ -0,0 +1,%d @@\n" % (name, name, name, count))
    with open(dest, "wb") as fh:
        fh.write(mail[:cut] + head)
        for start in range(0, count, 65536):
            fh.write(b"".join(b"+#define REG_%08d 0x%08x /* r */\n" % (i, i)
                              for i in range(start, min(start + 65536, count))))
        fh.write(mail[cut:])
    return dest


def git_repo(request) -> Path:
    """The mini kernel, master with one entry change, and a branch `side` forked from master's parent."""
    repo = request.getfixturevalue("repo")
    repo.edit("arch/x86/xen/xen-head.S", "\tcld\n", "\tcld\n\tcall\txen_early_fixup\n")
    repo.commit("x86/xen: fix up early state in startup_xen")
    repo.git("checkout", "-q", "-b", "side", "HEAD~1")
    repo.edit("drivers/misc/widget.c", "return 0;", "return 1;")
    repo.commit("misc: widget returns 1")
    repo.git("checkout", "-q", "master")
    return repo.path


def make_input(case: dict, tmp_path: Path, request) -> tuple[Path, Path]:
    """(the input file, the directory to run in) for a case."""
    work = tmp_path / "work"
    work.mkdir()
    if "file" in case:
        return CORPUS / case["file"], work
    kind = case["make"]
    if kind == "directory":
        (work / "a-directory").mkdir()
        return work / "a-directory", work
    if kind == "fifo":
        os.mkfifo(work / "a-fifo")
        return work / "a-fifo", work
    if kind == "unreadable":
        if not shutil.which("setpriv"):
            pytest.skip("needs setpriv to drop root's read-anything capabilities")
        target = work / "unreadable"
        target.write_bytes((CORPUS / "crlf.patch").read_bytes())
        target.chmod(0)
        if subprocess.run([*NO_DAC, "cat", str(target)], capture_output=True).returncode == 0:
            pytest.skip("cannot make a file unreadable here (capabilities cannot be dropped)")
        return target, work
    if kind == "big-patch":
        return big_patch(work / "big.patch", "drivers/gpu/drm/huge_regs.h"), work
    if kind == "big-entry-diff":
        return big_patch(work / "big.patch", "arch/x86/kernel/head64.c"), work
    if kind == "git-repo":
        path = git_repo(request)
        return path, path
    if kind.startswith("elf:"):
        base = request.getfixturevalue("base_image")
        return elfmut.make_image(kind[4:], base, work), work
    raise AssertionError(f"unknown make kind {kind!r}")


# -- running -----------------------------------------------------------------------------------
def run_case(case: dict, args: list[str], cwd: Path, tmp_path: Path) -> tuple[int, str, str, int | None]:
    """(exit code, stdout, stderr, peak RSS in MB or None)."""
    env = dict(os.environ)
    cmd = [sys.executable, "-m", "linter.cli", *args]
    rss_file = tmp_path / "rss"
    if "max_rss_mb" in case:
        env["ENTRYLINT_RSS_FILE"] = str(rss_file)
        cmd = [sys.executable, "-c", RSS_WRAPPER, *args]
    if case.get("make") == "unreadable":
        cmd = [*NO_DAC, *cmd]
    env["PYTHONPATH"] = str(Path(__file__).resolve().parent.parent)
    # a hang is a failure, not a stuck suite (a FIFO with no writer blocks a naive reader forever)
    limit = 8 if case.get("make") == "fifo" else 300
    try:
        proc = subprocess.run(cmd, cwd=cwd, capture_output=True, env=env, timeout=limit)
    except subprocess.TimeoutExpired:
        pytest.fail(f"entrylint {' '.join(args)} hung for {limit} s")
    rss = int(rss_file.read_text()) // 1024 if rss_file.exists() else None
    return proc.returncode, proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace"), rss


def expand(args: list[str], file: Path, good_image: str | None) -> list[str]:
    subst = {"{file}": str(file), "{corpus}": str(CORPUS), "{good_image}": good_image or ""}
    out = []
    for a in args:
        for k, v in subst.items():
            a = a.replace(k, v)
        out.append(a)
    return out


def report_notes(out: str) -> list[str]:
    try:
        return json.loads(out).get("notes", [])
    except json.JSONDecodeError:
        return []


def check_outcome(case: dict, code: int, out: str, err: str, file: Path) -> None:
    assert "Traceback" not in err, err
    words = [w.replace("{file}", str(file)) for w in case.get("stderr", [])]
    if "error_or_note" in case:
        said = err if code == 2 else err + "\n".join(report_notes(out))
        assert code in (0, 1, 2), (code, err)
        for w in case["error_or_note"]:
            assert w in said, f"nothing said about {w!r}: exit {code}, stderr {err!r}"
        if code == 2:
            words = words or case["error_or_note"]
    allowed = case.get("exit")
    if allowed is not None:
        assert code in (allowed if isinstance(allowed, list) else [allowed]), (code, out[-2000:], err)
    if code == 2:
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("entrylint: "), err
        for w in words:
            assert w in lines[0], (w, lines[0])
        return
    if "findings" in case or "notes" in case or "patches" in case:
        report = json.loads(out)
        if "findings" in case:
            assert [f["rule"] for f in report["findings"]] == case["findings"], report["findings"]
        for w in case.get("notes", []):
            assert any(w in n for n in report["notes"]), (w, report["notes"])
        if "patches" in case:
            assert len(report["patches"]) == case["patches"]
    for w in case.get("stdout", []):
        assert w in out, (w, out[-2000:])


@pytest.mark.parametrize("case", params(MANIFEST))
def test_corpus_case(case, tmp_path, request):
    file, cwd = make_input(case, tmp_path, request)
    good = None
    if "{good_image}" in " ".join(case.get("args", [])):
        good = str(request.getfixturevalue("base_image"))
    args = expand(case.get("args", ["check", "{file}", "--format", "json"]), file, good)
    code, out, err, rss = run_case(case, args, cwd, tmp_path)
    check_outcome(case, code, out, err, file)
    if "max_rss_mb" in case:
        assert rss is not None and rss <= case["max_rss_mb"], f"peak memory {rss} MB on a 50 MB patch"


IMAGE_ERRORS = [c for c in MANIFEST if c.get("args", [""])[0] == "entries" and (c.get("exit") == 2 or "error_or_note" in c)]


@pytest.mark.parametrize("side", ["--image", "--base-image"])
@pytest.mark.parametrize("case", params(IMAGE_ERRORS))
def test_corpus_image_through_check(case, side, tmp_path, request):
    """The same damaged image given to `check`: the image rules load it and fail the same way."""
    from rules import ALL

    if not any(m.NEEDS & {"image", "base-image"} for m in ALL.values()):
        pytest.skip("no image rule is registered in rules/__init__.py yet: check never loads an image")
    file, cwd = make_input(case, tmp_path, request)
    good = str(request.getfixturevalue("base_image"))
    other = "--base-image" if side == "--image" else "--image"
    args = ["check", "--no-cache", side, str(file), other, good, "--format", "json"]
    code, out, err, _ = run_case(case, args, cwd, tmp_path)
    check_outcome(case, code, out, err, file)


def test_manifest_names_every_committed_file():
    """A corpus file nobody runs is a test that cannot fail."""
    named = {c["file"] for c in MANIFEST if "file" in c}
    on_disk = {p.name for p in CORPUS.iterdir() if p.name != "manifest.toml"}
    assert on_disk == named, (on_disk - named, named - on_disk)


def test_a_warm_cache_does_not_hide_damage(base_image, tmp_path):
    """The good image first (its symbols are cached), then a damaged copy with the same build-id and
    section headers: the damage must still be found."""
    work = tmp_path / "work"
    work.mkdir()
    code, _, err, _ = run_case({}, ["entries", str(base_image)], work, tmp_path)
    assert code == 0, err
    damaged = elfmut.make_image("names-past-strtab", base_image, work)
    code, out, err, _ = run_case({}, ["entries", str(damaged)], work, tmp_path)
    check_outcome({"exit": 2, "stderr": ["{file}", ".strtab"]}, code, out, err, damaged)
