"""Raw DWARF reading where pyelftools is too slow for a whole vmlinux: the unit headers, each unit's
name, and a unit's top-level variables, read straight from .debug_info and .debug_abbrev.

pyelftools parses a unit's whole abbreviation table before its first DIE, and builds an object per
DIE: 12 s to name every unit of a distribution vmlinux, and ~0.1 s to list one big unit's top-level
DIEs. Here a DIE is skipped by the sizes of its forms, and a DIE with children by its DW_AT_sibling.
Callers hand the DIEs they want (by offset) to pyelftools, which reads those few in full.
"""

from __future__ import annotations

import bisect
import struct

DW_TAG_compile_unit = 0x11
DW_TAG_variable = 0x34
DW_AT_sibling, DW_AT_name, DW_AT_type = 0x01, 0x03, 0x49
DW_UT_compile, DW_UT_skeleton, DW_UT_type, DW_UT_split_compile, DW_UT_split_type = 1, 4, 2, 5, 6
FIXED = {0x05: 2, 0x06: 4, 0x07: 8, 0x0B: 1, 0x0C: 1, 0x11: 1, 0x12: 2, 0x13: 4, 0x14: 8, 0x19: 0,
         0x1C: 4, 0x1E: 16, 0x20: 8, 0x21: 0, 0x24: 8, 0x25: 1, 0x26: 2, 0x27: 3, 0x28: 4,
         0x29: 1, 0x2A: 2, 0x2B: 3, 0x2C: 4}
ULEB_FORMS = {0x0D, 0x0F, 0x15, 0x1A, 0x1B, 0x22, 0x23, 0x1F02, 0x1F01}   # (0x0D sdata: skipped alike)
OFFSET_FORMS = {0x0E, 0x10, 0x17, 0x1D, 0x1F, 0x1F20, 0x1F21}
DW_FORM_addr, DW_FORM_string, DW_FORM_strp, DW_FORM_line_strp, DW_FORM_ref_addr = 0x01, 0x08, 0x0E, 0x1F, 0x10
DW_FORM_indirect, DW_FORM_implicit_const = 0x16, 0x21
UNIT_REFS = {0x11: 1, 0x12: 2, 0x13: 4, 0x14: 8, 0x15: 0}          # ref1..ref8, ref_udata: unit-relative
BLOCKS = {0x0A: 1, 0x03: 2, 0x04: 4}
VARIABLE_LENGTH = {0x09, 0x18}                                      # block, exprloc: ULEB size, then bytes


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


