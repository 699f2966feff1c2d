"""Check linter.image.decode against capstone: instruction boundaries and every reference kind.

capstone is the reference decoder. It sweeps the same functions (one byte of data where an encoding is
invalid, as our decoder does), and its own operand details are turned into the same reference kinds
by the rules of decode.py's docstring, independently of our tables. Used by the tests and by the
``--validate`` mode of the image commands (slow: ~20 us per instruction with operand details).

API
    validate(code, base, starts, ends, *, asm_mask=None, only=None) -> Validation
    capstone_sweep(code, base, starts, ends, only=None) -> (offsets int64, func int32)
    capstone_references(code, base, starts, ends, *, asm_mask=None, only=None) -> References
    compare(ours: References, theirs: References) -> dict[str, Score]
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from linter.image import decode as D

_MASK = (1 << 64) - 1


@dataclass
class Score:
    """Agreement on one edge kind, counted on unique (site, kind, target) triples."""

    tp: int
    fp: int   # ours only
    fn: int   # capstone only

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


@dataclass
class Validation:
    instructions: int                 # instruction starts capstone found
    boundary_ours_only: int           # instruction starts only our sweep found
    boundary_capstone_only: int
    scores: dict[str, Score] = field(default_factory=dict)
    ours_only: list[tuple[int, str, int]] = field(default_factory=list)       # a sample
    capstone_only: list[tuple[int, str, int]] = field(default_factory=list)   # a sample

    @property
    def exact(self) -> bool:
        return (self.boundary_ours_only == 0 and self.boundary_capstone_only == 0
                and all(s.fp == 0 and s.fn == 0 for s in self.scores.values()))

    def lines(self) -> list[str]:
        out = [f"instructions {self.instructions}: boundaries ours-only {self.boundary_ours_only}, "
               f"capstone-only {self.boundary_capstone_only}"]
        for name, s in self.scores.items():
            out.append(f"{name:15s} precision {s.precision:.4f} recall {s.recall:.4f} "
                       f"(tp {s.tp}, ours-only {s.fp}, capstone-only {s.fn})")
        return out


def _offsets(code, base, starts, ends, only):
    n = len(code)
    starts = np.asarray(starts).astype(np.uint64)
    ends = np.asarray(ends).astype(np.uint64)
    ubase = np.uint64(base)
    s = np.where(starts < ubase, 0, np.minimum((starts - ubase).view(np.int64), n))
    e = np.where(ends < ubase, 0, np.minimum((ends - ubase).view(np.int64), n))
    s, e = np.where(s < 0, n, s), np.where(e < 0, n, e)     # (a distance past 2**63: past the end)
    chosen = range(len(s)) if only is None else sorted(set(np.asarray(only).tolist()))
    return [(f, int(s[f]), int(e[f])) for f in chosen if e[f] > s[f]]


def _cs(detail: bool):
    import capstone
    md = capstone.Cs(capstone.CS_ARCH_X86, capstone.CS_MODE_64)
    md.skipdata = True           # one byte of data where an encoding is invalid, then go on
    md.detail = detail
    return md


def capstone_sweep(code, base, starts, ends, only=None):
    """capstone's linear sweep of each function: (offsets int64, func int32)."""
    code = np.asarray(code, np.uint8)
    raw = code.tobytes()
    md = _cs(False)
    pos, func = [], []
    for f, s, e in _offsets(code, base, starts, ends, only):
        # the bytes after the end let the last instruction decode whole, as ours does
        for address, _size, _m, _o in md.disasm_lite(raw[s:e + D.MAX_LENGTH], s):
            if address >= e:
                break
            pos.append(address)
            func.append(f)
    return np.array(pos, np.int64), np.array(func, np.int32)


def capstone_references(code, base, starts, ends, *, asm_mask=None, only=None) -> D.References:
    """The references of the functions, from capstone's operand details."""
    from capstone import CS_GRP_BRANCH_RELATIVE
    from capstone import x86 as X

    code = np.asarray(code, np.uint8)
    raw = code.tobytes()
    md = _cs(True)
    rows = []   # (site, func, kind, target)
    for f, s, e in _offsets(code, base, starts, ends, only):
        asm = bool(asm_mask[f]) if asm_mask is not None else False
        for insn in md.disasm(raw[s:e + D.MAX_LENGTH], base + s):
            if insn.address >= base + e:
                break
            if insn.id == 0:      # skipped data
                continue
            for kind, target in _classify(insn, asm, X, CS_GRP_BRANCH_RELATIVE):
                rows.append((insn.address, f, kind, target & _MASK))
    if not rows:
        z = np.zeros(0, np.uint64)
        return D.References(z, np.zeros(0, np.int32), np.zeros(0, np.uint8), z.copy())
    site, func, kind, target = zip(*rows)
    return D.References(np.array(site, np.uint64), np.array(func, np.int32),
                        np.array(kind, np.uint8), np.array(target, np.uint64))


