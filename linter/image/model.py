"""ImageModel: one vmlinux read once: sections, segments, symbols (numpy), notes and doors.

The section and program header tables (linter/image/tables.py), the symbol table and section contents
are numpy views over a memory map of the file, so a 600 MB image with 119k symbols costs about
what reading its tables costs. Every foreign error is turned into ImageError here, at the border.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass

import numpy as np

from linter.errors import ImageError
from linter.image.cache import ImageCache, image_key
from linter.image.doors import Door, find_doors
from linter.image.header import check_image_file
from linter.image.notes import Note, NoteFormatError, name_and_value, parse_notes
from linter.image.symbols import MAPPING_PREFIXES, STT_FUNC, STT_NOTYPE, SymbolTable
from linter.image.tables import program_table, section_table
from linter.jsoncache import code_identity

SHF_ALLOC, SHF_EXECINSTR = 0x2, 0x4
SHN_LORESERVE = 0xFF00
ELF64_RELA = np.dtype([("offset", "<u8"), ("info", "<u8"), ("addend", "<i8")])
R_X86_64_64, R_X86_64_32, R_X86_64_32S = 1, 10, 11
R_AARCH64_RELATIVE = 1027
STRIPPED_HINT = ("stripped: no .symtab. A symbol-carrying vmlinux comes from the distribution's -dbg "
                 "package (e.g. linux-image-…-dbg) or the build tree")


@dataclass(frozen=True)
class Section:
    index: int
    name: str
    type: str          # "SHT_PROGBITS", ...
    flags: int
    addr: int
    offset: int
    size: int
    link: int
    info: int

    @property
    def executable(self) -> bool:
        return bool(self.flags & SHF_EXECINSTR)

    @property
    def loaded(self) -> bool:
        return bool(self.flags & SHF_ALLOC)


@dataclass(frozen=True)
class Segment:
    type: str          # "PT_LOAD", "PT_NOTE", ...
    offset: int
    vaddr: int
    paddr: int
    filesz: int
    memsz: int
    flags: int


class ImageModel:
    """What every image command and rule reads. Build it with load_image()."""

    def __init__(self, path: str, entry: int, sections: list[Section], segments: list[Segment],
                 data: np.ndarray, cache: ImageCache, arch: str = "x86_64"):
        self.path = path
        self.arch = arch                   # "x86_64" or "arm64" (linter/image/header.py)
        self.entry = entry                 # e_entry as written (physical on x86_64, virtual on arm64)
        self.sections = sections
        self.segments = segments
        self.data = data                   # the whole file, memory-mapped, read-only
        self.cache = cache
        self.build_id: str | None = None
        self.symbols: SymbolTable | None = None
        self.notes: list[Note] = []
        self.doors: list[Door] = []
        self.warnings: list[str] = []      # oddities worth telling the user; not errors
        self.memo: dict = {}               # results derived once per run (e.g. the path analysis)
        self._by_name = {s.name: s for s in sections}
        self._loads = [s for s in segments if s.type == "PT_LOAD"]

    # -- sections and addresses ----------------------------------------------------------------
    def section(self, name: str) -> Section | None:
        return self._by_name.get(name)

    @property
    def has_relocations(self) -> bool:
        """Only images from before Linux 6.5 (or vmlinux.unstripped) carry .rela.text."""
        return ".rela.text" in self._by_name

    def section_bytes(self, section: Section | str) -> np.ndarray:
        """The section's file contents as a read-only uint8 view (empty for .bss-like sections)."""
        sec = self.section(section) if isinstance(section, str) else section
        if sec is None or sec.type == "SHT_NOBITS":
            return np.empty(0, dtype=np.uint8)
        end = sec.offset + sec.size
        if end > len(self.data):
            raise ImageError(self.path, f"truncated: section {sec.name} ends at byte {end}, past the end "
                                        f"of the file ({len(self.data)} bytes)")
        return self.data[sec.offset:end]

    @property
    def decoder(self):
        """The instruction decoder of the image's arch: linter.image.decode (x86-64) or
        linter.image.decode_a64 (A64), one API."""
        if self.arch == "arm64":
            from linter.image import decode_a64

            return decode_a64
        from linter.image import decode

        return decode

    def decode_references(self, section: Section, starts, ends, *, asm_mask=None):
        """The references in the functions [starts, ends) of a code section, by the arch's decoder;
        none from words the assembler marked as data (arm64's mapping symbols `$d`: literal pools,
        the Image header's fields, which decode as branches to anywhere)."""
        refs = self.decoder.decode_references(self.section_bytes(section), section.addr, starts, ends,
                                              asm_mask=asm_mask)
        if self.arch != "arm64":     # mapping symbols are the ARM ELF convention
            return refs
        marks, is_data = self._mapping_marks()
        if not is_data.any() or not len(refs):
            return refs
        at = np.searchsorted(marks, refs.site, side="right") - 1
        code = ~((at >= 0) & is_data[np.maximum(at, 0)])
        return type(refs)(refs.site[code], refs.func[code], refs.kind[code], refs.target[code])

    def _mapping_marks(self) -> tuple[np.ndarray, np.ndarray]:
        """(sorted addresses of mapping symbols, is each a `$d`): where code and data alternate."""
        if "mapping_marks" not in self.memo:
            syms, none = self.symbols, np.zeros(len(self.symbols), bool)
            data, code = none.copy(), none.copy()
            for prefix in MAPPING_PREFIXES:
                data |= syms.starts_with(prefix + "$d")
                code |= syms.starts_with(prefix + "$x") | syms.starts_with(prefix + "$a") | syms.starts_with(prefix + "$t")
            picked = np.flatnonzero(data | code)
            order = np.argsort(syms.value[picked], kind="stable")
            self.memo["mapping_marks"] = (syms.value[picked][order].astype(np.uint64), data[picked][order])
        return self.memo["mapping_marks"]

    def pointer_sections(self) -> list[tuple[int, np.ndarray]]:
        """(address, bytes) of every section a statically initialised pointer can be read from:
        the loaded data sections, and on arm64 the code too (literal pools: `ldr x8, =sym`). A
        relocatable arm64 vmlinux is linked with --no-apply-dynamic-relocs: its pointers are 0 in
        the file and their values are the addends of .rela.dyn's R_AARCH64_RELATIVE entries, which
        are written in here (into copies; the file stays mapped read-only)."""
        if "pointer_sections" not in self.memo:
            arm64 = self.arch == "arm64"
            picked = [s for s in self.sections
                      if s.loaded and s.type == "SHT_PROGBITS" and (arm64 or not s.executable)]
            found = [(s.addr, self.section_bytes(s)) for s in picked]
            if arm64 and self.section(".rela.dyn") is not None:
                found = _apply_relative(found, self.relocations(".rela.dyn"))
            self.memo["pointer_sections"] = found
        return self.memo["pointer_sections"]

    def relocations(self, section: str) -> np.ndarray:
        """Entries of a RELA section (offset, info, addend) as a structured array; empty if absent."""
        raw = self.section_bytes(section)
        if len(raw) % ELF64_RELA.itemsize:
            raise ImageError(self.path, f"malformed ELF: {section} is not a whole number of entries")
        return raw.view(ELF64_RELA)

    def to_virtual(self, address: int) -> int | None:
        """A virtual address for `address`, read as virtual first, then as physical (PT_LOAD
        p_paddr → p_vaddr); None when no loaded segment holds it."""
        address &= (1 << 64) - 1
        for seg in self._loads:
            if seg.vaddr <= address < seg.vaddr + seg.memsz:
                return address
        for seg in self._loads:
            if seg.paddr <= address < seg.paddr + seg.memsz:
                return (address - seg.paddr + seg.vaddr) & ((1 << 64) - 1)  # lying headers wrap
        return None

    def section_at(self, address: int) -> Section | None:
        for sec in self.sections:
            if sec.loaded and sec.addr <= address < sec.addr + max(sec.size, 1):
                return sec
        return None

    # -- symbols -------------------------------------------------------------------------------
    def is_code_symbol(self, index: int) -> bool:
        """A label or function in executable code; not a section, file or marker symbol."""
        syms = self.symbols
        shndx = int(syms.shndx[index])
        if shndx == 0 or shndx >= SHN_LORESERVE or shndx >= len(self.sections):
            return False
        return (self.sections[shndx].executable and syms.type(index) in (STT_NOTYPE, STT_FUNC)
                and not syms.is_marker(index))

    def code_symbol(self, name: str) -> int | None:
        """The first code symbol called `name`, or None."""
        return next((int(i) for i in self.symbols.find(name) if self.is_code_symbol(int(i))), None)

    def code_symbol_at(self, address: int) -> tuple[int, int] | None:
        """(symbol index, offset) of the code at `address`: a symbol starting there (functions
        before sized labels before inner labels; markers like _text never), else the sized code
        symbol around it."""
        starting = [int(i) for i in self.symbols.at(address) if self.is_code_symbol(int(i))]
        if starting:
            syms = self.symbols
            best = min(starting, key=lambda i: (syms.type(i) != STT_FUNC, int(syms.size[i]) == 0,
                                                 not syms.is_global(i), i))
            return best, 0
        around = [int(i) for i in self.symbols.containing(address) if self.is_code_symbol(int(i))]
        if around:
            best = min(around, key=lambda i: int(self.symbols.size[i]))
            return best, address - int(self.symbols.value[best])
        return None

    def marker_at(self, address: int) -> int | None:
        """The marker symbol at `address` in code (`_text` before the mapping symbol `$x` there, a
        global before a local), or None: arm64's e_entry is _text, the Image header, which no
        function symbol names."""
        section = self.section_at(address)
        if section is None or not section.executable:
            return None
        syms = self.symbols
        markers = [int(i) for i in syms.at(address) if syms.is_marker(int(i))]
        return min(markers, key=lambda i: (syms.name(i).startswith("$"), not syms.is_global(i), i), default=None)

    def name(self, index: int) -> str:
        return self.symbols.name(index)


