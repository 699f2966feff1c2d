"""`make demo`: apply the example series to the example kernel in a temporary git repository,
and run `entrylint check BASE..HEAD --build` on it: entrylint builds the kernel before and after the
series itself (when gcc, ld and make are here; the diff rules alone otherwise).

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


def can_build() -> bool:
    return all(shutil.which(tool) for tool in ("gcc", "ld", "make"))


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
        sh("git", "am", "-q", *sorted(str(p) for p in (HERE / "series").glob("*.patch")), cwd=tree)
        # the images: built by entrylint itself, into a cache of the demo's own
        images = ["--build", "--cache-dir", str(work / "build-cache")] if not args.no_images and can_build() else []
        cmd = [sys.executable, "-m", "linter.cli", "check", f"{base}..HEAD", *images]
        print("$ entrylint check BASE..HEAD" + (" --build" if images else ""), flush=True)
        code = subprocess.run(cmd, cwd=tree).returncode
        print(f"(exit {code}: 1 means findings at or above --fail-on, as CI would fail)")
        return 0 if code in (0, 1) else code
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
