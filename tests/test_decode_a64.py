"""The A64 decoder (linter/image/decode_a64.py) against capstone and against what the fixture's code does.

The fixture (tests/fixtures/a64: head.S, boot.c, link.ld, our own code) is cross-built with
aarch64-linux-gnu-gcc and -ld into a small arm64 vmlinux at kernel addresses (>= 2**63).
Functions: its STT_FUNC symbols, each [value, value + size).
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from elftools.elf.elffile import ELFFile

from linter.image import decode as D
from linter.image import decode_a64 as D64
from linter.image import validate_a64 as V64

pytestmark = pytest.mark.image

FIXTURES = Path(__file__).parent / "fixtures" / "a64"
CC, LD = "aarch64-linux-gnu-gcc", "aarch64-linux-gnu-ld"
CFLAGS = ["-O2", "-ffreestanding", "-fno-pic", "-fno-pie", "-mgeneral-regs-only", "-fno-stack-protector",
          "-fno-asynchronous-unwind-tables", "-mbranch-protection=pac-ret"]
# head.S's function whose references differ from capstone's on purpose (capstone's write lists)
KNOWN_DIFFERENCES = "capstone_differences"


@dataclass
class Section:
    name: str
    code: np.ndarray
    base: int
    names: list[str]
    starts: np.ndarray     # uint64
    ends: np.ndarray       # uint64


@dataclass
class Image:
    sections: list[Section]       # the executable ones
    symbols: dict[str, int]
    words: dict[int, int]         # address -> 8-byte little-endian word of any loaded section

    def function(self, name: str) -> tuple[Section, int]:
        for sec in self.sections:
            if name in sec.names:
                return sec, sec.names.index(name)
        raise KeyError(name)

    def refs(self, name: str) -> list[tuple[int, int, int]]:
        """(offset of the site from the function's start, kind, target) of one function."""
        sec, f = self.function(name)
        refs = D64.decode_references(sec.code, sec.base, sec.starts, sec.ends, only=[f])
        start = int(sec.starts[f])
        return list(zip((refs.site - np.uint64(start)).tolist(), refs.kind.tolist(), refs.target.tolist()))


def build(workdir: Path) -> Image:
    if not (shutil.which(CC) and shutil.which(LD)):
        pytest.skip(f"needs {CC} and {LD}")
    run = lambda *cmd: subprocess.run(cmd, cwd=workdir, check=True, capture_output=True)  # noqa: E731
    run(CC, *CFLAGS, "-c", str(FIXTURES / "boot.c"), "-o", "boot.o")
    run(CC, "-c", str(FIXTURES / "head.S"), "-o", "head.o")
    run(LD, "-static", "-nostdlib", "-z", "noexecstack", "-T", str(FIXTURES / "link.ld"),
        "head.o", "boot.o", "-o", "vmlinux")
    return read(workdir / "vmlinux")


def read(path: Path) -> Image:
    with open(path, "rb") as f:
        elf = ELFFile(f)
        assert elf["e_machine"] == "EM_AARCH64"
        all_sections = list(elf.iter_sections())
        symbols, funcs = {}, {}
        for sym in elf.get_section_by_name(".symtab").iter_symbols():
            symbols[sym.name] = sym["st_value"]
            if sym["st_info"]["type"] == "STT_FUNC" and sym["st_size"]:
                funcs.setdefault(sym["st_shndx"], []).append(
                    (sym["st_value"], sym["st_value"] + sym["st_size"], sym.name))
        sections, words = [], {}
        for i, sec in enumerate(all_sections):
            if sec["sh_type"] != "SHT_PROGBITS" or not sec["sh_flags"] & 2:
                continue
            data = sec.data()
            for off in range(0, len(data) - 7, 4):
                words[sec["sh_addr"] + off] = int.from_bytes(data[off:off + 8], "little")
            if sec["sh_flags"] & 4:
                fs = sorted(funcs.get(i, []))
                sections.append(Section(sec.name, np.frombuffer(data, np.uint8).copy(), sec["sh_addr"],
                                        [n for _s, _e, n in fs], np.array([s for s, _e, _n in fs], np.uint64),
                                        np.array([e for _s, e, _n in fs], np.uint64)))
    return Image(sections, symbols, words)


@pytest.fixture(scope="module")
def img(tmp_path_factory):
    return build(tmp_path_factory.mktemp("a64"))


def page(address: int) -> int:
    return address & ~0xFFF


def _random(rng, count):
    """``count`` random 32-bit words."""
    return rng.integers(0, 2**32, count, dtype=np.uint64).astype(np.uint32)


# ---------------------------------------------------------------------------------------------
# Against capstone


def test_fixture_agrees_with_capstone_on_every_word_and_reference_kind(img):
    agreed = dict.fromkeys(V64.KINDS.values(), 0)
    words = 0
    for sec in img.sections:
        others = [f for f, name in enumerate(sec.names) if name != KNOWN_DIFFERENCES]
        v = V64.validate(sec.code, sec.base, sec.starts, sec.ends, only=others)
        words += v.instructions
        assert (v.boundary_ours_only, v.boundary_capstone_only) == (0, 0)
        for name, s in v.scores.items():
            assert (s.fp, s.fn) == (0, 0), (sec.name, name, v.ours_only, v.capstone_only)
            agreed[name] += s.tp
    assert words > 300
    for name, tp in agreed.items():
        assert tp > 0, f"the fixture has no {name}: the comparison proves nothing for it"


def test_capstone_write_lists_differ_where_known(img):
    """cmp x1 (capstone: writes x1) and ldadd x4, x3 (capstone: writes nothing) split the two
    decoders' pairings in exactly these references."""
    sec, f = img.function(KNOWN_DIFFERENCES)
    start, args = int(sec.starts[f]), img.symbols["boot_args"]
    ours = D64.decode_references(sec.code, sec.base, sec.starts, sec.ends, only=[f])
    theirs = V64.capstone_references(sec.code, sec.base, sec.starts, sec.ends, only=[f])
    as_set = lambda r: set(zip((r.site - np.uint64(start)).tolist(),  # noqa: E731
                               r.kind.tolist(), r.target.tolist()))
    assert as_set(ours) - as_set(theirs) == {(8, D.RIP_REF, args), (12, D.RIP_REF, page(args))}
    assert as_set(theirs) - as_set(ours) == {(0, D.RIP_REF, page(args)), (20, D.RIP_REF, args + 4)}


# The mnemonics whose register-write lists capstone 5 gets wrong, and in which direction:
# it misses the destination of the LSE atomics, CAS/CASP, LDRAA/LDRAB, the MTE tag instructions,
# 32-bit ADDS (immediate), LDLAR, and moves/conversions from half precision or SMOV to a W
# register; it names the first operand of CMP/CMN/TST, the offset register of post-indexed
# structure loads/stores and X30 for SVC as written.
CAPSTONE_MISSES = ("ldadd", "ldclr", "ldeor", "ldset", "ldsmax", "ldsmin", "ldumax", "ldumin", "swp",
                   "cas", "ldraa", "ldrab", "addg", "subg", "ldg", "subp", "irg", "gmi", "st64bv",
                   "adds", "ldlar", "fcvt", "fmov", "smov")
CAPSTONE_EXTRAS = ("cmp", "cmn", "tst", "svc", "st1", "st2", "st3", "st4", "ld1", "ld2", "ld3", "ld4",
                   "pacia1716", "pacib1716")
# words random ones hardly hit: pointer authentication in the hint space (PACIASP & co. write X30,
# PACIA1716 & co. X17), and the shapes compilers put between an ADRP and its consumer
FIXED_WORDS = [0xD503233F, 0xD503237F, 0xD50323BF, 0xD50323FF, 0xD503231F, 0xD503235F, 0xD503239F,
               0xD50323DF, 0xD50320FF, 0xD503211F, 0xD503215F, 0xD503219F, 0xD50321DF, 0xD503201F,
               0xD503245F, 0xA94153F3, 0xA8C27BFD, 0xA9BE7BFD, 0xF8408420, 0xD53BD040, 0x94000001,
               0xD63F0200, 0xAA0003F0, 0x2A0003F3]


def test_register_writes_match_capstone_but_its_known_gaps():
    """The kill rule of the pairing is our register_writes: on random words capstone decodes, it
    names the same registers as capstone's regs_access, but where capstone is known wrong."""
    words = np.concatenate([np.array(FIXED_WORDS, np.uint32), _random(np.random.default_rng(5), 150000)])
    ours = D64.register_writes(words)
    compared = excused = 0
    for word, mask, seen in zip(words.tolist(), ours.tolist(), V64.capstone_register_writes(words)):
        if seen is None:
            continue
        text, theirs = seen
        mine = {r for r in range(31) if mask >> r & 1}
        if (theirs < mine and text.startswith(CAPSTONE_MISSES)) \
                or (theirs > mine and text.startswith(CAPSTONE_EXTRAS)):
            excused += 1
            continue
        compared += 1
        assert mine == theirs, f"{word:08x} {text}"
    assert compared > 50000 and excused < 0.02 * compared


# BR, BLR, BRAAZ/BRABZ, BLRAAZ/BLRABZ, BRAA/BRAB, BLRAA/BLRAB with Rn = 0 (mask of their free bits)
INDIRECT = np.array([0xD61F0000, 0xD63F0000, 0xD61F081F, 0xD63F081F, 0xD71F0800, 0xD73F0800], np.uint32)
INDIRECT_FREE = np.array([0, 0, 0x400, 0x400, 0x41F, 0x41F], np.uint32)


def _two_word_functions(rng, count, shape):
    """Words of two-word functions: an ADRP (or LDR Xt literal) of a random register n, then a word
    that uses n as its Rn: the pairing sees no other instruction, so no kill rule is involved."""
    reg = rng.integers(0, 32, count, dtype=np.uint64).astype(np.uint32)
    if shape == "ldr literal + br/blr":
        lead = np.uint32(0x58000000) | reg | (_random(rng, count) & np.uint32(0x00FFFFE0))
        pick = rng.integers(0, len(INDIRECT), count)
        follow = INDIRECT[pick] | (_random(rng, count) & INDIRECT_FREE[pick])
    else:
        lead = np.uint32(0x90000000) | reg | (_random(rng, count) & np.uint32(0x60FFFFE0))
        follow = _random(rng, count)
        if shape == "adrp + load/store":      # the class of the unsigned offsets
            follow = (follow & ~np.uint32(0x3B000000)) | np.uint32(0x39000000)
        elif shape == "adrp + add":           # ADD/ADDS/SUB/SUBS (immediate), 64-bit
            follow = (follow & ~np.uint32(0x9F800000)) | np.uint32(0x91000000)
    follow = (follow & ~np.uint32(0x3E0)) | (reg << np.uint32(5))
    return np.stack([lead, follow], axis=1).ravel()


@pytest.mark.parametrize("shape", ["single words", "adrp + any word", "adrp + load/store",
                                   "adrp + add", "ldr literal + br/blr"])
def test_random_words_agree_with_capstone(shape):
    """Every reference of random words, capstone against ours: one-word functions (branches, ADR,
    literals, lone ADRPs, what capstone rejects), and two-word functions where the second word
    uses the first one's register (the consumer and slot-read classification)."""
    rng = np.random.default_rng(11)
    n = 6000
    if shape == "single words":
        words, size = _random(rng, n), 4
    else:
        words, size = _two_word_functions(rng, n, shape), 8
    code = np.frombuffer(words.astype("<u4").tobytes(), np.uint8)
    base = 0xFFFF800080000000
    starts = np.uint64(base) + np.arange(0, len(code), size, dtype=np.uint64)
    v = V64.validate(code, base, starts, starts + np.uint64(size))
    assert (v.boundary_ours_only, v.boundary_capstone_only) == (0, 0)
    assert v.exact, (v.lines(), v.ours_only, v.capstone_only)
    assert sum(s.tp for s in v.scores.values()) > 500


# ---------------------------------------------------------------------------------------------
# What the fixture's code does


def test_image_header_and_head_code(img):
    s = img.symbols
    assert img.refs("image_header") == [(4, D.JMP_REL, s["primary_entry"])]
    refs = img.refs("primary_entry")
    entry = s["primary_entry"]
    pool = entry + 56
    assert img.words[pool] == s["primary_switched"]        # `ldr x8, =primary_switched` reads it
    assert refs == [
        (0, D.CALL_REL, s["record_state"]),
        (4, D.RIP_REF, s["early_stack"]),          # adrp alone: `mov sp, x1` consumes nothing
        (16, D.RIP_REF, s["boot_args"]),
        (20, D.RIP_REF, s["secondary_entry"]),
        (24, D.JCC_REL, entry + 36), (28, D.JCC_REL, entry + 36), (32, D.JCC_REL, entry + 36),
        (36, D.JCC_REL, entry + 44), (40, D.JCC_REL, entry + 44), (44, D.JCC_REL, entry + 48),
        (48, D.SLOT_LOAD, pool),
        (52, D.SLOT_READ_JMP, pool),
    ]


def test_slot_reads_through_adrp_pairs_literals_and_pac_branches(img):
    s = img.symbols
    pool = s["secondary_entry"] + 32
    assert img.words[pool] == s["secondary_switched"]
    assert img.refs("secondary_entry") == [
        (4, D.SLOT_LOAD, s["boot_hook"]), (8, D.SLOT_READ_CALL, s["boot_hook"]),
        (16, D.SLOT_LOAD, s["hook_table"] + 8), (20, D.SLOT_READ_CALL, s["hook_table"] + 8),  # blraaz
        (24, D.SLOT_LOAD, pool), (28, D.SLOT_READ_JMP, pool),                                 # braa
    ]


def test_one_adrp_feeds_every_load_and_store_size(img):
    s = img.symbols
    args, word = s["boot_args"], s["boot_word"]
    assert img.refs("store_and_load") == [
        (4, D.SLOT_WRITE, s["boot_slot"]),
        (12, D.RIP_REF, args), (16, D.RIP_REF, args + 2), (20, D.RIP_REF, args + 4),
        (24, D.RIP_REF, args + 16), (28, D.RIP_REF, args + 32), (32, D.RIP_REF, args + 8),
        (36, D.RIP_REF, args + 40), (40, D.SLOT_LOAD, args + 48), (44, D.RIP_REF, args + 1),
        (48, D.RIP_REF, word), (52, D.RIP_REF, word), (56, D.RIP_REF, word), (60, D.RIP_REF, word),
    ]


def test_kill_rule(img):
    s = img.symbols
    args, start = s["boot_args"], s["kill_rules"]
    assert img.refs("kill_rules") == [
        (0, D.RIP_REF, page(args)),                 # x5 rewritten by mov
        (12, D.RIP_REF, page(s["boot_slot"])),      # shadowed by the next adrp x9
        (20, D.RIP_REF, args),
        (28, D.JCC_REL, start + 36),
        (32, D.SLOT_LOAD, s["boot_hook"]),          # across a branch
        (36, D.RIP_REF, page(args)),                # x13 written back
        (48, D.RIP_REF, page(args)),                # x19 loaded by ldp
        (72, D.SLOT_LOAD, args + 8),                # neither a store nor paciasp kills x21
        (80, D.RIP_REF, args),
        (88, D.SLOT_LOAD, args + 16),
    ]


def test_pairing_window_and_function_bounds(img):
    args = img.symbols["boot_args"]
    assert D64.WINDOW == 64          # head.S's window_edge is written for it
    assert img.refs("window_edge") == [(256, D.RIP_REF, args), (260, D.RIP_REF, page(args))]
    assert img.refs("adrp_at_end") == [(4, D.RIP_REF, page(args))]
    assert img.refs("consumer_at_start") == []


def test_c_code(img):
    s = img.symbols
    kinds = lambda name: {(k, t) for _o, k, t in img.refs(name)}  # noqa: E731
    start_kernel = kinds("start_kernel")
    assert {(D.SLOT_LOAD, s["boot_ops"]), (D.SLOT_READ_CALL, s["boot_ops"]),
            (D.CALL_REL, s["native_fini"]), (D.JMP_REL, s["native_probe"])} <= start_kernel
    # the hook override: a slot write beside the address of the new function
    assert {(D.SLOT_WRITE, s["boot_ops"]), (D.RIP_REF, s["xen_init"])} <= kinds("xen_setup")
    assert (D.CALL_REL, s["start_kernel"]) in kinds("primary_switched")
    assert (D.JMP_REL, s["native_probe"]) in kinds("pick")
    assert any(k == D.JCC_REL for k, _t in kinds("pick"))
    # GCC copies the loaded pointer to x16 before `br x16`: the copy is not followed
    assert kinds("run_hook") == {(D.SLOT_LOAD, s["boot_hook"])}


# ---------------------------------------------------------------------------------------------
# Words, bounds, the API


def test_decode_only_decodes_just_the_asked_functions(img):
    sec = next(s for s in img.sections if s.name == ".text")
    full = D64.decode_references(sec.code, sec.base, sec.starts, sec.ends)
    wanted = np.array([sec.names.index("kill_rules"), sec.names.index("start_kernel")])
    some = D64.decode_references(sec.code, sec.base, sec.starts, sec.ends,
                                 asm_mask=np.ones(len(sec.starts), bool), only=wanted)
    assert set(some.func.tolist()) == set(wanted.tolist())
    keep = np.isin(full.func, wanted)
    assert some.site.tolist() == full.site[keep].tolist()
    assert some.target.tolist() == full.target[keep].tolist()
    for got, dtype in ((full.site, np.uint64), (full.func, np.int32), (full.kind, np.uint8),
                       (full.target, np.uint64)):
        assert got.dtype == dtype
    order = np.lexsort((full.kind, full.site, full.func))
    assert (order == np.arange(len(order))).all()


def test_instruction_starts_aligns_up_and_drops_a_partial_word():
    code = np.zeros(40, np.uint8)
    pos, func = D64.instruction_starts(code, np.array([1, 8, 20, 30, 36]), np.array([9, 8, 27, 60, 39]))
    assert pos.tolist() == [4, 20, 32, 36]
    assert func.tolist() == [0, 2, 3, 3]
    assert pos.dtype == np.int64 and func.dtype == np.int32


def test_bounds_past_the_section_are_clipped():
    # bl +8, then a b.eq cut by the section's end; functions reaching out of the section are
    # clipped to it (decode.py's rule), one lying wholly past its end gives nothing
    code = np.frombuffer(bytes.fromhex("02000094" "400000"), np.uint8)
    base = 0xFFFF800080000000
    starts = np.array([base, base - 16, base + 64], np.uint64)
    ends = np.array([base + 4096, base + 4, base + 128], np.uint64)
    refs = D64.decode_references(code, base, starts, ends)
    assert list(zip(refs.func.tolist(), refs.kind.tolist(), refs.target.tolist())) == [
        (0, D.CALL_REL, base + 8), (1, D.CALL_REL, base + 8)]
    # addresses wrap around 2**64: b +0x2000 near the top, b -8 at 0
    top = 2**64 - 0x1000
    refs = D64.decode_references(np.frombuffer(bytes.fromhex("00080014"), np.uint8), top,
                                 np.array([top], np.uint64), np.array([top + 4], np.uint64))
    assert refs.target.tolist() == [0x1000]
    refs = D64.decode_references(np.frombuffer(bytes.fromhex("feffff17"), np.uint8), 0,
                                 np.array([0], np.uint64), np.array([4], np.uint64))
    assert refs.target.tolist() == [2**64 - 8]
