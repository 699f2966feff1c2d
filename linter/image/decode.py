"""x86-64 code bytes -> references: an exact instruction-length decoder built from numpy tables.

Pure functions over numpy arrays; nothing here knows about ELF or symbols. No Python call per
instruction: the decoder runs as a few dozen array operations over all positions at once.

How it works
1. Length at every byte offset inside the requested functions (``instruction_lengths``): legacy
   prefixes, REX, the 0F / 0F38 / 0F3A maps, VEX (C4/C5), EVEX (62), XOP (8F), ModRM, SIB,
   displacement, immediates sized by the operand-size (66) and address-size (67) prefixes and REX.W.
   An invalid encoding counts as one byte (capstone's "skipdata"), so both sweeps stay in step after
   garbage: invalid opcodes, group members (ff /7, c7 /1, x87 forms, segment registers 6-7), LOCK
   where capstone refuses it, VEX after REX/LOCK, bad EVEX bits, more than 15 bytes, cut by the end
   of the section. Undefined VEX/EVEX/XOP opcodes are decoded by their shape: on random bytes we
   decode 0.5 % of the offsets capstone rejects; wherever capstone decodes, the lengths agree.
2. A linear sweep from each function start to its end, all functions at once (``instruction_starts``).
3. The fields of the instructions that matter, at the instruction starts only (``decode_references``).

Addresses are virtual, ``np.uint64`` (kernel addresses do not fit in int64); offsets into ``code``
are ``np.int64``; function indices are ``np.int32`` indices into the caller's ``starts``/``ends``.

Reference kinds (``References.kind``, ``np.uint8``):
  CALL_REL        e8 rel32                                  target = end of instruction + rel
  JMP_REL         e9 rel32, eb rel8                         target = end + rel
  JCC_REL         0f 80..8f rel32, 70..7f rel8, e0..e3 (loop*, jrcxz) rel8
  RIP_REF         any other memory operand at a fixed address: ``lea/mov/cmp/... sym(%rip)``
                  (target = end of instruction + disp32, *after* any immediate) or an absolute
                  ``[disp32]`` with no base and no index (target = sign-extended disp32), or a
                  moffs ``movabs`` address
  ABS_IMM         ``mov $imm32`` to a 64-bit register or memory (c7 /0 with REX.W, sign-extended),
                  ``push $imm32`` (68, sign-extended), ``movabs $imm64`` (REX.W b8+r)
  ABS_PHYS        a 32-bit ``mov $imm32`` (b8+r or c7 /0 without REX.W), zero-extended: a physical
                  address such as ``_pa(sym)``. Only in functions ``asm_mask`` marks as assembler
                  (in C code such a value is a plain number, e.g. 16 MiB); the caller maps it to
                  virtual through the program headers.
  SLOT_READ_CALL  ``call *disp(%rip)`` (ff /2 with a fixed-address operand): target = the slot
  SLOT_READ_JMP   ``jmp *disp(%rip)`` (ff /4)
  SLOT_LOAD       ``mov disp(%rip),%reg64`` (REX.W 8b, or REX.W a1 moffs): an 8-byte load of the slot
  SLOT_WRITE      ``mov %reg64,disp(%rip)`` / ``movq $imm32,disp(%rip)`` (REX.W 89 / c7 /0, REX.W a3):
                  a hook override; report it, never follow it
An instruction can give two references: ``movq $f, slot(%rip)`` is SLOT_WRITE (slot) + ABS_IMM (f).
Memory operands with an FS/GS segment override (per-CPU data) or a 67 prefix (32-bit addressing)
give none. Indexed operands (``mov pv_ops(,%rdi,8)``) give none: their address is not fixed.

API (all pure; numpy in, numpy out)
    decode_references(code, base, starts, ends, *, asm_mask=None, only=None) -> References
        code np.uint8 (one section), base int (address of code[0]), starts/ends np.uint64 virtual
        addresses (ends exclusive), asm_mask bool per function, only = function indices to decode
        (decode-only mode; the rest are skipped). References: parallel arrays site np.uint64,
        func np.int32, kind np.uint8, target np.uint64, sorted by (func, site, kind).
    instruction_starts(code, start_offs, end_offs) -> (offsets np.int64, func np.int32)
    instruction_lengths(padded(code), len(code), positions) -> np.uint8 lengths (1..15)
    decode_at(padded(code), len(code), positions) -> Decoded (the fields, for validation and tests)
    function_at(addrs, starts, ends) -> np.int32 index of the function holding each address, -1
    lookup_exact(values, keys) -> np.int32 index of the key equal to each value, -1
    function_pointer_words(data, base, obj_starts, obj_ends, func_starts, *, aligned_only=False)
        -> DataWords(addr np.uint64, owner np.int32, func np.int32)
    read_slots(addrs, [(base, bytes), ...]) -> (values np.uint64, ok bool)

Known difference from capstone 5: it decodes ``0f b9`` (ud1) and ``0f ff`` (ud0) without ModRM;
CPUs and objdump read a ModRM byte there (the kernel's UBSAN traps use ``ud1 %reg,%reg``), so we do.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

CALL_REL, JMP_REL, JCC_REL, RIP_REF, ABS_IMM, ABS_PHYS = 1, 2, 3, 4, 5, 6
SLOT_READ_CALL, SLOT_READ_JMP, SLOT_LOAD, SLOT_WRITE = 7, 8, 9, 10
KIND_NAMES = {
    CALL_REL: "CALL_REL", JMP_REL: "JMP_REL", JCC_REL: "JCC_REL", RIP_REF: "RIP_REF",
    ABS_IMM: "ABS_IMM", ABS_PHYS: "ABS_PHYS", SLOT_READ_CALL: "SLOT_READ_CALL",
    SLOT_READ_JMP: "SLOT_READ_JMP", SLOT_LOAD: "SLOT_LOAD", SLOT_WRITE: "SLOT_WRITE",
}

MAX_LENGTH = 15   # longer encodings are invalid
_PAD = 32         # zero bytes appended so every read ahead stays inside the array

# ---------------------------------------------------------------------------------------------
# Tables. One row of 256 per opcode table; TID_* selects the row.
TID_LEGACY, TID_0F, TID_0F38, TID_0F3A = 0, 1, 2, 3
TID_VEX1, TID_VEX2, TID_VEX3 = 4, 5, 6
TID_EVEX1, TID_EVEX2, TID_EVEX3 = 7, 8, 9
TID_XOP8, TID_XOP9, TID_XOPA = 10, 11, 12
TID_INVALID = 13
_NTABLES = 14

F_MODRM = 1      # a ModRM byte follows the opcode
F_INVALID = 2    # capstone rejects the opcode: one byte of data
F_REGFORM = 4    # ModRM always names registers (mov to/from CR/DR): no SIB, no displacement
F_GROUP = 8      # validity depends on ModRM.reg / mod: checked in _group_invalid

# immediate codes
I_NONE, I_8, I_16, I_ENTER, I_Z, I_V, I_MOFFS, I_F6, I_F7, I_32, I_EXTRQ = range(11)
_FIXED_IMM = np.array([0, 1, 2, 3, 0, 0, 0, 0, 0, 4, 0], np.int8)


def _build_tables():
    flags = np.zeros((_NTABLES, 256), np.uint8)
    imm = np.zeros((_NTABLES, 256), np.uint8)

    # one-byte map, 64-bit mode
    f, i = flags[TID_LEGACY], imm[TID_LEGACY]
    for row in range(0, 0x40, 8):            # add/or/adc/sbb/and/sub/xor/cmp
        f[row:row + 4] = F_MODRM
        i[row + 4], i[row + 5] = I_8, I_Z
    f[[0x06, 0x07, 0x0E, 0x16, 0x17, 0x1E, 0x1F, 0x27, 0x2F, 0x37, 0x3F]] = F_INVALID
    f[[0x60, 0x61, 0x82, 0x9A, 0xCE, 0xD4, 0xD5, 0xD6, 0xEA]] = F_INVALID
    f[0x63] = F_MODRM
    i[0x68], i[0x6A] = I_Z, I_8
    f[0x69], i[0x69] = F_MODRM, I_Z
    f[0x6B], i[0x6B] = F_MODRM, I_8
    i[0x70:0x80] = I_8                          # jcc rel8
    f[0x80:0x90] = F_MODRM
    i[0x80], i[0x81], i[0x83] = I_8, I_Z, I_8
    f[0x82] = F_INVALID
    f[0x8D] |= F_GROUP                          # lea: no register form
    f[0x8F] |= F_GROUP                          # pop r/m: only /0
    i[0xA0:0xA4] = I_MOFFS
    i[0xA8], i[0xA9] = I_8, I_Z
    i[0xB0:0xB8] = I_8
    i[0xB8:0xC0] = I_V
    f[0xC0:0xC2] = F_MODRM
    i[0xC0:0xC2] = I_8
    i[0xC2], i[0xC8], i[0xCA], i[0xCD] = I_16, I_ENTER, I_16, I_8
    f[0xC6], i[0xC6] = F_MODRM | F_GROUP, I_8
    f[0xC7], i[0xC7] = F_MODRM | F_GROUP, I_Z
    f[0xD0:0xD4] = F_MODRM
    f[0xD8:0xE0] = F_MODRM | F_GROUP            # x87
    f[[0x8C, 0x8E]] |= F_GROUP                  # mov to/from a segment register: 6 of them
    i[0xE0:0xE8] = I_8                          # loop/jrcxz rel8, in/out imm8
    i[0xE8], i[0xE9], i[0xEB] = I_32, I_32, I_8 # call/jmp rel32 (66 is ignored in 64-bit mode)
    f[0xF6], i[0xF6] = F_MODRM, I_F6
    f[0xF7], i[0xF7] = F_MODRM, I_F7
    f[0xFE] = F_MODRM | F_GROUP
    f[0xFF] = F_MODRM | F_GROUP

    # 0F map
    f, i = flags[TID_0F], imm[TID_0F]
    f[:] = F_MODRM
    no_modrm = [0x05, 0x06, 0x07, 0x08, 0x09, 0x0B, 0x0E, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35,
                0x37, 0x77, 0xA0, 0xA1, 0xA2, 0xA8, 0xA9, 0xAA]
    f[no_modrm] = 0
    f[0x80:0x90] = 0                            # jcc rel32
    i[0x80:0x90] = I_32
    f[0xC8:0xD0] = 0                            # bswap
    f[[0x04, 0x0A, 0x0C, 0x24, 0x25, 0x26, 0x27, 0x36, 0x39, 0x3B, 0x3C, 0x3D, 0x3E, 0x3F,
       0x7A, 0x7B, 0xA6, 0xA7]] = F_INVALID
    f[0x20:0x24] = F_MODRM | F_REGFORM
    f[0x0F], i[0x0F] = F_MODRM, I_8             # 3DNow!: imm8 suffix
    i[[0x70, 0x71, 0x72, 0x73, 0xA4, 0xAC, 0xBA, 0xC2, 0xC4, 0xC5, 0xC6]] = I_8
    i[0x78] = I_EXTRQ                           # extrq/insertq (66/F2) take two imm8
    f[0xB8] |= F_GROUP                          # popcnt needs F3
    f[[0x00, 0xC7]] |= F_GROUP

    flags[TID_0F38] = F_MODRM
    flags[TID_0F3A], imm[TID_0F3A] = F_MODRM, I_8

    for vex1, vex2, vex3 in ((TID_VEX1, TID_VEX2, TID_VEX3), (TID_EVEX1, TID_EVEX2, TID_EVEX3)):
        flags[vex1] = flags[vex2] = flags[vex3] = F_MODRM
        imm[vex1, [0x70, 0x71, 0x72, 0x73, 0xC2, 0xC4, 0xC5, 0xC6]] = I_8
        imm[vex3] = I_8
    flags[TID_VEX1, 0x77] = 0                   # vzeroupper / vzeroall

    flags[TID_XOP8] = flags[TID_XOP9] = flags[TID_XOPA] = F_MODRM
    imm[TID_XOP8], imm[TID_XOPA] = I_8, I_32
    flags[TID_INVALID] = F_INVALID
    return flags.ravel(), imm.ravel()


_FLAGS, _IMM = _build_tables()


def _modrm_extra():
    """Bytes after a ModRM byte (SIB, displacement), not counting the SIB-without-base disp32."""
    extra = np.zeros(256, np.uint8)
    for modrm in range(256):
        mod, rm = modrm >> 6, modrm & 7
        sib = rm == 4 and mod != 3
        disp = {0: 4 if rm == 5 else 0, 1: 1, 2: 4, 3: 0}[mod]
        extra[modrm] = sib + disp
    return extra


_MODRM_EXTRA = _modrm_extra()

# prefix bytes: 1 = REX, 2 = 66, 3 = 67, 4 = F0, 5 = F2, 6 = F3, 7 = CS/DS/ES/SS, 8 = FS/GS
_PREFIX = np.zeros(256, np.uint8)
_PREFIX[0x40:0x50] = 1
_PREFIX[[0x66, 0x67, 0xF0, 0xF2, 0xF3]] = [2, 3, 4, 5, 6]
_PREFIX[[0x26, 0x2E, 0x36, 0x3E]] = 7
_PREFIX[[0x64, 0x65]] = 8

# escape class of the first opcode byte
_E_PLAIN, _E_0F, _E_VEX3, _E_VEX2, _E_EVEX, _E_8F = range(6)
_ESCAPE = np.zeros(256, np.uint8)
_ESCAPE[[0x0F, 0xC4, 0xC5, 0x62, 0x8F]] = [_E_0F, _E_VEX3, _E_VEX2, _E_EVEX, _E_8F]


def padded(code: np.ndarray) -> np.ndarray:
    """The code bytes followed by zero padding: what the decoder reads from."""
    code = np.asarray(code, dtype=np.uint8)
    out = np.zeros(len(code) + _PAD, np.uint8)
    out[:len(code)] = code
    return out


def _readable(code: np.ndarray, last_end: int) -> np.ndarray:
    """What to decode from when no instruction lies past ``last_end``: the code itself if the decoder's
    reads ahead stay inside it (no copy of a 15 MB section per search step), else a padded copy."""
    return code if last_end + _PAD <= len(code) else padded(code)


@dataclass
class Decoded:
    """Fields of the instructions at ``pos`` (parallel arrays, one entry per position)."""

    pos: np.ndarray       # int64 offsets into the code
    length: np.ndarray    # int64, 1 for an invalid encoding
    valid: np.ndarray     # bool
    tid: np.ndarray       # uint8 opcode table (TID_*)
    opcode: np.ndarray    # uint8 last opcode byte
    modrm_at: np.ndarray  # int64 offset of the ModRM byte (meaningful where has_modrm)
    has_modrm: np.ndarray  # bool
    modrm: np.ndarray     # uint8
    sib: np.ndarray       # uint8 (meaningful where a SIB byte is present)
    w: np.ndarray         # bool REX.W / VEX.W
    rex_x: np.ndarray     # bool REX.X (an index register above 7)
    osize16: np.ndarray   # bool: 66 prefix without REX.W
    asize32: np.ndarray   # bool: 67 prefix
    fsgs: np.ndarray      # bool: FS or GS segment override
    imm_size: np.ndarray  # int64


def decode_at(codep: np.ndarray, n: int, pos: np.ndarray) -> Decoded:
    """Decode the instruction at every offset in ``pos``.

    ``codep`` is the code, or ``padded(code)`` when a position lies within 32 bytes of its end (the
    decoder reads ahead); ``n`` is the real code length: an instruction that would run past ``n`` is
    invalid (capstone sees it truncated). Work on rare shapes (prefixes, escapes, odd
    immediates, SIB) is done on the subset of positions that have them."""
    pos = np.asarray(pos, dtype=np.int64)
    m = len(pos)

    # legacy prefixes and REX; a REX counts only when it is the last prefix
    b0 = codep[pos]
    npfx = np.zeros(m, np.int64)
    rex = np.zeros(m, np.uint8)
    has66, has67, hasf0, hasf2, hasf3, fsgs = (np.zeros(m, bool) for _ in range(6))
    idx = np.flatnonzero(_PREFIX[b0])
    prefixed = idx
    while len(idx):
        b = codep[pos[idx] + npfx[idx]]
        kind = _PREFIX[b]
        more = kind != 0
        idx, kind, b = idx[more], kind[more], b[more]
        npfx[idx] += 1
        rex[idx] = np.where(kind == 1, b, 0)
        for flag, code in ((has66, 2), (has67, 3), (hasf0, 4), (hasf2, 5), (hasf3, 6), (fsgs, 8)):
            flag[idx[kind == code]] = True
        idx = idx[npfx[idx] < MAX_LENGTH]
    cur = pos + npfx
    b0[prefixed] = codep[cur[prefixed]]

    tid = np.zeros(m, np.uint8)
    opo = np.zeros(m, np.int64)              # bytes from `cur` to the last opcode byte
    w = (rex & 8) != 0
    rex_x = (rex & 2) != 0
    bad = np.zeros(m, bool)
    opcode = b0.copy()

    esc = np.flatnonzero(_ESCAPE[b0])
    if len(esc):
        e = _ESCAPE[b0[esc]]
        s1 = codep[cur[esc] + 1]
        s2 = codep[cur[esc] + 2]
        mmmmm = s1 & 0x1F
        e[(e == _E_8F) & (mmmmm < 8)] = _E_PLAIN   # 8f /0 is pop, not XOP
        t = np.full(len(esc), TID_INVALID, np.uint8)
        o = np.full(len(esc), 3, np.int64)
        t[e == _E_PLAIN], o[e == _E_PLAIN] = TID_LEGACY, 0
        two = e == _E_0F
        t[two] = np.where(s1[two] == 0x38, TID_0F38, np.where(s1[two] == 0x3A, TID_0F3A, TID_0F))
        o[two] = np.where((s1[two] == 0x38) | (s1[two] == 0x3A), 2, 1)
        v3 = (e == _E_VEX3) & (mmmmm >= 1) & (mmmmm <= 3)         # VEX3: map 1..3
        t[v3] = TID_VEX1 + mmmmm[v3] - 1
        t[e == _E_VEX2], o[e == _E_VEX2] = TID_VEX1, 2             # VEX2: implied map 1
        mmm = s1 & 7                                                # EVEX: map 1..3, P0 bits 3:2
        ev = (e == _E_EVEX) & ((s1 & 0x0C) == 0) & ((s2 & 4) != 0) & (mmm >= 1) & (mmm <= 3)
        t[ev] = TID_EVEX1 + mmm[ev] - 1                            # clear, P1 bit 2 set
        o[e == _E_EVEX] = 4
        xo = (e == _E_8F) & (mmmmm >= 8) & (mmmmm <= 10)            # XOP: map 8..10
        t[xo] = TID_XOP8 + mmmmm[xo] - 8
        tid[esc], opo[esc] = t, o
        vex = (e >= _E_VEX3)
        vex_rows = esc[vex]
        three = vex & (e != _E_VEX2)
        w[vex_rows] = three[vex] & ((s2[vex] & 0x80) != 0)
        rex_x[vex_rows] = three[vex] & ((s1[vex] & 0x40) == 0)     # stored inverted
        # capstone: no VEX/EVEX/XOP after a REX or LOCK prefix
        bad[vex_rows] = (rex[vex_rows] != 0) | hasf0[vex_rows]
        opcode[esc] = codep[cur[esc] + o]

    table = (tid.astype(np.int32) << 8) | opcode
    flags = _FLAGS[table]
    imm_code = _IMM[table]
    has_modrm = flags & F_MODRM
    modrm_at = cur + opo + 1
    modrm = codep[modrm_at]
    # mov to/from CR/DR: the ModRM byte names registers whatever its mod bits say
    after_modrm = _MODRM_EXTRA[modrm | ((flags & F_REGFORM) * 48)]
    sib_rows = np.flatnonzero(((modrm & 0xC7) == 0x04) & (has_modrm != 0)
                              & ((flags & F_REGFORM) == 0))
    sib = np.zeros(m, np.uint8)
    sib[sib_rows] = codep[modrm_at[sib_rows] + 1]
    after_modrm[sib_rows[(sib[sib_rows] & 7) == 5]] += 4      # SIB without base: disp32

    osize16 = has66 & ~w
    imm_size = _FIXED_IMM[imm_code]
    sel = np.flatnonzero(imm_code >= I_Z)
    if len(sel):
        c = imm_code[sel]
        z = np.where(osize16[sel], 2, 4)
        reg_lt2 = ((modrm[sel] >> 3) & 7) < 2
        imm_size[sel] = np.select(
            [c == I_Z, c == I_V, c == I_MOFFS, c == I_F6, c == I_F7, c == I_32, c == I_EXTRQ],
            [z, np.where(w[sel], 8, z), np.where(has67[sel], 4, 8), reg_lt2 * 1, reg_lt2 * z,
             4, (has66[sel] | hasf2[sel]) * 2])

    length = npfx + opo + 1 + has_modrm * (1 + after_modrm) + imm_size
    bad |= (flags & F_INVALID) != 0
    grp = np.flatnonzero((flags & F_GROUP) != 0)
    if len(grp):
        bad[grp] |= _group_invalid(tid[grp], opcode[grp], modrm[grp], hasf3[grp])
    locked = np.flatnonzero(hasf0 & ~hasf2 & ~hasf3)    # capstone skips the check beside F2/F3
    if len(locked):
        bad[locked] |= _lock_invalid(table[locked], has_modrm[locked] != 0, modrm[locked])
    bad |= length > MAX_LENGTH
    near_end = np.flatnonzero(pos > n - MAX_LENGTH - 1)
    bad[near_end] |= pos[near_end] + length[near_end] > n
    length[bad] = 1
    return Decoded(pos, length, ~bad, tid, opcode, modrm_at, has_modrm != 0, modrm, sib, w, rex_x,
                   osize16, has67, fsgs, imm_size.astype(np.int64))


# x87 (d8..df): ModRM.reg values invalid with a memory operand; register forms valid, bit per ModRM-0xc0
_X87_BAD_MEM_REG = np.array([0, 1 << 1, 0, (1 << 4) | (1 << 6), 0, 1 << 5, 0, 0], np.uint8)
_X87_REG_FORMS = np.array([0xFFFFFFFFFFFFFFFF, 0xFFFF7F33FF01FFFF, 0x200FFFFFFFF, 0xFFFF1FFFFFFFFF,
                           0xFFFFFFFF0000FFFF, 0xFFFFFFFF00FF, 0xFFFFFFFF0200FFFF, 0xFFFF01000000FF],
                          np.uint64)

# LOCK: ModRM.reg values (bit mask) with which capstone accepts it, memory operands only
_LOCK_OK = np.zeros(2 * 256, np.uint8)
_LOCK_OK[[0x00, 0x01, 0x02, 0x03, 0x08, 0x09, 0x0A, 0x0B, 0x10, 0x11, 0x12, 0x13, 0x18, 0x19,
          0x20, 0x21, 0x22, 0x23, 0x28, 0x29, 0x2A, 0x2B, 0x30, 0x31, 0x32, 0x33, 0x86, 0x87]] = 0xFF
_LOCK_OK[[0x80, 0x81, 0x83]] = 0x7F
_LOCK_OK[[0xF6, 0xF7]] = 0x0C       # not, neg
_LOCK_OK[[0xFE, 0xFF]] = 0x03       # inc, dec
_LOCK_OK[256 + np.array([0x1F, 0xAB, 0xB0, 0xB1, 0xB3, 0xBB, 0xC0, 0xC1])] = 0xFF
_LOCK_OK[256 + 0xBA] = 0xE0         # bts/btr/btc $imm
_LOCK_OK[256 + 0xC7] = 0x02         # cmpxchg8b/16b


def _lock_invalid(table, has_modrm, modrm):
    """LOCK on an instruction that cannot take it (capstone rejects these)."""
    reg = (modrm >> 3) & 7
    allowed = np.where(table < 512, _LOCK_OK[np.minimum(table, 511)], 0)
    return ~(has_modrm & ((modrm >> 6) != 3) & (((allowed >> reg) & 1) != 0))


def _group_invalid(tid, opcode, modrm, hasf3):
    """Encodings whose opcode is valid only with some ModRM values (what capstone rejects)."""
    reg = (modrm >> 3) & 7
    mod3 = (modrm >> 6) == 3
    legacy = tid == TID_LEGACY
    two = tid == TID_0F
    x87 = legacy & (opcode >= 0xD8) & (opcode <= 0xDF)
    x87_op = (opcode - 0xD8) & 7
    x87_bad = np.where(mod3,
                       ((_X87_REG_FORMS[x87_op] >> (modrm & 0x3F).astype(np.uint64)) & np.uint64(1)) == 0,
                       ((_X87_BAD_MEM_REG[x87_op] >> reg) & 1) != 0)
    return (
        (x87 & x87_bad)
        | (legacy & ((opcode == 0x8C) | (opcode == 0x8E)) & (reg >= 6))
        | (legacy & (opcode == 0x8D) & mod3)                                     # lea reg
        | (legacy & (opcode == 0x8F) & (reg != 0))                            # pop r/m
        | (legacy & ((opcode == 0xC6) | (opcode == 0xC7)) & (reg != 0)
           & ~((reg == 7) & (modrm == 0xF8)))                                # mov imm / xabort / xbegin
        | (legacy & (opcode == 0xFE) & (reg >= 2))                            # inc/dec r/m8
        | (legacy & (opcode == 0xFF) & ((reg == 7) | (mod3 & ((reg == 3) | (reg == 5)))))
        | (two & (opcode == 0xB8) & ~hasf3)                                   # jmpe
        | (two & (opcode == 0x00) & (reg >= 6))
    )


_CHUNK = 1 << 16   # positions per decode_at call when measuring lengths: stays in cache


def instruction_lengths(codep: np.ndarray, n: int, positions: np.ndarray) -> np.ndarray:
    """Length (uint8, 1..15) of the instruction at every offset of ``positions``."""
    out = np.empty(len(positions), np.uint8)
    for at in range(0, len(positions), _CHUNK):
        out[at:at + _CHUNK] = decode_at(codep, n, positions[at:at + _CHUNK]).length
    return out


def _ranges(starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """All offsets of the union of [start, end) ranges, sorted, each once."""
    order = np.argsort(starts, kind="stable")
    s, e = starts[order], ends[order]
    keep = e > s
    s, e = s[keep], e[keep]
    if len(s) == 0:
        return np.zeros(0, np.int64)
    # merge overlapping ranges (aliases, nested symbols)
    reach = np.maximum.accumulate(e)
    new = np.ones(len(s), bool)
    new[1:] = s[1:] > reach[:-1]
    group = np.cumsum(new) - 1
    ms = s[new]
    me = np.zeros(len(ms), np.int64)
    np.maximum.at(me, group, e)
    sizes = me - ms
    first = np.repeat(ms - np.concatenate(([0], np.cumsum(sizes)[:-1])), sizes)
    return first + np.arange(sizes.sum(), dtype=np.int64)


_SWEEP_STRAGGLERS = 16   # below this many active functions, finish them one by one


def instruction_starts(code: np.ndarray, start_offs: np.ndarray, end_offs: np.ndarray,
                       *, codep: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Linear sweep of each function [start, end) (offsets into ``code``).

    Returns ``(offsets int64, func int32)``, sorted by function then offset: every instruction
    start of every function with ``end > start``."""
    code = np.asarray(code, np.uint8)
    n = len(code)
    start_offs = np.clip(np.asarray(start_offs, np.int64), 0, n)
    end_offs = np.clip(np.asarray(end_offs, np.int64), 0, n)
    if codep is None:
        codep = _readable(code, int(end_offs.max(initial=0)))
    positions = _ranges(start_offs, end_offs)
    lens = np.zeros(n + 1, np.uint8)
    lens[positions] = instruction_lengths(codep, n, positions)

    out_pos, out_func = [], []
    active = np.flatnonzero(end_offs > start_offs).astype(np.int32)
    cur = start_offs[active]
    end = end_offs[active]
    while len(active) >= _SWEEP_STRAGGLERS:
        out_pos.append(cur)
        out_func.append(active)
        cur = cur + lens[cur]          # uint8 + int64 -> int64
        more = cur < end
        active, cur, end = active[more], cur[more], end[more]
    for f, p, e in zip(active.tolist(), cur.tolist(), end.tolist()):
        step = lens[p:e].tolist()
        first, chain = p, []
        while p < e:
            chain.append(p)
            p += step[p - first]
        out_pos.append(np.array(chain, np.int64))
        out_func.append(np.full(len(chain), f, np.int32))
    if not out_pos:
        return np.zeros(0, np.int64), np.zeros(0, np.int32)
    pos = np.concatenate(out_pos)
    func = np.concatenate(out_func)
    order = np.lexsort((pos, func))
    return pos[order], func[order]


