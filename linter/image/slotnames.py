"""Names for hook slots: "x86_init.resources.memory_setup" instead of 0xffffffff81002210.

A slot is an 8-byte word of a data object. It is named, in order of preference:
  (a) by its DWARF member path, when the image has debug info: only the types of the profile's hook
      tables (profile.hooks.tables) are read, from the units of the files that define or use them
      (the table's STT_FILE group, then the profile's default and common files), through the one
      in-place DWARF opener of linter.image.lines; the {table: {offset: path}} map is cached in the
      image cache, so a second run never opens DWARF;
  (b) by a member path learnt from source (learn(), join_with_source(): the diff side's
      `x86_init.resources.memory_setup = xen_memory_setup` writes the same function into the table);
  (c) by the data symbol that owns it: "x86_init+0x10";
  (d) by its section: "slot@.data+0x20".
Broken DWARF never stops a run: the names fall back to (c) and one warning goes to model.warnings.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace

import numpy as np

from linter.image.symbols import STT_OBJECT

CACHE_ENTRY = "slotnames1-"   # bump when the cached map's meaning changes
MAX_SLOTS = 1 << 16           # per table: a huge array of pointers is not a hook table
MAX_DEPTH = 12                # nesting of structs and arrays followed
QUALIFIERS = ("DW_TAG_typedef", "DW_TAG_const_type", "DW_TAG_volatile_type", "DW_TAG_restrict_type",
              "DW_TAG_atomic_type")


class SlotNamer:
    """Names slot addresses of one image. Build it with slot_namer() (once per model and profile)."""

    def __init__(self, model, profile):
        self.model, self.profile = model, profile
        self.tables = list(profile.hooks.tables)
        self._members: dict[str, dict[int, str]] | None = None   # from DWARF, read on first use
        self._learned: dict[str, dict[int, str]] = {}
        self._objects = None                                      # sized data objects, by address

    # -- the API -------------------------------------------------------------------------------
    def name(self, addr: int) -> str:
        owner = self.table_of(addr)
        if owner is None:
            sec = self.model.section_at(addr)
            return f"slot@{sec.name}+{addr - sec.addr:#x}" if sec is not None else f"slot@{addr:#x}"
        table, offset = owner
        if table.startswith("__SCK__") and offset == 0:   # a static call's key: static_call_update()
            return f"static_call({table[7:]})"
        path = self.member_path(table, offset)
        return path or f"{table}+{offset:#x}"

    def member_path(self, table: str, offset: int) -> str | None:
        """The DWARF (else learnt) member path of `table`+`offset`, or None."""
        return self.members().get(table, {}).get(offset) or self._learned.get(table, {}).get(offset)

    def table_of(self, addr: int) -> tuple[str, int] | None:
        """(name of the data symbol that owns addr, offset into it), or None."""
        starts, ends, index = self._data_objects()
        at = int(np.searchsorted(starts, np.uint64(addr), side="right")) - 1
        if at < 0 or addr >= int(ends[at]):
            return None
        return self.model.symbols.name(int(index[at])), addr - int(starts[at])

    def learn(self, table: str, offset: int, member_path: str) -> None:
        """A member path found elsewhere (the source): used when DWARF has none."""
        self._learned.setdefault(table, {})[offset] = member_path

    def join_with_source(self, overrides: list, assignments) -> list:
        """join_with_source() that also learns the paths, so name() gives them from now on."""
        return join_with_source(overrides, assignments, namer=self)

    # -- owners from the symbol table ----------------------------------------------------------
    def _data_objects(self):
        """(start, end, symbol) of sized STT_OBJECT symbols in loaded data, sorted by start: one
        numpy pass over the table, once."""
        if self._objects is None:
            syms, sections = self.model.symbols, self.model.sections
            data = np.array([s.loaded and not s.executable for s in sections] + [False], bool)
            shndx = np.minimum(syms.shndx.astype(np.int64), len(sections))
            pick = np.flatnonzero(((syms.info & 0xF) == STT_OBJECT) & (syms.size > 0) & data[shndx])
            # smaller objects after bigger ones at one address: the innermost owner wins
            pick = pick[np.lexsort((-syms.size[pick].astype(np.int64), syms.value[pick]))]
            starts = syms.value[pick].astype(np.uint64)
            self._objects = (starts, starts + syms.size[pick].astype(np.uint64), pick)
        return self._objects

    # -- member paths from DWARF ---------------------------------------------------------------
    def members(self) -> dict[str, dict[int, str]]:
        if self._members is None:
            self._members = _member_map(self.model, self.profile, self.tables)
        return self._members


def slot_namer(model, profile) -> SlotNamer:
    """One SlotNamer per model and profile (what it learns is shared by every caller of a run)."""
    key = ("slot-namer", id(profile))
    if key not in model.memo:
        model.memo[key] = SlotNamer(model, profile)
    return model.memo[key]


def join_with_source(hooks_named: list, assignments, namer: SlotNamer | None = None) -> list:
    """Give source member paths to hooks that have none. hooks_named: ImageOverride-like objects
    (.slot, .address, .new); assignments: (table, member_path, value_function_name) triples (the
    member path with or without the table in front). A hook whose table matches and whose new
    function is the value gets that path, when that (table, function) pair names one slot on
    both sides (one function written into two slots of a table would be a guess). Returns the
    hooks, renamed where a path was found; `namer` also learns each path."""
    paths: dict[tuple[str, str], set[str]] = {}
    for table, member, value in assignments:
        full = member if member == table or member.startswith(table + ".") else f"{table}.{member}"
        paths.setdefault((table, value), set()).add(full)
    offsets: dict[tuple[str, str], set[int]] = {}
    owners = {}
    for hook in hooks_named:
        owner = _owner(hook, namer)
        owners[id(hook)] = owner
        if owner is not None and hook.new:
            offsets.setdefault((owner[0], hook.new), set()).add(owner[1])
    out = []
    for hook in hooks_named:
        owner = owners[id(hook)]
        key = (owner[0], hook.new) if owner is not None else None
        if key is None or len(paths.get(key, ())) != 1 or len(offsets.get(key, ())) != 1 \
                or (namer is not None and namer.members().get(owner[0], {}).get(owner[1])):
            out.append(hook)                  # DWARF's path stays; no match or an ambiguous one
            continue
        (path,) = paths[key]
        if namer is not None:
            namer.learn(owner[0], owner[1], path)
        out.append(replace(hook, slot=path) if hasattr(hook, "__dataclass_fields__") else hook)
    return out


def _owner(hook, namer: SlotNamer | None) -> tuple[str, int] | None:
    """(table, offset) of a hook: from the image when a namer is given, else from its name."""
    if namer is not None:
        return namer.table_of(int(hook.address))
    table, plus, offset = str(hook.slot).partition("+")
    try:
        return (table, int(offset, 16)) if plus and not table.startswith("slot@") else None
    except ValueError:
        return None


def _member_map(model, profile, tables: list[str]) -> dict[str, dict[int, str]]:
    """{table: {offset: member path}} from the image cache, else from DWARF (then cached)."""
    from linter.image.lines import has_dwarf

    if not tables or not has_dwarf(model):
        return {}
    hooks = profile.hooks
    digest = hashlib.sha1("\0".join(tables + ["|"] + hooks.default_files + ["|"] + hooks.common_files)
                          .encode()).hexdigest()[:12]
    cached = model.cache.load(CACHE_ENTRY + digest)
    if cached is not None and {"table", "offset", "path"} <= set(cached):
        out: dict[str, dict[int, str]] = {}
        for table, offset, path in zip(cached["table"].tolist(), cached["offset"].tolist(), cached["path"].tolist()):
            out.setdefault(table, {})[int(offset)] = path
        return out
    present = [t for t in tables if _table_symbol(model, t) is not None]
    try:
        out, missing = _read_members(model, profile, present)
    except Exception as exc:  # noqa: BLE001 - pyelftools raises many kinds on damaged DWARF
        model.warnings.append(f"DWARF of the hook tables unreadable ({type(exc).__name__}: {exc}): "
                              f"slots named by symbol+offset")
        return {}
    if missing:
        model.warnings.append(f"DWARF has no type for hook table{'s' if len(missing) > 1 else ''} "
                              f"{', '.join(missing)}: its slots named by symbol+offset")
    rows = [(t, o, p) for t, m in out.items() for o, p in sorted(m.items())]
    model.cache.save(CACHE_ENTRY + digest, {
        "table": np.array([r[0] for r in rows], dtype=str), "offset": np.array([r[1] for r in rows], np.int64),
        "path": np.array([r[2] for r in rows], dtype=str)})
    return out


def _table_symbol(model, name: str) -> int | None:
    """The data object called `name` (the first one: a hook table is one global, or one static)."""
    syms = model.symbols
    for i in syms.find(name):
        if syms.type(int(i)) == STT_OBJECT and int(syms.size[i]) > 0:
            return int(i)
    return None


def _read_members(model, profile, tables: list[str]) -> tuple[dict, list[str]]:
    """Walk the units of the candidate files until every table's type is found."""
    from linter.image.dwarfscan import UnknownForm
    from linter.image.lines import _same_file, _unit_names

    if not tables:
        return {}, []
    syms = model.symbols
    files = [f for t in tables if (f := syms.file_name(_table_symbol(model, t)))]   # statics
    files += profile.hooks.default_files + profile.hooks.common_files
    wanted, out, seen = set(tables), {}, set()
    units = _unit_names(model)
    for file in files:
        for offset, unit in units:
            if not wanted:
                break
            if offset in seen or not _same_file(unit, file):
                continue
            seen.add(offset)
            try:
                found = _unit_members(model, offset, wanted, raw=True)
            except UnknownForm:                 # a form the raw reader does not know: pyelftools
                found = _unit_members(model, offset, wanted, raw=False)
            out.update(found)
            wanted -= set(found)
    return out, sorted(wanted)