def load_image(path: str, profile, use_cache: bool = True) -> ImageModel:
    """Read the vmlinux at `path` (ImageError with one clear line when it cannot be read)."""
    from linter.progress import progress

    header = check_image_file(path)
    progress.step(f"reading {path}")
    try:
        model = _open(path, header, profile, use_cache)
        _read_symbols(model)
    except (struct.error, NoteFormatError) as exc:
        raise ImageError(path, f"malformed ELF: {exc}") from None
    except (OSError, ValueError) as exc:  # memmap or view of a damaged file
        raise ImageError(path, f"cannot read: {exc}") from None
    _cross_check_notes(model)
    _find_profile_names(model, profile)
    model.doors = find_doors(model, profile)
    return model


def _open(path: str, header, profile, use_cache: bool) -> ImageModel:
    data = np.memmap(path, dtype=np.uint8, mode="r")
    sections = [Section(*row) for row in section_table(path, data, header.shoff, header.shnum, header.shstrndx)]
    segments = [Segment(*row) for row in program_table(data, header.phoff, header.phnum)]
    for sec in sections:
        if sec.type != "SHT_NOBITS" and sec.size and sec.offset + sec.size > header.size:
            raise ImageError(path, f"truncated: section {sec.name or sec.index} ends at byte "
                                   f"{sec.offset + sec.size}, past the end of the file ({header.size} bytes)")
    model = ImageModel(path, header.entry, sections, segments, data, ImageCache("", enabled=False), header.arch)
    _read_notes(model, profile)   # (the cache key needs the build-id note)
    model.build_id = next((n.desc.hex() for n in model.notes if n.owner == "GNU" and n.type == 3), None)
    table = bytes(data[header.shoff:header.shoff + header.shnum * header.shentsize])
    # entrylint's own code is part of the key: arrays another version derived (its graph, its
    # edges) are never read
    key = f"{image_key(path, model.build_id, table)}-{code_identity()[:12]}"
    model.cache = ImageCache(key, enabled=use_cache)
    return model


