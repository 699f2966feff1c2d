"""Doors: the places a loader or firmware may start the kernel, each resolved to a code symbol.

A door is announced by the ELF header (e_entry, a physical address on x86_64), by an
entry-announcing note (Xen ENTRY: virtual; PHYS32_ENTRY: physical), or is one of the profile's
entry symbols (secondary CPUs, inner labels). Announcements are named as in the profile's
`announced_by`: "elf:e_entry", "note:Xen:18". No numpy here: rules import this freely.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from linter.image.model import ImageModel
    from linter.profile import Profile

E_ENTRY = "elf:e_entry"


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


def _door_at(model: "ImageModel", path: str | None, address: int, index: int | None = None) -> Door:
    address &= (1 << 64) - 1  # an address read from damaged headers still fits 64 bits
    section = model.section_at(address)
    if index is None:
        found = model.code_symbol_at(address)
        if found is None:
            return Door(path, None, -1, address, section.name if section else None)
        index, offset = found
    else:
        offset = 0
    return Door(path, model.symbols.name(index), index, address, section.name if section else None, offset)
