"""A unit's DWARF line program (versions 2 to 5) read raw: its directories, its files and its rows.

pyelftools decodes a line program through one construct object per opcode: ~75 ms for one unit of
a distribution vmlinux, most of a `check --image` that maps changed lines to functions. This
reads the same header and runs the same state machine over bytes read with pread (as
linter.image.dwarfscan does). It answers what linter.image.lines asks of a pyelftools
LineProgram: `header.version`, `header.include_directory`, `header.file_entry` (name,
dir_index), and the rows (address, file, line, end_sequence). A header it cannot read raises
dwarfscan.UnknownForm, and the caller asks pyelftools.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from linter.image.dwarfscan import DW_FORM_line_strp, DW_FORM_string, DW_FORM_strp, UnknownForm, sections, \
    sleb, uleb

DW_AT_stmt_list = 0x10
DW_LNCT_path, DW_LNCT_directory_index = 1, 2
FIXED_FORMS = {0x0B: 1, 0x05: 2, 0x06: 4, 0x07: 8, 0x1E: 16}          # data1..data16
DW_FORM_udata, DW_FORM_block = 0x0F, 0x09


@dataclass
class FileEntry:
    name: str
    dir_index: int


@dataclass
class Header:
    version: int
    include_directory: list[str]
    file_entry: list[FileEntry]


@dataclass
class Row:
    address: int
    file: int
    line: int
    end_sequence: bool


class LineProgram:
    def __init__(self, header: Header, data: bytes, program_at: int, params: tuple):
        self.header, self._data, self._at, self._params = header, data, program_at, params

    def rows(self):
        """Every row the program emits, in order (DWARF's state machine, one op per instruction)."""
        data, pos = self._data, self._at
        min_len, line_base, line_range, opcode_base, lengths = self._params
        address, file, line = 0, 1, 1
        while pos < len(data):
            op = data[pos]
            pos += 1
            if op >= opcode_base:                                   # special opcode
                adjusted = op - opcode_base
                address += (adjusted // line_range) * min_len
                line += line_base + adjusted % line_range
                yield Row(address, file, line, False)
            elif op == 0:                                           # extended opcode
                size, pos = uleb(data, pos)
                end, sub = pos + size, data[pos] if size else 0
                if sub == 1:
                    yield Row(address, file, line, True)
                    address, file, line = 0, 1, 1
                elif sub == 2:
                    address = int.from_bytes(data[pos + 1:end], "little")
                pos = end
            elif op == 1:
                yield Row(address, file, line, False)
            elif op == 2:
                step, pos = uleb(data, pos)
                address += step * min_len
            elif op == 3:
                step, pos = sleb(data, pos)
                line += step
            elif op == 4:
                file, pos = uleb(data, pos)
            elif op == 8:
                address += ((255 - opcode_base) // line_range) * min_len
            elif op == 9:
                address += struct.unpack_from("<H", data, pos)[0]
                pos += 2
            else:                                                   # an operand count from the header
                for _ in range(lengths[op - 1] if op - 1 < len(lengths) else 0):
                    _, pos = uleb(data, pos)


def line_program(model, unit_offset: int) -> LineProgram | None:
    """The line program of the unit at `unit_offset`, or None when it has none."""
    from linter.image.dwarfscan import unit_die

    top = unit_die(model, unit_offset)
    if top is None:
        return None
    stmt = _stmt_list(top)
    if stmt is None:
        return None
    dwarf = sections(model)
    section = dwarf.range_of(".debug_line")
    head = section.read(stmt, 12, exact=False)
    length, offset_size, at = struct.unpack_from("<I", head, 0)[0], 4, 4
    if length == 0xFFFFFFFF:
        length, offset_size, at = struct.unpack_from("<Q", head, 4)[0], 8, 12
    data = section.read(stmt, at + length)
    version = struct.unpack_from("<H", data, at)[0]
    at += 2
    if version >= 5:
        at += 2                                                     # address and segment selector sizes
    header_length = int.from_bytes(data[at:at + offset_size], "little")
    at += offset_size
    program_at = at + header_length
    min_len = data[at]
    at += 3 if version >= 4 else 2              # maximum operations per instruction, default_is_stmt
    line_base = struct.unpack_from("<b", data, at)[0]
    line_range, opcode_base = data[at + 1], data[at + 2]
    at += 3
    lengths = list(data[at:at + opcode_base - 1])
    at += opcode_base - 1
    if line_range == 0:
        raise UnknownForm(f"line program at {stmt:#x}: line_range 0")
    if version >= 5:
        dirs, at = _entries_v5(dwarf, data, at, offset_size)
        files, at = _entries_v5(dwarf, data, at, offset_size)
        header = Header(version, [d[0] for d in dirs], [FileEntry(n, i) for n, i in files])
    else:
        dirs, files = [], []
        while data[at]:
            end = data.index(b"\0", at)
            dirs.append(data[at:end].decode("utf-8", "replace"))
            at = end + 1
        at += 1
        while data[at]:
            end = data.index(b"\0", at)
            name = data[at:end].decode("utf-8", "replace")
            index, at = uleb(data, end + 1)
            _, at = uleb(data, at)                                  # mtime
            _, at = uleb(data, at)                                  # length
            files.append(FileEntry(name, index))
        header = Header(version, dirs, files)
    params = (min_len, line_base, line_range, opcode_base, lengths)
    return LineProgram(header, data, program_at, params)


def _stmt_list(top) -> int | None:
    attr = top.attributes.get("DW_AT_stmt_list")
    return attr.value if attr is not None else None


def _entries_v5(dwarf, data: bytes, at: int, offset_size: int) -> tuple[list[tuple[str, int]], int]:
    """(path, directory index) of each entry of a DWARF 5 directory or file table."""
    count = data[at]
    at += 1
    formats = []
    for _ in range(count):
        kind, at = uleb(data, at)
        form, at = uleb(data, at)
        formats.append((kind, form))
    n, at = uleb(data, at)
    out = []
    for _ in range(n):
        path, index = "", 0
        for kind, form in formats:
            value, at = _form_value(dwarf, data, at, form, offset_size)
            if kind == DW_LNCT_path:
                path = value
            elif kind == DW_LNCT_directory_index:
                index = value
        out.append((path, index))
    return out, at


def _form_value(dwarf, data: bytes, at: int, form: int, offset_size: int):
    if form == DW_FORM_string:
        end = data.index(b"\0", at)
        return data[at:end].decode("utf-8", "replace"), end + 1
    if form in (DW_FORM_line_strp, DW_FORM_strp):
        table = dwarf.strings[form]
        return table.c_string(int.from_bytes(data[at:at + offset_size], "little")), at + offset_size
    if form == DW_FORM_udata:
        return uleb(data, at)
    if form in FIXED_FORMS:
        size = FIXED_FORMS[form]
        return int.from_bytes(data[at:at + size], "little"), at + size
    if form == DW_FORM_block:
        size, at = uleb(data, at)
        return None, at + size
    raise UnknownForm(f"form {form:#x} in a line table header")