def _apply_relative(sections: list[tuple[int, np.ndarray]], rela: np.ndarray) -> list[tuple[int, np.ndarray]]:
    """Copies of the sections that R_AARCH64_RELATIVE entries point into, each 8-byte word set to
    its entry's addend (the link-time address the loader adds the KASLR offset to)."""
    rela = rela[(rela["info"] & np.uint64(0xFFFFFFFF)) == R_AARCH64_RELATIVE]
    where = rela["offset"].astype(np.uint64)
    value = rela["addend"].astype(np.int64).view(np.uint64)
    out = []
    for addr, raw in sections:
        inside = (where >= np.uint64(addr)) & (where + np.uint64(8) <= np.uint64(addr + len(raw)))
        if not inside.any():
            out.append((addr, raw))
            continue
        patched = np.array(raw, dtype=np.uint8)
        at = (where[inside] - np.uint64(addr)).astype(np.int64)
        patched[at[:, None] + np.arange(8)] = value[inside].astype("<u8").view(np.uint8).reshape(-1, 8)
        out.append((addr, patched))
    return out


def _find_profile_names(model: ImageModel, profile) -> None:
    """The symbols the profile names, from the cache when an earlier run looked them up (each
    lookup is a scan of the string table)."""
    names = sorted({profile.common_root} | {n for p in profile.paths.values() for n in p.entry_symbols + p.converges_at})
    entry = "names-" + hashlib.sha1("\0".join(names).encode()).hexdigest()[:12]
    cached = model.cache.load(entry)
    if cached is not None and set(cached) == set(names):
        model.symbols.remember(cached)
        return
    model.cache.save(entry, {n: model.symbols.find(n) for n in names})


