"""`make bench`: entrylint's speed targets measured side by side, in one run, on real inputs.

    .venv/bin/python bench/run.py [--work DIR] [--reps N] [--only diff|image]

Diff side (issue 2): a 100-patch series in a slice of Debian's linux-source-6.1 against
checkpatch.pl from the same package (diff_bench.py). Image side (issue 8): Debian's 6.1 and 6.12
cloud-amd64 debug vmlinux against `nm -n` and `readelf -n` (image_bench.py). Downloads and
generated inputs live in the work directory (default /var/tmp/entrylint-bench, or
$ENTRYLINT_BENCH_DIR), never in the repository. Results: WORK/results.json and WORK/results.md.
Nothing here asserts a time: it measures and prints ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import build_bench
import diff_bench
import image_bench
import install
from report import markdown, readme_section

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))
from readme_sections import section  # noqa: E402  (tools/ is no package: its one README writer)


def machine() -> dict:
    cpu = next((ln.split(":", 1)[1].strip() for ln in open("/proc/cpuinfo") if ln.startswith("model name")), "?")
    mem = next((int(ln.split()[1]) for ln in open("/proc/meminfo") if ln.startswith("MemTotal")), 0)
    tool = {name: subprocess.run(argv, capture_output=True, text=True).stdout.splitlines()[0]
            for name, argv in {"git": ["git", "--version"], "nm": ["nm", "--version"],
                               "perl": ["perl", "-e", "print $^V, qq(\\n)"]}.items()}
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gb": round(mem / 2**20, 1),
            "kernel": platform.release(), "python": platform.python_version(), **tool}


def bench_env(work: Path) -> dict[str, str]:
    """The environment the measured commands get: bytecode cached outside the repository (a
    normal install has .pyc files; this sandbox sets PYTHONDONTWRITEBYTECODE), the image cache
    in the work directory, and no user git config."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE" and not k.startswith("GIT_")}
    env.update(PYTHONPYCACHEPREFIX=str(work / "pycache"), XDG_CACHE_HOME=str(work / "cache"),
               GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL="/dev/null")
    return env


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", type=Path, help="downloads, inputs and results (default "
                        "$ENTRYLINT_BENCH_DIR or /var/tmp/entrylint-bench; outside the repository)",
                        default=Path(os.environ.get("ENTRYLINT_BENCH_DIR", "/var/tmp/entrylint-bench")))
    parser.add_argument("--reps", type=int, default=5, help="measured rounds per side (median; default 5)")
    parser.add_argument("--only", choices=["diff", "image", "build"],
                        help="run one side only; `build` (kernel builds, minutes: not in the default run) "
                             "needs the e2e tree of --era")
    parser.add_argument("--era", default="6.12", choices=["6.1", "6.12"], help="the e2e tree `build` uses")
    parser.add_argument("--readme", type=Path, metavar="FILE",
                        help="also write the results into FILE's bench section (between its markers)")
    args = parser.parse_args()
    work = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    log = lambda msg: print(f"bench: {msg}", file=sys.stderr, flush=True)  # noqa: E731
    python, entrylint = install.installed(work, log)
    env = bench_env(work)
    os.environ.clear()
    os.environ.update(env)     # the profiler and the import probe run under the same settings
    results = {"started": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()), "machine": machine(),
               "reps": args.reps, "load_before": os.getloadavg()}
    if args.only in (None, "diff"):
        results["diff"] = diff_bench.run(work, args.reps, python, entrylint, log)
    if args.only in (None, "image"):
        results["image"] = image_bench.run(work, args.reps, python, entrylint, env, log)
        results["image_pair"] = image_bench.pair(work, args.reps, entrylint, env, log)
    if args.only == "build":
        results["build"] = build_bench.run(work, args.era, os.cpu_count() or 1, entrylint, env, log)
    results["load_after"] = os.getloadavg()
    (work / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    text = markdown(results)
    (work / "results.md").write_text(text)
    print(text)
    log(f"wrote {work / 'results.json'} and {work / 'results.md'}")
    if args.readme:
        section("bench", readme_section(results), path=args.readme)
        log(f"updated the bench section of {args.readme}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
