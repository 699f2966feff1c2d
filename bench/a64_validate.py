"""The A64 decoder (linter/image/decode_a64.py) against capstone over every function of an arm64 vmlinux.

    python bench/a64_validate.py VMLINUX [--window-scan] [--sample N]

Functions: per executable section, the code symbols (STT_FUNC, and STT_NOTYPE labels such as
_text, the Image header's; not the mapping symbols $x/$d), one per address; a sized symbol ends
at its size or at the next symbol, whichever comes first, a label at the next symbol (or at its
section's end). Both decoders read every word of them; the script prints the words, the
references per kind (ours, capstone's, both, only ours, only capstone's), a sample of each
disagreement with its function and the words around it, and each decoder's time. Progress goes
to stderr (capstone takes about a minute on a distribution image). --window-scan also counts what
other pairing windows give. Reads the ELF with pyelftools: the product's model does not load
AArch64 yet. Exit status 0 when the two agree on every reference.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from dataclasses import dataclass

import numpy as np
from elftools.elf.elffile import ELFFile

from linter.image import decode_a64 as D64
from linter.image import validate_a64 as V64

SHF_EXECINSTR = 0x4
MAPPING = re.compile(r"(.*_)?\$[xd](\..*)?")     # $x, $d.12, __pi_$x, __kvm_nvhe_$d


@dataclass
class Section:
    name: str
    addr: int
    code: np.ndarray
    names: list[str]
    starts: np.ndarray     # uint64
    ends: np.ndarray       # uint64


def read_sections(path: str) -> list[Section]:
    with open(path, "rb") as f:
        elf = ELFFile(f)
        if elf["e_machine"] != "EM_AARCH64":
            sys.exit(f"{path}: not an AArch64 ELF ({elf['e_machine']})")
        executable = {i: s for i, s in enumerate(elf.iter_sections())
                      if s["sh_flags"] & SHF_EXECINSTR and s["sh_type"] == "SHT_PROGBITS"}
        symbols = {i: [] for i in executable}
        for sym in elf.get_section_by_name(".symtab").iter_symbols():
            shndx, kind = sym["st_shndx"], sym["st_info"]["type"]
            if shndx in executable and kind in ("STT_FUNC", "STT_NOTYPE") and sym.name \
                    and not MAPPING.fullmatch(sym.name):
                rank = (kind != "STT_FUNC", sym["st_size"] == 0)
                symbols[shndx].append((sym["st_value"], rank, sym["st_size"], sym.name))
        out = []
        for i, sec in executable.items():
            out.append(_functions(sec.name, sec["sh_addr"], np.frombuffer(sec.data(), np.uint8),
                                  symbols[i]))
    return out


def _functions(name, addr, code, symbols) -> Section:
    """One function per address (a FUNC before a sized label before a bare label)."""
    symbols.sort()
    kept = [s for n, s in enumerate(symbols) if n == 0 or s[0] != symbols[n - 1][0]]
    section_end = addr + len(code)
    starts, ends, names = [], [], []
    for n, (start, _rank, size, sym) in enumerate(kept):
        bound = kept[n + 1][0] if n + 1 < len(kept) else section_end
        starts.append(start)
        ends.append(min(start + size, bound) if size else bound)
        names.append(sym)
    return Section(name, addr, code, names, np.array(starts, np.uint64), np.array(ends, np.uint64))


def triples(refs, kind):
    keep = refs.kind == kind
    return set(zip(refs.site[keep].tolist(), refs.target[keep].tolist()))


def disassembly(section: Section, site: int, before: int = 6, after: int = 2) -> list[str]:
    import capstone
    md = capstone.Cs(capstone.CS_ARCH_ARM64, capstone.CS_MODE_ARM)
    md.skipdata = True
    off = site - section.addr
    lo = max(off - 4 * before, 0)
    raw = section.code[lo:off + 4 * (after + 1)].tobytes()
    return [f"    {'>' if a == site else ' '} {a:x}: {m} {o}" for a, _s, m, o in
            md.disasm_lite(raw, section.addr + lo)]


def function_of(section: Section, site: int) -> str:
    at = int(np.searchsorted(section.starts, np.uint64(site), side="right")) - 1
    return section.names[at] if at >= 0 else "?"


def window_scan(sections):
    """Paired references and lone ADRPs with other windows: how far consumers sit from their ADRP."""
    saved = D64.WINDOW
    print("\nwindow scan (ours): references per kind with other pairing windows")
    try:
        for window in (1, 2, 4, 8, 12, 16, 24, 32, 64):
            D64.WINDOW = window
            totals = {}
            for sec in sections:
                refs = D64.decode_references(sec.code, sec.addr, sec.starts, sec.ends)
                for kind, name in V64.KINDS.items():
                    totals[name] = totals.get(name, 0) + int((refs.kind == kind).sum())
            print(f"  K={window:2d}  " + "  ".join(f"{n} {c}" for n, c in totals.items()))
    finally:
        D64.WINDOW = saved


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("vmlinux")
    ap.add_argument("--sample", type=int, default=5, help="disagreements shown per kind and side")
    ap.add_argument("--window-scan", action="store_true")
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    sections = read_sections(args.vmlinux)
    print(f"{args.vmlinux}: read {len(sections)} executable sections in {time.perf_counter() - t0:.1f} s",
          file=sys.stderr)
    words = funcs = 0
    t_ours = t_cs = 0.0
    totals = {name: [0, 0, 0, 0, 0] for name in V64.KINDS.values()}
    samples = []
    for sec in sections:
        t0 = time.perf_counter()
        ours = D64.decode_references(sec.code, sec.addr, sec.starts, sec.ends)
        t_ours += time.perf_counter() - t0
        pos, _f = D64.instruction_starts(sec.code, (sec.starts - np.uint64(sec.addr)).astype(np.int64),
                                         (sec.ends - np.uint64(sec.addr)).astype(np.int64))
        words += len(pos)
        funcs += len(sec.starts)
        t0 = time.perf_counter()
        progress = lambda done, total, name=sec.name: print(  # noqa: E731
            f"  capstone {name}: {done}/{total} functions", file=sys.stderr)
        theirs = V64.capstone_references(sec.code, sec.addr, sec.starts, sec.ends, progress=progress)
        t_cs += time.perf_counter() - t0
        for kind, name in V64.KINDS.items():
            a, b = triples(ours, kind), triples(theirs, kind)
            row = totals[name]
            for k, v in enumerate((len(a), len(b), len(a & b), len(a - b), len(b - a))):
                row[k] += v
            samples += [(sec, "ours only", name, s, t) for s, t in sorted(a - b)[:args.sample]]
            samples += [(sec, "capstone only", name, s, t) for s, t in sorted(b - a)[:args.sample]]
        print(f"{sec.name}: {len(sec.starts)} functions, {len(pos)} words", file=sys.stderr)

    print(f"{funcs} functions, {words} words in {len(sections)} executable sections "
          f"({', '.join(s.name for s in sections)})")
    print(f"ours {t_ours:.2f} s, capstone {t_cs:.1f} s; pairing window {D64.WINDOW} words")
    print(f"{'kind':15s} {'ours':>9s} {'capstone':>9s} {'both':>9s} {'ours-only':>9s} {'cs-only':>9s}")
    for name, row in totals.items():
        print(f"{name:15s} " + " ".join(f"{v:9d}" for v in row))
    agree = all(row[3] == row[4] == 0 for row in totals.values())
    print("agreement: exact" if agree else "agreement: NOT exact")
    for sec, side, name, site, target in samples:
        print(f"\n{side} {name} at {site:x} ({sec.name}, {function_of(sec, site)}) -> {target:x}")
        print("\n".join(disassembly(sec, site)))
    if args.window_scan:
        window_scan(sections)
    return 0 if agree else 1


if __name__ == "__main__":
    sys.exit(main())
