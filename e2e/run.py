"""End-to-end run: real kernel trees, scripted series, real builds, entrylint, expectations.

For each era and series: branch from the base tag, apply the series one commit per patch, build
the base and the branch with `entrylint build` (the product's own builder: a detached worktree,
out of tree, incremental, cached by tree id in E2E_DIR/ERA/build-cache), run `entrylint check
BASE..BRANCH --base-image --image --format json` and compare the rule ids with e2e/expected.toml.
Prints a table per era; exits 1 on any miss.

    python e2e/run.py [--era 6.1] [--series native-only] [--entrylint .venv/bin/entrylint]
    python e2e/run.py --apply-only      # check that every series still applies (no build, no lint)
    python e2e/run.py --build-only      # apply and build every series, do not lint
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import series  # noqa: E402  (needs HERE on sys.path)
from series.edits import AnchorError, Tree  # noqa: E402

ERAS = ("6.1", "6.12", "arm64")
# The arm64 era is the 6.12 tree built with `entrylint build --arch arm64`, its images cached apart.
TREE_OF = {"arm64": "6.12"}
ARCH_OF = {"arm64": "arm64"}
# Fixed dates make the series' commits the same on every run (the images are cached by tree id anyway).
FIXED_DATE = "2026-01-01T00:00:00+0000"


@dataclass
class Outcome:
    series: str
    expect: list[str]
    forbid: list[str]
    notes: list[str] = field(default_factory=list)      # rule ids that may only be notes here
    got: dict[str, int] = field(default_factory=dict)   # rule id -> count
    above_note: set[str] = field(default_factory=set)   # rule ids seen as a warning or an error
    skipped: list[str] = field(default_factory=list)    # rule ids entrylint said it skipped
    error: str = ""
    build_seconds: str = ""
    lint_seconds: float = 0.0

    @property
    def missing(self) -> list[str]:
        return [r + ("(skipped)" if r in self.skipped else "") for r in self.expect
                if r not in self.got]

    @property
    def unwanted(self) -> list[str]:
        return [r for r in self.forbid if r in self.got] + [f"{r}(not a note)" for r in self.notes
                                                            if r in self.above_note]

    @property
    def extra(self) -> list[str]:
        return [r for r in sorted(self.got) if r not in self.expect and r not in self.forbid]

    @property
    def ok(self) -> bool:
        return not self.error and not self.missing and not self.unwanted


def git(tree: Path, *args: str) -> str:
    env = dict(os.environ, GIT_AUTHOR_DATE=FIXED_DATE, GIT_COMMITTER_DATE=FIXED_DATE,
               GIT_AUTHOR_NAME="entrylint e2e", GIT_AUTHOR_EMAIL="e2e@entrylint.invalid",
               GIT_COMMITTER_NAME="entrylint e2e", GIT_COMMITTER_EMAIL="e2e@entrylint.invalid")
    done = subprocess.run(["git", "-C", str(tree), *args], env=env, text=True,
                          capture_output=True)
    if done.returncode != 0:
        raise SystemExit(f"git {' '.join(args)} failed in {tree}:\n{done.stderr}")
    return done.stdout


def expectations(era: str) -> dict[str, tuple[list[str], list[str], list[str]]]:
    data = tomllib.loads((HERE / "expected.toml").read_text())["series"]
    out = {}
    for name, spec in data.items():
        spec = {**spec, **spec.get("era", {}).get(era, {})}
        out[name] = (list(spec["expect"]), list(spec["forbid"]), list(spec.get("notes", [])))
    return out


def make_branch(tree: Path, era: str, name: str) -> str:
    """Branch e2e/NAME from base with one commit per patch; returns the branch name."""
    branch = series.branch(name)
    git(tree, "checkout", "-q", "-f", "-B", branch, "base")
    for patch in series.patches(name, era):
        try:
            patch.apply(Tree(tree))
        except AnchorError as err:
            raise SystemExit(f"{era} {series.branch(name)}: patch '{patch.subject}' does not apply: {err}")
        git(tree, "add", "-A")
        if not git(tree, "status", "--porcelain"):
            raise SystemExit(f"{era} {series.branch(name)}: patch '{patch.subject}' changed nothing")
        git(tree, "commit", "-q", "-m", f"{patch.subject}\n\n{patch.body}")
    return branch


def build(entrylint: str, tree: Path, cache: Path, revision: str, arch: str = "x86_64") -> tuple[Path, str]:
    """(vmlinux, seconds its build took) of `revision`, by `entrylint build` (cached by tree id)."""
    done = subprocess.run([entrylint, "-C", str(tree), "build", "--cache-dir", str(cache), "--jobs",
                           os.environ.get("JOBS", "2"), "--arch", arch, revision], text=True, stdout=subprocess.PIPE)
    if done.returncode != 0:
        raise SystemExit(f"e2e: entrylint build {revision} in {tree} failed (exit {done.returncode})")
    image = Path(done.stdout.strip().splitlines()[-1])
    meta = json.loads((image.parent / "meta.json").read_text())
    return image, str(round(meta["seconds"]))


def lint(entrylint: str, tree: Path, base_image: Path, image: Path, branch: str,
         out: Path, outcome: Outcome) -> None:
    """Run entrylint on the branch and fill in what it found (or why it failed)."""
    cmd = [entrylint, "check", f"base..{branch}", "--base-image", str(base_image),
           "--image", str(image), "--format", "json"]
    started = time.monotonic()
    done = subprocess.run(cmd, cwd=tree, text=True, capture_output=True)
    outcome.lint_seconds = time.monotonic() - started
    out.write_text(done.stdout)
    (out.with_suffix(".stderr")).write_text(done.stderr)
    if done.returncode not in (0, 1):
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        outcome.error = f"exit {done.returncode}: {last}"
        return
    try:
        report = json.loads(done.stdout)
        findings = report["findings"]
    except (json.JSONDecodeError, KeyError) as err:
        outcome.error = f"unreadable JSON output: {err}"
        return
    for finding in findings:
        outcome.got[finding["rule"]] = outcome.got.get(finding["rule"], 0) + 1
        if finding["severity"] != "note":
            outcome.above_note.add(finding["rule"])
    # "EL201: needs --base-image" -> "EL201"
    outcome.skipped = [s.split(":")[0].strip() for s in report.get("skipped_rules", [])]


def doors_outcomes(entrylint: str, era: str, base_image: Path, e2e_dir: Path) -> list[Outcome]:
    """`entrylint entries` on the era's base image and on Debian's packaged image of its arch (when
    fetched: make e2e-debian): the doors must be exactly the [doors.ERA] table of expected.toml."""
    expected = tomllib.loads((HERE / "expected.toml").read_text()).get("doors", {}).get(era)
    if expected is None:
        return []
    images = [("base", base_image)] + [(f"debian-{d.name}", d / "vmlinux") for d in
                                       sorted((e2e_dir / "debian").glob(expected["debian"]))]
    outcomes = []
    for label, image in images:
        outcomes += [doors_outcome(entrylint, label, image, expected), reach_outcome(entrylint, label, image, expected)]
    return outcomes


def image_report(entrylint: str, command: str, image: Path, outcome: Outcome) -> dict | None:
    """`entrylint COMMAND --format json IMAGE`'s report, timed into the outcome (None: its error is)."""
    started = time.monotonic()
    done = subprocess.run([entrylint, command, "--format", "json", str(image)], text=True, capture_output=True)
    outcome.lint_seconds = time.monotonic() - started
    if done.returncode != 0:
        outcome.error = f"exit {done.returncode}: {(done.stderr.strip().splitlines() or ['?'])[-1]}"
        return None
    return json.loads(done.stdout)


