"""Alternatives: code the kernel patches in at boot (`.altinstructions` → `.altinstr_replacement`).

The replacement bytes have no symbols of their own; what they call belongs to the function whose
instructions they replace. Each `struct alt_instr` starts with two 32-bit self-relative offsets
(the patched instruction, its replacement) and ends with the replacement's length; its size
changed between eras (12 bytes in 6.1, 14 in 6.12), so it is found from the data, not assumed:
the stride at which every entry points into code and into the replacement section.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

STRIDES = (12, 13, 14, 16)


@dataclass
class AltTable:
    instr: np.ndarray        # uint64 address of each patched instruction
    repl: np.ndarray         # uint64 address of its replacement
    repl_len: np.ndarray     # uint64 replacement length in bytes


def read_alternatives(model) -> AltTable | None:
    table, repl_sec = model.section(".altinstructions"), model.section(".altinstr_replacement")
    if table is None or repl_sec is None or table.type == "SHT_NOBITS" or not table.size:
        return None
    raw = np.asarray(model.section_bytes(table), np.uint8)
    code = [(s.addr, s.addr + s.size) for s in model.sections if s.executable and s.loaded]
    for stride in STRIDES:
        if len(raw) % stride:
            continue
        rows = raw.reshape(-1, stride)
        base = np.uint64(table.addr) + np.arange(len(rows), dtype=np.uint64) * np.uint64(stride)
        instr_off = rows[:, 0:4].copy().view("<i4").ravel().astype(np.int64)
        repl_off = rows[:, 4:8].copy().view("<i4").ravel().astype(np.int64)
        instr = (base.astype(np.int64) + instr_off).astype(np.uint64)
        repl = (base.astype(np.int64) + 4 + repl_off).astype(np.uint64)
        length = rows[:, stride - 1].astype(np.uint64)
        in_code = np.zeros(len(rows), bool)
        for lo, hi in code:
            in_code |= (instr >= lo) & (instr < hi)
        in_repl = (repl >= repl_sec.addr) & (repl + length <= repl_sec.addr + repl_sec.size)
        if in_code.all() and in_repl.all():
            return AltTable(instr, repl, length)
    return None
