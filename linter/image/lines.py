"""Changed source lines → the image functions that hold their code.

With DWARF (a debug vmlinux): find the compilation unit of the touched file by its name (a short
walk over the unit headers of .debug_info, no DIE tree), decode only that unit's line program and
map the addresses of the line's rows to functions of the symbol table. A line whose code sits in
another function than its own source function was inlined there: the hit says so. The unit's DIE
tree is read only for its inlined subroutines (so that a changed line with no code of its own, a
comment or a declaration in an inlined static, still finds the functions it was inlined into).
pyelftools reads the sections in place (a memory map): never relocated, never copied; in an
ET_EXEC image the values are already final (IMAGE-ANALYSIS.md: relocating costs ~25 minutes).

Without DWARF (or for a file that has no unit, e.g. a header): the source function's name →
code symbols of that name, statics told apart by their STT_FILE group (the touched file's
basename). A name with no symbol is "not in the image": inlined, or not built.

The per-file table is cached per image (model.cache): a second run only loads arrays.
"""

from __future__ import annotations

import hashlib
import posixpath
import struct
from dataclasses import dataclass

import numpy as np

from linter.errors import ImageError
from linter.image import dwarfscan
from linter.image.sourcefile import stem

DWARF = "dwarf"          # LineHit.how: from the unit's line program (or its inlined subroutines)
SYMBOL = "symbol"        # from the source function's name and the symbol table
MISSING = "missing"      # no code in the image: inlined without DWARF to say where, or not built
CACHE_ENTRY = "lines1-"  # bump when the cached table's meaning changes


@dataclass(frozen=True)
class LineHit:
    """One image function holding code of one source line."""

    line: int
    symbol: int | None          # .symtab index of the image function; None: not in the image
    function: str               # its base name (copy_bootdata.constprop.0 → copy_bootdata); the
                                # source function's name when symbol is None
    inlined: str | None = None  # the inlined function whose code this is (then `function` is the
                                # function it was inlined into)
    how: str = DWARF


def has_dwarf(model) -> bool:
    return all(_present(model, name) for name in (".debug_info", ".debug_abbrev", ".debug_line"))


def functions_for_lines(model, file: str, lines: list[int],
                        names: list[str | None] | None = None) -> list[LineHit]:
    """Hits for every line (post-image numbers of `file`), in order. `names` (parallel to lines,
    optional) are the source functions the lines belong to (HunkMark.changes[].function): the
    fallback without DWARF, and the judge of "inlined" with it."""
    names = list(names) if names is not None else [None] * len(lines)
    table = _file_table(model, file) if has_dwarf(model) else None
    out: list[LineHit] = []
    for line, name in zip(lines, names):
        hits = table.hits(model, line, name) if table is not None else []
        out += hits or (functions_named(model, file, name, line) if name else [])
    return out


def functions_named(model, file: str, name: str, line: int = 0) -> list[LineHit]:
    """The image functions holding source function `name` of `file` (for a line with no code of its
    own, or a removed line): its statics in the file's STT_FILE group, else the functions its
    inlined copies sit in (DWARF), else global symbols of that name, else one MISSING hit."""
    local, global_ = _symbols_named(model, file, name)
    hits = [LineHit(line, sym, base, how=SYMBOL) for sym, base in local]
    if not hits and has_dwarf(model):
        hits = _file_table(model, file).inlined_hits(model, line, name)
    hits = hits or [LineHit(line, sym, base, how=SYMBOL) for sym, base in global_]
    return hits or [LineHit(line, None, name, how=MISSING)]


# -- the per-file table ---------------------------------------------------------------------------

class FileTable:
    """What one file's unit says: rows (line → function holding the code) and inlined instances."""

    def __init__(self, arrays: dict):
        self.found = bool(arrays["found"][0])
        self.row_line, self.row_func = arrays["row_line"], arrays["row_func"]
        self.fn_name, self.fn_line = arrays["fn_name"], arrays["fn_line"]   # the file's functions
        self.inst_name, self.inst_func = arrays["inst_name"], arrays["inst_func"]  # inlined copies
        self.strings = [str(s) for s in arrays["strings"]]

    def source_function(self, line: int) -> str | None:
        """The function of this file declared last at or before `line` (DIE decl_line)."""
        before = np.flatnonzero(self.fn_line <= line)
        if not len(before):
            return None
        return self.strings[int(self.fn_name[before[np.argmax(self.fn_line[before])]])]

    def hits(self, model, line: int, name: str | None) -> list[LineHit]:
        from linter.image.paths import base_name

        if not self.found:
            return []
        funcs = np.unique(self.row_func[(self.row_line == line) & (self.row_func >= 0)])
        own = name or self.source_function(line)
        out = []
        for sym in funcs:
            holder = base_name(model.symbols.name(int(sym)))
            inlined = own if own and holder != base_name(own) else None
            out.append(LineHit(line, int(sym), holder, inlined))
        return out

    def inlined_hits(self, model, line: int, name: str) -> list[LineHit]:
        """A line with no code of its own in an inlined function: the functions holding its copies."""
        from linter.image.paths import base_name

        if not self.found or name not in self.strings:
            return []
        funcs = np.unique(self.inst_func[(self.inst_name == self.strings.index(name)) & (self.inst_func >= 0)])
        return [LineHit(line, int(s), base_name(model.symbols.name(int(s))), name) for s in funcs]