def _unit_members(model, offset: int, wanted: set[str], raw: bool) -> dict[str, dict[int, str]]:
    out = {}
    for name, type_die in _table_variables(model, offset, wanted, raw):
        members: dict[int, str] = {}
        _walk(type_die, name, 0, members, 0)
        if members:
            out[name] = members
    return out


def _table_variables(model, offset: int, wanted: set[str], raw: bool):
    """(name, type DIE) of the unit's top-level variables named in `wanted` that carry a type (a
    declaration `extern struct x86_init_ops x86_init;` has the whole type as well): read raw
    (linter.image.dwarfscan), or by pyelftools for a unit whose forms the raw reader does not know."""
    from linter.image.dwarfscan import top_level_variables
    from linter.image.lines import _dwarf, _text

    found = top_level_variables(model, offset, wanted) if raw else None
    if found is not None:
        for name, die in found:
            yield name, die.get_DIE_from_attribute("DW_AT_type")
        return
    for die in _dwarf(model).get_CU_at(offset).get_top_DIE().iter_children():
        if die.tag != "DW_TAG_variable" or "DW_AT_type" not in die.attributes:
            continue
        name = die.attributes.get("DW_AT_name")
        if name is not None and _text(name.value) in wanted:
            yield _text(name.value), die.get_DIE_from_attribute("DW_AT_type")


