"""A realistic 100-patch series in a slice of the 6.1 kernel tree (arch/x86 and init), made by git.

The edits are scripted and deterministic (seeded), our own text, not kernel code: pr_debug()
lines before returns, comment blocks before functions, small helpers after functions, reworded
comment lines, removal of lines an earlier patch added, and asm comments/nops. About 40 % of the
patches touch the entry files (head64.c, head_64.S, xen-head.S, enlighten_pv.c, pvh/head.S,
pvh/enlighten.c); the rest touch other x86 and init files; some touch two or three files.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import subprocess
from pathlib import Path

VERSION = "4"          # bump when the edits change: the series is rebuilt
PATCHES = 100
SEED = 20261127

ENTRY_FILES = [
    "arch/x86/kernel/head64.c", "arch/x86/kernel/head_64.S", "arch/x86/xen/xen-head.S",
    "arch/x86/xen/enlighten_pv.c", "arch/x86/platform/pvh/head.S", "arch/x86/platform/pvh/enlighten.c",
]
OTHER_FILES = [
    "arch/x86/kernel/setup.c", "init/main.c", "arch/x86/mm/init.c", "arch/x86/kernel/cpu/common.c",
    "arch/x86/kernel/apic/apic.c", "arch/x86/mm/fault.c", "init/do_mounts.c", "arch/x86/kernel/smpboot.c",
    "arch/x86/kernel/e820.c", "arch/x86/kernel/tsc.c", "arch/x86/xen/time.c", "arch/x86/kernel/irq.c",
    "arch/x86/xen/mmu_pv.c", "arch/x86/xen/setup.c", "arch/x86/mm/ioremap.c", "init/initramfs.c",
]
AREAS = {"arch/x86/xen/": "x86/xen", "arch/x86/platform/pvh/": "x86/pvh", "arch/x86/kernel/head": "x86/boot",
         "arch/x86/mm/": "x86/mm", "arch/x86/kernel/cpu/": "x86/cpu", "arch/x86/kernel/apic/": "x86/apic",
         "init/": "init", "arch/x86/": "x86"}
WORDS = ("early boot", "the entry path", "page tables", "the boot CPU", "start-up order", "the PV path",
         "the PVH path", "secondary CPUs", "memory setup", "the native head")

RETURN = re.compile(r"^\treturn\b")
FUNC_OPEN = "{"
COMMENT_LINE = re.compile(r"^ \* \w")
ASM_CODE = re.compile(r"^\t[a-z]")


def git(repo: Path, *args: str, env: dict | None = None) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True, env=env).stdout


def git_env(tick: int) -> dict[str, str]:
    """Fixed identities and dates (no user config): the same series, byte for byte, every time."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    date = f"{1767225600 + tick * 60} +0000"
    env.update(GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL="/dev/null", GIT_AUTHOR_NAME="Bench Author",
               GIT_AUTHOR_EMAIL="bench@entrylint.invalid", GIT_COMMITTER_NAME="Bench Author",
               GIT_COMMITTER_EMAIL="bench@entrylint.invalid", GIT_AUTHOR_DATE=date, GIT_COMMITTER_DATE=date)
    return env


# -- edits: each takes the file's lines and returns True when it changed them --------------------
def c_debug_before_return(lines: list[str], rng: random.Random, n: int) -> bool:
    spots = [i for i, ln in enumerate(lines) if RETURN.match(ln)]
    if not spots:
        return False
    i = rng.choice(spots)
    lines[i:i] = [f'\tpr_debug("%s: {rng.choice(WORDS)} step {n}\\n", __func__);']
    return True


def c_comment_before_function(lines: list[str], rng: random.Random, n: int) -> bool:
    spots = [i for i in range(1, len(lines)) if lines[i] == FUNC_OPEN and lines[i - 1][:1].isalpha()]
    if not spots:
        return False
    i = rng.choice(spots) - 1
    lines[i:i] = ["/*", f" * Bench note {n}: this function is part of {rng.choice(WORDS)};",
                  f" * keep it in step with {rng.choice(WORDS)} when changing it.", " */"]
    return True


def c_helper_after_function(lines: list[str], rng: random.Random, n: int) -> bool:
    spots = [i for i, ln in enumerate(lines) if ln == "}" and i + 1 < len(lines) and lines[i + 1] == ""]
    if not spots:
        return False
    i = rng.choice(spots) + 1
    lines[i:i] = ["", f"static int __maybe_unused bench_helper_{n}(int value)", "{",
                  f"\tif (value < {n})", f"\t\treturn value * {rng.randint(2, 9)};", f"\treturn value - {n};", "}"]
    return True


def reword_comment(lines: list[str], rng: random.Random, n: int) -> bool:
    spots = [i for i, ln in enumerate(lines) if COMMENT_LINE.match(ln) and len(ln) < 70]
    if not spots:
        return False
    i = rng.choice(spots)
    lines[i] = f"{lines[i].rstrip('. ')} (see bench note {n})."
    return True


def drop_earlier_bench_line(lines: list[str], rng: random.Random, n: int) -> bool:
    mine = (f" step {n}\\n", f"bench {n}:")   # never undo this patch's own lines
    spots = [i for i, ln in enumerate(lines) if ("pr_debug(\"%s: " in ln and " step " in ln
             or ln.startswith("\t/* bench ")) and not any(m in ln for m in mine)]
    if not spots:
        return False
    del lines[rng.choice(spots)]
    return True