def doors_outcome(entrylint: str, label: str, image: Path, expected: dict) -> Outcome:
    """`entrylint entries` on an image: exactly the doors of `doors`, as "path:symbol" ("-:symbol"
    for a door no path claims)."""
    outcome = Outcome(f"doors:{label}", expected["doors"], [])
    report = image_report(entrylint, "entries", image, outcome)
    if report is not None:
        for e in report["entries"]:
            door = f"{e['path'] or '-'}:{e['symbol'] or e['address']}"
            outcome.got[door] = outcome.got.get(door, 0) + 1
        outcome.forbid = [d for d in outcome.got if d not in expected["doors"]]
    return outcome


def reach_outcome(entrylint: str, label: str, image: Path, expected: dict) -> Outcome:
    """`entrylint gaps` on an image: the native path (the profile's first) reaches every name of
    `reach` and none starting with a `reach_not` prefix."""
    outcome = Outcome(f"reach:{label}", expected["reach"], [])
    report = image_report(entrylint, "gaps", image, outcome)
    if report is None:
        return outcome
    native = next(iter(report["paths"].values()))["reach"]
    outcome.got = {name: 1 for name in native if name in expected["reach"]}
    wrong = sorted(n for n in native if n.startswith(tuple(expected["reach_not"])))
    outcome.got.update({n: 1 for n in wrong})
    outcome.forbid = wrong
    outcome.got[f"({len(native)} functions)"] = 1
    return outcome


