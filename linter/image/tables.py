"""Section and program header tables: two arrays of fixed-size records, read with numpy.

pyelftools reads them too (tests/test_image_tables.py checks we agree on every field of every
image the tests build), but importing it costs ~35 ms, a fifth of a cached `gaps` run; here the
tables cost a fraction of a millisecond. pyelftools stays the reader of DWARF (lines.py).
"""

from __future__ import annotations

import numpy as np

from linter.errors import ImageError

SHDR = np.dtype([("name", "<u4"), ("type", "<u4"), ("flags", "<u8"), ("addr", "<u8"), ("offset", "<u8"),
                 ("size", "<u8"), ("link", "<u4"), ("info", "<u4"), ("addralign", "<u8"), ("entsize", "<u8")])
PHDR = np.dtype([("type", "<u4"), ("flags", "<u4"), ("offset", "<u8"), ("vaddr", "<u8"), ("paddr", "<u8"),
                 ("filesz", "<u8"), ("memsz", "<u8"), ("align", "<u8")])
SHT_NAMES = {0: "SHT_NULL", 1: "SHT_PROGBITS", 2: "SHT_SYMTAB", 3: "SHT_STRTAB", 4: "SHT_RELA", 5: "SHT_HASH",
             6: "SHT_DYNAMIC", 7: "SHT_NOTE", 8: "SHT_NOBITS", 9: "SHT_REL", 11: "SHT_DYNSYM",
             14: "SHT_INIT_ARRAY", 15: "SHT_FINI_ARRAY", 16: "SHT_PREINIT_ARRAY", 17: "SHT_GROUP",
             18: "SHT_SYMTAB_SHNDX"}
PT_NAMES = {0: "PT_NULL", 1: "PT_LOAD", 2: "PT_DYNAMIC", 3: "PT_INTERP", 4: "PT_NOTE", 5: "PT_SHLIB",
            6: "PT_PHDR", 7: "PT_TLS", 0x6474E550: "PT_GNU_EH_FRAME", 0x6474E551: "PT_GNU_STACK",
            0x6474E552: "PT_GNU_RELRO", 0x6474E553: "PT_GNU_PROPERTY"}


def section_table(path: str, data: np.ndarray, shoff: int, shnum: int, shstrndx: int) -> list[tuple]:
    """(index, name, type name, flags, addr, offset, size, link, info) per section header."""
    rows = data[shoff:shoff + shnum * SHDR.itemsize].view(SHDR)
    names = b""
    if shstrndx >= shnum:
        raise ImageError(path, f"malformed ELF: the section-name table index {shstrndx} is past the "
                               f"{shnum} section headers")
    if shstrndx:
        s = rows[shstrndx]
        start, end = int(s["offset"]), int(s["offset"]) + int(s["size"])
        if end > len(data):
            raise ImageError(path, f"malformed ELF: the section-name table (section {shstrndx}) lies "
                                   f"outside the file")
        names = data[start:end].tobytes()
    out = []
    for i, r in enumerate(rows.tolist()):
        name_off = r[0]
        if name_off >= len(names) and names:
            raise ImageError(path, f"malformed ELF: the name of section {i} points past the section-name table")
        name = names[name_off:names.find(b"\0", name_off)].decode("utf-8", "replace") if names else ""
        out.append((i, name, SHT_NAMES.get(r[1], f"SHT_{r[1]:#x}"), *r[2:6], r[6], r[7]))
    return out


def program_table(data: np.ndarray, phoff: int, phnum: int) -> list[tuple]:
    """(type name, offset, vaddr, paddr, filesz, memsz, flags) per program header."""
    rows = data[phoff:phoff + phnum * PHDR.itemsize].view(PHDR)
    return [(PT_NAMES.get(r[0], f"PT_{r[0]:#x}"), r[2], r[3], r[4], r[5], r[6], r[1]) for r in rows.tolist()]
