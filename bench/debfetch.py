"""Fetch Debian packages with apt-get and pull only the files a benchmark needs out of them.

Everything lands in the bench work directory (outside the repository). Each step is skipped when
its output already exists, so `make bench` fetches once per machine.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
from pathlib import Path

# Where another engineer's e2e run keeps the same Debian vmlinux files: reuse them, never fetch twice.
E2E_DEBIAN = os.environ.get("E2E_DIR", "/var/tmp/entrylint-e2e") + "/debian"

REPO = Path(__file__).resolve().parent.parent
SOURCE_PACKAGE = "linux-source-6.1"
IMAGE_PACKAGES = ["linux-image-6.1.0-56-cloud-amd64-dbg", "linux-image-6.12.117+deb12-cloud-amd64-dbg"]  # as e2e's


def say(msg: str) -> None:
    print(f"bench: {msg}", file=sys.stderr, flush=True)


def download(package: str, into: Path) -> Path:
    """`apt-get download PACKAGE` into a directory; the .deb's path (apt-get update once if unknown)."""
    into.mkdir(parents=True, exist_ok=True)
    found = sorted(into.glob(f"{glob.escape(package)}_*.deb"))
    if found:
        return found[-1]
    if subprocess.run(["apt-cache", "show", package], capture_output=True).returncode != 0:
        subprocess.run(["apt-get", "update"], check=True)
    say(f"apt-get download {package}")
    subprocess.run(["apt-get", "download", package], cwd=into, check=True)
    return sorted(into.glob(f"{glob.escape(package)}_*.deb"))[-1]


def deb_field(deb: Path, name: str) -> str:
    return subprocess.run(["dpkg-deb", "-f", str(deb), name], capture_output=True, text=True,
                          check=True).stdout.strip()


def kernel_source(work: Path, members: list[str]) -> tuple[Path, str]:
    """The named paths of linux-source-6.1's tarball under work/src/linux; (tree, package version)."""
    tree = work / "src" / "linux"
    stamp = tree / ".bench-extracted"
    deb = download(SOURCE_PACKAGE, work / "deb")
    version = deb_field(deb, "Version")
    if stamp.exists() and stamp.read_text().split() == members:
        return tree, version
    say(f"extracting {len(members)} paths of {deb.name}")
    shutil.rmtree(tree, ignore_errors=True)
    tree.mkdir(parents=True)
    tarball = f"./usr/src/{SOURCE_PACKAGE}.tar.xz"
    fsys = subprocess.Popen(["dpkg-deb", "--fsys-tarfile", str(deb)], stdout=subprocess.PIPE)
    inner = subprocess.Popen(["tar", "-x", "-O", tarball], stdin=fsys.stdout, stdout=subprocess.PIPE)
    fsys.stdout.close()
    top = SOURCE_PACKAGE
    subprocess.run(["tar", "-xJ", "--strip-components=1", "-C", str(tree),
                    *[f"{top}/{m}" for m in members]], stdin=inner.stdout, check=True)
    inner.stdout.close()
    if inner.wait() != 0 or fsys.wait() != 0:
        raise SystemExit(f"bench: cannot read {tarball} in {deb}")
    stamp.write_text(" ".join(members))
    return tree, version


def debian_vmlinux(work: Path, package: str) -> tuple[Path, str]:
    """(vmlinux path, "package version") of a -dbg package: e2e's copy, fetched by e2e's own
    script (e2e/debian_images.sh) when there is none yet, so both keep one set of images."""
    release = package.removeprefix("linux-image-").removesuffix("-dbg")
    for attempt in range(2):
        for base in (Path(E2E_DEBIAN), work / "debian"):      # (work/debian: what older runs fetched)
            vmlinux, info = base / release / "vmlinux", base / release / "package.txt"
            if vmlinux.is_file():
                return vmlinux, " ".join(info.read_text().split()[1::2]) if info.exists() else package
        if attempt == 0:
            say(f"fetching {package} with e2e/debian_images.sh")
            subprocess.run(["sh", str(REPO / "e2e" / "debian_images.sh"), package], check=True)
    raise SystemExit(f"bench: e2e/debian_images.sh left no vmlinux for {package} in {E2E_DEBIAN}")
