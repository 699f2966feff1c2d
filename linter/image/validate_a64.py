"""Check linter.image.decode_a64 against capstone: the words each function holds and every reference kind.

capstone is the reference decoder. It steps through the same words (skipdata: a word it cannot
decode is 4 bytes of data, so both see the same words), and the references are rebuilt from its
own instruction ids, operands (branch targets, ADRP pages, memory operands with their scaled
displacement) and register-write lists (``regs_access``), by the rules of decode_a64.py's
docstring, independently of our bit tests: a consumer (ADD immediate, or a load/store with an
unsigned offset) pairs with the nearest preceding instruction of its function, at most
decode_a64.WINDOW back, that capstone says writes its base register, if that instruction is an
ADRP; BR/BLR and their PAC forms pair likewise with a slot load. The window is the one thing the
two share. Where capstone's write lists are wrong (decode_a64.py's docstring lists them) the two
can disagree; tests/test_decode_a64.py pins those cases.

Slow: about 12 us per word with operand details (the Debian 6.12 image's 3.6 M words: ~45 s).

API
    validate(code, base, starts, ends, *, asm_mask=None, only=None) -> validate.Validation
    capstone_words(code, base, starts, ends, only=None) -> (offsets int64, func int32)
    capstone_register_writes(words) -> [(text, {register numbers written}) or None per word]
    capstone_references(code, base, starts, ends, *, asm_mask=None, only=None, progress=None)
        -> References
    compare(ours, theirs) -> dict[str, Score]  (the A64 kinds only)
"""

from __future__ import annotations

import numpy as np

from linter.image import decode as D
from linter.image import decode_a64 as D64
from linter.image import validate as validate_x86
from linter.image.validate import Score, Validation

_MASK = (1 << 64) - 1
KINDS = {k: D.KIND_NAMES[k] for k in (D.CALL_REL, D.JMP_REL, D.JCC_REL, D.RIP_REF, D.SLOT_READ_CALL,
                                      D.SLOT_READ_JMP, D.SLOT_LOAD, D.SLOT_WRITE)}


def _word_ranges(code, base, starts, ends, only):
    """(func, first word offset, end offset) of each chosen function: the same words as
    decode_a64.instruction_starts (start aligned up to 4, whole words only, clipped)."""
    out = []
    for f, s, e in validate_x86._offsets(code, base, starts, ends, only):
        first = (s + 3) & ~3
        last = first + max(e - first, 0) // 4 * 4
        if last > first:
            out.append((f, first, last))
    return out


def _cs(detail: bool):
    import capstone
    md = capstone.Cs(capstone.CS_ARCH_ARM64, capstone.CS_MODE_ARM)
    md.skipdata = True           # a word capstone cannot decode: 4 bytes of data, then go on
    md.detail = detail
    return md


def capstone_words(code, base, starts, ends, only=None):
    """The offsets capstone steps through in each function: (offsets int64, func int32)."""
    raw = np.asarray(code, np.uint8).tobytes()
    md = _cs(False)
    pos, func = [], []
    for f, s, e in _word_ranges(code, base, starts, ends, only):
        for address, _size, _m, _o in md.disasm_lite(raw[s:e], s):
            pos.append(address)
            func.append(f)
    return np.array(pos, np.int64), np.array(func, np.int32)


class _Rules:
    """capstone's instruction ids and register numbers, looked up once."""

    def __init__(self, md):
        from capstone import arm64 as A
        self.A = A
        ins = lambda *names: {getattr(A, f"ARM64_INS_{n}") for n in names}  # noqa: E731
        self.conditional = ins("BC", "CBZ", "CBNZ", "TBZ", "TBNZ")
        self.unsigned_offset = ins("LDR", "STR", "LDRB", "STRB", "LDRH", "STRH", "LDRSB", "LDRSH",
                                   "LDRSW", "PRFM")
        self.literal = ins("LDR", "LDRSW", "PRFM")
        self.jumps = ins("BR", "BRAA", "BRAB", "BRAAZ", "BRABZ")
        self.calls = ins("BLR", "BLRAA", "BLRAB", "BLRAAZ", "BLRABZ")
        self.interesting = (ins("B", "BL", "ADR", "ADRP", "ADD") | self.conditional
                            | self.unsigned_offset | self.jumps | self.calls)
        # register id -> X number (W and X alike); None for SP, XZR, vector registers ...
        self.number, self.x64 = {}, set()
        for rid in range(1, A.ARM64_REG_ENDING):
            name = md.reg_name(rid) or ""
            number = {"fp": 29, "lr": 30}.get(name)
            if number is None and name[:1] in ("x", "w") and name[1:].isdigit():
                number = int(name[1:])
            if number is not None and number <= 30:
                self.number[rid] = number
            if name in ("fp", "lr", "xzr") or (name[:1] == "x" and name[1:].isdigit()):
                self.x64.add(rid)
            if name == "sp":
                self.sp = rid

    def writes(self, insn) -> set[int]:
        return {self.number[r] for r in insn.regs_access()[1] if r in self.number}


