"""results.json → the Markdown the README bench section shows."""

from __future__ import annotations


# Issue 18's targets: the diff check against checkpatch.pl on the files (wall time), the staged
# check over a bare interpreter, the image commands against nm -n on the same file(s), peak RSS
DIFF_TARGET, STAGED_TARGET_MS, COLD_TARGET, CACHED_TARGET, RSS_TARGET_MB = 20.0, 50, 4.0, 1.0, 200
STAGED_LIBRARIES = "python -c 'import <the libraries check --staged imports>'"
CHECKPATCH_ON_FILES = "checkpatch.pl --no-tree --terse *.patch"
CHECKPATCH_ON_RANGE = "checkpatch.pl --no-tree --terse --git RANGE"
RANGE_NO_CACHE = "entrylint check RANGE (no cache)"
NM_BOTH = "nm -n on both images"
CHECK_COLD = "entrylint check RANGE --base-image --image --no-cache"
CHECK_CACHED = "entrylint check RANGE --base-image --image (cached)"


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
        lines += _libraries_line(cmds, diff.get("staged_imports") or {}, floor, staged)
    imp = diff.get("staged_imports")
    if not imp:
        return lines
    heavy = ", ".join(imp["heavy_imported"]) or "none of numpy, elftools, capstone"
    top = ", ".join(f"{k} {v} ms" for k, v in list(imp["top_level_cumulative_ms"].items())[:4])
    lines += [f"It imports {imp['modules_imported']} modules, {heavy} "
              f"(`python -X importtime`; largest cumulative: {top})."]
    return lines


def _libraries_line(cmds: dict, imports: dict, floor: dict, staged: dict) -> list[str]:
    """How much of the staged check is the libraries' imports alone: what entrylint's own code
    cannot take back."""
    libs = cmds.get(STAGED_LIBRARIES, {})
    if "median_s" not in libs or not imports.get("libraries"):
        return []
    names = sorted({m.split(".")[0] for m in imports["libraries"] if not m.startswith("_")})
    alone = libs["median_s"] - floor["median_s"]
    return [f"Importing only the libraries it imports ({len(imports['libraries'])} modules: "
            f"{', '.join(names)}) takes {_ms(alone)} over `python -c pass`; entrylint's own modules and "
            f"its work take the other {_ms(staged['median_s'] - libs['median_s'])}."]


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
    """One line per speed target of issue 18: the measured figure and whether it is met."""
    out = []
    diff = results.get("diff", {})
    for label, part in (("boot-heavy series", diff), ("fewer-entry-files series", diff.get("typical", {}))):
        cmds = part.get("commands", {})
        cp, cpg = cmds.get(CHECKPATCH_ON_FILES, {}), cmds.get(CHECKPATCH_ON_RANGE, {})
        for name in part.get("checkpatch_over_entrylint", {}):
            c = cmds[name]      # (the ratios as the table below shows them, from the same numbers)
            wall, cpu = cp["median_s"] / c["median_s"], cp["cpu_median_s"] / c["cpu_median_s"]
            extra = (f"; {_x(cpg['median_s'] / c['median_s'])} against `checkpatch.pl --git RANGE`"
                     if "RANGE" in name and "median_s" in cpg else "")
            out.append(f"- {label}, `{name}` ≥ {DIFF_TARGET:g}× faster than `checkpatch.pl *.patch` (wall): "
                       f"{_x(wall)}{extra}: {_met(wall >= DIFF_TARGET)}. CPU time: {_x(cpu)}.")
    floor, staged = diff.get("commands", {}).get("python -c pass", {}), diff.get("commands", {}).get("entrylint check --staged", {})
    if "median_s" in floor and "median_s" in staged:
        over = (staged["median_s"] - floor["median_s"]) * 1000
        out.append(f"- `check --staged` ≤ {STAGED_TARGET_MS} ms over `python -c pass`: {over:.0f} ms: "
                   f"{_met(over <= STAGED_TARGET_MS)}.")
    imp = diff.get("staged_imports")
    if imp:
        out.append("- `check --staged` imports no numpy/elftools/capstone: "
                   + ("met." if not imp["heavy_imported"] else f"NOT met ({', '.join(imp['heavy_imported'])})."))
    scaling = diff.get("scaling")
    if scaling:
        slopes = scaling["slopes"]
        said = ", ".join(f"{s['from']}→{s['to']} patches {s['ms_per_patch']:.2f} ms/patch" for s in slopes)
        linear = len(slopes) == 2 and slopes[1]["ms_per_patch"] <= 1.25 * max(slopes[0]["ms_per_patch"], 0.01)
        out.append(f"- `check RANGE` grows linearly with the series: {said}: {_met(linear)}.")
    for label, img in results.get("image", {}).items():
        short = label.split()[0].removeprefix("linux-image-")
        for name, ratio in img["over_nm"].items():
            target = CACHED_TARGET if "cached" in name else COLD_TARGET
            rss = img["commands"][name]["peak_rss_mb"]
            out.append(f"- {short}, `{name}` ≤ {target:g}× `nm -n`: {ratio}×: {_met(ratio <= target)}; "
                       f"peak RSS {rss:.0f} MB (≤ {RSS_TARGET_MB} MB: {_met(rss <= RSS_TARGET_MB)}).")
    pair = results.get("image_pair")
    if pair:
        for name, ratio in pair["over_nm"].items():
            target = CACHED_TARGET if "cached" in name else COLD_TARGET
            rss = pair["commands"][name]["peak_rss_mb"]
            out.append(f"- two images, `{name}` ≤ {target:g}× `nm -n` on both: {ratio}×: {_met(ratio <= target)}; "
                       f"peak RSS {rss:.0f} MB (≤ {RSS_TARGET_MB} MB: {_met(rss <= RSS_TARGET_MB)}).")
    return out


