"""results.json → the Markdown the README bench section shows."""

from __future__ import annotations


# The targets: issue 2 (wall time against checkpatch.pl on the files), issue 8 (against nm -n)
DIFF_TARGET, COLD_TARGET, CACHED_TARGET = 10.0, 6.0, 1.5
CHECKPATCH_ON_FILES = "checkpatch.pl --no-tree --terse *.patch"
CHECKPATCH_ON_RANGE = "checkpatch.pl --no-tree --terse --git RANGE"


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"


def _x(ratio: float) -> str:
    return f"{ratio:.2f}×" if ratio < 1 else f"{ratio:.1f}×"


def diff_table(diff: dict) -> list[str]:
    cmds = diff["commands"]
    cp = cmds.get(CHECKPATCH_ON_FILES, {})   # the ratios: against the faster checkpatch
    lines = [f"Series: {diff['patches']} patches made by git ({diff['shortstat']}) in a slice of "
             f"{diff['source_package']} (arch/x86, init); checkpatch.pl from the same package.", "",
             "| command | median wall | median CPU | peak RSS | checkpatch ÷ this (wall / CPU) |",
             "| --- | ---: | ---: | ---: | ---: |"]
    for name, c in cmds.items():
        if "error" in c:
            lines.append(f"| `{name}` | not measured: {c['error']} | | | |")
            continue
        ratio = ""
        if "median_s" in cp and name.startswith("entrylint"):
            ratio = f"{_x(cp['median_s'] / c['median_s'])} / {_x(cp['cpu_median_s'] / c['cpu_median_s'])}"
        lines.append(f"| `{name}` | {_ms(c['median_s'])} | {_ms(c['cpu_median_s'])} | "
                     f"{c['peak_rss_mb']:.0f} MB | {ratio} |")
    floor, staged = cmds.get("python -c pass", {}), cmds.get("entrylint check --staged", {})
    if "median_s" in floor and "median_s" in staged:
        lines += ["", f"`check --staged` (pre-commit, one entry-file edit staged): {_ms(staged['median_s'])}, "
                  f"{_ms(staged['median_s'] - floor['median_s'])} over `python -c pass` "
                  f"({staged['median_s'] / floor['median_s']:.1f}× the bare interpreter)."]
    imp = diff.get("staged_imports")
    if not imp:
        return lines
    heavy = ", ".join(imp["heavy_imported"]) or "none of numpy, elftools, capstone"
    top = ", ".join(f"{k} {v} ms" for k, v in list(imp["top_level_cumulative_ms"].items())[:4])
    lines += [f"It imports {imp['modules_imported']} modules, {heavy} "
              f"(`python -X importtime`; largest cumulative: {top})."]
    return lines


def image_table(image: dict) -> list[str]:
    labels = list(image)
    head = "| command | " + " | ".join(f"{lab.split()[0].removeprefix('linux-image-')} "
                                         f"({image[lab]['size_mb']} MB)" for lab in labels) + " |"
    lines = ["Each cell: median wall time, that ÷ `nm -n`'s on the same file (wall; CPU), peak RSS.", "", head,
             "| --- |" + " ---: |" * len(labels)]
    names = list(image[labels[0]]["commands"])
    for name in names:
        cells = []
        for lab in labels:
            c = image[lab]["commands"][name]
            nm = image[lab]["commands"]["nm -n"]
            if "error" in c:
                cells.append(f"not measured ({c['error'][:60]})")
            else:
                cells.append(f"{_ms(c['median_s'])}, {_x(c['median_s'] / nm['median_s'])}; "
                             f"{_x(c['cpu_median_s'] / nm['cpu_median_s'])}, {c['peak_rss_mb']:.0f} MB")
        lines.append(f"| `{name}` | " + " | ".join(cells) + " |")
    return lines


