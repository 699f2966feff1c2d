"""What building a tree needs on this machine, checked before anything runs.

A real kernel tree (it has scripts/kconfig) needs a host compiler for Kconfig and objtool, flex and
bison for the parsers, bc for the timeconst header, and libelf's and OpenSSL's headers; a tree
without Kconfig (the bundled example) needs the compiler, the linker and make. A cross build
(--arch arm64 on an x86_64 host) needs the cross compiler and linker too, whatever the tree.
"""

from __future__ import annotations

import shutil
import subprocess

from linter.errors import ConfigError
from linter.kbuild.arch import Arch

# tool: (Debian/Ubuntu package, Fedora package)
PROGRAMS = {"gcc": ("gcc", "gcc"), "ld": ("binutils", "binutils"), "make": ("make", "make"),
            "flex": ("flex", "flex"), "bison": ("bison", "bison"), "bc": ("bc", "bc")}
HEADERS = {"gelf.h": ("libelf-dev", "elfutils-libelf-devel"), "openssl/bio.h": ("libssl-dev", "openssl-devel")}
MINIMAL = ("gcc", "ld", "make")


def _missing(what: str, packages: tuple[str, str], source: str) -> ConfigError:
    return ConfigError(source, f"{what} is missing: install it (Debian/Ubuntu: {packages[0]}, "
                               f"Fedora: {packages[1]})")


def check(has_kconfig: bool, source: str, arch: Arch) -> None:
    """One error naming the first thing missing and the package that brings it."""
    for tool in (PROGRAMS if has_kconfig else MINIMAL):
        if shutil.which(tool) is None:
            raise _missing(f"'{tool}'", PROGRAMS[tool], source)
    check_cross(arch, source)
    if has_kconfig:
        for header, packages in HEADERS.items():
            probe = subprocess.run(["gcc", "-E", "-x", "c", "-o", "/dev/null", "-"], input=f"#include <{header}>\n",
                                   text=True, capture_output=True)
            if probe.returncode != 0:
                raise _missing(f"the header <{header}>", packages, source)


def check_cross(arch: Arch, source: str) -> None:
    """The cross compiler and linker, when this host builds the architecture through them."""
    prefix = arch.cross_compile()
    for tool, debian, fedora in arch.cross_packages if prefix else ():
        what = "compiler" if tool == "gcc" else "linker"
        if shutil.which(prefix + tool) is None:
            raise _missing(f"the {arch.name} cross {what} '{prefix}{tool}'", (debian, fedora), source)


def compiler_version(arch: Arch) -> str:
    """The first line of `gcc --version` (the cross gcc's for a cross build): a new compiler is a new image."""
    gcc = arch.gcc()
    try:
        out = subprocess.run([gcc, "--version"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError) as exc:
        raise ConfigError(gcc, f"cannot run `{gcc} --version`: {exc}") from None
    return out.splitlines()[0].strip() if out else "unknown"


def make_args(arch: Arch) -> list[str]:
    """make's ARCH=, CROSS_COMPILE= and CC= arguments: ccache in front of the compiler when it is
    installed (CC= on the command line beats Kbuild's $(CROSS_COMPILE)gcc, so it names the cross gcc)."""
    args = [f"ARCH={arch.kbuild}"] if arch.kbuild else []
    if arch.cross_compile():
        args.append(f"CROSS_COMPILE={arch.cross_compile()}")
    if shutil.which("ccache"):
        args.append(f"CC=ccache {arch.gcc()}")
    return args