def _file_table(model, file: str) -> FileTable:
    key = ("lines", file)
    if key in model.memo:
        return model.memo[key]
    entry = CACHE_ENTRY + hashlib.sha1(file.encode()).hexdigest()[:16]
    arrays = model.cache.load(entry)
    if arrays is None:
        try:
            arrays = _read_file_table(model, file)
        except ImageError:
            raise
        except Exception as exc:  # noqa: BLE001 - pyelftools raises many kinds on damaged DWARF
            raise ImageError(model.path, f"malformed DWARF in the unit of {file}: {exc}") from None
        model.cache.save(entry, arrays)
    model.memo[key] = FileTable(arrays)
    return model.memo[key]


def _read_file_table(model, file: str) -> dict:
    strings: dict[str, int] = {}

    def sid(s: str) -> int:
        return strings.setdefault(s, len(strings))

    offsets = [off for off, name in _unit_names(model) if _same_file(name, file)]
    rows_line, rows_addr, fn_name, fn_line, inst_name, inst_addr = [], [], [], [], [], []
    if offsets:
        dwarf = _dwarf(model)
        for offset in offsets:
            program, rows = _line_program(model, dwarf, offset)
            if program is None:
                continue
            files = _matching_files(program, file)
            for line, address in _rows(rows, files):
                rows_line.append(line)
                rows_addr.append(address)
            functions, inlined = _unit_functions(model, dwarf, offset, files)
            for name, decl_file, decl_line in functions:
                if decl_file in files:
                    fn_name.append(sid(name))
                    fn_line.append(decl_line)
            for name, address in inlined:
                inst_name.append(sid(name))
                inst_addr.append(address)
    funcs = _functions(model)
    return {"found": np.array([bool(offsets)]),
            "row_line": np.array(rows_line, np.int64), "row_func": _holders(funcs, rows_addr),
            "fn_name": np.array(fn_name, np.int64), "fn_line": np.array(fn_line, np.int64),
            "inst_name": np.array(inst_name, np.int64), "inst_func": _holders(funcs, inst_addr),
            "strings": np.array(list(strings) or [""], dtype=str)}


def _line_program(model, dwarf, offset: int):
    """(program, its rows) of the unit at `offset`: read raw (linter.image.dwarflines), or by
    pyelftools for a header the raw reader does not know; (None, None) if the unit has none."""
    from linter.image.dwarflines import line_program

    try:
        program = line_program(model, offset)
        return program, program.rows() if program is not None else None
    except dwarfscan.UnknownForm:
        program = dwarf.line_program_for_CU(dwarf.get_CU_at(offset))
        if program is None:
            return None, None
        return program, (e.state for e in program.get_entries() if e.state is not None)


def _rows(rows, files: set[int]):
    """(line, address) of the rows of `files` that cover code: a row at the same address as the
    next one (a view: several lines at one place) holds no instruction of its own."""
    last = None
    for state in rows:
        if last is not None and state.address > last[1]:
            yield last
        last = None if state.end_sequence or state.file not in files else (state.line, state.address)


def _holders(funcs, addresses: list[int]) -> np.ndarray:
    """Symbol index of the function holding each address, or -1."""
    if not addresses:
        return np.empty(0, np.int64)
    at = funcs.containing(np.array(addresses, np.uint64))
    return np.where(at >= 0, funcs.sym[np.maximum(at, 0)], -1).astype(np.int64)


def _functions(model):
    from linter.image.paths import function_table

    if ("line-functions",) not in model.memo:
        model.memo[("line-functions",)] = function_table(model)
    return model.memo[("line-functions",)]


def _same_file(unit_name: str, file: str) -> bool:
    """DWARF names are absolute build paths, or relative to the build directory (../arch/…)."""
    name = posixpath.normpath(unit_name)
    file = posixpath.normpath(file)
    return name == file or name.endswith("/" + file)


