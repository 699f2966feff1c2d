"""Shared fixture: entrylint's arm64 stand-in kernel (tests/fixtures/arm64kernel), cross-built.

`arm64_images` (session scope) gives base (the one door) and xen (plus a Xen-only door announced by
a Xen ENTRY note), linked like a relocatable arm64 vmlinux: -pie with --no-apply-dynamic-relocs,
so literal pools and the note hold 0 in the file and their values live in .rela.dyn.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

SOURCES = Path(__file__).resolve().parent / "fixtures" / "arm64kernel"
CC, LD = "aarch64-linux-gnu-gcc", "aarch64-linux-gnu-ld"
CFLAGS = ["-O2", "-fno-pic", "-mcmodel=small", "-ffreestanding", "-fno-stack-protector",
          "-mgeneral-regs-only", "-fno-asynchronous-unwind-tables"]


@dataclass(frozen=True)
class Arm64Images:
    base: Path
    xen: Path


def build_arm64(out: Path, *defines: str) -> Path:
    """Compile head.S and main.c with the cross compiler and link them with vmlinux.lds."""
    out.mkdir(parents=True, exist_ok=True)
    objects = []
    for src in ("head.S", "main.c"):
        obj = out / (src.split(".")[0] + ".o")
        subprocess.run([CC, *defines, *CFLAGS, "-c", "-o", str(obj), str(SOURCES / src)], check=True)
        objects.append(str(obj))
    image = out / "vmlinux"
    subprocess.run([LD, "-pie", "-z", "notext", "--no-apply-dynamic-relocs", "--build-id=sha1",
                    "--no-warn-rwx-segments", "-T", str(SOURCES / "vmlinux.lds"), "-o", str(image), *objects],
                   check=True)
    return image


@pytest.fixture(scope="session")
def arm64_images(tmp_path_factory) -> Arm64Images:
    missing = [tool for tool in (CC, LD) if shutil.which(tool) is None]
    if missing:   # .ci/run installs them: a machine without them is not set up, not a pass
        pytest.fail(f"needs {' and '.join(missing)} (Debian: gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu)")
    root = tmp_path_factory.getbasetemp() / "arm64-kernel"
    return Arm64Images(build_arm64(root / "base"), build_arm64(root / "xen", "-DXEN_DOOR"))