def _read_notes(model: ImageModel, profile) -> None:
    xen_types = profile.notes["Xen"].types if "Xen" in profile.notes else {}
    # arm64: a note's `.quad sym` is 0 in the file, its value an R_AARCH64_RELATIVE addend
    rela = model.relocations(".rela.dyn") if model.arch == "arm64" and model.section(".rela.dyn") else None
    for sec in model.sections:
        if sec.type != "SHT_NOTE":
            continue
        raw = model.section_bytes(sec)
        if rela is not None and sec.loaded:
            raw = _apply_relative([(sec.addr, raw)], rela)[0][1]
        for note in parse_notes(bytes(raw), sec.addr if sec.loaded else 0, sec.name):
            note.name, note.value = name_and_value(note, xen_types)
            model.notes.append(note)


def _read_symbols(model: ImageModel) -> None:
    cached = model.cache.load("symbols")
    if cached is not None:
        model.symbols = SymbolTable.from_arrays(cached)
        return
    symtab = next((s for s in model.sections if s.type == "SHT_SYMTAB"), None)
    if symtab is None:
        raise ImageError(model.path, STRIPPED_HINT)
    if symtab.link >= len(model.sections):
        raise ImageError(model.path, "malformed ELF: .symtab names no string table")
    raw = model.section_bytes(symtab)
    if len(raw) % 24:
        raise ImageError(model.path, "malformed ELF: .symtab is not a whole number of symbols")
    strtab = model.section_bytes(model.sections[symtab.link])
    model.symbols = SymbolTable.from_elf(raw, symtab.info, strtab)
    past = int(np.count_nonzero(model.symbols.name_off >= len(strtab))) if len(model.symbols) else 0
    if past:
        raise ImageError(model.path, f"malformed ELF: {past} symbol names point past the end of "
                                     f".strtab ({len(strtab)} bytes)")
    model.cache.save("symbols", model.symbols.to_arrays())


def _cross_check_notes(model: ImageModel) -> None:
    """Older images relocate the entry notes through .rela.notes: check the value we read."""
    if model.section(".rela.notes") is None:
        return
    syms = model.symbols
    for rel in model.relocations(".rela.notes"):
        rtype, sym = int(rel["info"]) & 0xFFFFFFFF, int(rel["info"]) >> 32
        width = {R_X86_64_64: 8, R_X86_64_32: 4, R_X86_64_32S: 4}.get(rtype)
        note = next((n for n in model.notes if n.address and n.address == int(rel["offset"])), None)
        if width is None or note is None or not isinstance(note.value, int):
            continue
        if sym >= len(syms):
            model.warnings.append(f".rela.notes: a relocation of Xen note {note.name} names symbol {sym}, "
                                  f"past the end of .symtab ({len(syms)} symbols): not cross-checked")
            continue
        target = (int(syms.value[sym]) + int(rel["addend"])) & ((1 << (8 * width)) - 1)
        shndx = int(syms.shndx[sym])
        note.relocated_to = syms.name(sym) or (model.sections[shndx].name if shndx < len(model.sections) else "?")
        if target != note.value:
            model.warnings.append(f"Xen note {note.name}: value {note.value:#x} but .rela.notes says "
                                  f"{note.relocated_to}{int(rel['addend']):+#x} = {target:#x}")
