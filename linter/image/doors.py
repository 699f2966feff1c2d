"""Doors: the places a loader or firmware may start the kernel, each resolved to a code symbol.

A door is announced by the ELF header (e_entry, a physical address on x86_64, virtual on arm64), by
an entry-announcing note (Xen ENTRY: virtual; PHYS32_ENTRY: physical), on arm64 by the PE/COFF
header inside the Image header (AddressOfEntryPoint: the EFI stub), or is one of the profile's
entry symbols (secondary CPUs, inner labels). Announcements are named as in the profile's
`announced_by`: "elf:e_entry", "note:Xen:18", "pe:AddressOfEntryPoint". No numpy here: rules
import this freely.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from linter.image.model import ImageModel
    from linter.profile import Profile

E_ENTRY = "elf:e_entry"
PE_ENTRY = "pe:AddressOfEntryPoint"
ARM64_IMAGE_MAGIC = b"ARM\x64"   # at offset 0x38 of the arm64 Image header


@dataclass
class Door:
    path: str | None            # profile path name; None when no path claims the announcement
    symbol: str | None          # the code symbol; None when the address is not code
    index: int                  # symbol index in .symtab, -1 when unresolved
    address: int                # virtual address
    section: str | None         # section holding the address
    offset: int = 0             # into the symbol, when the address is inside it
    announced_by: list[str] = field(default_factory=list)   # empty: a profile entry symbol only
    announced_at: dict[str, int] = field(default_factory=dict)   # announcement → raw value

    @property
    def resolves(self) -> bool:
        return self.index >= 0

    @property
    def label(self) -> str:
        if self.symbol is None:
            return f"{self.address:#x}"
        return f"{self.symbol}+{self.offset:#x}" if self.offset else self.symbol

    @property
    def key(self) -> tuple[str | None, str]:
        """What makes the door the same door in two images: its path and where it leads."""
        return self.path, self.label

    def to_dict(self) -> dict:
        return {"path": self.path, "symbol": self.symbol, "address": f"{self.address:#x}",
                "section": self.section, "offset": self.offset, "resolves": self.resolves,
                "announced_by": list(self.announced_by),
                "announced_values": {k: f"{v:#x}" for k, v in self.announced_at.items()}}


def find_doors(model: "ImageModel", profile: "Profile") -> list[Door]:
    path_of = {a: p.name for p in profile.paths.values() for a in p.announced_by}
    doors: dict[tuple, Door] = {}

    def announce(announcer: str, raw: int) -> None:
        address = model.to_virtual(raw)
        door = _door_at(model, path_of.get(announcer), raw if address is None else address)
        door = doors.setdefault(door.key, door)
        if announcer not in door.announced_by:
            door.announced_by.append(announcer)
            door.announced_at[announcer] = raw

    announce(E_ENTRY, model.entry)
    pe_entry = _pe_entry(model)
    if pe_entry is not None:
        announce(PE_ENTRY, pe_entry)
    for note in model.notes:
        owner = profile.notes.get(note.owner)
        if owner and note.type in owner.announces_entry and isinstance(note.value, int):
            announce(f"note:{note.owner}:{note.type}", note.value)
    for p in profile.paths.values():
        for name in p.entry_symbols:
            index = model.code_symbol(name)
            if index is not None:
                door = _door_at(model, p.name, int(model.symbols.value[index]), index)
                doors.setdefault(door.key, door)
    order = {name: i for i, name in enumerate(profile.paths)}
    return sorted(doors.values(), key=lambda d: (order.get(d.path, len(order)), d.address, d.label))


def _pe_entry(model: "ImageModel") -> int | None:
    """The EFI entry an arm64 Image header announces: its PE/COFF header's AddressOfEntryPoint, an
    offset from the header itself (e_entry, _text). None when the image has no such header."""
    if model.arch != "arm64":
        return None
    start = model.to_virtual(model.entry)
    section = model.section_at(start) if start is not None else None
    if section is None or section.type == "SHT_NOBITS":
        return None
    raw, at = model.section_bytes(section), start - section.addr
    head = bytes(raw[at:at + 0x40])
    if len(head) < 0x40 or head[0x38:0x3C] != ARM64_IMAGE_MAGIC:
        return None
    pe = at + struct.unpack_from("<I", head, 0x3C)[0]
    coff = bytes(raw[pe:pe + 24 + 20])       # "PE\0\0", the COFF header, the optional header's start
    if len(coff) < 44 or coff[:4] != b"PE\0\0":
        return None
    return start + struct.unpack_from("<I", coff, 24 + 16)[0]


def _door_at(model: "ImageModel", path: str | None, address: int, index: int | None = None) -> Door:
    address &= (1 << 64) - 1  # an address read from damaged headers still fits 64 bits
    section = model.section_at(address)
    if index is None:
        found = model.code_symbol_at(address)
        if found is None and (marker := model.marker_at(address)) is not None:
            found = marker, 0                  # arm64's e_entry: _text, the Image header
        if found is None:
            return Door(path, None, -1, address, section.name if section else None)
        index, offset = found
    else:
        offset = 0
    return Door(path, model.symbols.name(index), index, address, section.name if section else None, offset)