def _strip(die):
    """The type under typedefs and qualifiers."""
    for _ in range(MAX_DEPTH):
        if die.tag not in QUALIFIERS or "DW_AT_type" not in die.attributes:
            return die
        die = die.get_DIE_from_attribute("DW_AT_type")
    return die


def _walk(type_die, path: str, base: int, out: dict[int, str], depth: int) -> None:
    """Record offset → member path for every pointer inside the type (structs, unions, arrays)."""
    t = _strip(type_die)
    if depth > MAX_DEPTH or len(out) >= MAX_SLOTS:
        return
    if t.tag == "DW_TAG_pointer_type":
        out.setdefault(base, path)          # a union's first member names the word
    elif t.tag in ("DW_TAG_structure_type", "DW_TAG_union_type"):
        for m in t.iter_children():
            offset = _member_offset(m, t.tag == "DW_TAG_union_type")
            if m.tag != "DW_TAG_member" or offset is None or "DW_AT_type" not in m.attributes \
                    or "DW_AT_bit_size" in m.attributes:
                continue
            name = m.attributes.get("DW_AT_name")
            sub = f"{path}.{name.value.decode('utf-8', 'replace') if isinstance(name.value, bytes) else name.value}" \
                if name is not None else path       # anonymous struct/union: its members are ours
            _walk(m.get_DIE_from_attribute("DW_AT_type"), sub, base + offset, out, depth + 1)
    elif t.tag == "DW_TAG_array_type" and "DW_AT_type" in t.attributes:
        elem = t.get_DIE_from_attribute("DW_AT_type")
        size, count = _byte_size(elem), _count(t)
        for i in range(min(count, MAX_SLOTS - len(out)) if size else 0):
            _walk(elem, f"{path}[{i}]", base + i * size, out, depth + 1)


def _member_offset(member, in_union: bool) -> int | None:
    attr = member.attributes.get("DW_AT_data_member_location")
    if attr is None:
        return 0 if in_union else None
    if isinstance(attr.value, int):
        return attr.value
    expr = list(attr.value)                # DWARF 2/3: DW_OP_plus_uconst ULEB128
    if expr and expr[0] == 0x23:
        value = shift = 0
        for byte in expr[1:]:
            value |= (byte & 0x7F) << shift
            shift += 7
            if byte < 0x80:
                return value
    return None


def _byte_size(type_die) -> int:
    t = _strip(type_die)
    if "DW_AT_byte_size" in t.attributes and isinstance(t.attributes["DW_AT_byte_size"].value, int):
        return t.attributes["DW_AT_byte_size"].value
    if t.tag == "DW_TAG_pointer_type":
        return 8
    if t.tag == "DW_TAG_array_type" and "DW_AT_type" in t.attributes:
        return _count(t) * _byte_size(t.get_DIE_from_attribute("DW_AT_type"))
    return 0


def _count(array_die) -> int:
    """Elements of a one-dimensional array (the first subrange); 0 when unknown (flexible)."""
    for sub in array_die.iter_children():
        if sub.tag == "DW_TAG_subrange_type":
            attrs = sub.attributes
            if "DW_AT_count" in attrs and isinstance(attrs["DW_AT_count"].value, int):
                return attrs["DW_AT_count"].value
            if "DW_AT_upper_bound" in attrs and isinstance(attrs["DW_AT_upper_bound"].value, int):
                return attrs["DW_AT_upper_bound"].value + 1
            return 0
    return 0
