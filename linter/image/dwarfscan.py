"""Raw DWARF reading where pyelftools is too slow or too big for a whole vmlinux: the unit headers,
each unit's name, a unit's top-level variables, and the few DIEs of the hook tables' types.

pyelftools parses a unit's whole abbreviation table before its first DIE, and builds an object per
DIE: 12 s to name every unit of a distribution vmlinux, and ~0.1 s to list one big unit's top-level
DIEs (plus its own import, ~50 ms). Here a DIE is skipped by the sizes of its forms, and a DIE with
children by its DW_AT_sibling. Bytes are read with pread, not through the image's memory map: a
touch of one byte of a mapped file maps its neighbours too (fault-around), and reading one header
per unit through the map made 110 MB of a distribution vmlinux's .debug_info resident.

Die objects answer the few questions linter.image.slotnames asks a pyelftools DIE (tag, attributes
with .value, iter_children, get_DIE_from_attribute), so the same type walk reads either. A form
this reader does not know raises UnknownForm; callers then ask pyelftools.
"""

from __future__ import annotations

import bisect
import os
import struct

DW_TAG_compile_unit, DW_TAG_variable = 0x11, 0x34
DW_AT_sibling, DW_AT_name, DW_AT_type = 0x01, 0x03, 0x49
DW_UT_compile, DW_UT_skeleton, DW_UT_type, DW_UT_split_compile, DW_UT_split_type = 1, 4, 2, 5, 6
FIXED = {0x05: 2, 0x06: 4, 0x07: 8, 0x0B: 1, 0x0C: 1, 0x11: 1, 0x12: 2, 0x13: 4, 0x14: 8, 0x19: 0,
         0x1C: 4, 0x1E: 16, 0x20: 8, 0x21: 0, 0x24: 8, 0x25: 1, 0x26: 2, 0x27: 3, 0x28: 4,
         0x29: 1, 0x2A: 2, 0x2B: 3, 0x2C: 4}
ULEB_FORMS = {0x0F, 0x15, 0x1A, 0x1B, 0x22, 0x23, 0x1F02, 0x1F01}
DW_FORM_addr, DW_FORM_string, DW_FORM_strp, DW_FORM_line_strp, DW_FORM_ref_addr = 0x01, 0x08, 0x0E, 0x1F, 0x10
DW_FORM_sdata, DW_FORM_udata, DW_FORM_indirect, DW_FORM_implicit_const = 0x0D, 0x0F, 0x16, 0x21
DW_FORM_sec_offset = 0x17
OFFSET_FORMS = {0x0E, 0x10, 0x17, 0x1D, 0x1F, 0x1F20, 0x1F21}
UNIT_REFS = {0x11: 1, 0x12: 2, 0x13: 4, 0x14: 8, 0x15: 0}          # ref1..ref8, ref_udata: unit-relative
DATA = {0x0B: 1, 0x05: 2, 0x06: 4, 0x07: 8}                         # data1..data8: unsigned values
BLOCKS = {0x0A: 1, 0x03: 2, 0x04: 4}
VARIABLE_LENGTH = {0x09, 0x18}                                      # block, exprloc: ULEB size, then bytes
FLAGS = {0x0C, 0x19}
# the names the slot walk asks for (pyelftools spells them so); other tags and attributes stay numbers
TAG_NAMES = {0x01: "DW_TAG_array_type", 0x0B: "DW_TAG_lexical_block", 0x0D: "DW_TAG_member",
             0x0F: "DW_TAG_pointer_type", 0x11: "DW_TAG_compile_unit", 0x13: "DW_TAG_structure_type",
             0x16: "DW_TAG_typedef", 0x17: "DW_TAG_union_type", 0x1D: "DW_TAG_inlined_subroutine",
             0x21: "DW_TAG_subrange_type", 0x26: "DW_TAG_const_type", 0x2E: "DW_TAG_subprogram",
             0x34: "DW_TAG_variable", 0x35: "DW_TAG_volatile_type", 0x37: "DW_TAG_restrict_type",
             0x47: "DW_TAG_atomic_type"}