def _classify(insn, asm, X, GRP_BRANCH_RELATIVE):
    ops = insn.operands
    # relative branches
    if insn.group(GRP_BRANCH_RELATIVE) and insn.id != X.X86_INS_XBEGIN \
            and len(ops) == 1 and ops[0].type == X.X86_OP_IMM:
        if insn.id == X.X86_INS_CALL:
            yield D.CALL_REL, ops[0].imm
        elif insn.id == X.X86_INS_JMP:
            yield D.JMP_REL, ops[0].imm
        else:
            yield D.JCC_REL, ops[0].imm
        return
    is_mov = insn.id in (X.X86_INS_MOV, X.X86_INS_MOVABS)
    reg_field = (insn.modrm >> 3) & 7
    for n, op in enumerate(ops):
        if op.type != X.X86_OP_MEM:
            continue
        mem = op.mem
        if mem.segment in (X.X86_REG_FS, X.X86_REG_GS) or mem.index != 0:
            continue
        if insn.addr_size != 8:
            continue                      # 32-bit addressing: not a fixed 64-bit address
        if mem.base == X.X86_REG_RIP:
            target = insn.address + insn.size + mem.disp
        elif mem.base == 0:
            target = mem.disp
        else:
            continue
        kind = D.RIP_REF
        if insn.id == X.X86_INS_CALL and reg_field == 2:
            kind = D.SLOT_READ_CALL
        elif insn.id == X.X86_INS_JMP and reg_field == 4:
            kind = D.SLOT_READ_JMP
        elif is_mov and n == 1 and ops[0].type == X.X86_OP_REG and ops[0].size == 8:
            kind = D.SLOT_LOAD
        elif is_mov and n == 0 and op.size == 8:
            kind = D.SLOT_WRITE
        yield kind, target
    # immediates that are addresses
    if is_mov and len(ops) == 2 and ops[1].type == X.X86_OP_IMM:
        if ops[0].size == 8:
            yield D.ABS_IMM, ops[1].imm
        elif ops[0].size == 4 and asm:
            yield D.ABS_PHYS, ops[1].imm & 0xFFFFFFFF
    if insn.id == X.X86_INS_PUSH and ops and ops[0].type == X.X86_OP_IMM \
            and insn.opcode[0] == 0x68 and ops[0].size == 8:
        yield D.ABS_IMM, ops[0].imm


def _triples(refs: D.References, kind: int) -> set[tuple[int, int]]:
    keep = refs.kind == kind
    return set(zip(refs.site[keep].tolist(), refs.target[keep].tolist()))


def compare(ours: D.References, theirs: D.References, kinds: dict[int, str] = D.KIND_NAMES) -> dict[str, Score]:
    """Precision and recall of ours against capstone's, per kind."""
    scores = {}
    for kind, name in kinds.items():
        a, b = _triples(ours, kind), _triples(theirs, kind)
        scores[name] = Score(len(a & b), len(a - b), len(b - a))
    return scores


def validate(code, base, starts, ends, *, asm_mask=None, only=None, sample: int = 10) -> Validation:
    """Compare decode.py with capstone over the given functions."""
    code = np.asarray(code, np.uint8)
    if only is not None:
        only = np.asarray(only)
    ours = D.decode_references(code, base, starts, ends, asm_mask=asm_mask, only=only)
    theirs = capstone_references(code, base, starts, ends, asm_mask=asm_mask, only=only)
    return agreement(ours, theirs, decoded_units(D, code, _offsets(code, base, starts, ends, only)),
                     unit_set(*capstone_sweep(code, base, starts, ends, only)), D.KIND_NAMES, sample)


def decoded_units(decoder, code, ranges: list[tuple[int, int, int]]) -> set[tuple[int, int]]:
    """(function, offset) of every instruction a decoder module's sweep starts in the (function,
    start offset, end offset) ranges."""
    f_idx = np.array([f for f, _s, _e in ranges], np.int32)
    pos, func = decoder.instruction_starts(code, np.array([s for _f, s, _e in ranges], np.int64),
                                           np.array([e for _f, _s, e in ranges], np.int64))
    return set(zip(f_idx[func].tolist(), pos.tolist()))


def unit_set(positions: np.ndarray, funcs: np.ndarray) -> set[tuple[int, int]]:
    return set(zip(funcs.tolist(), positions.tolist()))


def agreement(ours: D.References, theirs: D.References, ours_units: set, theirs_units: set,
              kinds: dict[int, str], sample: int) -> Validation:
    """How our decoder and capstone agree: on the instructions (or words) each decoded, as
    (function, offset) pairs, and per kind on the references, with up to `sample` of each side's own."""
    result = Validation(len(theirs_units), len(ours_units - theirs_units), len(theirs_units - ours_units),
                        compare(ours, theirs, kinds))
    for kind, name in kinds.items():
        a, b = _triples(ours, kind), _triples(theirs, kind)
        result.ours_only += [(s, name, t) for s, t in sorted(a - b)[:sample]]
        result.capstone_only += [(s, name, t) for s, t in sorted(b - a)[:sample]]
    return result
