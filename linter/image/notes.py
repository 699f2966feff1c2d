"""ELF notes: records read from the note sections, and Xen note values decoded by type.

Notes are parsed here from their bytes (namesz, descsz, type, name, desc; each padded to 4)
rather than through pyelftools, whose note types are GNU's: it would call Xen's ENTRY note
"NT_GNU_ABI_TAG". A note's meaning depends on its owner, so names come from the profile.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

GNU_TYPES = {1: "ABI_TAG", 2: "HWCAP", 3: "BUILD_ID", 4: "GOLD_VERSION", 5: "PROPERTY_TYPE_0"}
# Xen notes whose descriptor is text (XEN_VERSION, GUEST_OS, GUEST_VERSION, LOADER, PAE_MODE,
# FEATURES, BSD_SYMTAB); FEATURES is written with .ascii, so no NUL can be relied on.
XEN_STRING_TYPES = {5, 6, 7, 8, 9, 10, 11}
XEN_L1_MFN_VALID, XEN_PHYS32_RELOC = 13, 19


@dataclass
class Note:
    owner: str
    type: int
    desc: bytes
    address: int              # virtual address of the descriptor (0 if the section is not loaded)
    section: str
    name: str = ""            # short name from the profile ("ENTRY"), or "type N"
    value: object = None      # int, str, list of ints or {"align", "min", "max"}
    relocated_to: str | None = None   # the symbol a .rela.notes entry names for this value


class NoteFormatError(ValueError):
    """A note record that does not fit in its section."""


def parse_notes(data: bytes, address: int, section: str) -> list[Note]:
    notes, at = [], 0
    while at + 12 <= len(data):
        namesz, descsz, ntype = struct.unpack_from("<III", data, at)
        name_at = at + 12
        desc_at = name_at + _align4(namesz)
        end = desc_at + _align4(descsz)
        if desc_at + descsz > len(data):
            raise NoteFormatError(f"note section {section}: the record at offset {at} runs past its end")
        owner = data[name_at:name_at + namesz].rstrip(b"\0").decode("ascii", "replace")
        desc = bytes(data[desc_at:desc_at + descsz])
        notes.append(Note(owner, ntype, desc, address + desc_at if address else 0, section))
        at = end
    return notes


def name_and_value(note: Note, xen_types: dict[int, str]) -> tuple[str, object]:
    """The note's short name and its decoded value (Xen by type; GNU build-id as hex)."""
    if note.owner == "Xen":
        return xen_types.get(note.type, f"type {note.type}"), _xen_value(note.type, note.desc)
    if note.owner == "GNU":
        return GNU_TYPES.get(note.type, f"type {note.type}"), note.desc.hex()
    return f"type {note.type}", _integer_or_hex(note.desc)


def _xen_value(ntype: int, desc: bytes) -> object:
    if ntype in XEN_STRING_TYPES:
        return desc.split(b"\0", 1)[0].decode("ascii", "replace")
    if ntype == XEN_PHYS32_RELOC and len(desc) in (4, 8, 12):
        fields = struct.unpack(f"<{len(desc) // 4}I", desc)
        return dict(zip(("align", "min", "max"), fields))
    if ntype == XEN_L1_MFN_VALID and len(desc) % 8 == 0 and desc:
        return list(struct.unpack(f"<{len(desc) // 8}Q", desc))
    return _integer_or_hex(desc)


def _integer_or_hex(desc: bytes) -> object:
    if len(desc) in (1, 2, 4, 8):
        return int.from_bytes(desc, "little")
    return desc.hex()


def _align4(n: int) -> int:
    return (n + 3) & ~3