ATTR_NAMES = {0x03: "DW_AT_name", 0x0B: "DW_AT_byte_size", 0x0D: "DW_AT_bit_size", 0x10: "DW_AT_stmt_list",
              0x11: "DW_AT_low_pc",
              0x2F: "DW_AT_upper_bound", 0x31: "DW_AT_abstract_origin", 0x37: "DW_AT_count",
              0x38: "DW_AT_data_member_location", 0x3A: "DW_AT_decl_file", 0x3B: "DW_AT_decl_line",
              0x3C: "DW_AT_declaration", 0x47: "DW_AT_specification", 0x49: "DW_AT_type",
              0x52: "DW_AT_entry_pc", 0x55: "DW_AT_ranges", 0x6B: "DW_AT_data_bit_offset"}
FORM_NAMES = {0x01: "DW_FORM_addr", 0x17: "DW_FORM_sec_offset"}       # the ones callers ask about
STRING_CHUNK = 96           # bytes read at a time for a string (unit names are paths)
TOP_DIE_GUESS = 160         # bytes read of a unit's DIE to find its name (gcc's: ~40)


class UnknownForm(Exception):
    """A DWARF form (or reference) this reader does not decode."""


class UnitHeader:
    __slots__ = ("offset", "die_at", "end", "version", "abbrev_off", "offset_size", "address_size")

    def __init__(self, *fields):
        for name, value in zip(self.__slots__, fields):
            setattr(self, name, value)