def uleb_bytes(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


class Sections:
    """The DWARF sections of a model as memoryviews (a slice of the numpy memmap costs a
    Python-level __array_finalize__), and the abbreviations, shared by every scan of one run."""

    def __init__(self, model):
        self.info = memoryview(model.section_bytes(".debug_info"))
        self.strings = {form: memoryview(model.section_bytes(name))
                        for form, name in ((DW_FORM_strp, ".debug_str"), (DW_FORM_line_strp, ".debug_line_str"))}
        self.abbrev = Abbreviations(bytes(model.section_bytes(".debug_abbrev")))
        self.units = list(unit_headers(self.info))
        self.abbrev.ends_from([u.abbrev_off for u in self.units])

    def string(self, form: int, die, pos: int, unit: UnitHeader) -> str | None:
        if form == DW_FORM_string:
            end = bytes(die[pos:pos + 4096]).find(b"\0")
            return bytes(die[pos:pos + end]).decode("utf-8", "replace") if end >= 0 else None
        if form in self.strings:
            table = self.strings[form]
            start = int.from_bytes(die[pos:pos + unit.offset_size], "little")
            tail = bytes(table[start:start + 4096])
            return tail[:tail.find(b"\0")].decode("utf-8", "replace")
        return None                             # strx: needs str_offsets_base; not worth it here


def sections(model) -> Sections:
    if ("dwarfscan",) not in model.memo:
        model.memo[("dwarfscan",)] = Sections(model)
    return model.memo[("dwarfscan",)]


def unit_headers(info):
    """The header of every compile (or skeleton) unit in .debug_info."""
    at = 0
    while at + 11 <= len(info):
        head = bytes(info[at:at + 24])
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
        die = dwarf.info[unit.die_at:min(unit.end, unit.die_at + 4096)]
        code, pos = uleb(die, 0)
        spec = dwarf.abbrev.find(unit.abbrev_off, code)
        if spec is None or spec[0] != DW_TAG_compile_unit:
            continue
        for attr, form in spec[2]:
            if form == DW_FORM_indirect:
                form, pos = uleb(die, pos)
            if attr == DW_AT_name:
                name = dwarf.string(form, die, pos, unit)
                if name is not None:
                    yield unit.offset, name
                break
            pos = skip(form, die, pos, unit)
            if pos is None:
                break


def skip(form: int, die, pos: int, unit: UnitHeader) -> int | None:
    """The position after an attribute of `form` at `pos`, or None for a form not known here."""
    if form in FIXED:
        return pos + FIXED[form]
    if form in OFFSET_FORMS:
        return pos + (unit.address_size if form == DW_FORM_ref_addr and unit.version == 2 else unit.offset_size)
    if form == DW_FORM_addr:
        return pos + unit.address_size
    if form in ULEB_FORMS:
        return uleb(die, pos)[1]
    if form == DW_FORM_string:
        while die[pos]:
            pos += 1
        return pos + 1
    if form in VARIABLE_LENGTH:
        size, pos = uleb(die, pos)
        return pos + size
    if form in BLOCKS:
        n = BLOCKS[form]
        return pos + n + int.from_bytes(die[pos:pos + n], "little")
    return None


def top_level_variables(model, unit_offset: int, wanted: set[str]) -> list[tuple[str, int]] | None:
    """(name, DIE offset) of the unit's top-level DW_TAG_variable DIEs named in `wanted` that carry a
    DW_AT_type; None when the unit uses a form this scan does not know (read it with pyelftools)."""
    dwarf = sections(model)
    at = bisect.bisect_left([u.offset for u in dwarf.units], unit_offset)
    if at == len(dwarf.units) or dwarf.units[at].offset != unit_offset:
        return None
    unit = dwarf.units[at]
    info, found = dwarf.info, []
    table = dwarf.abbrev.table(unit.abbrev_off)
    code, pos = uleb(info, unit.die_at)
    top = table.get(code)
    if top is None or not top[1]:
        return []
    for _, form in top[2]:                      # past the unit DIE's own attributes
        if form == DW_FORM_indirect:
            form, pos = uleb(info, pos)
        pos = skip(form, info, pos, unit)
        if pos is None:
            return None
    depth = 1                                   # inside the unit DIE: its children are the top level
    while pos < unit.end and depth > 0:
        die_at = pos
        code, pos = uleb(info, pos)
        if code == 0:
            depth -= 1
            continue
        spec = table.get(code)
        if spec is None:
            return None
        tag, children, attrs = spec
        name = sibling = None
        typed = False
        for attr, form in attrs:
            if form == DW_FORM_indirect:
                form, pos = uleb(info, pos)
            if attr == DW_AT_sibling and form in UNIT_REFS:
                size = UNIT_REFS[form]
                sibling = unit.offset + (int.from_bytes(info[pos:pos + size], "little") if size else uleb(info, pos)[0])
            elif depth == 1 and tag == DW_TAG_variable:
                if attr == DW_AT_name:
                    name = dwarf.string(form, info, pos, unit)
                elif attr == DW_AT_type:
                    typed = True
            pos = skip(form, info, pos, unit)
            if pos is None:
                return None
        if depth == 1 and name in wanted and typed:
            found.append((name, die_at))
        if children:
            if sibling is not None and depth == 1:
                pos = sibling                   # the next top-level DIE, past this one's subtree
            else:
                depth += 1
    return found


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
        self.bodies: dict[bytes, tuple] = {}        # body → (tag, children, [(attribute, form)])
        self.table_ends: list[int] = [len(data)]
        self.tables: dict[int, dict] = {}

    def ends_from(self, offsets: list[int]) -> None:
        """The start of every table (from the unit headers): each one ends where the next begins."""
        self.table_ends = sorted(set(offsets)) + [len(self.data)]

    def find(self, offset: int, code: int):
        """(tag, children, [(attribute, form)]) of abbreviation `code` in the table at `offset`."""
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
        """{code: (tag, children, [(attribute, form)])} of the whole table at `offset`."""
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
                if form == DW_FORM_implicit_const:      # its value is here, not in the DIE
                    _, pos = uleb(data, pos)
                if attr == 0 and form == 0:
                    break
                attrs.append((attr, form))
            yield code, (tag, children, attrs), start, pos

    def _end(self, offset: int) -> int:
        at = bisect.bisect_right(self.table_ends, offset)
        return self.table_ends[at] if at < len(self.table_ends) else len(self.data)