@dataclass
class References:
    """References found in code: parallel arrays, one entry per reference, sorted by (func, site).

    site:   np.uint64  virtual address of the instruction
    func:   np.int32   index of the function (into the caller's starts/ends) holding the site
    kind:   np.uint8   CALL_REL .. SLOT_WRITE (see the module docstring)
    target: np.uint64  the address referenced (ABS_PHYS: a zero-extended 32-bit physical address)
    """

    site: np.ndarray
    func: np.ndarray
    kind: np.ndarray
    target: np.ndarray

    def __len__(self) -> int:
        return len(self.site)


def _le(codep: np.ndarray, at: np.ndarray, size: int, signed: bool) -> np.ndarray:
    """Little-endian integers of ``size`` bytes at offsets ``at``, as int64 (or uint64 for 8)."""
    value = np.zeros(len(at), np.uint64)
    for k in range(size):
        value |= codep[at + k].astype(np.uint64) << np.uint64(8 * k)
    if size == 8:
        return value
    value = value.astype(np.int64)
    if signed:
        top = np.int64(1) << np.int64(8 * size - 1)
        value = (value ^ top) - top
    return value


def decode_references(code: np.ndarray, base: int, starts: np.ndarray, ends: np.ndarray, *,
                      asm_mask: np.ndarray | None = None,
                      only: np.ndarray | None = None) -> References:
    """Every reference made by the functions [starts[i], ends[i]) of ``code``.

    code:     np.uint8 bytes of one code section, ``code[0]`` at virtual address ``base``
    starts, ends: virtual addresses (np.uint64 or int), ends exclusive; ranges are clipped to the
              section, empty ranges give nothing
    asm_mask: bool per function: True for assembler functions (their 32-bit immediates are
              physical addresses: ABS_PHYS). None: no function is assembler.
    only:     indices of the functions to decode (decode-only mode: a search decodes just the
              functions it visits); None decodes all. ``func`` in the result is always the index
              into starts/ends.
    """
    code = np.asarray(code, np.uint8)
    n = len(code)
    ubase = np.uint64(base)
    starts = np.asarray(starts).astype(np.uint64)
    ends = np.asarray(ends).astype(np.uint64)
    start_offs = (starts - ubase).view(np.int64)
    end_offs = (ends - ubase).view(np.int64)
    # a start below base wraps to a huge offset: clip it to an empty range
    start_offs = np.where((starts < ubase), 0, np.minimum(start_offs, n))
    end_offs = np.where((ends < ubase), 0, np.minimum(end_offs, n))
    if only is not None:
        only = np.asarray(only, np.int64)
        keep = np.zeros(len(starts), bool)
        keep[only] = True
        end_offs = np.where(keep, end_offs, start_offs)
    codep = _readable(code, int(end_offs.max(initial=0)))
    pos, func = instruction_starts(code, start_offs, end_offs, codep=codep)
    return references_at(codep, n, base, pos, func, asm_mask)