def uleb(data, at: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, at


def sleb(data, at: int) -> tuple[int, int]:
    value, end = uleb(data, at)
    bits = 7 * (end - at)
    return (value - (1 << bits) if value & (1 << (bits - 1)) else value), end


def uleb_bytes(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


class _FileRange:
    """A section's bytes, read with pread on demand."""

    def __init__(self, fd: int, offset: int, size: int):
        self.fd, self.offset, self.size = fd, offset, size

    def read(self, at: int, size: int, exact: bool = True) -> bytes:
        """`size` bytes at `at`; with exact=False, as many as the section has there."""
        if not exact:
            size = max(0, min(size, self.size - at))
        if at + size > self.size:
            raise IndexError(f"{size} bytes at {at:#x} run past the section's end ({self.size:#x})")
        data = os.pread(self.fd, size, self.offset + at)
        if len(data) != size:
            raise IndexError(f"the file ends at {self.offset + at + len(data)}, inside a section")
        return data

    def c_string(self, at: int) -> str:
        data = b""
        while True:
            chunk = self.read(at + len(data), STRING_CHUNK, exact=False)
            end = chunk.find(b"\0")
            if end >= 0 or not chunk:
                return (data + chunk[:max(end, 0)]).decode("utf-8", "replace")
            data += chunk


class Sections:
    """The DWARF sections of one image, the unit headers and the abbreviations: read once a run."""

    def __init__(self, model):
        self.model = model
        self.fd = os.open(model.path, os.O_RDONLY)
        self.info = self._range(model, ".debug_info")
        self.strings = {DW_FORM_strp: self._range(model, ".debug_str"),
                        DW_FORM_line_strp: self._range(model, ".debug_line_str")}
        self.abbrev = Abbreviations(self._range(model, ".debug_abbrev").read(0, 1 << 62, exact=False))
        self.units = list(unit_headers(self.info))
        self.unit_starts = [u.offset for u in self.units]
        self.abbrev.ends_from([u.abbrev_off for u in self.units])
        self._unit_bytes: dict[int, bytes] = {}

    def __del__(self):
        try:
            os.close(self.fd)
        except (OSError, AttributeError):
            pass

    def range_of(self, name: str) -> _FileRange:
        """Another section of the image, read the same way."""
        return self._range(self.model, name)

    def _range(self, model, name: str) -> _FileRange:
        sec = model.section(name)
        present = sec is not None and sec.type != "SHT_NOBITS"
        return _FileRange(self.fd, sec.offset if present else 0, sec.size if present else 0)

    def unit_at(self, offset: int) -> UnitHeader | None:
        """The unit whose bytes hold .debug_info offset `offset`."""
        at = bisect.bisect_right(self.unit_starts, offset) - 1
        return self.units[at] if at >= 0 and offset < self.units[at].end else None

    def unit_bytes(self, unit: UnitHeader) -> bytes:
        """The unit's bytes from its start (DIE offsets index them after `- unit.offset`)."""
        if unit.offset not in self._unit_bytes:
            self._unit_bytes[unit.offset] = self.info.read(unit.offset, unit.end - unit.offset)
        return self._unit_bytes[unit.offset]

    def string(self, form: int, data: bytes, pos: int, unit: UnitHeader) -> str | None:
        if form == DW_FORM_string:
            end = data.find(b"\0", pos)
            return data[pos:end].decode("utf-8", "replace") if end >= 0 else None
        if form in self.strings:
            return self.strings[form].c_string(int.from_bytes(data[pos:pos + unit.offset_size], "little"))
        return None                             # strx: needs str_offsets_base; not worth it here

    def die(self, offset: int) -> Die:
        unit = self.unit_at(offset)
        if unit is None:
            raise UnknownForm(f"no unit holds DIE offset {offset:#x}")
        return Die(self, unit, offset)


def sections(model) -> Sections:
    if ("dwarfscan",) not in model.memo:
        model.memo[("dwarfscan",)] = Sections(model)
    return model.memo[("dwarfscan",)]


def unit_die(model, unit_offset: int) -> Die | None:
    """The top DIE of the unit at `unit_offset` (its children are the unit's top level)."""
    dwarf = sections(model)
    unit = dwarf.unit_at(unit_offset)
    return Die(dwarf, unit, unit.die_at) if unit is not None and unit.offset == unit_offset else None


def unit_headers(info: _FileRange):
    """The header of every compile (or skeleton) unit in .debug_info."""
    at = 0
    while at + 11 <= info.size:
        head = info.read(at, 24, exact=False)
        length = struct.unpack_from("<I", head, 0)[0]
        offset_size, pos = 4, 4
        if length == 0xFFFFFFFF:
            length, offset_size, pos = struct.unpack_from("<Q", head, 4)[0], 8, 12
        end = at + pos + length
        version = struct.unpack_from("<H", head, pos)[0]
        pos += 2
        unit_type = DW_UT_compile
        if version >= 5:
            unit_type, address_size = head[pos], head[pos + 1]
            abbrev_off = int.from_bytes(head[pos + 2:pos + 2 + offset_size], "little")
            pos += 2 + offset_size
            if unit_type in (DW_UT_skeleton, DW_UT_split_compile):
                pos += 8
            elif unit_type in (DW_UT_type, DW_UT_split_type):
                pos += 8 + offset_size
        else:
            abbrev_off = int.from_bytes(head[pos:pos + offset_size], "little")
            address_size = head[pos + offset_size]
            pos += offset_size + 1
        if unit_type in (DW_UT_compile, DW_UT_skeleton):
            yield UnitHeader(at, at + pos, end, version, abbrev_off, offset_size, address_size)
        at = end


def unit_names(model):
    """(offset in .debug_info, DW_AT_name) of every compile unit: the unit headers and the first
    DIE's attributes, read directly."""
    dwarf = sections(model)
    for unit in dwarf.units:
        try:
            name = _unit_name(dwarf, unit, TOP_DIE_GUESS)
        except _CutShort:                       # a unit DIE longer than the guess: read all of it
            name = _unit_name(dwarf, unit, unit.end - unit.die_at)
        if name is not None:
            yield unit.offset, name


class _CutShort(Exception):
    pass


def _unit_name(dwarf: Sections, unit: UnitHeader, size: int) -> str | None:
    die = dwarf.info.read(unit.die_at, min(unit.end - unit.die_at, size), exact=False)
    cut = len(die) < unit.end - unit.die_at     # more of the DIE may lie past what was read
    try:
        return _name_in(dwarf, unit, die)
    except (IndexError, ValueError):            # ran off the bytes read
        if cut:
            raise _CutShort() from None
        raise IndexError(f"the top DIE of the unit at {unit.offset:#x} runs past the unit") from None


def _name_in(dwarf: Sections, unit: UnitHeader, die: bytes) -> str | None:
    code, pos = uleb(die, 0)
    spec = dwarf.abbrev.find(unit.abbrev_off, code)
    if spec is None or spec[0] != DW_TAG_compile_unit:
        return None
    for attr, form, _ in spec[2]:
        if form == DW_FORM_indirect:
            form, pos = uleb(die, pos)
        end = skip(form, die, pos, unit)        # (a string without its NUL: ValueError)
        if end is None:
            return None
        if end > len(die):
            raise IndexError("attribute past the bytes read")
        if attr == DW_AT_name:
            return dwarf.string(form, die, pos, unit)
        pos = end
    return None


def skip(form: int, data, pos: int, unit: UnitHeader) -> int | None:
    """The position after an attribute of `form` at `pos`, or None for a form not known here."""
    if form in FIXED:
        return pos + FIXED[form]
    if form in OFFSET_FORMS:
        return pos + (unit.address_size if form == DW_FORM_ref_addr and unit.version == 2 else unit.offset_size)
    if form == DW_FORM_addr:
        return pos + unit.address_size
    if form in ULEB_FORMS or form == DW_FORM_sdata:
        return uleb(data, pos)[1]
    if form == DW_FORM_string:
        return data.index(b"\0", pos) + 1 if isinstance(data, bytes) else _c_end(data, pos)
    if form in VARIABLE_LENGTH:
        size, pos = uleb(data, pos)
        return pos + size
    if form in BLOCKS:
        n = BLOCKS[form]
        return pos + n + int.from_bytes(data[pos:pos + n], "little")
    return None


def _c_end(data, pos: int) -> int:
    while data[pos]:
        pos += 1
    return pos + 1


def top_level_variables(model, unit_offset: int, wanted: set[str]) -> list[tuple[str, Die]] | None:
    """(name, Die) of the unit's top-level DW_TAG_variable DIEs named in `wanted` that carry a
    DW_AT_type; None when the unit uses a form this scan does not know (read it with pyelftools)."""
    dwarf = sections(model)
    unit = dwarf.unit_at(unit_offset)
    if unit is None or unit.offset != unit_offset:
        return None
    data, base, found = dwarf.unit_bytes(unit), unit.offset, []
    table = dwarf.abbrev.table(unit.abbrev_off)
    code, pos = uleb(data, unit.die_at - base)
    top = table.get(code)
    if top is None or not top[1]:
        return []
    for _, form, _ in top[2]:                   # past the unit DIE's own attributes
        if form == DW_FORM_indirect:
            form, pos = uleb(data, pos)
        pos = skip(form, data, pos, unit)
        if pos is None:
            return None
    depth = 1                                   # inside the unit DIE: its children are the top level
    while pos < len(data) and depth > 0:
        die_at = pos
        code, pos = uleb(data, pos)
        if code == 0:
            depth -= 1
            continue
        spec = table.get(code)
        if spec is None:
            return None
        tag, children, attrs = spec
        name = sibling = None
        typed = False
        for attr, form, _ in attrs:
            if form == DW_FORM_indirect:
                form, pos = uleb(data, pos)
            if attr == DW_AT_sibling and form in UNIT_REFS:
                size = UNIT_REFS[form]
                sibling = (int.from_bytes(data[pos:pos + size], "little") if size else uleb(data, pos)[0])
            elif depth == 1 and tag == DW_TAG_variable:
                if attr == DW_AT_name:
                    name = dwarf.string(form, data, pos, unit)
                elif attr == DW_AT_type:
                    typed = True
            pos = skip(form, data, pos, unit)
            if pos is None:
                return None
        if depth == 1 and name in wanted and typed:
            found.append((name, Die(dwarf, unit, base + die_at)))
        if children:
            if sibling is not None and depth == 1:
                pos = sibling                   # the next top-level DIE, past this one's subtree
            else:
                depth += 1
    return found


class Attribute:
    """One attribute of a Die: its form (`code`, and pyelftools' name in `form`), and its value,
    decoded when asked (a name costs a read of .debug_str)."""

    __slots__ = ("die", "code", "pos", "implicit", "_value")

    def __init__(self, die: Die, code: int, pos: int, implicit):
        self.die, self.code, self.pos, self.implicit, self._value = die, code, pos, implicit, None

    @property
    def form(self) -> str:
        return FORM_NAMES.get(self.code, f"DW_FORM_{self.code:#x}")

    @property
    def value(self):
        if self._value is None:
            self._value = self.die.value_at(self.code, self.pos, self.implicit)
        return self._value


class Die:
    """One DIE, read on demand: the pyelftools DIE's tag, attributes, iter_children and
    get_DIE_from_attribute, for the attributes named in ATTR_NAMES."""

    def __init__(self, dwarf: Sections, unit: UnitHeader, offset: int):
        self.dwarf, self.unit, self.offset = dwarf, unit, offset
        data = dwarf.unit_bytes(unit)
        code, pos = uleb(data, offset - unit.offset)
        spec = dwarf.abbrev.table(unit.abbrev_off).get(code)
        if spec is None:
            raise UnknownForm(f"abbreviation {code} of the DIE at {offset:#x} is not in its table")
        tag, self.has_children, attrs = spec
        self.tag = TAG_NAMES.get(tag, f"DW_TAG_{tag:#x}")
        self.attributes: dict[str, Attribute] = {}
        self._sibling = None
        for attr, form, implicit in attrs:
            if form == DW_FORM_indirect:
                form, pos = uleb(data, pos)
            name = ATTR_NAMES.get(attr)
            if name is not None:
                self.attributes[name] = Attribute(self, form, pos, implicit)
            elif attr == DW_AT_sibling and form in UNIT_REFS:
                self._sibling = self.value_at(form, pos, None)
            pos = skip(form, data, pos, unit)
            if pos is None:
                raise UnknownForm(f"form {form:#x} in the DIE at {offset:#x}")
        self.end = unit.offset + pos

    def value_at(self, form: int, pos: int, implicit):
        """The value of an attribute of `form` at `pos` in this DIE's unit."""
        unit, data = self.unit, self.dwarf.unit_bytes(self.unit)
        if form in DATA:
            return int.from_bytes(data[pos:pos + DATA[form]], "little")
        if form == DW_FORM_udata:
            return uleb(data, pos)[0]
        if form == DW_FORM_sdata:
            return sleb(data, pos)[0]
        if form == DW_FORM_implicit_const:
            return implicit
        if form in UNIT_REFS:
            size = UNIT_REFS[form]
            return unit.offset + (int.from_bytes(data[pos:pos + size], "little") if size else uleb(data, pos)[0])
        if form == DW_FORM_ref_addr:
            return int.from_bytes(data[pos:pos + unit.offset_size], "little")
        if form == DW_FORM_addr:
            return int.from_bytes(data[pos:pos + unit.address_size], "little")
        if form == DW_FORM_sec_offset:
            return int.from_bytes(data[pos:pos + unit.offset_size], "little")
        if form in (DW_FORM_string, DW_FORM_strp, DW_FORM_line_strp):
            return self.dwarf.string(form, data, pos, unit)
        if form in VARIABLE_LENGTH:
            size, start = uleb(data, pos)
            return list(data[start:start + size])
        if form in BLOCKS:
            n = BLOCKS[form]
            size = int.from_bytes(data[pos:pos + n], "little")
            return list(data[pos + n:pos + n + size])
        if form in FLAGS:
            return True if form == 0x19 else bool(data[pos])
        raise UnknownForm(f"form {form:#x} of a DIE the slot walk reads")

    def get_DIE_from_attribute(self, name: str) -> Die:  # noqa: N802 - pyelftools' name
        attr = self.attributes[name]
        if attr.code not in UNIT_REFS and attr.code != DW_FORM_ref_addr:
            raise UnknownForm(f"{name} of form {attr.code:#x} at {self.offset:#x}")
        return self.dwarf.die(attr.value)

    def iter_children(self):
        if not self.has_children:
            return
        at = self.end
        data, base = self.dwarf.unit_bytes(self.unit), self.unit.offset
        while at - base < len(data) and data[at - base] != 0:
            child = Die(self.dwarf, self.unit, at)
            yield child
            at = child._next_sibling()

    def _next_sibling(self) -> int:
        """The offset after this DIE's subtree: its DW_AT_sibling, else past every child."""
        if not self.has_children:
            return self.end
        if self._sibling is not None:
            return self._sibling
        at = self.end
        data, base = self.dwarf.unit_bytes(self.unit), self.unit.offset
        while data[at - base] != 0:
            at = Die(self.dwarf, self.unit, at)._next_sibling()
        return at + 1


class Abbreviations:
    """The abbreviation tables of .debug_abbrev: a whole table when a unit is walked, or only the
    unit's top DIE's abbreviation when its name is all that is read.

    gcc numbers a table's abbreviations by use, so the unit's own (used once) comes last and a
    plain scan reads every table whole (0.7 s on a distribution vmlinux). But units built alike
    spell that abbreviation alike: once one scan has found an entry's body (tag, children flag,
    attribute pairs, terminator), the next table is searched for the bytes code + body, at an
    entry start (after a terminator, or the table's start) and before the next table begins.
    """

    def __init__(self, data: bytes):
        self.data = data
        self.bodies: dict[bytes, tuple] = {}        # body → (tag, children, [(attribute, form, implicit)])
        self.table_ends: list[int] = [len(data)]
        self.tables: dict[int, dict] = {}

    def ends_from(self, offsets: list[int]) -> None:
        """The start of every table (from the unit headers): each one ends where the next begins."""
        self.table_ends = sorted(set(offsets)) + [len(self.data)]

    def find(self, offset: int, code: int):
        """(tag, children, [(attribute, form, implicit value)]) of abbreviation `code` in the table
        at `offset`."""
        end = self._end(offset)
        lead = uleb_bytes(code)
        for body, spec in self.bodies.items():
            at = self.data.find(lead + body, offset, end)
            if at >= 0 and (at == offset or self.data[at - 2:at] == b"\0\0"):
                return spec
        for this, spec, start, stop in self._entries(offset):
            if this == code:
                self.bodies[self.data[start + len(lead):stop]] = spec
                return spec
        return None

    def table(self, offset: int) -> dict:
        """{code: (tag, children, [(attribute, form, implicit value)])} of the table at `offset`."""
        if offset not in self.tables:
            self.tables[offset] = {code: spec for code, spec, _, _ in self._entries(offset)}
        return self.tables[offset]

    def _entries(self, offset: int):
        """(code, spec, entry start, entry end) of each abbreviation of the table at `offset`."""
        data, pos = self.data, offset
        while pos < len(data):
            start = pos
            code, pos = uleb(data, pos)
            if code == 0:
                return
            tag, pos = uleb(data, pos)
            children = data[pos] == 1
            pos += 1
            attrs = []
            while True:
                attr, pos = uleb(data, pos)
                form, pos = uleb(data, pos)
                implicit = None
                if form == DW_FORM_implicit_const:      # its value is here, not in the DIE
                    implicit, pos = sleb(data, pos)
                if attr == 0 and form == 0:
                    break
                attrs.append((attr, form, implicit))
            yield code, (tag, children, attrs), start, pos

    def _end(self, offset: int) -> int:
        at = bisect.bisect_right(self.table_ends, offset)
        return self.table_ends[at] if at < len(self.table_ends) else len(self.data)
