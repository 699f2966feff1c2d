"""entrylint checks untrusted series: it must never run anything from the tree or the patch, never
write outside --output and its cache dir, and never need the network. Each promise is proved by
running entrylint as a real process against a repository set up to catch it breaking.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from corpus import elfmut

ROOT = Path(__file__).resolve().parent.parent
# Runs entrylint with a Python audit hook that logs every file write, process start and socket
# (PEP 578): what the linter itself does, whatever library does it.
AUDITED = """\
import json, os, sys
log = open(os.environ["ENTRYLINT_AUDIT_LOG"], "a", buffering=1)   # opened before the hook: not logged
WRITE = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
PATH_CHANGES = {"os.remove", "os.rmdir", "os.mkdir", "os.truncate", "os.chmod", "os.chown", "os.utime",
                "os.symlink", "os.link", "os.rename", "os.replace", "shutil.rmtree", "shutil.move"}

def hook(event, args):
    if event == "open" and isinstance(args[0], (str, bytes, os.PathLike)) and args[2] & WRITE:
        log.write(json.dumps(["write", os.fsdecode(args[0])]) + "\\n")
    elif event in PATH_CHANGES:
        for arg in args[:2]:
            if isinstance(arg, (str, bytes, os.PathLike)):
                log.write(json.dumps(["write", os.fsdecode(arg)]) + "\\n")
    elif event == "subprocess.Popen":
        log.write(json.dumps(["exec", [os.fsdecode(a) for a in args[1]]]) + "\\n")
    elif event in ("os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.startfile"):
        log.write(json.dumps(["exec", repr(args)]) + "\\n")
    elif event.startswith("socket."):
        log.write(json.dumps(["socket", event]) + "\\n")

