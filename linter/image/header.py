"""First look at a file given as an image: is it an x86_64 or arm64 ELF whose headers fit in the file?

Runs before pyelftools sees the file, so that a wrong or damaged input gets one line saying
what it is ("an AArch64 ELF", "truncated: ...") instead of a parser's exception.
"""

from __future__ import annotations

import os
import struct
from collections import namedtuple

from linter.errors import ImageError

EM_X86_64, EM_AARCH64 = 62, 183
ARCHES = {EM_X86_64: "x86_64", EM_AARCH64: "arm64"}   # e_machine → the profile's arch (shipped profiles)
MACHINES = {  # e_machine → how a person calls it, with its article
    3: "an x86 (i386)", 8: "a MIPS", 20: "a PowerPC", 21: "a PowerPC64", 22: "an s390", 40: "an ARM",
    42: "a SuperH", 43: "a SPARC v9", 50: "an IA-64", 62: "an x86-64", 183: "an AArch64",
    243: "a RISC-V", 258: "a LoongArch",
}


# a named tuple, not a dataclass: a cached `gaps` or `entries` reads the header and nothing else,
# and the dataclasses import would be a tenth of that run
ElfHeader = namedtuple("ElfHeader", "size entry phoff phnum shoff shnum shentsize shstrndx arch",
                       defaults=(0, "x86_64"))
ElfHeader.__doc__ = ("size (of the whole file), e_entry, where the program and section headers are, "
                     "and the arch (x86_64 or arm64).")


def check_image_file(path: str) -> ElfHeader:
    """The ELF header of an x86_64 or arm64 image at `path`, or ImageError saying why it is not one."""
    if not os.path.exists(path):
        raise ImageError(path, "no such file")
    if os.path.isdir(path):
        raise ImageError(path, "is a directory, not a vmlinux image")
    if not os.path.isfile(path):  # a FIFO or device would block or never end: a vmlinux is a file
        raise ImageError(path, "is not a regular file (a FIFO, socket or device?), not a vmlinux image")
    try:
        with open(path, "rb") as fh:
            head = fh.read(0x210)
            size = os.fstat(fh.fileno()).st_size
    except OSError as exc:
        raise ImageError(path, f"cannot read: {exc.strerror or exc}") from None
    if size == 0:
        raise ImageError(path, "empty file, not a vmlinux image")
    if head[:4] != b"\x7fELF":
        raise ImageError(path, f"not an ELF file ({_what_else(head)})")
    if len(head) < 20:
        raise ImageError(path, "truncated: the ELF header is cut short")
    bits = {1: 32, 2: 64}.get(head[4])
    if bits is None:
        raise ImageError(path, f"an ELF of unknown class {head[4]}")
    if head[5] != 1:
        raise ImageError(path, "a big-endian ELF, not an x86_64 or arm64 vmlinux")
    machine = struct.unpack_from("<H", head, 18)[0]
    if bits != 64 or machine not in ARCHES:
        name = MACHINES.get(machine, f"a machine {machine}")
        raise ImageError(path, f"{name} ELF ({bits}-bit), not an x86_64 or arm64 vmlinux")
    if len(head) < 64:
        raise ImageError(path, "truncated: the ELF header is cut short")
    entry, phoff, shoff = struct.unpack_from("<QQQ", head, 24)
    phentsize, phnum, shentsize, shnum, shstrndx = struct.unpack_from("<HHHHH", head, 54)
    if shoff == 0 or shnum == 0:
        raise ImageError(path, "has no section headers (stripped to segments only?), cannot find its symbols")
    if shentsize != 64 or (phnum and phentsize != 56):
        raise ImageError(path, f"malformed ELF: header entry sizes {shentsize}/{phentsize}")
    for what, off, count, entsize in (("section", shoff, shnum, shentsize), ("program", phoff, phnum, phentsize)):
        end = off + count * entsize
        if count and end > size:
            raise ImageError(path, f"truncated: the {what} headers end at byte {end}, past the end of the "
                                   f"file ({size} bytes)")
    return ElfHeader(size, entry, phoff, phnum, shoff, shnum, shentsize, shstrndx, ARCHES[machine])


def _what_else(head: bytes) -> str:
    if head[:2] == b"MZ" and head[0x202:0x206] == b"HdrS":
        return "a bzImage: give the vmlinux ELF from the build tree or the -dbg package"
    if head[:2] == b"MZ":
        return "a PE/COFF file"
    if head[:2] in (b"\x1f\x8b", b"BZ") or head[:4] == b"\x28\xb5\x2f\xfd" or head[:6] == b"\xfd7zXZ\x00":
        return "a compressed file: decompress it first"
    return "no ELF magic"