def _met(ok: bool) -> str:
    return "met" if ok else "NOT met"


def scaling_table(scaling: dict) -> list[str]:
    lines = ["| series | median wall | median CPU | peak RSS |", "| --- | ---: | ---: | ---: |"]
    for name, c in scaling["commands"].items():
        lines.append(f"| `{name}` | {_ms(c['median_s'])} | {_ms(c['cpu_median_s'])} | {c['peak_rss_mb']:.0f} MB |")
    return lines


def pair_table(pair: dict) -> list[str]:
    lines = [f"Base image {pair['base']}, head image {pair['head']}; the range is the diff side's series.", "",
             "| command | median wall | ÷ `nm -n` on both (wall) | median CPU | peak RSS |",
             "| --- | ---: | ---: | ---: | ---: |"]
    nm = pair["commands"][NM_BOTH]
    for name, c in pair["commands"].items():
        if "error" in c:
            lines.append(f"| `{name}` | not measured: {c['error'][:80]} | | | |")
            continue
        lines.append(f"| `{name}` | {_ms(c['median_s'])} | {_x(c['median_s'] / nm['median_s'])} | "
                     f"{_ms(c['cpu_median_s'])} | {c['peak_rss_mb']:.0f} MB |")
    return lines


def markdown(results: dict) -> str:
    m = results["machine"]
    out = [f"Run {results['started']}, {results['reps']} interleaved rounds after one warm-up, medians. "
           f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB, Linux {m['kernel']}, "
           f"Python {m['python']}, {m['git']}, perl {m['perl']}; load average "
           f"{results['load_before'][0]:.1f} before, {results['load_after'][0]:.1f} after "
           "(other engineers' kernel builds share the cores: compare ratios, not absolute times).", ""]
    out += targets(results) + [""]
    if "diff" in results:
        out += ["**Diff side, a series aimed at boot code** (40 % of touched files are entry "
                "files: every such file costs entrylint a post-image and a pre-image from git)", ""]
        out += diff_table(results["diff"]) + [""]
        if results["diff"].get("typical"):
            out += ["**Diff side, fewer entry files** (the same generator, 5 % of touched files are entry "
                    "files; most others are still files the profile watches, like setup.c and init/main.c: "
                    "entrylint's time is mostly fixed cost, start-up and git)", ""] + diff_table(results["diff"]["typical"]) + [""]
    if results.get("diff", {}).get("scaling"):
        out += ["**Diff side, series of 10, 100 and 1000 patches** (the boot-heavy generator; each series "
                "is the start of the next)", ""] + scaling_table(results["diff"]["scaling"]) + [""]
    if "image" in results:
        out += ["**Image side**", ""] + image_table(results["image"]) + [""]
    if results.get("build"):
        b = results["build"]
        out += [f"**Builds (issue 16)**: the e2e {b['era']} tree, `-j{b['jobs']}`, one round each", "",
                "| what | seconds |", "| --- | ---: |"]
        out += [f"| {name} | {sec:.1f} |" for name, sec in b["seconds"].items()] + [""]
    if results.get("image_pair"):
        out += ["**Two images: `check --base-image --image`**", ""] + pair_table(results["image_pair"]) + [""]
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
