"""Builds (issue 16): `entrylint build` of a series' base and head, beside plain `make` in the same
kernel tree, one round each (a cold kernel build takes minutes; these are not interleaved medians).

Needs the e2e tree of one era (`make e2e-prepare ERA=6.12`) and its `e2e/hook-reorder` branch
(`make e2e` makes it). Measured, each from nothing (fresh cache, fresh build directories):

- entrylint: `build base` cold (worktree, config, make), `build e2e/hook-reorder` after it
  (incremental), and `check base..e2e/hook-reorder --build` with both images cached;
- plain make in a detached worktree of the same tree: tinyconfig + the same options +
  olddefconfig + `make -jN vmlinux` at base, `make -jN vmlinux` again after checking out the head,
  and `make -jN vmlinux` once more with nothing to do (what a CI job that keeps its build
  directory pays to find out it is up to date).

ccache is disabled for both (CCACHE_DISABLE=1: entrylint passes CC="ccache gcc" when it is
installed, and an e2e run has filled its cache).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

from linter.kbuild import fragment   # the options entrylint build sets: plain make gets the same

HEAD = "e2e/hook-reorder"


def _timed(argv: list[str], cwd: Path | str, env: dict[str, str], log, ok=(0,)) -> float:
    log("$ " + " ".join(argv))
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if done.returncode not in ok:
        raise SystemExit(f"bench: exit {done.returncode}: {' '.join(argv)}: {done.stderr.strip()[-300:]}")
    return time.perf_counter() - start


def run(work: Path, era: str, jobs: int, entrylint: str, env: dict[str, str], log) -> dict:
    tree = Path(os.environ.get("E2E_DIR", "/var/tmp/entrylint-e2e")) / era / "linux"
    if not (tree / ".git").is_dir():
        raise SystemExit(f"bench: {tree} is missing: make e2e-prepare ERA={era} (and make e2e for {HEAD})")
    env = dict(env, CCACHE_DISABLE="1")     # both sides compile everything: ccache would serve one
    where = work / f"build-{era}"
    shutil.rmtree(where, ignore_errors=True)
    where.mkdir(parents=True)
    cache = where / "cache"
    mine = [entrylint, "-C", str(tree)]
    times = {
        "entrylint build base (cold)": _timed(mine + ["build", "--cache-dir", str(cache), "-j", str(jobs), "base"],
                                              tree, env, log),
        f"entrylint build {HEAD} (after base)": _timed(mine + ["build", "--cache-dir", str(cache), "-j", str(jobs),
                                                               HEAD], tree, env, log),
        f"entrylint check base..{HEAD} --build (both cached)": _timed(
            mine + ["check", f"base..{HEAD}", "--build", "--cache-dir", str(cache), "-j", str(jobs),
                    "--format", "json", "-o", str(where / "check.json")], tree, env, log, ok=(0, 1)),
    }
    plain, out = where / "plain-src", where / "plain-out"
    subprocess.run(["git", "-C", str(tree), "worktree", "add", "-q", "--detach", str(plain), "base"], check=True)
    try:
        make = ["make", f"O={out}"]
        start = time.perf_counter()
        _timed(make + ["tinyconfig"], plain, env, log)
        _timed(["scripts/config", "--file", str(out / ".config"), *fragment.load().config_args()], plain, env, log)
        _timed(make + ["olddefconfig"], plain, env, log)
        _timed(make + [f"-j{jobs}", "vmlinux"], plain, env, log)
        times["make: config + vmlinux at base (cold)"] = time.perf_counter() - start
        subprocess.run(["git", "-C", str(plain), "checkout", "-q", "--detach", HEAD], check=True)
        times[f"make vmlinux after checking out {HEAD}"] = _timed(make + [f"-j{jobs}", "vmlinux"], plain, env, log)
        times["make vmlinux with nothing to do"] = _timed(make + [f"-j{jobs}", "vmlinux"], plain, env, log)
    finally:
        subprocess.run(["git", "-C", str(tree), "worktree", "remove", "--force", str(plain)], check=False)
    log(", ".join(f"{k} {v:.1f}s" for k, v in times.items()))
    return {"era": era, "tree": str(tree), "jobs": jobs, "seconds": {k: round(v, 2) for k, v in times.items()}}