def targets(results: dict) -> list[str]:
    """One line per speed target: the measured ratio and whether it is met (DESIGN.md "Speed")."""
    out = []
    diff = results.get("diff", {})
    for label, part in (("boot-heavy series", diff), ("fewer-entry-files series", diff.get("typical", {}))):
        cmds = part.get("commands", {})
        cp, cpg = cmds.get(CHECKPATCH_ON_FILES, {}), cmds.get(CHECKPATCH_ON_RANGE, {})
        for name in part.get("checkpatch_over_entrylint", {}):
            c = cmds[name]      # (the ratios as the table below shows them, from the same numbers)
            wall, cpu = cp["median_s"] / c["median_s"], cp["cpu_median_s"] / c["cpu_median_s"]
            met = "met" if wall >= DIFF_TARGET else "NOT met"
            extra = (f"; {_x(cpg['median_s'] / c['median_s'])} against `checkpatch.pl --git RANGE`"
                     if "RANGE" in name and "median_s" in cpg else "")
            cpu_why = " (git's own diff work on the second core counts here)" if "RANGE" in name else ""
            out.append(f"- Issue 2, {label}, `{name}` ≥ 10× faster than `checkpatch.pl *.patch` (wall time): "
                       f"{_x(wall)}{extra}: {met}. CPU time: {_x(cpu)}{cpu_why}.")
    imp = diff.get("staged_imports")
    if imp:
        out.append("- `check --staged` imports no numpy/elftools/capstone: "
                   + ("met." if not imp["heavy_imported"] else f"NOT met ({', '.join(imp['heavy_imported'])})."))
    for label, img in results.get("image", {}).items():
        ratios = img["over_nm"]
        short = label.split()[0].removeprefix("linux-image-")
        cold = ratios.get("entrylint gaps --no-cache")
        warm = ratios.get("entrylint gaps (cached)")
        if cold is None or warm is None:
            out.append(f"- Issue 8, {short}: `entrylint gaps` not measured.")
            continue
        out.append(f"- Issue 8, {short}: `gaps` cold {cold}× `nm -n` (target ≤ {COLD_TARGET:g}×: "
                   f"{'met' if cold <= COLD_TARGET else 'NOT met'}), cached {warm}× (target ≤ {CACHED_TARGET:g}×: "
                   f"{'met' if warm <= CACHED_TARGET else 'NOT met'}).")
    return out


def markdown(results: dict) -> str:
    m = results["machine"]
    out = [f"Run {results['started']}, {results['reps']} interleaved rounds after one warm-up, medians. "
           f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB, Linux {m['kernel']}, "
           f"Python {m['python']}, {m['git']}, perl {m['perl']}; load average "
           f"{results['load_before'][0]:.1f} before, {results['load_after'][0]:.1f} after "
           "(other engineers' kernel builds share the cores: compare ratios, not absolute times).", ""]
    out += targets(results) + [""]
    if "diff" in results:
        out += ["**Diff side (issue 2), a series aimed at boot code** (40 % of touched files are entry "
                "files: every such file costs entrylint a post-image and a pre-image from git)", ""]
        out += diff_table(results["diff"]) + [""]
        if results["diff"].get("typical"):
            out += ["**Diff side, fewer entry files** (the same generator, 5 % of touched files are entry "
                    "files; most others are still files the profile watches, like setup.c and init/main.c: "
                    "entrylint's time is mostly fixed cost, start-up and git)", ""] + diff_table(results["diff"]["typical"]) + [""]
    if "image" in results:
        out += ["**Image side (issue 8)**", ""] + image_table(results["image"]) + [""]
    return "\n".join(out)


METHOD = """How: `make bench` (bench/run.py; bench/README.md has the details). Each side runs every command
once as a warm-up, then N rounds that run each command once in the same order (so other jobs' load
hits all of them alike); we give medians of wall time and of CPU time (user + system, children
included), and peak RSS from `wait4()`. Inputs are Debian's own packages, fetched with `apt-get
download` into /var/tmp/entrylint-bench: linux-source-6.1 (checkpatch.pl and a git repository of
arch/x86 + init with a scripted 100-patch series, ~40 % of it touching entry files) and the
cloud-amd64 `-dbg` vmlinux of 6.1 and 6.12. entrylint runs as pip installs it (a venv in the work
directory, not the editable development install). No unit test asserts a time."""


def readme_section(results: dict) -> str:
    return "## Speed, measured side by side: `make bench`\n\n" + METHOD + "\n\n" + markdown(results)
