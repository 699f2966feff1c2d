"""Struct copies into hook tables compiled as a string move: `pv_ops.cpu = xen_cpu_ops;` becomes

    mov $pv_ops, %rdi ; mov $0x3c, %ecx ; mov $xen_cpu_ops, %rsi ; rep movsl

(6.12's xen_start_kernel: 60 dwords, the whole pv_cpu_ops at once). The word-by-word reader of
paths.py sees no store there, so every slot of the sub-table would be missed. This finds each
`rep movs{l,q}` in a path's own functions and the three registers set in the bytes just before
it (immediate or RIP-relative), and yields the words copied. The byte patterns are checked
against what they must mean: the destination inside a hook table, the source inside a data
object that holds the whole copy; anything else is not taken.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

WINDOW = 40   # bytes before the rep movs in which the compiler sets rdi, rsi and rcx
REP_MOVS = re.compile(rb"\xf3(\x48)?\xa5")
SETS = {  # register → [(pattern, how to read the operand)]
    "rdi": [(re.compile(rb"\x48\xc7\xc7(.{4})", re.S), "imm"), (re.compile(rb"\x48\x8d\x3d(.{4})", re.S), "rip")],
    "rsi": [(re.compile(rb"\x48\xc7\xc6(.{4})", re.S), "imm"), (re.compile(rb"\x48\x8d\x35(.{4})", re.S), "rip")],
    "rcx": [(re.compile(rb"\xb9(.{4})", re.S), "count")],
}


@dataclass(frozen=True)
class BlockCopy:
    site: int          # address of the rep movs
    dst: int
    src: int
    size: int          # bytes


def block_copies(code: bytes, base: int) -> list[BlockCopy]:
    """The string moves in `code` (a function's bytes at virtual address `base`) whose registers
    it sets itself just before."""
    out = []
    for m in REP_MOVS.finditer(code):
        unit = 8 if m.group(1) else 4
        lo = max(0, m.start() - WINDOW)
        regs = {reg: _last_set(code, base, lo, m.start(), pats) for reg, pats in SETS.items()}
        if None not in regs.values() and 0 < regs["rcx"] <= 4096:
            out.append(BlockCopy(base + m.start(), regs["rdi"], regs["rsi"], regs["rcx"] * unit))
    return out


def _last_set(code: bytes, base: int, lo: int, hi: int, patterns) -> int | None:
    best = None
    for pat, how in patterns:
        for m in pat.finditer(code, lo, hi):
            if best is None or m.start() > best[0]:
                best = (m.start(), _operand(m, how, base))
    return best[1] if best else None


def _operand(m, how: str, base: int) -> int:
    raw = m.group(1)
    if how == "count":
        return int.from_bytes(raw, "little")
    value = int.from_bytes(raw, "little", signed=True)
    if how == "imm":
        return value & (2**64 - 1)              # sign-extended: a kernel address
    return (base + m.end() + value) & (2**64 - 1)   # RIP-relative: from the instruction's end


def copied_words(model, namer, funcs, function: int, data) -> list[tuple[int, int]]:
    """(slot address, value) for each 8-byte word a block copy in `function` writes into a hook
    table from a data object that holds the whole copy."""
    from linter.image import decode as D
    import numpy as np

    section = model.sections[int(funcs.section[function])]
    start, end = int(funcs.start[function]), int(funcs.end[function])
    code = bytes(model.section_bytes(section)[start - section.addr:end - section.addr])
    out = []
    for copy in block_copies(code, start):
        dst, src = namer.table_of(copy.dst), namer.table_of(copy.src)
        if dst is None or dst[0] not in namer.tables or src is None or src[0] in namer.tables:
            continue
        if not _holds(namer, copy.src, copy.size):
            continue
        offsets = np.arange(0, copy.size - 7, 8, dtype=np.uint64)
        values, ok = D.read_slots(np.uint64(copy.src) + offsets, data)
        out += [(copy.dst + int(o), int(v)) for o, v, good in zip(offsets, values, ok) if good and v]
    return out


def _holds(namer, address: int, size: int) -> bool:
    """Does one data object hold [address, address + size)?"""
    owner = namer.table_of(address)
    return owner is not None and namer.table_of(address + size - 1) is not None \
        and namer.table_of(address + size - 1)[0] == owner[0]