def references_at(codep: np.ndarray, n: int, base: int, pos: np.ndarray, func: np.ndarray,
                  asm_mask: np.ndarray | None = None) -> References:
    """The references of the instructions at offsets ``pos`` (instruction starts) of functions ``func``."""
    d = decode_at(codep, n, pos)
    parts = [_branch_refs(codep, d), _memory_refs(codep, d)]
    parts += _immediate_refs(codep, d, None if asm_mask is None else np.asarray(asm_mask, bool)[func])
    rows = np.concatenate([p[0] for p in parts])
    kind = np.concatenate([p[1] for p in parts]).astype(np.uint8)
    offset_target = np.concatenate([p[2] for p in parts]).astype(np.uint64)
    is_relative = np.concatenate([np.broadcast_to(p[3], len(p[0])) for p in parts])
    ubase = np.uint64(base)
    site = ubase + pos[rows].astype(np.uint64)
    # relative targets are offsets into the code; absolute ones are addresses already
    target = np.where(is_relative, offset_target + ubase, offset_target)
    funcs = np.asarray(func, np.int32)[rows]
    order = np.lexsort((kind, site, funcs))
    return References(site[order], funcs[order], kind[order], target[order])


def _branch_refs(codep, d):
    """(rows, kind, target offset, True) of the relative branches; the displacement is the last field."""
    op = d.opcode
    legacy = d.valid & (d.tid == TID_LEGACY)
    rel32 = (legacy & ((op == 0xE8) | (op == 0xE9))
             | (d.valid & (d.tid == TID_0F) & (op >= 0x80) & (op <= 0x8F)))
    rel8 = legacy & ((op == 0xEB) | ((op >= 0x70) & (op <= 0x7F)) | ((op >= 0xE0) & (op <= 0xE3)))
    rows = np.flatnonzero(rel32 | rel8)
    end = d.pos[rows] + d.length[rows]
    rel = np.where(rel32[rows], _le(codep, end - 4, 4, True), _le(codep, end - 1, 1, True))
    o = op[rows]
    is_legacy = legacy[rows]
    kind = np.where(is_legacy & (o == 0xE8), CALL_REL,
                    np.where(is_legacy & ((o == 0xE9) | (o == 0xEB)), JMP_REL, JCC_REL))
    return rows, kind, (end + rel).view(np.uint64), True


