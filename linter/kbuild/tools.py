"""What building a tree needs on this machine, checked before anything runs.

A real kernel tree (it has scripts/kconfig) needs a host compiler for Kconfig and objtool, flex and
bison for the parsers, bc for the timeconst header, and libelf's and OpenSSL's headers; a tree
without Kconfig (the bundled example) needs the compiler, the linker and make.
"""

from __future__ import annotations

import shutil
import subprocess

from linter.errors import ConfigError

# tool: (Debian/Ubuntu package, Fedora package)
PROGRAMS = {"gcc": ("gcc", "gcc"), "ld": ("binutils", "binutils"), "make": ("make", "make"),
            "flex": ("flex", "flex"), "bison": ("bison", "bison"), "bc": ("bc", "bc")}
HEADERS = {"gelf.h": ("libelf-dev", "elfutils-libelf-devel"), "openssl/bio.h": ("libssl-dev", "openssl-devel")}
MINIMAL = ("gcc", "ld", "make")


def _missing(what: str, packages: tuple[str, str], source: str) -> ConfigError:
    return ConfigError(source, f"{what} is missing: install it (Debian/Ubuntu: {packages[0]}, "
                               f"Fedora: {packages[1]})")


def check(has_kconfig: bool, source: str) -> None:
    """One error naming the first thing missing and the package that brings it."""
    for tool in (PROGRAMS if has_kconfig else MINIMAL):
        if shutil.which(tool) is None:
            raise _missing(f"'{tool}'", PROGRAMS[tool], source)
    if has_kconfig:
        for header, packages in HEADERS.items():
            probe = subprocess.run(["gcc", "-E", "-x", "c", "-o", "/dev/null", "-"], input=f"#include <{header}>\n",
                                   text=True, capture_output=True)
            if probe.returncode != 0:
                raise _missing(f"the header <{header}>", packages, source)


def compiler_version() -> str:
    """The first line of `gcc --version`: a new compiler is a new image."""
    try:
        out = subprocess.run(["gcc", "--version"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError) as exc:
        raise ConfigError("gcc", f"cannot run `gcc --version`: {exc}") from None
    return out.splitlines()[0].strip() if out else "unknown"


def make_cc() -> list[str]:
    """make's CC= argument: ccache in front of gcc when it is installed."""
    return ["CC=ccache gcc"] if shutil.which("ccache") else []
