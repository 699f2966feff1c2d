"""Builds the small kernel-shaped image the decoder and graph tests read (gcc, as, ld; own sources).

fixtures/decode/head.S has head-code shapes (rel8 jumps into the next function, slot calls, movabs,
push imm, 32-bit immediates that are physical addresses, 66/67 prefixes, VEX/EVEX, 32-bit code),
fixtures/decode/boot.c early C compiled like the kernel (-O2 -mcmodel=kernel -fno-pic, no SSE).
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from elftools.elf.elffile import ELFFile

FIXTURES = Path(__file__).parent / "fixtures" / "decode"
ASM_FUNCTIONS = {"startup_64", "secondary_startup_64", "verify_cpu", "startup_xen", "pvh_start_xen",
                 "odd_bytes", "pvh32"}
CFLAGS = ["-O2", "-mcmodel=kernel", "-fno-pic", "-fno-pie", "-ffreestanding", "-fno-stack-protector",
          "-fno-asynchronous-unwind-tables", "-mno-sse", "-mno-mmx", "-mno-sse2", "-mno-avx",
          "-mno-red-zone"]


@dataclass
class Image:
    path: Path
    code: np.ndarray          # .text bytes
    base: int                 # .text address
    names: list[str]          # function names, by address
    starts: np.ndarray        # uint64
    ends: np.ndarray          # uint64
    asm_mask: np.ndarray      # bool
    objects: dict[str, tuple[int, int]]   # data symbol -> (start, end)
    data: list[tuple[int, np.ndarray]]    # (address, bytes) of .rodata and .data
    symbols: dict[str, int]   # every symbol's address

    def index(self, name: str) -> int:
        return self.names.index(name)


def build(workdir: Path) -> Image:
    if not (shutil.which("gcc") and shutil.which("ld")):
        pytest.skip("needs gcc and ld")
    run = lambda *cmd: subprocess.run(cmd, cwd=workdir, check=True, capture_output=True)  # noqa: E731
    run("gcc", *CFLAGS, "-c", str(FIXTURES / "boot.c"), "-o", "boot.o")
    run("gcc", "-c", str(FIXTURES / "head.S"), "-o", "head.o")
    run("ld", "-static", "-nostdlib", "-z", "noexecstack", "-T", str(FIXTURES / "link.ld"),
        "head.o", "boot.o", "-o", "vmlinux")
    return read(workdir / "vmlinux")


def read(path: Path) -> Image:
    with open(path, "rb") as f:
        elf = ELFFile(f)
        text = elf.get_section_by_name(".text")
        code = np.frombuffer(text.data(), np.uint8).copy()
        base = text["sh_addr"]
        funcs, objects, symbols = [], {}, {}
        for sym in elf.get_section_by_name(".symtab").iter_symbols():
            symbols[sym.name] = sym["st_value"]
            kind = sym["st_info"]["type"]
            if kind == "STT_FUNC" and sym["st_size"]:
                funcs.append((sym["st_value"], sym["st_value"] + sym["st_size"], sym.name))
            elif kind == "STT_OBJECT" and sym["st_size"]:
                objects[sym.name] = (sym["st_value"], sym["st_value"] + sym["st_size"])
        data = [(s["sh_addr"], np.frombuffer(s.data(), np.uint8).copy())
                for s in (elf.get_section_by_name(".rodata"), elf.get_section_by_name(".data"))]
    funcs.sort()
    names = [n for _s, _e, n in funcs]
    return Image(path, code, base, names,
                 np.array([s for s, _e, _n in funcs], np.uint64),
                 np.array([e for _s, e, _n in funcs], np.uint64),
                 np.array([n in ASM_FUNCTIONS for n in names]), objects, data, symbols)