class _Word:
    """What one capstone instruction means for the references (None fields: not that role)."""

    __slots__ = ("insn", "direct", "adrp", "consumer", "slot", "indirect", "_writes")

    def __init__(self, insn):
        self.insn = insn
        self.direct = []        # [(kind, target)] of one-word references
        self.adrp = None        # (register number, page)
        self.consumer = None    # (base register number, byte offset, kind)
        self.slot = None        # slot address, where this is an LDR Xt literal
        self.indirect = None    # (register number, kind) of BR/BLR
        self._writes = None


def _classify(insn, r: _Rules) -> _Word:
    A, word = r.A, _Word(insn)
    if insn.id not in r.interesting:
        return word
    ops = insn.operands
    if insn.id == A.ARM64_INS_BL:
        word.direct.append((D.CALL_REL, ops[-1].imm))
    elif insn.id == A.ARM64_INS_B:
        word.direct.append((D.JMP_REL if insn.cc == A.ARM64_CC_INVALID else D.JCC_REL, ops[-1].imm))
    elif insn.id in r.conditional:
        word.direct.append((D.JCC_REL, ops[-1].imm))
    elif insn.id == A.ARM64_INS_ADR:
        if ops[1].type == A.ARM64_OP_IMM:            # not SVE's vector ADR
            word.direct.append((D.RIP_REF, ops[1].imm))
    elif insn.id == A.ARM64_INS_ADRP:
        word.adrp = (r.number.get(ops[0].reg), ops[1].imm)
    elif insn.id in r.jumps or insn.id in r.calls:
        word.indirect = (r.number.get(ops[0].reg), D.SLOT_READ_CALL if insn.id in r.calls else D.SLOT_READ_JMP)
    elif insn.id == A.ARM64_INS_ADD:
        if len(ops) == 3 and ops[0].type == A.ARM64_OP_REG and (ops[0].reg in r.x64 or ops[0].reg == r.sp) \
                and ops[1].type == A.ARM64_OP_REG and ops[1].reg in r.x64 \
                and ops[2].type == A.ARM64_OP_IMM and ops[2].shift.type == A.ARM64_SFT_INVALID:
            word.consumer = (r.number.get(ops[1].reg), ops[2].imm, D.RIP_REF)
    else:
        _load_store(insn, ops, r, word)
    return word


def _load_store(insn, ops, r, word):
    A = r.A
    mem = [o for o in ops if o.type == A.ARM64_OP_MEM]
    regs = [o for o in ops if o.type == A.ARM64_OP_REG]
    is_x = bool(regs) and regs[0].reg in r.x64
    scalable = bool(regs) and (insn.reg_name(regs[0].reg) or "")[:1] in ("z", "p")   # SVE fill/spill
    if not mem and insn.id in r.literal:
        target = [o for o in ops if o.type == A.ARM64_OP_IMM][-1].imm
        slot = insn.id == A.ARM64_INS_LDR and is_x
        word.direct.append((D.SLOT_LOAD if slot else D.RIP_REF, target))
        word.slot = target if slot else None
        return
    if len(mem) != 1 or insn.writeback or mem[0].mem.index != A.ARM64_REG_INVALID or scalable:
        return
    kind = D.RIP_REF
    if insn.id == A.ARM64_INS_LDR and is_x:
        kind = D.SLOT_LOAD
    elif insn.id == A.ARM64_INS_STR and is_x:
        kind = D.SLOT_WRITE
    word.consumer = (r.number.get(mem[0].mem.base), mem[0].mem.disp, kind)


