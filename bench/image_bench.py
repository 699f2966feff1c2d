"""Image side (issues 8 and 18): entrylint's image commands on Debian's 6.1 and 6.12 debug vmlinux
files, side by side with `nm -n` and `readelf -n` on the same file.

Per image, in one run: `python -c pass` (floor), `nm -n`, `readelf -n`, `entrylint entries` and
`entrylint gaps` cold (--no-cache) and cached (the warm-up run fills a cache the bench owns). Then
`entrylint check RANGE --base-image 6.1 --image 6.12` (the diff side's series, both images) cold and
cached, beside `nm -n` run on both images.
A command that does not work yet (being written by someone else) is listed with its error and
skipped; the harness measures it as soon as it works.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import debfetch
from hotspots import profile_entrylint
from measure import Command, side_by_side
from report import CACHED_TARGET, CHECK_CACHED, CHECK_COLD, COLD_TARGET, NM_BOTH

ENTRYLINT_COMMANDS = ["entries", "gaps"]


def commands_for(vmlinux: Path, python: str, entrylint: str, env: dict[str, str]) -> list[Command]:
    img = str(vmlinux)
    lint_ok = (0, 1)
    cmds = [
        Command("python -c pass", [python, "-c", "pass"], env=env),
        Command("nm -n", ["nm", "-n", img], env=env),
        Command("readelf -n", ["readelf", "-n", img], env=env),
    ]
    for sub in ENTRYLINT_COMMANDS:
        cmds.append(Command(f"entrylint {sub} --no-cache", [entrylint, sub, "--no-cache", img], env=env,
                            ok_codes=lint_ok))
    for sub in ENTRYLINT_COMMANDS:
        cmds.append(Command(f"entrylint {sub} (cached)", [entrylint, sub, img], env=env, ok_codes=lint_ok))
    return cmds


def pair(work: Path, reps: int, entrylint: str, env: dict[str, str], log) -> dict:
    """check with --base-image (6.1) and --image (6.12) on the diff side's series, against `nm -n`
    on both files, in one run."""
    from diff_bench import CHECKPATCH_FILES, TREE_SLICE
    from make_series import make_series

    tree, version = debfetch.kernel_source(work, CHECKPATCH_FILES + TREE_SLICE)
    series_repo = make_series(tree, work / "series", version)["repo"]
    base, head = (str(debfetch.debian_vmlinux(work, package)[0]) for package in debfetch.IMAGE_PACKAGES)
    check = [entrylint, "check", "bench-base..bench-head", "--base-image", base, "--image", head]
    commands = [Command(NM_BOTH, ["sh", "-c", 'nm -n "$0" >/dev/null && nm -n "$1" >/dev/null', base, head],
                        env=env),
                Command(CHECK_COLD, check + ["--no-cache"], cwd=series_repo, env=env, ok_codes=(0, 1)),
                Command(CHECK_CACHED, check, cwd=series_repo, env=env, ok_codes=(0, 1))]
    log(f"image side: check with two images, {reps} rounds")
    stats = side_by_side(commands, reps, log)
    nm = stats[NM_BOTH]
    return {"base": base, "head": head, "commands": {k: v.to_dict() for k, v in stats.items()},
            "over_nm": {n: round(s.median / nm.median, 1) for n, s in stats.items() if n != NM_BOTH and not s.error}}


def run(work: Path, reps: int, python: str, entrylint: str, env: dict[str, str], log) -> dict:
    results = {}
    cache = Path(env["XDG_CACHE_HOME"]) / "entrylint"
    for package in debfetch.IMAGE_PACKAGES:
        vmlinux, label = debfetch.debian_vmlinux(work, package)
        shutil.rmtree(cache, ignore_errors=True)     # the cached rows use a cache this code wrote
        log(f"image side: {label} ({vmlinux.stat().st_size / 1e6:.0f} MB), {reps} rounds")
        stats = side_by_side(commands_for(vmlinux, python, entrylint, env), reps, log)
        nm = stats["nm -n"]
        ratios = {name: round(s.median / nm.median, 1) for name, s in stats.items()
                  if name.startswith("entrylint") and not s.error}
        results[label] = {"vmlinux": str(vmlinux), "size_mb": round(vmlinux.stat().st_size / 1e6),
                          "commands": {k: v.to_dict() for k, v in stats.items()}, "over_nm": ratios}
        slow = [name for name, ratio in ratios.items()
                if ratio > (CACHED_TARGET if "cached" in name else COLD_TARGET)]
        if slow:
            # Profile the slowest miss, with the cache as the measured runs left it.
            name = max(slow, key=lambda n: ratios[n])
            log(f"{name} is {ratios[name]}x nm -n: profiling it")
            argv = stats[name].argv[1:]
            results[label]["profile"] = {"command": name, "lines": profile_entrylint(
                python, argv, None, work / f"image-{vmlinux.parent.name}.prof")}
    return results
