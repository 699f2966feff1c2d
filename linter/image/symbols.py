"""The symbol table as numpy arrays: no Python object per symbol, names decoded on demand.

A symbol is its index in .symtab (names are not unique: several static functions share one).
Local symbols belong to the STT_FILE symbol before them (`file_group`), which tells statics of the
same name apart.
"""

from __future__ import annotations

import re

import numpy as np

ELF64_SYM = np.dtype([("name", "<u4"), ("info", "u1"), ("other", "u1"), ("shndx", "<u2"),
                      ("value", "<u8"), ("size", "<u8")])
STT_NOTYPE, STT_OBJECT, STT_FUNC, STT_SECTION, STT_FILE = 0, 1, 2, 3, 4
STB_LOCAL, STB_GLOBAL, STB_WEAK = 0, 1, 2

# Labels that mark places (section bounds, padding) and alias real code: never a door or a node.
# (arm64 also names its markers again for the EFI stub and the early position-independent code,
# `__efistub__text`, `__pi__end`, and has mapping symbols, `$x` code and `$d` data, inside functions)
MAPPING_PREFIXES = ("", "__efistub_", "__pi_", "__kvm_nvhe_")   # `$d`, `__pi_$d`, ... (arm64's aliases)
MARKER = re.compile(r"(__efistub_|__pi_|__kvm_nvhe_)?(_[se]?text|_[se]inittext|_[se]?data|_end|__.*_(start|end)"
                    r"|__(start|stop)_.*|__.*_begin|\$[adtx](\..*)?)|__pfx_.*|phys_startup_64")

MARKER_BYTES = re.compile(MARKER.pattern.encode())

ARRAYS = ("value", "size", "info", "shndx", "name_off", "file_group", "order", "strtab")