def table(era: str, outcomes: list[Outcome]) -> str:
    rows = [("series", "expected", "got", "missing", "forbidden seen", "extra", "build s",
             "lint s", "result")]
    for o in outcomes:
        got = " ".join(f"{r}x{n}" if n > 1 else r for r, n in sorted(o.got.items())) or "-"
        rows.append((o.series, " ".join(o.expect) or "-", o.error or got,
                     " ".join(o.missing) or "-", " ".join(o.unwanted) or "-",
                     " ".join(o.extra) or "-", o.build_seconds or "-",
                     f"{o.lint_seconds:.1f}", "ok" if o.ok else "MISS"))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = [f"== era {era}"]
    for row in rows:
        lines.append("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
    return "\n".join(lines)


def run_era(era: str, names: list[str], args) -> list[Outcome]:
    e2e_dir = Path(args.e2e_dir).resolve()
    tree = e2e_dir / TREE_OF.get(era, era) / "linux"
    if not (tree / ".git").is_dir():
        raise SystemExit(f"{tree} is missing: run e2e/prepare.sh {TREE_OF.get(era, era)} (make e2e-prepare)")
    wanted = expectations(era)
    cache = e2e_dir / era / "build-cache"
    arch = ARCH_OF.get(era, "x86_64")
    results = e2e_dir / era / "results"
    results.mkdir(parents=True, exist_ok=True)
    outcomes = []
    if not args.apply_only:
        base_image, _ = build(args.entrylint, tree, cache, "base", arch)
        if not args.build_only:
            outcomes += doors_outcomes(args.entrylint, era, base_image, e2e_dir)
    for name in [n for n in names if n in series.names_for(era)]:
        label = name.replace("_", "-")
        expect, forbid, notes = wanted[label]
        outcome = Outcome(label, expect, forbid, notes)
        branch = make_branch(tree, era, name)
        if not args.apply_only:
            image, outcome.build_seconds = build(args.entrylint, tree, cache, branch, arch)
        if not (args.apply_only or args.build_only):
            lint(args.entrylint, tree, base_image, image, branch, results / f"{label}.json", outcome)
        outcomes.append(outcome)
        state = ("applied" if args.apply_only else "built" if args.build_only
                 else "ok" if outcome.ok else "MISS")
        print(f"{era} {label}: {state}", file=sys.stderr, flush=True)
    git(tree, "checkout", "-q", "-f", "--detach", "base")
    return outcomes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--era", action="append", choices=ERAS, help="default: all eras")
    parser.add_argument("--series", action="append", help="series name (default: all)")
    parser.add_argument("--entrylint", default=str(HERE.parent / ".venv" / "bin" / "entrylint"))
    parser.add_argument("--e2e-dir", default=os.environ.get("E2E_DIR", "/var/tmp/entrylint-e2e"))
    parser.add_argument("--apply-only", action="store_true",
                        help="only check that every series applies (no build, no entrylint)")
    parser.add_argument("--build-only", action="store_true",
                        help="apply and build every series, do not run entrylint")
    args = parser.parse_args()
    names = [n.replace("-", "_") for n in (args.series or series.ALL_NAMES)]
    unknown = [n for n in names if n not in series.ALL_NAMES]
    if unknown:
        parser.error(f"unknown series: {', '.join(unknown)} (known: {', '.join(series.ALL_NAMES)})")
    if "/" in args.entrylint:  # entrylint runs inside the kernel tree: make the path absolute
        args.entrylint = str(Path(args.entrylint).resolve())
    if not args.apply_only and not os.access(args.entrylint, os.X_OK):
        parser.error(f"no entrylint at {args.entrylint} (make venv installs it)")
    failed = False
    for era in args.era or ERAS:
        outcomes = run_era(era, names, args)
        if not (args.apply_only or args.build_only):
            print(table(era, outcomes))
            failed |= not all(o.ok for o in outcomes)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