def _matching_files(program, file: str) -> set[int]:
    """Indices (as line rows number them) of the line table's entries that are `file`."""
    header = program.header
    version = header.version
    dirs = [_text(d) for d in header.include_directory]
    out = set()
    for i, entry in enumerate(header.file_entry):
        d = entry.dir_index
        directory = dirs[d] if version >= 5 and d < len(dirs) else (dirs[d - 1] if 0 < d <= len(dirs) else "")
        if _same_file(posixpath.join(directory, _text(entry.name)), file):
            out.add(i if version >= 5 else i + 1)
    return out


def _text(value) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


# -- the DIE tree of one unit: its functions and inlined subroutines --------------------------------

def _die_name(die) -> str | None:
    """A DIE's name, through abstract_origin / specification links."""
    for _ in range(8):
        if "DW_AT_name" in die.attributes:
            return _text(die.attributes["DW_AT_name"].value)
        link = next((a for a in ("DW_AT_abstract_origin", "DW_AT_specification") if a in die.attributes), None)
        if link is None:
            return None
        die = die.get_DIE_from_attribute(link)
    return None


def _decl(die) -> tuple[int | None, int | None]:
    for _ in range(8):
        attrs = die.attributes
        if "DW_AT_decl_line" in attrs:
            return (attrs["DW_AT_decl_file"].value if "DW_AT_decl_file" in attrs else None,
                    attrs["DW_AT_decl_line"].value)
        link = next((a for a in ("DW_AT_abstract_origin", "DW_AT_specification") if a in attrs), None)
        if link is None:
            return None, None
        die = die.get_DIE_from_attribute(link)
    return None, None


def _unit_functions(model, dwarf, offset: int, files: set[int]) -> tuple[list, list]:
    """(_subprograms, _inlined) of the unit at `offset`: its DIEs read raw (linter.image.dwarfscan,
    ~10x faster than pyelftools' objects), or by pyelftools where a form is not known there."""
    top = dwarfscan.unit_die(model, offset)
    if top is not None:
        try:
            return list(_subprograms(top)), list(_inlined(top, files))
        except dwarfscan.UnknownForm:
            pass
    top = dwarf.get_CU_at(offset).get_top_DIE()
    return list(_subprograms(top)), list(_inlined(top, files))


def _subprograms(top):
    """(name, decl_file, decl_line) of the unit's top-level functions (abstract or concrete); `top`
    is the unit's DIE (pyelftools' or dwarfscan's)."""
    for die in top.iter_children():
        if die.tag == "DW_TAG_subprogram" and "DW_AT_declaration" not in die.attributes:
            name = _die_name(die)
            decl_file, decl_line = _decl(die)
            if name and decl_line is not None:
                yield name, decl_file, decl_line


def _inlined(top, files: set[int]):
    """(inlined function's name, an address of its copy) for every DW_TAG_inlined_subroutine of a
    function declared in `files`, inside the unit's concrete functions."""
    for die in top.iter_children():
        if die.tag != "DW_TAG_subprogram" or not die.has_children:
            continue
        stack = list(die.iter_children())
        while stack:
            child = stack.pop()
            if child.tag == "DW_TAG_inlined_subroutine":
                origin = child.get_DIE_from_attribute("DW_AT_abstract_origin") \
                    if "DW_AT_abstract_origin" in child.attributes else child
                address = _entry_address(child)
                name = _die_name(origin)
                if name and address is not None and _decl(origin)[0] in files:
                    yield name, address
            if child.has_children and child.tag in ("DW_TAG_inlined_subroutine", "DW_TAG_lexical_block"):
                stack.extend(child.iter_children())


def _entry_address(die) -> int | None:
    """Where an inlined copy starts: entry_pc, low_pc, or the first of its ranges."""
    attrs = die.attributes
    for attr in ("DW_AT_entry_pc", "DW_AT_low_pc"):
        if attr in attrs and attrs[attr].form == "DW_FORM_addr":
            return attrs[attr].value
    if "DW_AT_ranges" in attrs and attrs["DW_AT_ranges"].form == "DW_FORM_sec_offset":
        if isinstance(die, dwarfscan.Die):        # range lists: pyelftools reads them
            die = _dwarf(die.dwarf.model).get_DIE_from_refaddr(die.offset)
        ranges = die.dwarfinfo.range_lists()
        base = die.cu.get_top_DIE().attributes.get("DW_AT_low_pc")
        base = base.value if base is not None else 0
        for r in ranges.get_range_list_at_offset(attrs["DW_AT_ranges"].value, cu=die.cu) if ranges else []:
            if hasattr(r, "base_address"):
                base = r.base_address
            elif r.begin_offset != r.end_offset:
                return r.begin_offset if r.is_absolute else base + r.begin_offset
    return None