def asm_comment(lines: list[str], rng: random.Random, n: int) -> bool:
    spots = [i for i, ln in enumerate(lines) if ASM_CODE.match(ln)]
    if not spots:
        return False
    i = rng.choice(spots)
    lines[i:i] = [f"\t/* bench {n}: {rng.choice(WORDS)} must see this first */"]
    return True


def asm_nop(lines: list[str], rng: random.Random, n: int) -> bool:
    spots = [i for i, ln in enumerate(lines) if ASM_CODE.match(ln) and not ln.startswith("\t.")]
    if not spots:
        return False
    i = rng.choice(spots) + 1
    lines[i:i] = [f"\tnop\t\t\t\t/* bench {n}: pad for {rng.choice(WORDS)} */"]
    return True


C_EDITS = [c_debug_before_return, c_comment_before_function, c_helper_after_function, reword_comment,
           drop_earlier_bench_line]
ASM_EDITS = [asm_comment, asm_nop, reword_comment, drop_earlier_bench_line]


def edit_file(path: Path, rng: random.Random, n: int) -> None:
    lines = path.read_text(encoding="utf-8", errors="surrogateescape").split("\n")
    edits = ASM_EDITS if path.suffix == ".S" else C_EDITS
    done = 0
    for _ in range(rng.choice((1, 2, 2, 3, 4))):
        for edit in rng.sample(edits, len(edits)):
            if edit(lines, rng, n):
                done += 1
                break
    if not done:
        raise SystemExit(f"bench: no edit applies to {path}")
    path.write_text("\n".join(lines), encoding="utf-8", errors="surrogateescape")


def area(path: str) -> str:
    return next(tag for prefix, tag in AREAS.items() if path.startswith(prefix))


def make_series(tree: Path, out: Path, source_version: str, entry_share: float = 0.4,
                patches_wanted: int = PATCHES) -> dict:
    """A git repository at out/linux (base tag bench-base, head bench-head) and out/patches/*.patch.
    entry_share: how often a touched file is an entry file (0.4: a series aimed at boot code, the
    costly case for entrylint; 0.05: a typical x86 series that now and then touches boot code).
    patches_wanted: the series' length (the first N commits of a longer series are the same)."""
    stamp = out / "series.stamp"
    want = f"{VERSION} {SEED} {patches_wanted} {source_version} {entry_share}"
    repo, patches = out / "linux", out / "patches"
    if stamp.exists() and stamp.read_text() == want:
        return {"repo": str(repo), "patches": sorted(str(p) for p in patches.glob("*.patch"))}
    shutil.rmtree(out, ignore_errors=True)
    shutil.copytree(tree, repo, ignore=shutil.ignore_patterns(".bench-extracted"))
    env = git_env(0)
    git(repo, "init", "-q", "-b", "master", env=env)
    git(repo, "add", "-A", env=env)
    git(repo, "commit", "-q", "-m", f"base: linux-source-6.1 {source_version}, arch/x86 and init", env=env)
    git(repo, "tag", "bench-base", env=env)
    rng = random.Random(SEED)
    commits: list[tuple[str, str]] = []
    for n in range(1, patches_wanted + 1):
        count = rng.choice((1, 1, 1, 1, 1, 1, 2, 2, 2, 3))
        files = [rng.choice(ENTRY_FILES) if rng.random() < entry_share else rng.choice(OTHER_FILES)
                 for _ in range(count)]
        files = list(dict.fromkeys(files))
        for f in files:
            edit_file(repo / f, rng, n)
        subject = f"{area(files[0])}: bench change {n} to {Path(files[0]).name}"
        body = [f"Adjust {rng.choice(WORDS)} so that {rng.choice(WORDS)} and {rng.choice(WORDS)}",
                "stay in step. This is a scripted benchmark change, not a real fix.", ""]
        if commits and rng.random() < 0.2:
            sha, subj = rng.choice(commits)
            body.append(f'Fixes: {sha[:12]} ("{subj}")')
        if rng.random() < 0.3:
            body.append("Reviewed-by: Bench Reviewer <reviewer@entrylint.invalid>")
        if rng.random() < 0.2:
            body.append("Acked-by: Bench Maintainer <maintainer@entrylint.invalid>")
        body.append("Signed-off-by: Bench Author <bench@entrylint.invalid>")
        env = git_env(n)
        git(repo, "commit", "-q", "-a", "-m", subject + "\n\n" + "\n".join(body), env=env)
        commits.append((git(repo, "rev-parse", "HEAD", env=env).strip(), subject))
    git(repo, "tag", "bench-head", env=env)
    git(repo, "format-patch", "-q", "-o", str(patches), "bench-base..bench-head", env=env)
    stamp.write_text(want)
    return {"repo": str(repo), "patches": sorted(str(p) for p in patches.glob("*.patch"))}


if __name__ == "__main__":
    import sys

    work = Path(sys.argv[1] if len(sys.argv) > 1 else "/var/tmp/entrylint-bench")
    info = make_series(work / "src" / "linux", work / "series", "6.1.192-2")
    print(info["repo"], len(info["patches"]))
