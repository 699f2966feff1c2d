"""Damaged ELF images for the corpus and the fuzz tests, made from a vmlinux the tests build.

The base image is the example kernel (examples/kernel, our own sources) built with gcc and ld
--emit-relocs. Each mutant is that file with one thing broken the way real damage looks: a file
cut short, a header field that lies, an index that points nowhere. Nothing here is committed:
tests make the files at run time.
"""

from __future__ import annotations

import functools
import shutil
import struct
import subprocess
from pathlib import Path

from image_fixtures import build, copy_tree, have_toolchain

EHDR_SHOFF, EHDR_MACHINE, EHDR_SHNUM, EHDR_SHSTRNDX = 0x28, 18, 0x3C, 0x3E
SHDR = struct.Struct("<IIQQQQIIQQ")   # name, type, flags, addr, offset, size, link, info, align, entsize
EM_RISCV = 243
# The zero padding between the program headers and .text (page-aligned at 0x1000): where
# cut_inside() puts the section headers back so that the file may end anywhere.
SPARE_SHSTRTAB, SPARE_SHDRS = 0x200, 0x400


def toolchain_missing() -> str | None:
    """Why ELF tests cannot run here, or None."""
    return None if have_toolchain() else "needs gcc, ld, objcopy and make to build the test images"


@functools.cache
def base_image(where: Path) -> Path:
    """The example kernel's vmlinux, with .rela.* sections (ld --emit-relocs)."""
    return build(copy_tree(where / "tree"), where / "out", emit_relocs=True)


def sections(data: bytes) -> dict[str, tuple[int, tuple]]:
    """Section name → (offset of its header in the file, its header fields)."""
    shoff, = struct.unpack_from("<Q", data, EHDR_SHOFF)
    shnum, shstrndx = struct.unpack_from("<HH", data, EHDR_SHNUM)
    headers = [SHDR.unpack_from(data, shoff + SHDR.size * i) for i in range(shnum)]
    names_at = headers[shstrndx][4]
    out = {}
    for i, h in enumerate(headers):
        start = names_at + h[0]
        out[data[start:data.index(b"\0", start)].decode()] = (shoff + SHDR.size * i, h)
    return out


def cut_inside(data: bytes, name: str) -> bytes:
    """The file cut short in the middle of section `name`, its section headers (and their names)
    moved into the spare padding so that a reader still finds them: only `name` is damaged."""
    shoff, = struct.unpack_from("<Q", data, EHDR_SHOFF)
    shnum, shstrndx = struct.unpack_from("<HH", data, EHDR_SHNUM)
    table = bytearray(data[shoff:shoff + SHDR.size * shnum])
    names = sections(data)
    _, strtab_hdr = next(v for v in names.values() if v[0] == shoff + SHDR.size * shstrndx)
    shstrtab = data[strtab_hdr[4]:strtab_hdr[4] + strtab_hdr[5]]
    assert not any(data[SPARE_SHSTRTAB:SPARE_SHDRS + len(table)]), "no spare padding in this image"
    assert SPARE_SHSTRTAB + len(shstrtab) <= SPARE_SHDRS and SPARE_SHDRS + len(table) <= 0x1000
    _, target = names[name]
    out = bytearray(data[:target[4] + min(8, target[5] // 2)])
    out[SPARE_SHSTRTAB:SPARE_SHSTRTAB + len(shstrtab)] = shstrtab
    struct.pack_into("<Q", table, SHDR.size * shstrndx + 24, SPARE_SHSTRTAB)
    out[SPARE_SHDRS:SPARE_SHDRS + len(table)] = table
    struct.pack_into("<Q", out, EHDR_SHOFF, SPARE_SHDRS)
    return bytes(out)


def _patched(data: bytes, fmt: str, at: int, value: int) -> bytes:
    out = bytearray(data)
    struct.pack_into(fmt, out, at, value)
    return bytes(out)


def _each_entry(data: bytes, name: str, entsize: int, field_at: int, fmt: str, value) -> bytes:
    """Every entry of section `name` (but the null symbol) with one field set to value(i)."""
    out = bytearray(data)
    _, h = sections(data)[name]
    for i in range(1 if name == ".symtab" else 0, h[5] // entsize):
        struct.pack_into(fmt, out, h[4] + entsize * i + field_at, value(i))
    return bytes(out)


def mutant(data: bytes, kind: str) -> bytes:
    """One named kind of damage applied to a good image's bytes."""
    secs = sections(data)
    if kind == "truncated-section-headers":
        return data[:len(data) - 100]
    if kind == "truncated-symtab":
        return cut_inside(data, ".symtab")
    if kind == "truncated-rela":
        return cut_inside(data, ".rela.init.text")
    if kind == "magic-only":         # nothing but the four magic bytes
        return data[:4]
    if kind == "shstrtab-offset-lies":  # the section names table placed 2**50 bytes into the file
        shstrndx, = struct.unpack_from("<H", data, EHDR_SHSTRNDX)
        shoff, = struct.unpack_from("<Q", data, EHDR_SHOFF)
        return _patched(data, "<Q", shoff + SHDR.size * shstrndx + 24, 1 << 50)
    if kind == "riscv":             # an x86 image with e_machine set to EM_RISCV
        return _patched(data, "<H", EHDR_MACHINE, EM_RISCV)
    if kind == "note-size-lies":    # the first note's descsz runs far past its section
        return _patched(data, "<I", secs[".notes"][1][4] + 4, 0x7FFFFFFF)
    if kind == "names-past-strtab":  # every st_name points past the end of .strtab
        end = secs[".strtab"][1][5]
        return _each_entry(data, ".symtab", 24, 0, "<I", lambda i: end + 16 * i)
    if kind == "rela-symbol-out-of-range":  # .rela.notes entries name symbol 0xffff of ~80
        return _each_entry(data, ".rela.notes", 24, 8, "<Q", lambda i: (0xFFFF << 32) | 1)
    raise ValueError(kind)


def objcopy(src: Path, dest: Path, *args: str) -> Path:
    subprocess.run(["objcopy", *args, str(src), str(dest)], check=True, capture_output=True)
    return dest


ELF32_SOURCE = """\
/* a 32-bit x86 object with one entry label (test fixture) */
	.text
	.globl	startup_32
startup_32:
	cld
	ret
"""


def build_elf32(where: Path) -> Path:
    """A 32-bit x86 ELF, linked by ld -m elf_i386 (gcc -m32 assembles it: no multilib libc needed)."""
    where.mkdir(parents=True, exist_ok=True)
    (where / "head_32.S").write_text(ELF32_SOURCE)
    subprocess.run(["gcc", "-m32", "-c", "-o", str(where / "head_32.o"), str(where / "head_32.S")],
                   check=True, capture_output=True)
    subprocess.run(["ld", "-m", "elf_i386", "-e", "startup_32", "-o", str(where / "vmlinux32"),
                    str(where / "head_32.o")], check=True, capture_output=True)
    return where / "vmlinux32"


def make_image(kind: str, base: Path, where: Path) -> Path:
    """The image file a corpus case names (`elf:<kind>`), made from `base`, written under `where`."""
    dest = where / f"vmlinux-{kind}"
    if kind == "good":
        return Path(shutil.copyfile(base, dest))
    if kind == "stripped":
        return objcopy(base, dest, "--strip-all")
    if kind == "no-relocations":
        return objcopy(base, dest, "--remove-section=.rela*")
    if kind == "elf32":
        return build_elf32(where / "elf32")
    dest.write_bytes(mutant(base.read_bytes(), kind))
    return dest