class SymbolTable:
    """Columns of .symtab plus the string table; index i is symbol i of the image."""

    def __init__(self, value, size, info, shndx, name_off, file_group, order, strtab):
        self.value = value            # uint64 addresses
        self.size = size              # uint64
        self.info = info              # uint8: type (low 4 bits) and binding (high 4)
        self.shndx = shndx            # uint16 section index
        self.name_off = name_off      # uint32 offset into strtab
        self.file_group = file_group  # int32: index of the STT_FILE symbol a local follows, else -1
        self.order = order            # int64: indices sorted by address
        self.strtab = strtab          # uint8 array
        self._strtab_bytes = None

    # -- building ------------------------------------------------------------------------------
    @classmethod
    def from_elf(cls, symtab: np.ndarray, first_global: int, strtab: np.ndarray) -> "SymbolTable":
        """From the raw .symtab bytes (a uint8 array) and .strtab; first_global is sh_info."""
        syms = symtab.view(ELF64_SYM)
        info = syms["info"].copy()
        indices = np.arange(len(syms), dtype=np.int32)
        file_mark = np.where((info & 0xF) == STT_FILE, indices, -1)
        file_group = np.maximum.accumulate(file_mark) if len(syms) else file_mark
        file_group[first_global:] = -1
        value = syms["value"].astype(np.uint64)
        return cls(value, syms["size"].astype(np.uint64), info, syms["shndx"].astype(np.uint16),
                   syms["name"].astype(np.uint32), file_group.astype(np.int32),
                   np.argsort(value, kind="stable"), np.array(strtab, dtype=np.uint8))

    @classmethod
    def from_arrays(cls, arrays: dict) -> "SymbolTable":
        return cls(*(arrays[name] for name in ARRAYS))

    def to_arrays(self) -> dict:
        return {name: getattr(self, name) for name in ARRAYS}

    # -- reading -------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.value)

    @property
    def _bytes(self) -> bytes:
        if self._strtab_bytes is None:
            self._strtab_bytes = self.strtab.tobytes()
        return self._strtab_bytes

    def name(self, i: int) -> str:
        start = int(self.name_off[i])
        end = self._bytes.find(b"\0", start)
        return self._bytes[start:end if end >= 0 else None].decode("utf-8", "replace")

    def type(self, i: int) -> int:
        return int(self.info[i]) & 0xF

    def is_global(self, i: int) -> bool:
        return int(self.info[i]) >> 4 != STB_LOCAL

    def is_marker(self, i: int) -> bool:
        return self.type(i) == STT_NOTYPE and int(self.size[i]) == 0 and bool(MARKER.fullmatch(self.name(i))) \
            or self.name(i).startswith("__pfx_")

    KEY_BYTES = 8

    def _keys(self) -> np.ndarray:
        """Per symbol, the first KEY_BYTES bytes of its name as one little-endian uint64, zero from
        its NUL on: one comparison over this column narrows any name or prefix lookup to a few
        symbols (a scan of the string table per name cost 0.6 ms; tails are shared there)."""
        if getattr(self, "_key_column", None) is None:
            last = max(len(self.strtab) - 1, 0)
            keys = np.zeros(len(self.name_off), np.uint64)
            live = np.ones(len(self.name_off), bool)
            offsets = self.name_off.astype(np.int64)
            for k in range(self.KEY_BYTES):
                byte = self.strtab[np.minimum(offsets + k, last)] if len(self.strtab) else np.zeros(len(keys), np.uint8)
                live &= byte != 0
                keys |= np.where(live, byte, 0).astype(np.uint64) << np.uint64(8 * k)
            self._key_column = keys
        return self._key_column

    @classmethod
    def _key_of(cls, data: bytes) -> tuple[int, int]:
        """(key, mask) of the first KEY_BYTES bytes of `data` (a name with its NUL, or a prefix)."""
        head = data[:cls.KEY_BYTES]
        return int.from_bytes(head, "little"), (1 << (8 * len(head))) - 1

    def starts_with(self, prefix: str) -> np.ndarray:
        """Bool per symbol: does its name start with `prefix`? (No name is decoded: the key column
        narrows to the symbols sharing the first bytes, then those are checked byte by byte.)"""
        hit = np.zeros(len(self.name_off), bool)
        if not len(self.strtab):
            return hit
        want = prefix.encode()
        key, mask = self._key_of(want)
        rows = np.flatnonzero((self._keys() & np.uint64(mask)) == np.uint64(key))
        last = len(self.strtab) - 1
        offsets = self.name_off.astype(np.int64)
        for k in range(self.KEY_BYTES, len(want)):
            rows = rows[self.strtab[np.minimum(offsets[rows] + k, last)] == want[k]]
            if not len(rows):
                break
        hit[rows] = True
        return hit

    def marker_mask(self) -> np.ndarray:
        """Bool per symbol: is_marker(), decoding only the names of zero-size NOTYPE symbols."""
        if getattr(self, "_marker_mask", None) is None:
            self._marker_mask = self._find_markers()
        return self._marker_mask

    def _find_markers(self) -> np.ndarray:
        mask = self.starts_with("__pfx_")
        maybe = np.flatnonzero(((self.info & 0xF) == STT_NOTYPE) & (self.size == 0) & ~mask)
        if len(maybe):
            # match the bytes in place (no str per name): each name runs to the next NUL
            nuls = np.flatnonzero(self.strtab == 0)
            starts = self.name_off[maybe].astype(np.int64)
            ends = nuls[np.minimum(np.searchsorted(nuls, starts), len(nuls) - 1)] if len(nuls) else starts
            buf, match = self._bytes, MARKER_BYTES.fullmatch
            mask[maybe] = [match(buf, a, b) is not None for a, b in zip(starts.tolist(), ends.tolist())]
        return mask

    def file_name(self, i: int) -> str | None:
        """The source file (basename, from STT_FILE) a local symbol came from."""
        group = int(self.file_group[i])
        return self.name(group) if group >= 0 else None

    def remember(self, found: dict) -> None:
        """Results of find() known from an earlier run (the image cache), name → indices."""
        self.__dict__.setdefault("_found", {}).update(found)

    def find(self, name: str) -> np.ndarray:
        """Indices of every symbol called `name` (the key column, then the bytes of each candidate)."""
        found = self.__dict__.setdefault("_found", {})
        if name not in found:
            needle = name.encode() + b"\0"
            key, mask = self._key_of(needle)
            rows = np.flatnonzero((self._keys() & np.uint64(mask)) == np.uint64(key))
            if len(needle) > self.KEY_BYTES:
                data = self._bytes
                rows = np.array([r for r in rows.tolist()
                                 if data.startswith(needle, int(self.name_off[r]))], dtype=np.int64)
            found[name] = rows.astype(np.int64)
        return found[name]

    def at(self, address: int) -> np.ndarray:
        """Indices of the symbols whose value is exactly `address`."""
        sorted_values = self.value[self.order]
        lo = np.searchsorted(sorted_values, np.uint64(address), side="left")
        hi = np.searchsorted(sorted_values, np.uint64(address), side="right")
        return self.order[lo:hi]

    def containing(self, address: int) -> np.ndarray:
        """Indices of sized symbols whose [value, value+size) holds `address`."""
        addr = np.uint64(address)
        return np.nonzero((self.value <= addr) & (addr < self.value + self.size))[0]