sys.addaudithook(hook)
from linter.cli import main
sys.exit(main(sys.argv[1:]))
"""
# Every git setting below makes a plain `git diff`/`git log` run this script.
TRAP = """\
#!/bin/sh
echo "$0 $*" >> "{marker}"
exit 0
"""
TRAP_CONFIG = ["core.fsmonitor", "diff.external", "diff.evil.textconv", "diff.evil.command",
               "filter.evil.clean", "filter.evil.smudge", "core.pager", "pager.diff", "pager.log",
               "pager.format-patch", "gpg.program", "core.sshCommand", "credential.helper"]
HOOKS = ["pre-commit", "post-checkout", "post-index-change", "pre-auto-gc", "reference-transaction",
         "fsmonitor-watchman", "post-rewrite", "sendemail-validate"]


def run(args: list[str], cwd: Path, log: Path | None = None, prefix: list[str] | None = None,
        stdin: bytes | None = None):
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONDONTWRITEBYTECODE="1")
    cmd = [sys.executable, "-m", "linter.cli", *args]
    if log is not None:
        env["ENTRYLINT_AUDIT_LOG"] = str(log)
        cmd = [sys.executable, "-c", AUDITED, *args]
    return subprocess.run([*(prefix or []), *cmd], cwd=cwd, env=env, input=stdin, capture_output=True, timeout=300)


def audit(log: Path) -> dict[str, list]:
    out: dict[str, list] = {"write": [], "exec": [], "socket": []}
    for line in log.read_text().splitlines() if log.exists() else []:
        kind, what = json.loads(line)
        out[kind].append(what)
    return out


def rules_of(proc) -> list[str]:
    assert proc.returncode in (0, 1), proc.stderr.decode()
    return [f["rule"] for f in json.loads(proc.stdout)["findings"]]


def entry_change(repo) -> None:
    repo.edit("arch/x86/xen/xen-head.S", "\tcld\n", "\tcld\n\tcall\txen_early_fixup\n")


@pytest.fixture
def trapped_repo(repo, tmp_path):
    """The mini kernel with one entry commit and one staged entry change, then every repository
    setting that makes git run a program pointed at a trap script. Returns (repo, marker file)."""
    base = repo.head()
    entry_change(repo)
    repo.commit("x86/xen: fix up early state in startup_xen")
    repo.edit("arch/x86/platform/pvh/head.S", "\tcld\n", "\tcld\n\tcall\txen_early_fixup\n")
    repo.git("add", "-A")
    marker = tmp_path / "trap-was-run"
    trap = tmp_path / "trap.sh"
    trap.write_text(TRAP.format(marker=marker))
    trap.chmod(0o755)
    for key in TRAP_CONFIG:
        repo.git("config", key, str(trap))
    repo.git("config", "log.showSignature", "true")
    repo.git("config", "core.hooksPath", str(tmp_path / "hooks"))
    for hooks_dir in (tmp_path / "hooks", repo.path / ".git" / "hooks"):
        hooks_dir.mkdir(exist_ok=True)
        for name in HOOKS:
            shutil.copy(trap, hooks_dir / name)
    (repo.path / ".git" / "info").mkdir(exist_ok=True)
    (repo.path / ".git" / "info" / "attributes").write_text("* diff=evil filter=evil\n")
    repo.base = base
    return repo, marker


def test_the_trap_is_live(trapped_repo):
    """The trap works: plain git in this repository does run it (else the next test proves nothing)."""
    repo, marker = trapped_repo
    subprocess.run(["git", "diff", "HEAD~1", "HEAD"], cwd=repo.path, capture_output=True)
    subprocess.run(["git", "log", "-1", "-p"], cwd=repo.path, capture_output=True)
    assert marker.exists()


def test_repository_config_never_runs_commands(trapped_repo, tmp_path):
    repo, marker = trapped_repo
    patch = repo.format_patch("HEAD~1..HEAD", tmp_path / "out")[0]
    marker.unlink(missing_ok=True)   # the test's own git may trip it; entrylint must not
    checks = {
        (f"{repo.base}..HEAD",): ["EL100", "EL110"],
        ("HEAD",): ["EL100", "EL110"],
        ("--staged",): ["EL100", "EL110"],
        (str(patch),): ["EL100", "EL110"],   # a patch file inside a checkout: marks read the tree
        ("-",): ["EL100", "EL110"],          # b4's per-patch check: git patch-id against the branch
    }
    for args, expected in checks.items():
        stdin = patch.read_bytes() if args == ("-",) else None
        proc = run(["check", *args, "--format", "json"], cwd=repo.path, stdin=stdin)
        assert rules_of(proc) == expected, (args, proc.stderr)
        assert not marker.exists(), f"check {args[0]}: a repository setting ran {marker.read_text()}"


def test_only_git_is_started_and_with_the_safe_options(trapped_repo, tmp_path):
    repo, _ = trapped_repo
    log = tmp_path / "audit.log"
    rules_of(run(["check", f"{repo.base}..HEAD", "--format", "json"], cwd=repo.path, log=log))
    execs = audit(log)["exec"]
    assert execs, "no git process seen: the audit hook is not working"
    assert all(Path(argv[0]).name == "git" for argv in execs), execs
    assert all("core.fsmonitor=false" in argv and "core.hooksPath=/dev/null" in argv for argv in execs), execs
    diffs = [argv for argv in execs if {"log", "format-patch", "diff"} & set(argv)]
    assert diffs and all("--no-ext-diff" in argv and "--no-textconv" in argv for argv in diffs), diffs


def snapshot(top: Path, skip: Path | None = None) -> dict[str, tuple[int, int]]:
    """path → (size, mtime) of every file under top (git's own files too)."""
    out = {}
    for dirpath, _, files in os.walk(top):
        if skip and Path(dirpath).is_relative_to(skip):
            continue
        for name in files:
            st = os.lstat(os.path.join(dirpath, name))
            out[os.path.join(dirpath, name)] = (st.st_size, st.st_mtime_ns)
    return out


def assert_writes_only(log: Path, allowed: list[Path]) -> None:
    for path in audit(log)["write"]:
        p = Path(path).resolve() if path != os.devnull else Path(os.devnull)
        # inside an allowed place, or one of its parent directories (made with mkdir -p)
        assert p == Path(os.devnull) or any(p.is_relative_to(a) or a.is_relative_to(p) for a in allowed), \
            f"wrote {path}, outside {allowed}"


def test_check_writes_only_its_output(trapped_repo, tmp_path, isolated_world):
    repo, _ = trapped_repo
    log = tmp_path / "audit.log"
    report = tmp_path / "report.sarif"
    cache = isolated_world / ".cache" / "entrylint"      # the parsed profile, the base's hook map
    before = snapshot(repo.path), snapshot(isolated_world, skip=cache)
    proc = run(["check", f"{repo.base}..HEAD", "--format", "sarif", "--output", str(report)], cwd=repo.path, log=log)
    assert proc.returncode == 1, proc.stderr
    assert report.exists()
    assert (snapshot(repo.path), snapshot(isolated_world, skip=cache)) == before, "the run changed the checkout or HOME"
    assert_writes_only(log, [report.resolve(), cache.resolve()])


def test_entries_writes_only_its_cache(tmp_path, isolated_world):
    why = elfmut.toolchain_missing()
    if why:
        pytest.skip(why)
    image = elfmut.base_image(tmp_path / "build")
    cache = isolated_world / ".cache" / "entrylint"
    log = tmp_path / "audit.log"
    before = snapshot(tmp_path, skip=tmp_path / "build"), snapshot(isolated_world, skip=cache)
    proc = run(["entries", str(image)], cwd=tmp_path, log=log)
    assert proc.returncode == 0, proc.stderr
    after = snapshot(tmp_path, skip=tmp_path / "build"), snapshot(isolated_world, skip=cache)
    log_entry = str(log)
    assert {k: v for k, v in after[0].items() if k != log_entry} == {k: v for k, v in before[0].items() if k != log_entry}
    assert after[1] == before[1]
    assert audit(log)["write"], "no cache written: the audit saw nothing to check"
    assert_writes_only(log, [cache.resolve()])


def test_needs_no_network(trapped_repo, tmp_path):
    """No socket is ever opened, and a run in a namespace without any network gives the same report."""
    repo, _ = trapped_repo
    log = tmp_path / "audit.log"
    args = ["check", f"{repo.base}..HEAD", "--format", "json"]
    with_net = run(args, cwd=repo.path, log=log)
    assert rules_of(with_net) == ["EL100", "EL110"]
    assert audit(log)["socket"] == []
    if not shutil.which("unshare") or subprocess.run(["unshare", "--net", "true"], capture_output=True).returncode:
        pytest.skip("cannot make a network namespace here; the audit above found no socket")
    without = run(args, cwd=repo.path, prefix=["unshare", "--net"])
    assert without.returncode == with_net.returncode and without.stdout == with_net.stdout, without.stderr