def _memory_refs(codep, d):
    """(rows, kind, target, is_relative) of memory operands at a fixed address.

    Two row sets: RIP-relative (target offset = end of instruction + disp32, after any immediate)
    and absolute (``[disp32]`` with no base and no index, or a moffs address)."""
    op = d.opcode
    legacy = d.valid & (d.tid == TID_LEGACY)
    reg = (d.modrm >> 3) & 7
    rm = d.modrm & 7
    mod0 = d.valid & d.has_modrm & ((d.modrm >> 6) == 0)
    mov_cr = (d.tid == TID_0F) & (op >= 0x20) & (op <= 0x23)     # ModRM names registers only
    usable = ~d.fsgs & ~mov_cr
    rip = mod0 & (rm == 5) & ~d.asize32 & usable
    absolute = mod0 & (rm == 4) & ((d.sib & 7) == 5) & (((d.sib >> 3) & 7) == 4) & ~d.rex_x & usable
    moffs = legacy & (op >= 0xA0) & (op <= 0xA3) & ~d.fsgs
    absolute &= ~d.asize32
    moffs &= ~d.asize32

    kind = np.full(len(d.pos), RIP_REF, np.uint8)
    kind[legacy & (op == 0xFF) & (reg == 2)] = SLOT_READ_CALL
    kind[legacy & (op == 0xFF) & (reg == 4)] = SLOT_READ_JMP
    kind[legacy & d.w & ((op == 0x8B) | (op == 0xA1))] = SLOT_LOAD
    kind[legacy & d.w & ((op == 0x89) | (op == 0xA3) | ((op == 0xC7) & (reg == 0)))] = SLOT_WRITE

    r_rows = np.flatnonzero(rip)
    r_end = d.pos[r_rows] + d.length[r_rows]
    r_target = (r_end + _le(codep, d.modrm_at[r_rows] + 1, 4, True)).view(np.uint64)

    a_rows = np.flatnonzero(absolute)
    a_target = _le(codep, d.modrm_at[a_rows] + 2, 4, True).view(np.uint64)

    m_rows = np.flatnonzero(moffs)
    m_target = _le(codep, d.pos[m_rows] + d.length[m_rows] - 8, 8, False)
    rows = np.concatenate([r_rows, a_rows, m_rows])
    target = np.concatenate([r_target, a_target, m_target])
    relative = np.zeros(len(rows), bool)
    relative[:len(r_rows)] = True
    return rows, kind[rows], target, relative


