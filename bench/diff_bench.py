"""Diff side (issues 2 and 18): entrylint on a 100-patch series against checkpatch.pl on the same
series, and on series of 10, 100 and 1000 patches to show how time grows with the series.

Measured side by side in one run: `python -c pass` (the floor), `entrylint check BASE..HEAD`
(git range) with its cache as an earlier run left it and with none (`no cache`: a fresh cache
directory each run, as on a CI machine), `entrylint check *.patch` (files), `checkpatch.pl
--no-tree --terse` on the files and on the range (`--git`), and `entrylint check --staged` on a
one-file change, beside a `python -c` that imports only the libraries (standard and third-party)
that staged check imports: the part of its time no change to entrylint's own code can remove.
Then one `python -X importtime` run of the staged check shows which modules it
imports (numpy, elftools and capstone must not be among them), and, when entrylint misses the
target, one cProfile run of the range check names the hot spots.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import debfetch
from hotspots import profile_entrylint
from make_series import git, git_env, make_series
from measure import Command, side_by_side
from report import CHECKPATCH_ON_FILES, CHECKPATCH_ON_RANGE, DIFF_TARGET, RANGE_NO_CACHE, STAGED_LIBRARIES

SCALING = (10, 100, 1000)      # series lengths whose times give the slope

CHECKPATCH_FILES = ["scripts/checkpatch.pl", "scripts/spelling.txt", "scripts/const_structs.checkpatch"]
TREE_SLICE = ["arch/x86", "init"]
HEAVY = ("numpy", "elftools", "capstone")
STAGED_FILE = "arch/x86/xen/enlighten_pv.c"
SPEC = "bench-base..bench-head"


def staged_clone(series_repo: str, work: Path) -> Path:
    """A clone of the series repository with one staged, uncommitted edit to an entry file."""
    clone = work / "staged" / "linux"
    env = git_env(0)
    if not (clone / ".git").exists():
        clone.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["git", "clone", "-q", "--shared", series_repo, str(clone)], check=True, env=env)
    git(clone, "reset", "-q", "--hard", "bench-head", env=env)
    path = clone / STAGED_FILE
    text = path.read_text(encoding="utf-8", errors="surrogateescape")
    marker = "\treturn"
    at = text.index(marker)
    path.write_text(text[:at] + '\tpr_debug("%s: staged bench change\\n", __func__);\n' + text[at:],
                    encoding="utf-8", errors="surrogateescape")
    git(clone, "add", STAGED_FILE, env=env)
    return clone


STAGED_CODE = "import sys; from linter.cli import main; sys.exit(main(['check', '--staged']))"
OURS = ("linter", "rules", "__editable__")


def _imported(python: str, code: str, cwd: Path) -> tuple[subprocess.CompletedProcess, list[tuple]]:
    """(the run, [(self µs, cumulative µs, depth, module)]) of `python -X importtime -c code`."""
    proc = subprocess.run([python, "-X", "importtime", "-c", code], cwd=cwd, capture_output=True, text=True)
    rows = []
    for line in proc.stderr.splitlines():
        m = re.match(r"import time:\s+(\d+)\s+\|\s+(\d+)\s+\|( *)(\S+)", line)
        if m:
            rows.append((int(m.group(1)), int(m.group(2)), len(m.group(3)), m.group(4)))
    return proc, rows


def library_imports(python: str, cwd: Path) -> list[str]:
    """The modules, not entrylint's own, that a staged check imports and a bare interpreter does not
    (after one run: a first run after an install writes its caches, and imports tempfile for it)."""
    subprocess.run([python, "-c", STAGED_CODE], cwd=cwd, capture_output=True)
    bare = {r[3] for r in _imported(python, "pass", cwd)[1]}
    rows = _imported(python, STAGED_CODE, cwd)[1]
    return sorted({r[3] for r in rows if r[3] not in bare and not r[3].startswith(OURS)})


def libraries_command(python: str, modules: list[str]) -> list[str]:
    code = ("import importlib\nfor m in %r:\n    try:\n        importlib.import_module(m)\n"
            "    except Exception:\n        pass" % modules)
    return [python, "-c", code]


def import_report(python: str, cwd: Path) -> dict:
    """Modules a `check --staged` run imports, from `python -X importtime` (one run)."""
    proc, rows = _imported(python, STAGED_CODE, cwd)
    names = {r[3] for r in rows}
    heavy = sorted(n for n in names if n.split(".")[0] in HEAVY)
    top = sorted((r for r in rows if r[2] == 1), key=lambda r: -r[1])[:8]
    return {"exit": proc.returncode, "modules_imported": len(names), "heavy_imported": heavy,
            "total_import_ms": round(sum(r[0] for r in rows) / 1000, 1),
            "top_level_cumulative_ms": {r[3]: round(r[1] / 1000, 1) for r in top}}


def typical_series(work: Path, tree: Path, version: str, reps: int, entrylint: str, log) -> dict:
    """The same measurement on a series of the same size where 5 % of touched files are entry files."""
    series = make_series(tree, work / "series-typical", version, entry_share=0.05)
    log("diff side, typical series:")
    return measure_series(series, tree, version, reps, [], entrylint, log)


def measure_series(series: dict, tree: Path, version: str, reps: int, before: list[Command], entrylint: str,
                   log) -> dict:
    """entrylint on the range and on the files, side by side with checkpatch.pl on the files and on
    the range (`--git`: git makes the patches for it too, as for `entrylint check RANGE`)."""
    repo, patches = series["repo"], series["patches"]
    stats_info = git(Path(repo), "diff", "--shortstat", "bench-base", "bench-head").strip()
    checkpatch = ["perl", str(tree / "scripts/checkpatch.pl"), "--no-tree", "--terse"]
    fresh = str(Path(repo).parent / "fresh-cache")
    no_cache = ["sh", "-c", f'rm -rf "{fresh}" && XDG_CACHE_HOME="{fresh}" exec "$0" check {SPEC}', entrylint]
    commands = before + [
        Command("entrylint check RANGE", [entrylint, "check", SPEC], cwd=repo, ok_codes=(0, 1)),
        Command(RANGE_NO_CACHE, no_cache, cwd=repo, ok_codes=(0, 1)),
        Command("entrylint check *.patch", [entrylint, "check", *patches], cwd=repo, ok_codes=(0, 1)),
        Command(CHECKPATCH_ON_FILES, [*checkpatch, *patches], cwd=repo, ok_codes=(0, 1)),
        Command(CHECKPATCH_ON_RANGE, [*checkpatch, "--git", SPEC], cwd=repo, ok_codes=(0, 1)),
    ]
    log(f"{len(patches)} patches ({stats_info}), {reps} rounds")
    stats = side_by_side(commands, reps, log)
    cp = stats[CHECKPATCH_ON_FILES]
    # (report.py words the targets from the commands' own numbers; this picks what to profile)
    ratios = {name: {"wall": round(cp.median / stats[name].median, 1)}
              for name in ("entrylint check RANGE", RANGE_NO_CACHE, "entrylint check *.patch")
              if not stats[name].error and not cp.error}
    return {"source_package": f"linux-source-6.1 {version}", "patches": len(patches), "shortstat": stats_info,
            "repo": repo, "commands": {k: v.to_dict() for k, v in stats.items()}, "checkpatch_over_entrylint": ratios}


def run(work: Path, reps: int, python: str, entrylint: str, log) -> dict:
    tree, version = debfetch.kernel_source(work, CHECKPATCH_FILES + TREE_SLICE)
    series = make_series(tree, work / "series", version)
    clone = staged_clone(series["repo"], work)
    libraries = library_imports(python, clone)
    before = [Command("python -c pass", [python, "-c", "pass"]),
              Command(STAGED_LIBRARIES, libraries_command(python, libraries), cwd=str(clone)),
              Command("entrylint check --staged", [entrylint, "check", "--staged"], cwd=str(clone), ok_codes=(0, 1))]
    log("diff side:")
    result = measure_series(series, tree, version, reps, before, entrylint, log)
    result["typical"] = typical_series(work, tree, version, reps, entrylint, log)
    result["staged_imports"] = imports = import_report(python, clone)
    imports["libraries"] = libraries
    if imports["heavy_imported"]:
        log(f"check --staged imports {', '.join(imports['heavy_imported'])}: a diff-only run must not")
    result["scaling"] = scaling(work, tree, version, reps, entrylint, log)
    worst = min((r["wall"] for r in result["checkpatch_over_entrylint"].values()), default=None)
    if worst is not None and worst < DIFF_TARGET:
        log(f"entrylint is only {worst}x faster than checkpatch (target {DIFF_TARGET:g}x): profiling the range check")
        result["profile"] = profile_entrylint(python, ["check", SPEC], series["repo"], work / "diff-range.prof")
    return result


def scaling(work: Path, tree: Path, version: str, reps: int, entrylint: str, log) -> dict:
    """`entrylint check RANGE` on series of SCALING lengths (the same generator and seed: each is
    the start of the next), side by side; the time per patch between each pair of lengths."""
    commands = []
    for n in SCALING:
        series = make_series(tree, work / f"series-{n}", version, patches_wanted=n)
        commands.append(Command(f"entrylint check RANGE, {n} patches", [entrylint, "check", SPEC],
                                cwd=series["repo"], ok_codes=(0, 1)))
    log(f"diff side, series of {', '.join(map(str, SCALING))} patches: {reps} rounds")
    stats = side_by_side(commands, reps, log)
    medians = [stats[c.name].median for c in commands]
    slopes = [{"from": a, "to": b, "ms_per_patch": round((tb - ta) * 1000 / (b - a), 3)}
              for (a, ta), (b, tb) in zip(zip(SCALING, medians), list(zip(SCALING, medians))[1:])]
    return {"commands": {k: v.to_dict() for k, v in stats.items()}, "lengths": list(SCALING),
            "slopes": slopes}
