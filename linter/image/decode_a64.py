"""A64 (AArch64) code words -> references: the arm64 counterpart of linter.image.decode.

Pure functions over numpy arrays; nothing here knows about ELF or symbols. No Python call per
instruction or per function: every step is an array operation over all words at once (the only
loop runs over the pairing window, k = 1..WINDOW, on the rows still searching).

How it works
1. Words (``instruction_starts``): every 4-byte word of each function, from its start aligned up
   to 4 to its end; a trailing partial word is dropped. There is nothing to sweep: an A64
   instruction is one word. Data in the code (literal pools, the Image header) decodes as whatever
   its words encode, as it does for capstone.
2. One-word references from bit tests on the words: branches, ADR, loads from a literal.
3. ADRP pairs. ADRP sets a register to a 4 KiB page; a *consumer* completes the address with the
   low 12 bits. For each consumer with base register Xn (n < 31), the nearest preceding word of
   the same function, at most WINDOW words back, that writes Xn must be an ADRP: the pair then
   gives one reference, at the consumer. One ADRP can feed several consumers; an ADRP that feeds
   none gives its page, at the ADRP.
   Kill rule: any write of Xn (``register_writes``: data processing but CCMP/CCMN/RMIF/SETF,
   general-register loads incl. pairs, exclusives, atomics, CAS and LDRAA/LDRAB, pre/post-index
   writeback of the base, MRS/SYSL, BL/BLR* and PACIASP & co. writing X30, SIMD/FP moves and
   conversions to a general register).
   Branches do not kill: compilers keep a page in a register across blocks (often a callee-saved
   one for the whole function). In the Debian 6.12 arm64 image the 1,492 pairs that straddle an
   unconditional branch (B, BR, RET) land inside a sized symbol 98 % of the time, against 93 %
   for the straight-line pairs more than 4 words apart (nearer ones often reach unnamed strings).
   WINDOW = 64: of the 89,314 pairs a whole-function search finds in that image, 97.7 % lie
   within 16 words, 99.5 % within 64 (1,595 pairs 17..64 words apart; 441 beyond, up to 570,
   98.6 % of them inside a symbol). The search costs the same for any window (a row stops at its
   first writer), and a longer one leaves fewer lone ADRPs, whose page is no real target.
4. Slot reads. BR/BLR Xm whose nearest writer of Xm (same window and rule) is an 8-byte slot load
   (ADRP + LDR Xt, or LDR Xt literal) reads that slot: the A64 form of x86's ``call *slot(%rip)``.

Addresses are virtual, ``np.uint64`` (kernel addresses are >= 2**63): signed offsets are added in
two's complement with wrap-around. Offsets into ``code`` are ``np.int64``; function indices are
``np.int32`` indices into the caller's ``starts``/``ends``.

Reference kinds (``References.kind``, ``np.uint8``; the constants are decode.py's):
  CALL_REL        BL imm26                                    target = pc + imm26 * 4
  JMP_REL         B imm26
  JCC_REL         B.cond / BC.cond imm19, CBZ/CBNZ imm19 (* 4), TBZ/TBNZ imm14 (* 4)
  RIP_REF         ADR                                         pc + imm21
                  ADRP Xd + ADD Xd', Xd, #imm12 (64-bit, shift 0), at the ADD:  page + imm12
                  (``mov sp, Xd``, i.e. ADD SP, Xd, #0, is no consumer)
                  ADRP Xd + a load/store with an unsigned immediate offset based on Xd (any size,
                  incl. SIMD/FP and PRFM) other than a 64-bit X-register LDR/STR: page + (imm12 << size)
                  LDR (literal) to W/S/D/Q, LDRSW (literal), PRFM (literal): pc + imm19 * 4
                  an ADRP no consumer pairs with, at the ADRP: the page itself
                  (``adrp x1, early_init_stack; mov sp, x1``)
  SLOT_LOAD       ADRP Xn + LDR Xt, [Xn, #imm] (64-bit GPR, unsigned offset): page + imm
                  LDR Xt, literal: pc + imm19 * 4 (the pool word: ``ldr x8, =f; br x8``)
  SLOT_WRITE      ADRP Xn + STR Xt, [Xn, #imm] (64-bit GPR, unsigned offset): page + imm
                  (a hook override; report it, never follow it)
  SLOT_READ_CALL  BLR Xm, BLRAAZ/BLRABZ Xm, BLRAA/BLRAB Xm, Xk  } whose Xm was last written by a
  SLOT_READ_JMP   BR Xm, BRAAZ/BRABZ Xm, BRAA/BRAB Xm, Xk       } SLOT_LOAD: target = the slot
ABS_IMM and ABS_PHYS never occur (A64 has no address-sized immediates). page = (pc & ~0xfff) +
(imm21 << 12) of the ADRP.

Not covered: a consumer more than WINDOW words after its ADRP (the ADRP then gives its page); an
address completed in two steps (``add x20, x1, :lo12:ops; ldr x1, [x20, #8]`` gives ``ops`` only,
not the slot ops + 8); a slot load copied before the branch (``ldr x0, [..]; mov x16, x0;
br x16``: none in the Debian image, but GCC emits it for a tail call through a pointer); pages
used through LDP/STP, LDUR or register offsets (none can hold a :lo12:); MOVZ/MOVK absolute
addresses. Writes not modelled (they do not kill a pair): SVE/SME instructions writing a general
register (RDVL, CNT*), FEAT_MOPS (CPY*/SET*), TME, LD64B's Rt+1..Rt+7.

Where capstone 5 (linter/image/validate_a64.py, the oracle) reads the same words differently:
its register-write lists miss the destinations of the LSE atomics, CAS/CASP, LDRAA/LDRAB, LDLAR,
the MTE tag instructions, 32-bit ADDS (immediate) and a few half-precision/SMOV moves, and name
as written the first operand of CMP/CMN/TST, the offset register of post-indexed structure
loads/stores, X16 for PACIA1716/PACIB1716 and X30 for SVC (tests/test_decode_a64.py pins them).
A pair such an instruction separates would disagree; in the Debian 6.12 image none does, and the
two agree on every reference of every function (bench/a64_validate.py).

API (all pure; numpy in, numpy out; the same calls as decode.py)
    decode_references(code, base, starts, ends, *, asm_mask=None, only=None) -> References
        code np.uint8 (one section), base int (address of code[0], a multiple of 4), starts/ends
        np.uint64 virtual addresses (ends exclusive; clipped to the section), asm_mask accepted
        and ignored, only = function indices to decode (the rest are skipped). References: site
        np.uint64, func np.int32, kind np.uint8, target np.uint64, sorted by (func, site, kind).
    instruction_starts(code, start_offs, end_offs) -> (offsets np.int64, func np.int32)
    references_at(code, n, base, pos, func) -> References   (pos: instruction_starts' words)
    register_writes(words) -> np.uint32 bit mask of the general registers X0..X30 each word writes
decode.py's function_at, lookup_exact, function_pointer_words and read_slots serve A64 unchanged
(little-endian 8-byte words).
"""