def _immediate_refs(codep, d, asm):
    """Immediates that are addresses: ABS_IMM always, ABS_PHYS where ``asm`` (bool per row)."""
    op = d.opcode
    legacy = d.valid & (d.tid == TID_LEGACY)
    reg = (d.modrm >> 3) & 7
    end = d.pos + d.length
    mov_c7 = legacy & (op == 0xC7) & (reg == 0) & ~d.osize16
    mov_b8 = legacy & (op >= 0xB8) & (op <= 0xBF) & ~d.osize16
    push = legacy & (op == 0x68) & ~d.osize16

    wide_rows = np.flatnonzero(mov_b8 & d.w)                      # movabs $imm64
    sext_rows = np.flatnonzero((mov_c7 & d.w) | push)             # imm32, sign-extended
    out = [(wide_rows, np.full(len(wide_rows), ABS_IMM), _le(codep, end[wide_rows] - 8, 8, False), False),
           (sext_rows, np.full(len(sext_rows), ABS_IMM),
            _le(codep, end[sext_rows] - 4, 4, True).view(np.uint64), False)]
    if asm is not None:
        phys_rows = np.flatnonzero((mov_c7 | mov_b8) & ~d.w & asm)
        out.append((phys_rows, np.full(len(phys_rows), ABS_PHYS),
                    _le(codep, end[phys_rows] - 4, 4, False).view(np.uint64), False))
    return out


