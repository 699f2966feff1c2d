"""The hook map of one image: which slots each entry path overrides, and which common functions
call those slots (directly, or through the common functions they call).

After the paths converge, common boot code (setup_arch, e820__memory_setup) calls function
pointers that a path replaced in its own early code (xen_start_kernel writes
x86_init.resources.memory_setup): where common code calls the slot decides when the path's
function runs. Built on linter.image.paths (the slot writes it already reports as hooks, the slot
reads it records per function, the graph of the common reach) and linter.image.slotnames.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from linter.image import decode as D
from linter.image.paths import IS_BRANCH, base_name


@dataclass(frozen=True)
class ImageOverride:
    """One slot a path's own code writes."""

    path: str
    slot: str                # its name: "x86_init.resources.memory_setup", or "x86_init+0x10"
    address: int
    default: str | None      # the function the slot holds statically (the native one)
    new: str | None          # the function the path writes (None: a register, unknown)
    writer: str              # the function of the path that writes it

    def to_dict(self) -> dict:
        return {"path": self.path, "slot": self.slot, "address": f"{self.address:#x}", "default": self.default,
                "new": self.new, "writer": self.writer}


@dataclass
class ImageHookMap:
    overrides: dict[str, list[ImageOverride]]        # path → its overrides, one per slot, by address
    callers: dict[str, set[str]]                     # common function → overridden slots it calls
    depth: dict[str, dict[str, int]]                 # common function → slot → calls between (0: itself)
    analysis: object = field(repr=False, default=None)
    namer: object = field(repr=False, default=None)

    def overriders(self, slot: str) -> list[ImageOverride]:
        """Every path's override of this slot (a struct copy overrides each word it copies)."""
        return [o for os in self.overrides.values() for o in os if o.slot == slot]

    def called_by(self, slot: str) -> list[str]:
        """The common functions that call this slot, nearest first (then by name)."""
        return sorted((f for f, slots in self.callers.items() if slot in slots), key=lambda f: (self.depth[f][slot], f))

    def call_order(self, name: str) -> list[str]:
        """What function `name` calls, in the address order of its call sites: direct calls and
        tail jumps as the callee's folded name, slot calls (and loads of a hook slot: a retpoline
        build calls through a register) as the slot's name."""
        a = self.analysis
        if a is None:
            return []
        index = a.model.code_symbol(name)
        f = int(a.funcs.starting_at([int(a.model.symbols.value[index])])[0]) if index is not None else -1
        if f < 0:
            return []
        funcs, section = a.funcs, a.model.sections[int(a.funcs.section[f])]
        refs = a.model.decode_references(section, funcs.start[[f]], funcs.end[[f]], asm_mask=funcs.asm[[f]])
        branch = IS_BRANCH[refs.kind]
        callee = np.where(branch, funcs.starting_at(refs.target), -1)
        overridden = {o.address for os in self.overrides.values() for o in os}
        out = []
        for kind, target, g in zip(refs.kind.tolist(), refs.target.tolist(), callee.tolist()):
            if g >= 0 and g != f:
                out.append(base_name(a.name(g)))
            elif kind in (D.SLOT_READ_CALL, D.SLOT_READ_JMP) or \
                    (kind == D.SLOT_LOAD and self._is_hook(target, overridden)):
                out.append(self.namer.name(target))
        return out

    def _is_hook(self, address: int, overridden: set[int]) -> bool:
        owner = self.namer.table_of(address)
        return address in overridden or (owner is not None and owner[0] in self.namer.tables)

    def to_dict(self) -> dict:
        return {"overrides": {p: [o.to_dict() for o in os] for p, os in self.overrides.items()},
                "callers": {f: sorted(s, key=lambda slot: (self.depth[f][slot], slot))
                            for f, s in sorted(self.callers.items())},
                "depth": {f: dict(sorted(d.items())) for f, d in sorted(self.depth.items())}}


def image_hook_map(model, profile, analysis=None, assignments=None) -> ImageHookMap:
    """The hook map (once per model and profile). `assignments`: the source's (table, member path,
    function) writes, which name slots DWARF cannot (slotnames.join_with_source)."""
    from linter.image.paths import analysis_of
    from linter.image.slotnames import slot_namer

    key = ("hook-map", id(profile))
    if key in model.memo and assignments is None:
        return model.memo[key]
    analysis = analysis or analysis_of(model, profile)
    namer = slot_namer(model, profile)
    overrides = {name: _overrides(analysis, namer, name) for name in analysis.paths}
    if assignments:
        namer.join_with_source([o for os in overrides.values() for o in os], assignments)
        overrides = {p: [replace(o, slot=namer.name(o.address)) for o in os] for p, os in overrides.items()}
    depth = _slot_callers(analysis, namer, {o.address for os in overrides.values() for o in os},
                          int(getattr(profile.hooks, "depth", 2)))
    hook_map = ImageHookMap(overrides, {f: set(d) for f, d in depth.items()}, depth, analysis, namer)
    model.memo[key] = hook_map
    return hook_map