def _symbols_named(model, file: str, name: str) -> tuple[list, list]:
    """([(symbol, base name)] of the code symbols called `name` or a gcc clone of it that are
    statics of `file` (its STT_FILE group), [the same for global symbols])."""
    from linter.image.paths import base_name

    key = ("line-symbols", file, name)
    if key in model.memo:
        return model.memo[key]
    syms = model.symbols
    found = {int(i) for i in syms.find(name)}
    found |= {int(i) for i in np.flatnonzero(syms.starts_with(name + ".")) if base_name(syms.name(int(i))) == name}
    code = [i for i in sorted(found) if model.is_code_symbol(i)]
    local = [(i, base_name(syms.name(i))) for i in code
             if not syms.is_global(i) and stem(syms.file_name(i) or "") == stem(file)]
    global_ = [(i, base_name(syms.name(i))) for i in code if syms.is_global(i)]
    model.memo[key] = local, global_
    return model.memo[key]


# -- opening DWARF in place ------------------------------------------------------------------------

class _View:
    """A read-only file-like window onto a memoryview: pyelftools reads sections through it,
    without copying hundreds of megabytes of .debug_info."""

    def __init__(self, view: memoryview):
        self.view, self.pos = view, 0

    def seek(self, offset: int, whence: int = 0) -> int:
        self.pos = offset if whence == 0 else (self.pos + offset if whence == 1 else len(self.view) + offset)
        return self.pos

    def tell(self) -> int:
        return self.pos

    def read(self, size: int = -1) -> bytes:
        end = len(self.view) if size is None or size < 0 else min(self.pos + size, len(self.view))
        data = bytes(self.view[self.pos:end])
        self.pos = max(self.pos, end)
        return data


SECTIONS = ("info", "aranges", "abbrev", "frame", None, "str", "loc", "ranges", "line", "pubtypes",
            "pubnames", "addr", "str_offsets", "line_str", "loclists", "rnglists", "sup", None, "types")


def _present(model, name: str) -> bool:
    sec = model.section(name)
    return sec is not None and sec.type != "SHT_NOBITS" and sec.size > 0


def _dwarf(model):
    if ("dwarf",) in model.memo:
        return model.memo[("dwarf",)]
    from elftools.dwarf.dwarfinfo import DebugSectionDescriptor, DWARFInfo, DwarfConfig

    def descriptor(name):
        sec = model.section(f".debug_{name}") if name else None
        if sec is None or not _present(model, sec.name):
            return None
        if sec.flags & SHF_COMPRESSED:
            raise ImageError(model.path, f"{sec.name} is compressed (CONFIG_DEBUG_INFO_COMPRESSED): "
                                         f"decompress it first (objcopy --decompress-debug-sections)")
        view = memoryview(model.section_bytes(sec))
        return DebugSectionDescriptor(_View(view), sec.name, sec.offset, sec.size, sec.addr)

    keys = ("debug_info_sec", "debug_aranges_sec", "debug_abbrev_sec", "debug_frame_sec", "eh_frame_sec",
            "debug_str_sec", "debug_loc_sec", "debug_ranges_sec", "debug_line_sec", "debug_pubtypes_sec",
            "debug_pubnames_sec", "debug_addr_sec", "debug_str_offsets_sec", "debug_line_str_sec",
            "debug_loclists_sec", "debug_rnglists_sec", "debug_sup_sec", "gnu_debugaltlink_sec",
            "debug_types_sec")
    config = DwarfConfig(little_endian=True, machine_arch="x64", default_address_size=8)
    model.memo[("dwarf",)] = DWARFInfo(config=config, **{k: descriptor(n) for k, n in zip(keys, SECTIONS)})
    return model.memo[("dwarf",)]


SHF_COMPRESSED = 0x800


# -- unit names without the DIE tree --------------------------------------------------------------

def _unit_names(model) -> list[tuple[int, str]]:
    """(offset in .debug_info, DW_AT_name) of every compile unit: the unit headers and the first
    DIE's attributes, read directly (pyelftools would parse each unit's whole abbreviation table
    first: 12 s on a distribution vmlinux)."""
    if ("dwarf-units",) in model.memo:
        return model.memo[("dwarf-units",)]
    cached = model.cache.load("dwarf-units")
    if cached is not None:
        units = list(zip(cached["offset"].tolist(), cached["name"].tolist()))
    else:
        try:
            units = list(dwarfscan.unit_names(model))
        except (struct.error, IndexError, ValueError) as exc:
            raise ImageError(model.path, f"malformed DWARF: .debug_info unit headers: {exc}") from None
        model.cache.save("dwarf-units", {"offset": np.array([u[0] for u in units], np.int64),
                                         "name": np.array([u[1] for u in units] or [""], dtype=str)[:len(units)]})
    model.memo[("dwarf-units",)] = units
    return units