from __future__ import annotations

import numpy as np

from linter.image.decode import (CALL_REL, JCC_REL, JMP_REL, RIP_REF, SLOT_LOAD, SLOT_READ_CALL,
                                 SLOT_READ_JMP, SLOT_WRITE, References)

WINDOW = 64          # words searched back from a consumer for its ADRP (or from BR/BLR for its load)
NO_REG = 31          # register field 31: XZR or SP, never a pair's register
_GPR_MASK = np.uint32(0x7FFFFFFF)   # X0..X30


# ---------------------------------------------------------------------------------------------
# Words


def instruction_starts(code: np.ndarray, start_offs: np.ndarray, end_offs: np.ndarray,
                       *, codep: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Every whole word of each function [start, end) (offsets into ``code``, clipped to it).

    Returns ``(offsets int64, func int32)``, sorted by function then offset; a function's words
    start at its start aligned up to 4. ``codep`` is accepted for decode.py's signature (no
    padding is needed: a word is read only where it lies wholly inside ``code``)."""
    del codep
    n = len(code)
    start = (np.clip(np.asarray(start_offs, np.int64), 0, n) + 3) & ~np.int64(3)
    end = np.clip(np.asarray(end_offs, np.int64), 0, n)
    count = np.maximum(end - start, 0) // 4
    total = int(count.sum())
    func = np.repeat(np.arange(len(count), dtype=np.int32), count)
    first_row = np.cumsum(count) - count
    within = np.arange(total, dtype=np.int64) - np.repeat(first_row, count)
    return np.repeat(start, count) + 4 * within, func


def _words_at(code: np.ndarray, pos: np.ndarray) -> np.ndarray:
    """The little-endian 32-bit words at byte offsets ``pos`` (each wholly inside ``code``)."""
    w = code[pos].astype(np.uint32)
    for k in range(1, 4):
        w |= code[pos + k].astype(np.uint32) << np.uint32(8 * k)
    return w


def _field(w: np.ndarray, low: int, bits: int) -> np.ndarray:
    """Unsigned bit field ``w[low + bits - 1 : low]`` as int64."""
    return ((w >> np.uint32(low)) & np.uint32((1 << bits) - 1)).astype(np.int64)


def _signed(value: np.ndarray, bits: int) -> np.ndarray:
    """Sign-extend the low ``bits`` of int64 values."""
    top = np.int64(1) << np.int64(bits - 1)
    return (value ^ top) - top


def _is(w: np.ndarray, mask: int, value: int) -> np.ndarray:
    return (w & np.uint32(mask)) == np.uint32(value)


def _add(addr: np.ndarray, offset: np.ndarray) -> np.ndarray:
    """uint64 address + signed int64 offset, wrapping (two's complement)."""
    return addr + offset.astype(np.int64).astype(np.uint64)


# ---------------------------------------------------------------------------------------------
# Register writes: the kill rule of the pairing


def _bit(reg: np.ndarray) -> np.ndarray:
    """1 << reg as uint32 (reg 0..32; 31 and 32, past X30, are masked off by the callers)."""
    return np.uint32(1) << np.minimum(reg, 31).astype(np.uint32)


# pointer authentication in the hint space: PACIASP, PACIBSP, AUTIASP, AUTIBSP, PACIAZ, PACIBZ,
# AUTIAZ, AUTIBZ, XPACLRI rewrite X30; PACIA1716, PACIB1716, AUTIA1716, AUTIB1716 rewrite X17
_SIGN_LR = np.array([0xD503233F, 0xD503237F, 0xD50323BF, 0xD50323FF, 0xD503231F, 0xD503235F,
                     0xD503239F, 0xD50323DF, 0xD50320FF], np.uint32)
_SIGN_X17 = np.array([0xD503211F, 0xD503215F, 0xD503219F, 0xD50321DF], np.uint32)


def register_writes(w: np.ndarray) -> np.ndarray:
    """Bit r set (uint32) where the word writes Xr/Wr, r = 0..30 (field 31, XZR or SP, never)."""
    w = np.asarray(w, np.uint32)
    rd, rn, rt2, rs = _field(w, 0, 5), _field(w, 5, 5), _field(w, 10, 5), _field(w, 16, 5)
    ex = _Exclusive(w)
    mask = np.zeros(len(w), np.uint32)
    for reg, writes in ((rd, _writes_rd(w, ex)), (rn, _writes_base(w)),
                        (rt2, _load_pair(w) | ex.load_pair), (rs, ex.status | ex.cas | ex.casp),
                        (rs + 1, ex.casp)):
        mask |= np.where(writes, _bit(reg), np.uint32(0))
    lr = _is(w, 0xFC000000, 0x94000000) | _is(w, 0xFEFF0000, 0xD63F0000) | np.isin(w, _SIGN_LR)
    mask |= np.where(lr, np.uint32(1 << 30), np.uint32(0))                 # BL, BLR*, PAC*SP
    mask |= np.where(np.isin(w, _SIGN_X17), np.uint32(1 << 17), np.uint32(0))
    return mask & _GPR_MASK


class _Exclusive:
    """The load/store exclusive, ordered and compare-and-swap group (size 001000 o2 L o1 Rs o0 Rt2
    Rn Rt): which of its members write which register."""

    def __init__(self, w):
        group = _is(w, 0x3F000000, 0x08000000)
        o2, load, o1 = _field(w, 23, 1) == 1, _field(w, 22, 1) == 1, _field(w, 21, 1) == 1
        wide = _field(w, 31, 1) == 1
        self.casp = group & ~o2 & o1 & ~wide                     # CASP*: Rs, Rs+1
        self.cas = group & o2 & o1                               # CAS*: Rs
        self.status = group & ~o2 & ~load & ~self.casp           # STXR, STXP: Rs
        self.load = group & load & ~self.casp & ~self.cas        # LDXR, LDXP, LDAR: Rt
        self.load_pair = group & ~o2 & o1 & wide & load          # LDXP: Rt2


def _writes_rd(w, ex):
    """Rd/Rt (bits 0-4) is written: data processing, general-register loads, MRS/SYSL, SIMD/FP
    moves and conversions to a general register."""
    system = _is(w, 0xFFE00000, 0xD5200000)                      # L=1: MRS, SYSL
    return _data_processing(w) | _load_writes_rt(w) | _load_pair(w) | ex.load | system \
        | _simd_to_general(w)


def _data_processing(w):
    """Data processing (immediate and register) writes Rd, but conditional compare and RMIF/SETF."""
    immediate = _is(w, 0x1C000000, 0x10000000)
    register = _is(w, 0x0E000000, 0x0A000000)
    ccmp = _is(w, 0x1FE00000, 0x1A400000)
    flags_only = _is(w, 0x1FE00000, 0x1A000000) & (_field(w, 10, 6) != 0)   # not ADC/SBC
    return immediate | (register & ~ccmp & ~flags_only)


def _loads_gpr(w):
    """opc/size of a general-register load (not a store, PRFM or an unallocated form)."""
    size, opc = _field(w, 30, 2), _field(w, 22, 2)
    return (_field(w, 26, 1) == 0) & (opc != 0) & ~((size == 3) & (opc >= 2)) \
        & ~((size == 2) & (opc == 3))


def _load_pair(w):
    """LDP/LDPSW/LDNP (general registers, any indexing): Rt and Rt2."""
    return _is(w, 0x3A000000, 0x28000000) & (_field(w, 22, 1) == 1) & (_field(w, 26, 1) == 0)


def _load_writes_rt(w):
    """Single-register loads to a general register (all addressing forms, atomics, LDRAA/LDRAB,
    RCpc, literal, LDG/LDGM): Rt."""
    single = _is(w, 0x3A000000, 0x38000000)
    atomic_or_pac = single & ~_is(w, 0x01000000, 0x01000000) & (_field(w, 21, 1) == 1) \
        & (_field(w, 10, 2) != 2)                                # not the register offsets
    atomic = atomic_or_pac & (_field(w, 10, 2) == 0) & (_field(w, 26, 1) == 0)
    pac = atomic_or_pac & (_field(w, 10, 1) == 1) & _is(w, 0xFF000000, 0xF8000000)
    plain = single & ~atomic_or_pac & _loads_gpr(w)
    rcpc = _is(w, 0x3F200C00, 0x19000000) & _loads_gpr(w)       # LDAPUR*
    literal = _is(w, 0x3B000000, 0x18000000) & (_field(w, 30, 2) != 3) & (_field(w, 26, 1) == 0)
    tags = _is(w, 0xFF200000, 0xD9200000) & (_field(w, 10, 2) == 0) & (_field(w, 22, 1) == 1)
    return plain | atomic | pac | rcpc | literal | tags


def _writes_base(w):
    """Pre/post-index writeback: Rn."""
    single = _is(w, 0x3B200000, 0x38000000) & (_field(w, 10, 1) == 1)           # imm9 pre/post
    pair = _is(w, 0x3A000000, 0x28000000) & (_field(w, 23, 1) == 1)             # LDP/STP pre/post
    pac = _is(w, 0xFF200400, 0xF8200400) & (_field(w, 11, 1) == 1)              # LDRAA/B !
    structures = _is(w, 0xBF800000, 0x0C800000) | _is(w, 0xBF800000, 0x0D800000)
    tags = _is(w, 0xFF200000, 0xD9200000) & (_field(w, 10, 1) == 1)
    return single | pair | pac | structures | tags


def _simd_to_general(w):
    """SIMD/FP results in a general register: FMOV/FCVT* to general, UMOV/SMOV."""
    to_int = _is(w, 0x5F20FC00, 0x1E200000) & np.isin(_field(w, 16, 3), [0, 1, 4, 5, 6])
    to_fixed = _is(w, 0x5F200000, 0x1E000000) & (_field(w, 19, 2) == 3) & (_field(w, 17, 2) == 0)
    moves = _is(w, 0xBFE0FC00, 0x0E002C00) | _is(w, 0xBFE0FC00, 0x0E003C00)
    return to_int | to_fixed | moves


def _nearest_writer(writes: np.ndarray, func: np.ndarray, rows: np.ndarray,
                    reg: np.ndarray) -> np.ndarray:
    """For each word ``rows[i]``, the nearest preceding word of the same function, at most WINDOW
    words back, that writes X``reg[i]``; -1 where none does. Each step keeps only the rows still
    searching: most find a writer within a few words."""
    found = np.full(len(rows), -1, np.int64)
    active = np.flatnonzero(reg != NO_REG)
    at, bit = rows[active], _bit(reg[active])
    own = func[at]
    for k in range(1, WINDOW + 1):
        j = np.maximum(at - k, 0)
        alive = (at - k >= 0) & (func[j] == own)
        hit = alive & ((writes[j] & bit) != 0)
        found[active[hit]] = j[hit]
        keep = alive & ~hit
        active, at, bit, own = active[keep], at[keep], bit[keep], own[keep]
        if not len(active):
            break
    return found


# ---------------------------------------------------------------------------------------------
# References


def decode_references(code: np.ndarray, base: int, starts: np.ndarray, ends: np.ndarray, *,
                      asm_mask: np.ndarray | None = None,
                      only: np.ndarray | None = None) -> References:
    """Every reference made by the functions [starts[i], ends[i]) of ``code``.

    code:     np.uint8 bytes of one code section, ``code[0]`` at virtual address ``base``
    starts, ends: virtual addresses (np.uint64 or int), ends exclusive; ranges are clipped to the
              section, empty ranges give nothing
    asm_mask: accepted for decode.py's signature; A64 has no physical-address immediates
    only:     indices of the functions to decode; None decodes all. ``func`` in the result is
              always the index into starts/ends.
    """
    del asm_mask
    code = np.asarray(code, np.uint8)
    n = len(code)
    ubase = np.uint64(base)
    starts = np.asarray(starts).astype(np.uint64)
    ends = np.asarray(ends).astype(np.uint64)
    # clipped to the section (decode.py's rule): below base to its start, past its end to its end
    start_offs = np.where(starts < ubase, 0, np.minimum((starts - ubase).view(np.int64), n))
    end_offs = np.where(ends < ubase, 0, np.minimum((ends - ubase).view(np.int64), n))
    start_offs = np.where(start_offs < 0, n, start_offs)        # 2**63 or more past the base
    end_offs = np.where(end_offs < 0, n, end_offs)
    if only is not None:
        keep = np.zeros(len(starts), bool)
        keep[np.asarray(only, np.int64)] = True
        end_offs = np.where(keep, end_offs, start_offs)
    pos, func = instruction_starts(code, start_offs, end_offs)
    return references_at(code, n, base, pos, func)


def references_at(code: np.ndarray, n: int, base: int, pos: np.ndarray, func: np.ndarray,
                  asm_mask: np.ndarray | None = None) -> References:
    """The references of the words at offsets ``pos`` of functions ``func``: each function's words
    consecutive and in order, as instruction_starts gives them (the pairing looks back along
    them). ``n`` and ``asm_mask`` mirror decode.references_at; words must lie inside ``code``."""
    del n, asm_mask
    w = _words_at(code, pos)
    pc = np.uint64(base) + pos.astype(np.uint64)
    writes = register_writes(w)
    paired = _adrp_pairs(w, pc, writes, func)
    parts = [_branches(w, pc), _literals_and_adr(w, pc), paired,
             _slot_reads(w, writes, func, _slots(w, pc, paired))]
    rows = np.concatenate([p[0] for p in parts])
    kind = np.concatenate([p[1] for p in parts]).astype(np.uint8)
    target = np.concatenate([p[2] for p in parts]).astype(np.uint64)
    site = pc[rows]
    funcs = np.asarray(func, np.int32)[rows]
    order = np.lexsort((kind, site, funcs))
    return References(site[order], funcs[order], kind[order], target[order])


def _branches(w, pc):
    """(rows, kind, target) of B, BL, B.cond, BC.cond, CBZ/CBNZ, TBZ/TBNZ."""
    b, bl = _is(w, 0xFC000000, 0x14000000), _is(w, 0xFC000000, 0x94000000)
    imm19 = _is(w, 0xFF000000, 0x54000000) | _is(w, 0x7E000000, 0x34000000)   # B.cond, CBZ
    imm14 = _is(w, 0x7E000000, 0x36000000)                                      # TBZ
    rows = np.flatnonzero(b | bl | imm19 | imm14)
    ww = w[rows]
    offset = np.select([b[rows] | bl[rows], imm19[rows]],
                       [_signed(_field(ww, 0, 26), 26), _signed(_field(ww, 5, 19), 19)],
                       _signed(_field(ww, 5, 14), 14)) * 4
    kind = np.select([bl[rows], b[rows]], [CALL_REL, JMP_REL], JCC_REL)
    return rows, kind, _add(pc[rows], offset)


def _literals_and_adr(w, pc):
    """(rows, kind, target) of ADR and of loads from a literal (LDR Xt: SLOT_LOAD)."""
    literal = _is(w, 0x3B000000, 0x18000000) & ~_is(w, 0xC4000000, 0xC4000000)  # not V=1 opc=11
    adr = _is(w, 0x9F000000, 0x10000000)
    rows = np.flatnonzero(literal | adr)
    ww = w[rows]
    imm21 = (_field(ww, 5, 19) << 2) | _field(ww, 29, 2)
    offset = np.where(adr[rows], _signed(imm21, 21), _signed(_field(ww, 5, 19), 19) * 4)
    kind = np.where(_is(ww, 0xFF000000, 0x58000000), SLOT_LOAD, RIP_REF)          # LDR Xt, lit
    return rows, kind, _add(pc[rows], offset)


def _consumers(w):
    """(rows, base register, byte offset, kind) of the instructions that complete an ADRP page."""
    add = _is(w, 0xFFC00000, 0x91000000) & ~((_field(w, 10, 12) == 0) & (_field(w, 0, 5) == NO_REG))
    size, v, opc = _field(w, 30, 2), _field(w, 26, 1), _field(w, 22, 2)
    unsigned = _is(w, 0x3B000000, 0x39000000) & np.where(
        v == 0, ~((size >= 2) & (opc == 3)), (size == 0) | (opc < 2))
    rows = np.flatnonzero(add | unsigned)
    ww = w[rows]
    imm12 = _field(ww, 10, 12)
    is_add = add[rows]
    scale = np.where((v[rows] == 1) & (opc[rows] >= 2), 4, size[rows])
    offset = np.where(is_add, imm12, imm12 << scale)
    kind = np.select([_is(ww, 0xFFC00000, 0xF9400000) & ~is_add,
                      _is(ww, 0xFFC00000, 0xF9000000) & ~is_add], [SLOT_LOAD, SLOT_WRITE], RIP_REF)
    return rows, _field(ww, 5, 5), offset, kind


def _adrp_pairs(w, pc, writes, func):
    """(rows, kind, target) of ADRP pairs (at the consumer) and of the ADRPs no consumer pairs
    with (at the ADRP: the page)."""
    adrp = _is(w, 0x9F000000, 0x90000000)
    rows, reg, offset, kind = _consumers(w)
    writer = _nearest_writer(writes, func, rows, reg)
    paired = writer >= 0
    paired[paired] = adrp[writer[paired]]
    rows, offset, kind, writer = rows[paired], offset[paired], kind[paired], writer[paired]
    target = _add(_page(w[writer], pc[writer]), offset)
    consumed = np.zeros(len(w), bool)
    consumed[writer] = True
    alone = np.flatnonzero(adrp & ~consumed)
    return (np.concatenate([rows, alone]), np.concatenate([kind, np.full(len(alone), RIP_REF)]),
            np.concatenate([target, _page(w[alone], pc[alone])]))


def _slots(w, pc, paired):
    """(is_slot bool, slot uint64) per word: the slot address of each slot load (ADRP + LDR Xt as
    paired, or LDR Xt literal, whose pool word is the slot)."""
    is_slot = np.zeros(len(w), bool)
    slot = np.zeros(len(w), np.uint64)
    rows, kind, target = paired
    loads = kind == SLOT_LOAD
    is_slot[rows[loads]] = True
    slot[rows[loads]] = target[loads]
    literal = np.flatnonzero(_is(w, 0xFF000000, 0x58000000))
    is_slot[literal] = True
    slot[literal] = _add(pc[literal], _signed(_field(w[literal], 5, 19), 19) * 4)
    return is_slot, slot


def _page(w, pc):
    """The page an ADRP word sets: (pc & ~0xfff) + (imm21 << 12)."""
    imm21 = _signed((_field(w, 5, 19) << 2) | _field(w, 29, 2), 21)
    return _add(pc & ~np.uint64(0xFFF), imm21 << 12)


# BR/BLR and the pointer-authenticating forms: the target register is Rn in all of them
_INDIRECT = [
    (0xFFFFFC1F, 0xD61F0000, SLOT_READ_JMP),    # BR Xn
    (0xFFFFFC1F, 0xD63F0000, SLOT_READ_CALL),   # BLR Xn
    (0xFFFFF81F, 0xD61F081F, SLOT_READ_JMP),    # BRAAZ, BRABZ Xn
    (0xFFFFF81F, 0xD63F081F, SLOT_READ_CALL),   # BLRAAZ, BLRABZ Xn
    (0xFFFFF800, 0xD71F0800, SLOT_READ_JMP),    # BRAA, BRAB Xn, Xm|SP
    (0xFFFFF800, 0xD73F0800, SLOT_READ_CALL),   # BLRAA, BLRAB Xn, Xm|SP
]


def _slot_reads(w, writes, func, slots):
    """(rows, kind, slot) of BR/BLR Xm whose Xm was last written by a slot load."""
    is_slot, slot = slots
    kind = np.zeros(len(w), np.uint8)
    for mask, value, k in _INDIRECT:
        kind[_is(w, mask, value)] = k
    rows = np.flatnonzero(kind)
    writer = _nearest_writer(writes, func, rows, _field(w[rows], 5, 5))
    hit = writer >= 0
    hit[hit] = is_slot[writer[hit]]
    rows, writer = rows[hit], writer[hit]
    return rows, kind[rows], slot[writer]