# ---------------------------------------------------------------------------------------------
# Data: function pointers stored in data, and slot values


def lookup_exact(values: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """For each value, the index in ``keys`` of an equal key, or -1 (int32). Keys need not be sorted;
    for duplicate keys the first index wins."""
    values = np.asarray(values, np.uint64)
    keys = np.asarray(keys, np.uint64)
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    at = np.searchsorted(sorted_keys, values)
    at_c = np.minimum(at, max(len(keys) - 1, 0))
    found = (at < len(keys)) & (sorted_keys[at_c] == values) if len(keys) else np.zeros(len(values), bool)
    return np.where(found, order[at_c] if len(keys) else -1, -1).astype(np.int32)


def function_at(addrs: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Index (int32) of the function [starts[i], ends[i]) holding each address, or -1. A jump into
    the middle of a function (``jmp 1f`` into the next asm function) lands in that function. Where
    functions overlap, the one starting last at or before the address wins."""
    addrs = np.asarray(addrs, np.uint64)
    starts = np.asarray(starts, np.uint64)
    ends = np.asarray(ends, np.uint64)
    if len(starts) == 0:
        return np.full(len(addrs), -1, np.int32)
    order = np.argsort(starts, kind="stable")
    at = np.searchsorted(starts[order], addrs, side="right") - 1
    at_c = np.maximum(at, 0)
    inside = (at >= 0) & (addrs < ends[order][at_c])
    return np.where(inside, order[at_c], -1).astype(np.int32)


@dataclass
class DataWords:
    """8-byte data words whose value is a function start, inside a data symbol.

    addr:  np.uint64 virtual address of the word
    owner: np.int32  index of the owning data symbol (into the caller's object arrays)
    func:  np.int32  index of the function (into the caller's function starts)
    """

    addr: np.ndarray
    owner: np.ndarray
    func: np.ndarray


def function_pointer_words(data: np.ndarray, base: int, obj_starts: np.ndarray,
                           obj_ends: np.ndarray, func_starts: np.ndarray, *,
                           aligned_only: bool = False) -> DataWords:
    """Words of ``data`` (section bytes at virtual ``base``) equal to a function start.

    Every byte offset is tried unless ``aligned_only`` (pointers can be unaligned: idt_descr).
    A word counts only if it lies wholly inside a data symbol [obj_starts[i], obj_ends[i]); words no
    data symbol owns (the ftrace call-site table in .init.data) are never returned. Where data
    symbols overlap, the one starting last at or before the word is its owner."""
    data = np.ascontiguousarray(data, dtype=np.uint8)
    empty = DataWords(np.zeros(0, np.uint64), np.zeros(0, np.int32), np.zeros(0, np.int32))
    func_starts = np.asarray(func_starts, np.uint64)
    if len(data) < 8 or len(func_starts) == 0:
        return empty
    step = 8 if aligned_only else 1
    count = (len(data) - 8) // step + 1
    # a view, no copy: the word at every `step` bytes (x86 reads unaligned words fine)
    values = np.ndarray((count,), dtype="<u8", buffer=data, strides=(step,))
    lo, hi = func_starts.min(), func_starts.max()
    cand = np.flatnonzero((values >= lo) & (values <= hi))
    fidx = lookup_exact(values[cand], func_starts)
    hit = fidx >= 0
    cand, fidx = cand[hit], fidx[hit]
    addr = np.uint64(base) + (cand * step).astype(np.uint64)
    owner = _owner(addr, np.asarray(obj_starts, np.uint64), np.asarray(obj_ends, np.uint64))
    keep = owner >= 0
    return DataWords(addr[keep], owner[keep], fidx[keep])


def _owner(addr: np.ndarray, obj_starts: np.ndarray, obj_ends: np.ndarray) -> np.ndarray:
    """Index of the data symbol holding the 8 bytes at each address, or -1."""
    if len(obj_starts) == 0:
        return np.full(len(addr), -1, np.int32)
    order = np.argsort(obj_starts, kind="stable")
    s, e = obj_starts[order], obj_ends[order]
    at = np.searchsorted(s, addr, side="right") - 1
    at_c = np.maximum(at, 0)
    inside = (at >= 0) & (addr + np.uint64(8) <= e[at_c])
    return np.where(inside, order[at_c], -1).astype(np.int32)


def read_slots(addrs: np.ndarray, sections: list[tuple[int, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """The 8-byte little-endian values at ``addrs`` (np.uint64).

    ``sections`` is a list of (virtual base, np.uint8 bytes). Returns ``(values np.uint64, ok bool)``;
    ``ok`` is False (value 0) where the 8 bytes are not wholly inside one of the sections (e.g. a
    slot in .bss, which has no static value)."""
    addrs = np.asarray(addrs, np.uint64)
    values = np.zeros(len(addrs), np.uint64)
    ok = np.zeros(len(addrs), bool)
    for base, data in sections:
        data = np.asarray(data, np.uint8)
        ubase = np.uint64(base)
        inside = (addrs >= ubase) & (addrs - ubase + np.uint64(8) <= np.uint64(len(data))) & ~ok
        sel = np.flatnonzero(inside)
        if len(sel):
            off = (addrs[sel] - ubase).astype(np.int64)
            values[sel] = _le(data, off, 8, False)
            ok[sel] = True
    return values, ok
