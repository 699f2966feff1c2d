"""The x86-64 decoder against capstone and against what the fixture image's code is known to do."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from decode_fixture import build
from linter.image import decode as D
from linter.image import validate as V

pytestmark = pytest.mark.image


@pytest.fixture(scope="module")
def img(tmp_path_factory):
    return build(tmp_path_factory.mktemp("decode"))


def refs_of(img, refs, name):
    """{(kind, target)} of one function."""
    keep = refs.func == img.index(name)
    return set(zip(refs.kind[keep].tolist(), refs.target[keep].tolist()))


def test_fixture_agrees_with_capstone_on_every_boundary_and_edge_kind(img):
    v = V.validate(img.code, img.base, img.starts, img.ends, asm_mask=img.asm_mask)
    assert v.instructions > 80
    assert (v.boundary_ours_only, v.boundary_capstone_only) == (0, 0)
    for name, score in v.scores.items():
        assert (score.precision, score.recall) == (1.0, 1.0), (name, v.ours_only, v.capstone_only)
        assert score.tp > 0, f"the fixture has no {name}: the comparison proves nothing for it"


def test_head_code_edges(img):
    refs = D.decode_references(img.code, img.base, img.starts, img.ends, asm_mask=img.asm_mask)
    s = img.symbols
    startup = refs_of(img, refs, "startup_64")
    assert (D.CALL_REL, s["verify_cpu"]) in startup
    # `jmp 1f`: a rel8 jump into the middle of the next function
    assert (D.JMP_REL, s["secondary_startup_64"] + 1) in startup
    assert (D.ABS_IMM, s["early_stack"]) in startup
    assert (D.RIP_REF, s["_text"]) in startup
    assert (D.SLOT_LOAD, s["initial_code"]) in refs_of(img, refs, "secondary_startup_64")
    assert refs_of(img, refs, "startup_xen") == {
        (D.ABS_IMM, s["xen_start_kernel"]),
        (D.SLOT_READ_CALL, s["slot_table"]),
        (D.SLOT_READ_JMP, s["slot_table"] + 8),
    }


def test_pvh_head_edges_and_traps(img):
    refs = D.decode_references(img.code, img.base, img.starts, img.ends, asm_mask=img.asm_mask)
    s = img.symbols
    pvh = refs_of(img, refs, "pvh_start_xen")
    to_phys = lambda sym: s[sym] - 0xFFFFFFFF80000000   # noqa: E731
    assert (D.ABS_PHYS, to_phys("startup_64")) in pvh
    assert (D.ABS_PHYS, to_phys("gdt")) in pvh            # movl $imm32 to memory
    assert (D.RIP_REF, s["gdt_descr"]) in pvh
    assert (D.RIP_REF, s["x86_64_start_kernel"]) in pvh   # lea sym(%rip); call *%rax
    # `movq $xen_init, pvh_slot(%rip)`: the slot is end-of-instruction + disp, after the imm32
    assert (D.SLOT_WRITE, s["pvh_slot"]) in pvh
    assert (D.ABS_IMM, s["xen_init"]) in pvh
    assert (D.SLOT_LOAD, s["pvh_slot"]) in pvh            # absolute [disp32]
    assert (D.SLOT_LOAD, s["slot_table"]) in pvh          # movabs moffs
    assert (D.JMP_REL, s["startup_64"]) in pvh
    # %gs: per-CPU operands and the indexed load give nothing; so pvh_slot is seen exactly
    # by the store, the movq $imm store, the absolute load and the locked cmpxchg
    pvh_slot_sites = refs.site[(refs.func == img.index("pvh_start_xen"))
                               & (refs.target == np.uint64(s["pvh_slot"]))]
    assert len(pvh_slot_sites) == 4
    assert not any(t == s["slot_table"] and k == D.RIP_REF for k, t in pvh)


def test_c_code_edges(img):
    refs = D.decode_references(img.code, img.base, img.starts, img.ends, asm_mask=img.asm_mask)
    s = img.symbols
    start_kernel = refs_of(img, refs, "x86_64_start_kernel")
    assert (D.CALL_REL, s["copy_bootdata.isra.0"]) in start_kernel
    assert (D.SLOT_READ_CALL, s["pv_ops"]) in start_kernel
    assert (D.SLOT_READ_CALL, s["pv_ops"] + 8) in start_kernel
    assert (D.JMP_REL, s["x86_64_start_reservations"]) in start_kernel   # rel8 tail call
    xen = refs_of(img, refs, "xen_start_kernel")
    assert {(D.SLOT_WRITE, s["pv_ops"]), (D.ABS_IMM, s["xen_init"])} <= xen
    # an indexed absolute load is not a slot read
    assert refs_of(img, refs, "pick") == set()
    # 0x1000000 in C is 16 MiB, not a physical address
    assert refs_of(img, refs, "physical_16m") == set()


def test_abs_phys_only_with_asm_mask(img):
    refs = D.decode_references(img.code, img.base, img.starts, img.ends)
    assert D.ABS_PHYS not in refs.kind.tolist()
    masked = D.decode_references(img.code, img.base, img.starts, img.ends, asm_mask=img.asm_mask)
    phys_funcs = {img.names[f] for f in masked.func[masked.kind == D.ABS_PHYS].tolist()}
    assert phys_funcs <= {"pvh_start_xen", "verify_cpu", "odd_bytes", "pvh32"}
    assert "pvh_start_xen" in phys_funcs


def test_32bit_code_reads_as_rip_relative_in_64bit_mode(img):
    """The PVH trap: `lgdt (_pa(gdt_descr))` in .code32 decodes as RIP-relative (a wrong data
    target, as capstone says too)."""
    refs = D.decode_references(img.code, img.base, img.starts, img.ends, asm_mask=img.asm_mask)
    kinds = refs_of(img, refs, "pvh32")
    assert (D.RIP_REF, img.symbols["gdt_descr"]) not in kinds
    assert any(k == D.RIP_REF for k, _t in kinds)


def test_decode_only_decodes_just_the_asked_functions(img):
    full = D.decode_references(img.code, img.base, img.starts, img.ends, asm_mask=img.asm_mask)
    wanted = np.array([img.index("startup_xen"), img.index("x86_64_start_kernel")])
    some = D.decode_references(img.code, img.base, img.starts, img.ends, asm_mask=img.asm_mask,
                               only=wanted)
    assert set(some.func.tolist()) == set(wanted.tolist())
    keep = np.isin(full.func, wanted)
    assert some.site.tolist() == full.site[keep].tolist()
    assert some.target.tolist() == full.target[keep].tolist()


def test_sweep_of_many_functions_matches_capstone(img):
    starts, ends = img.starts - np.uint64(img.base), img.ends - np.uint64(img.base)
    pos, func = D.instruction_starts(img.code, starts.astype(np.int64), ends.astype(np.int64))
    cs_pos, cs_func = V.capstone_sweep(img.code, img.base, img.starts, img.ends)
    assert sorted(zip(func.tolist(), pos.tolist())) == sorted(zip(cs_func.tolist(), cs_pos.tolist()))


def test_an_instruction_cut_by_the_end_of_the_section_is_data():
    code = np.frombuffer(bytes.fromhex("9090e80000"), np.uint8)     # call rel32 missing a byte
    starts, ends = np.array([0x1000], np.uint64), np.array([0x1005], np.uint64)
    pos, _f = D.instruction_starts(code, np.array([0]), np.array([5]))
    cs_pos, _cf = V.capstone_sweep(code, 0x1000, starts, ends)
    assert pos.tolist() == cs_pos.tolist() == [0, 1, 2, 3]       # 3: "00 00", add %al,(%rax)
    assert len(D.decode_references(code, 0x1000, starts, ends)) == 0


@pytest.mark.parametrize("hexbytes, length", [
    ("66e800000000", 6),          # 66 is ignored on call rel32 in 64-bit mode
    ("660f8400000000", 7),
    ("486689c0", 4),              # REX then a legacy prefix: the REX is dropped
    ("484889c0", 4),
    ("6668 1122", 4),             # pushw imm16
    ("4868 11223344", 6),
    ("6648b8 1122334455667788", 11),  # REX.W beats 66: imm64
    ("a0 1122334455667788", 9),   # moffs64
    ("67a0 11223344", 6),         # moffs32
    ("66c7f8 0000", 5),           # xbegin rel16
    ("c7f8 00000000", 6),
    ("f6c8 01", 3), ("f7c8 01000000", 6), ("f6d0", 2),   # test imm only for /0 /1
    ("0f0fc09e", 4),              # 3DNow! imm8 suffix
    ("8fe878c0c005", 6),          # XOP map 8: imm8
    ("8fea7810c001020304", 9),    # XOP map A: imm32
    ("8fc0", 2),                  # pop, not XOP
    ("c5f877", 3),                # vzeroupper: no ModRM
    ("c4e279180500000000", 9),
    ("62f17c48280500000000", 10),  # EVEX
    ("c4e3790fc101", 6),          # VEX 0F3A: imm8
    ("660f78c00102", 6),          # extrq: two imm8
    ("0f20e0", 3),                # mov %cr4: ModRM names registers, no displacement
    ("0f2000", 3),
    ("c8010203", 4),              # enter imm16, imm8
    ("66" * 14 + "90", 15),
    ("66" * 13 + "0f1f00", 1),    # 16 bytes: invalid, one byte of data
    ("48c5f877", 1),              # VEX after REX: invalid
    ("82c001", 1), ("8dc0", 1), ("0fb8c0", 1),
    ("f00100", 3), ("f001c0", 1), ("f0f00fb10a", 5),   # LOCK only on a memory destination
    ("d9d0", 2), ("d9d1", 1), ("d908", 1), ("8cd8", 2), ("8cf0", 1),
])
def test_lengths_of_corner_encodings(hexbytes, length):
    raw = bytes.fromhex(hexbytes.replace(" ", "")) + b"\x90" * 16
    code = np.frombuffer(raw, np.uint8)
    assert D.instruction_lengths(D.padded(code), len(code), np.array([0]))[0] == length
    import capstone
    md = capstone.Cs(capstone.CS_ARCH_X86, capstone.CS_MODE_64)
    md.skipdata = True
    assert next(md.disasm_lite(raw, 0, 1))[1] == length


def test_random_bytes_where_capstone_decodes_we_agree():
    """Wherever capstone accepts an encoding (but ud0/ud1, see decode.py), our length is its length.
    (Where capstone rejects one, on about 0.5 % of random offsets we still decode something.)"""
    import capstone
    md = capstone.Cs(capstone.CS_ARCH_X86, capstone.CS_MODE_64)
    md.skipdata = True
    rng = np.random.default_rng(8)
    code = rng.integers(0, 256, 20000, dtype=np.uint8)
    lengths = D.instruction_lengths(D.padded(code), len(code), np.arange(len(code)))
    raw = code.tobytes()
    compared = rejected_but_decoded = 0
    for off in range(len(code)):
        _a, size, mnemonic, _o = next(md.disasm_lite(raw[off:off + 16], 0, 1))
        if mnemonic == ".byte":
            rejected_but_decoded += int(lengths[off] != 1)
            continue
        if mnemonic in ("ud0", "ud1"):
            continue
        compared += 1
        assert lengths[off] == size, raw[off:off + 16].hex()
    assert compared > 17000      # capstone rejects ~12 % of random offsets
    # what we still decode there: undefined VEX/EVEX/XOP opcodes (0.5 % of offsets)
    assert rejected_but_decoded < 0.01 * len(code)


def test_function_pointer_words(img):
    objs = img.objects
    names = list(objs)
    obj_starts = np.array([objs[n][0] for n in names], np.uint64)
    obj_ends = np.array([objs[n][1] for n in names], np.uint64)
    found = set()
    for base, data in img.data:
        words = D.function_pointer_words(data, base, obj_starts, obj_ends, img.starts)
        found |= {(a, names[o], img.names[f]) for a, o, f in
                  zip(words.addr.tolist(), words.owner.tolist(), words.func.tolist())}
    s = img.symbols
    assert {(s["pv_ops"], "pv_ops", "native_init"), (s["pv_ops"] + 8, "pv_ops", "native_read"),
            (s["pv_ops"] + 16, "pv_ops", "native_write"), (s["xen_ops"], "xen_ops", "xen_init"),
            (s["slot_table"], "slot_table", "xen_init"),
            (s["initial_code"], "initial_code", "x86_64_start_kernel"),
            (s["boot_descr"] + 2, "boot_descr", "xen_init")} <= found   # + the unaligned one
    # the words after pvh_slot belong to no data symbol: never returned
    assert not any(name in ("verify_cpu", "startup_xen") for _a, _o, name in found)
    aligned = set()
    for base, data in img.data:
        words = D.function_pointer_words(data, base, obj_starts, obj_ends, img.starts,
                                         aligned_only=True)
        aligned |= set(words.addr.tolist())
    assert s["boot_descr"] + 2 not in aligned and s["pv_ops"] in aligned


def test_read_slots(img):
    s = img.symbols
    slots = np.array([s["pv_ops"], s["pv_ops"] + 8, s["initial_code"], s["pvh_slot"],
                      s["counter"]], np.uint64)
    values, ok = D.read_slots(slots, img.data)
    assert ok.tolist() == [True, True, True, True, False]     # counter lives in .bss
    assert values[:4].tolist() == [s["native_init"], s["native_read"], s["x86_64_start_kernel"], 0]


def test_function_at():
    starts = np.array([300, 100, 200], np.uint64)
    ends = np.array([310, 150, 300], np.uint64)
    got = D.function_at(np.array([99, 100, 149, 150, 250, 299, 305, 310], np.uint64), starts, ends)
    assert got.tolist() == [-1, 1, 1, -1, 2, 2, 0, -1]


def test_lookup_exact():
    keys = np.array([30, 10, 20, 10], np.uint64)
    assert D.lookup_exact(np.array([10, 20, 25, 30, 99], np.uint64), keys).tolist() == [1, 2, -1, 0, -1]
    assert D.lookup_exact(np.array([1], np.uint64), np.zeros(0, np.uint64)).tolist() == [-1]


LIBC = Path("/usr/lib/x86_64-linux-gnu/libc.so.6")


@pytest.mark.slow
@pytest.mark.skipif(not LIBC.exists(), reason="needs the system libc")
def test_all_of_libc_text_agrees_with_capstone():
    """A big real binary: every instruction of libc's .text, one linear sweep (~7 s: capstone)."""
    from elftools.elf.elffile import ELFFile
    with open(LIBC, "rb") as f:
        text = ELFFile(f).get_section_by_name(".text")
        code, base = np.frombuffer(text.data(), np.uint8), text["sh_addr"]
    start, end = np.array([base], np.uint64), np.array([base + len(code)], np.uint64)
    t0 = time.perf_counter()
    D.decode_references(code, base, start, end, asm_mask=np.array([True]))
    ours = time.perf_counter() - t0
    v = V.validate(code, base, start, end, asm_mask=np.array([True]))
    print(f"libc .text {len(code)} bytes, ours {ours:.2f} s;", *v.lines(), sep="\n")
    assert v.instructions > 300000
    assert v.exact, v.lines()
