"""`make demo`: apply the example series to the example kernel in a temporary git repository,
build the kernel before and after (when gcc and ld are here), and run entrylint on it all.

    python examples/demo.py [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ENV = dict(os.environ, GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1",
           GIT_AUTHOR_NAME="Demo", GIT_AUTHOR_EMAIL="demo@example.org",
           GIT_COMMITTER_NAME="Demo", GIT_COMMITTER_EMAIL="demo@example.org")


def sh(*cmd, cwd) -> str:
    return subprocess.run(cmd, cwd=cwd, env=ENV, check=True, text=True, stdout=subprocess.PIPE).stdout


def build(tree: Path, out: Path) -> Path | None:
    if not (shutil.which("gcc") and shutil.which("ld") and shutil.which("make")):
        return None
    out.mkdir(parents=True, exist_ok=True)
    sh("make", "-s", f"O={out}", "EMIT_RELOCS=0", cwd=tree)
    return out / "vmlinux"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--keep", metavar="DIR", help="work in DIR and keep it")
    ap.add_argument("--no-images", action="store_true", help="diff rules only")
    args = ap.parse_args()
    work = Path(args.keep or tempfile.mkdtemp(prefix="entrylint-demo-"))
    try:
        tree = work / "linux"
        shutil.copytree(HERE / "kernel", tree, ignore=shutil.ignore_patterns("*.o", "vmlinux"))
        sh("git", "init", "-q", "-b", "master", cwd=tree)
        sh("git", "add", "-A", cwd=tree)
        sh("git", "commit", "-q", "-m", "example kernel: base tree", cwd=tree)
        base = sh("git", "rev-parse", "HEAD", cwd=tree).strip()
        images = []
        if not args.no_images:
            base_image = build(tree, work / "build-base")
        sh("git", "am", "-q", *sorted(str(p) for p in (HERE / "series").glob("*.patch")), cwd=tree)
        if not args.no_images and base_image:
            head_image = build(tree, work / "build-head")
            images = ["--base-image", str(base_image), "--image", str(head_image)]
        cmd = [sys.executable, "-m", "linter.cli", "check", f"{base}..HEAD", *images]
        print("$ entrylint check BASE..HEAD" + (" --base-image build-base/vmlinux --image build-head/vmlinux"
                                                  if images else ""), flush=True)
        code = subprocess.run(cmd, cwd=tree).returncode
        print(f"(exit {code}: 1 means findings at or above --fail-on, as CI would fail)")
        return 0 if code in (0, 1) else code
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