def _overrides(analysis, namer, path: str) -> list[ImageOverride]:
    """The path's hooks, one per slot (a write of a known function before one of a register)."""
    by_slot: dict[int, ImageOverride] = {}
    name = analysis.name
    for h in analysis.paths[path].hooks:
        o = ImageOverride(path, namer.name(h.slot), h.slot, name(h.default) if h.default >= 0 else None,
                          name(h.new) if h.new >= 0 else None, name(h.function))
        if h.slot not in by_slot or (by_slot[h.slot].new is None and o.new is not None):
            by_slot[h.slot] = o
    for o in _block_copied(analysis, namer, path):
        by_slot.setdefault(o.address, o)
    return [by_slot[s] for s in sorted(by_slot)]


def _block_copied(analysis, namer, path: str) -> list[ImageOverride]:
    """The slots a path's own code fills with a string move from a table of its own
    (`pv_ops.cpu = xen_cpu_ops` as `rep movsl`: linter.image.blockcopy)."""
    from linter.image.blockcopy import copied_words

    model, funcs = analysis.model, analysis.funcs
    if model.arch != "x86_64":    # string moves (rep movs) are x86's
        return []
    data = model.pointer_sections()
    out = []
    for f in np.flatnonzero(analysis.paths[path].own).tolist():
        words = copied_words(model, namer, funcs, f, data)
        if not words:
            continue
        slots = np.array([w[0] for w in words], np.uint64)
        defaults, ok = D.read_slots(slots, data)
        default = np.where(ok, funcs.starting_at(defaults), -1)
        new = funcs.starting_at(np.array([w[1] for w in words], np.uint64))
        for (slot, _), d, n in zip(words, default.tolist(), new.tolist()):
            if n >= 0:    # a function written over a slot: a hook (data words are no hook)
                out.append(ImageOverride(path, namer.name(slot), slot, analysis.name(d) if d >= 0 else None,
                                         analysis.name(n), analysis.name(f)))
    return out


def _common_inside(analysis) -> np.ndarray:
    """Bool per function: run by common code itself, not a door (CPU hotplug leads common code back
    into the native head) and not a path's own code. Convergence points (start_kernel) stay."""
    inside = analysis.common.visited.copy()
    doors = [d.address for d in analysis.model.doors if d.path and d.resolves]
    at = analysis.funcs.containing(doors) if doors else np.empty(0, np.int64)
    inside[at[at >= 0]] = False
    for pr in analysis.paths.values():
        inside &= ~pr.own
    return inside


def _slot_callers(analysis, namer, slots: set[int], max_depth: int) -> dict[str, dict[str, int]]:
    """function name → {slot name: depth} for the common functions that read an overridden slot
    themselves (depth 0) or call, through up to max_depth calls of common code, one that does."""
    empty = (np.empty(0, np.int64), np.empty(0, np.uint64))
    funcs, addrs = analysis.slot_reads if len(analysis.slot_reads) == 2 else empty
    inside = _common_inside(analysis)
    keep = np.isin(addrs, np.array(sorted(slots), np.uint64)) & inside[funcs] if len(funcs) else np.zeros(0, bool)
    funcs, addrs = funcs[keep], addrs[keep]
    if not len(funcs):
        return {}
    src = dst = np.empty(0, np.int64)
    if analysis.graph is not None and max_depth > 0:
        s, d, k = analysis.graph.out_edges(np.flatnonzero(inside))
        calls = IS_BRANCH[k] & inside[d]
        src, dst = s[calls].astype(np.int64), d[calls].astype(np.int64)
    out: dict[str, dict[str, int]] = {}
    for slot in np.unique(addrs).tolist():
        slot_name = namer.name(int(slot))
        depth = np.full(len(inside), -1, np.int32)
        frontier = np.zeros(len(inside), bool)
        frontier[funcs[addrs == slot]] = True
        depth[frontier] = 0
        for level in range(1, max_depth + 1):      # one array pass per level: who calls the frontier
            up = np.zeros(len(inside), bool)
            up[src[frontier[dst]]] = True
            up &= depth < 0
            depth[up] = level
            frontier = up
            if not up.any():
                break
        for f in np.flatnonzero(depth >= 0).tolist():
            mine = out.setdefault(base_name(analysis.name(f)), {})
            mine[slot_name] = min(mine.get(slot_name, int(depth[f])), int(depth[f]))
    return out