def _writer(words, i, reg, r):
    """The nearest word before ``i`` (at most WINDOW back) whose capstone write list names ``reg``."""
    for j in range(i - 1, max(i - D64.WINDOW, 0) - 1, -1):
        w = words[j]
        if w is None:
            continue
        if w._writes is None:
            w._writes = r.writes(w.insn)
        if reg in w._writes:
            return w
    return None


def _function_refs(words, r):
    """[(site, kind, target)] of one function's words (None for data words)."""
    out, consumed = [], set()
    slots = {}
    for i, w in enumerate(words):
        if w is None:
            continue
        site = w.insn.address
        out += [(site, kind, target & _MASK) for kind, target in w.direct]
        if w.consumer and w.consumer[0] is not None:
            reg, disp, kind = w.consumer
            prod = _writer(words, i, reg, r)
            if prod is not None and prod.adrp and prod.adrp[0] == reg:
                target = (prod.adrp[1] + disp) & _MASK
                out.append((site, kind, target))
                consumed.add(id(prod))
                if kind == D.SLOT_LOAD:
                    slots[id(w)] = target
        if w.slot is not None:
            slots[id(w)] = w.slot & _MASK
        if w.indirect and w.indirect[0] is not None:
            prod = _writer(words, i, w.indirect[0], r)
            if prod is not None and id(prod) in slots:
                out.append((site, w.indirect[1], slots[id(prod)]))
    out += [(w.insn.address, D.RIP_REF, w.adrp[1] & _MASK) for w in words
            if w is not None and w.adrp and id(w) not in consumed]
    return out


def capstone_references(code, base, starts, ends, *, asm_mask=None, only=None,
                        progress=None) -> D.References:
    """The references of the functions, from capstone's ids, operands and register writes.
    ``progress(done, total)`` is called now and then (a bench on a whole image takes minutes)."""
    raw = np.asarray(code, np.uint8).tobytes()
    md = _cs(True)
    r = _Rules(md)
    rows = []
    ranges = _word_ranges(code, base, starts, ends, only)
    for n, (f, s, e) in enumerate(ranges):
        words = [None if insn.id == 0 else _classify(insn, r) for insn in md.disasm(raw[s:e], base + s)]
        rows += [(site, f, kind, target) for site, kind, target in _function_refs(words, r)]
        if progress and n % 2000 == 0:
            progress(n, len(ranges))
    if not rows:
        z = np.zeros(0, np.uint64)
        return D.References(z, np.zeros(0, np.int32), np.zeros(0, np.uint8), z.copy())
    site, func, kind, target = zip(*rows)
    # explicit dtypes: numpy would pick float64 for Python ints on both sides of 2**63
    site, target = np.array(site, np.uint64), np.array(target, np.uint64)
    func, kind = np.array(func, np.int32), np.array(kind, np.uint8)
    order = np.lexsort((kind, site, func))
    return D.References(site[order], func[order], kind[order], target[order])


def capstone_register_writes(words) -> list[tuple[str, set[int]] | None]:
    """Per 32-bit word, capstone's view of it: ``(mnemonic and operands, numbers of the general
    registers it writes)``, or None where capstone cannot decode it."""
    words = np.asarray(words, np.uint32)
    md = _cs(True)
    r = _Rules(md)
    out: list[tuple[str, set[int]] | None] = [None] * len(words)
    for insn in md.disasm(words.astype("<u4").tobytes(), 0):
        if insn.id != 0:
            out[insn.address // 4] = (f"{insn.mnemonic} {insn.op_str}", r.writes(insn))
    return out


def compare(ours: D.References, theirs: D.References) -> dict[str, Score]:
    """Agreement per A64 kind, on unique (site, target) pairs."""
    return validate_x86.compare(ours, theirs, KINDS)


def validate(code, base, starts, ends, *, asm_mask=None, only=None, sample: int = 10) -> Validation:
    """Compare decode_a64 with capstone over the given functions."""
    code = np.asarray(code, np.uint8)
    if only is not None:
        only = np.asarray(only)
    ours = D64.decode_references(code, base, starts, ends, asm_mask=asm_mask, only=only)
    theirs = capstone_references(code, base, starts, ends, only=only)
    words = validate_x86.decoded_units(D64, code, _word_ranges(code, base, starts, ends, only))
    theirs_words = validate_x86.unit_set(*capstone_words(code, base, starts, ends, only))
    return validate_x86.agreement(ours, theirs, words, theirs_words, KINDS, sample)
