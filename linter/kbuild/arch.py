"""The architectures `entrylint build --arch` builds: Kbuild's ARCH, the tree's arch/ directory, the
config fragment, and the cross compiler a host of another architecture needs.

x86_64 builds exactly as before --arch existed (host gcc, no ARCH= on make's command line), so its
make runs, build directories and cache keys are the same ones.
"""

from __future__ import annotations

import platform
from dataclasses import dataclass

from linter.errors import ConfigError
from linter.kbuild import ARCHES


@dataclass(frozen=True)
class Arch:
    name: str                          # --arch, meta.json's "arch"
    kbuild: str                        # make's ARCH= ("": not passed, make builds for the host)
    src: str                           # the directory a kernel tree of this architecture has
    fragment: str                      # the packaged config fragment applied on top of tinyconfig
    native_on: tuple[str, ...] = ()    # platform.machine() of the hosts that compile it natively
    cross_prefix: str = ""             # CROSS_COMPILE= on any other host ("": never cross-compiled)
    cross_packages: tuple[tuple[str, str, str], ...] = ()   # (tool, Debian/Ubuntu package, Fedora package)

    @property
    def default(self) -> bool:
        return self.name == ARCHES[0]

    def cross_compile(self) -> str:
        """CROSS_COMPILE for this host: empty when the host runs the architecture itself."""
        if not self.cross_prefix or platform.machine().lower() in self.native_on:
            return ""
        return self.cross_prefix

    def gcc(self) -> str:
        """The compiler that builds the kernel (the cross one when the host is another architecture)."""
        return self.cross_compile() + "gcc"


BY_NAME = {a.name: a for a in (
    Arch("x86_64", kbuild="", src="arch/x86", fragment="fragment.config"),
    Arch("arm64", kbuild="arm64", src="arch/arm64", fragment="fragment-arm64.config",
         native_on=("aarch64", "arm64"), cross_prefix="aarch64-linux-gnu-",
         cross_packages=(("gcc", "gcc-aarch64-linux-gnu", "gcc-aarch64-linux-gnu"),
                         ("ld", "binutils-aarch64-linux-gnu", "binutils-aarch64-linux-gnu"))),
)}


def get(name: str | None) -> Arch:
    """The architecture named by --arch (None: the default, x86_64)."""
    try:
        return BY_NAME[name or ARCHES[0]]
    except KeyError:
        raise ConfigError("--arch", f"unknown architecture {name!r} (one of {', '.join(ARCHES)})") from None
