"""Function-pointer tables a path's own code refers to (`xen_cpu_ops`, `xen_mmu_ops`, …).

Reported beside the gaps, never followed: a table a path refers to is mostly a set of hooks it
installs, whose functions run later, after convergence (IMAGE-ANALYSIS.md: following data tables
makes the native path a subset of Xen PV's). Only words owned by a data symbol count.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from linter.image import decode as D
from linter.image.symbols import STT_OBJECT


@dataclass
class TableRef:
    table: str                # the data object's name
    referenced_by: str        # the path's function that refers to it
    functions: list[str]      # the functions its words point at, in order


def referenced_tables(analysis, path: str) -> list[TableRef]:
    """The tables of one path. All paths' are found at once, once per run (memo) and per image
    and profile (the image cache): asking path by path must not repeat the search."""
    entry = _cache_entry(analysis.profile)
    if entry not in analysis.model.memo:
        analysis.model.memo[entry] = _all_tables(analysis, entry)
    return analysis.model.memo[entry].get(path, [])


def _all_tables(analysis, entry: str) -> dict[str, list[TableRef]]:
    cache = analysis.model.cache
    cached = cache.load(entry)
    if cached is not None:
        found: dict[str, list[TableRef]] = {}
        for p, t, b, f in zip(cached["path"], cached["table"], cached["by"], cached["functions"]):
            found.setdefault(str(p), []).append(TableRef(str(t), str(b), str(f).split("\n") if str(f) else []))
        return found
    found = {p: _find(analysis, p) for p in analysis.paths}
    rows = [(p, t.table, t.referenced_by, "\n".join(t.functions)) for p, ts in found.items() for t in ts]
    cache.save(entry, {k: np.array([r[i] for r in rows], dtype=str)
                       for i, k in enumerate(("path", "table", "by", "functions"))})
    return found


def _cache_entry(profile) -> str:
    """Tables depend on each path's reach: name the cache entry after what shapes it."""
    import hashlib

    shape = repr(sorted((p.name, p.entry_symbols, p.announced_by, p.converges_at, p.joins)
                        for p in profile.paths.values())) + repr(profile.not_nodes) + profile.common_root
    return "tables-" + hashlib.sha1(shape.encode()).hexdigest()[:12]


def _find(analysis, path: str) -> list[TableRef]:
    model, funcs = analysis.model, analysis.funcs
    own = np.flatnonzero(analysis.paths[path].own)
    if not len(own):
        return []
    syms = model.symbols
    objects = np.flatnonzero(((syms.info & 0xF) == STT_OBJECT) & (syms.size > 0))
    obj_start = syms.value[objects].astype(np.uint64)
    order = np.argsort(obj_start, kind="stable")
    objects, obj_start = objects[order], obj_start[order]
    obj_end = obj_start + syms.size[objects].astype(np.uint64)
    first_user: dict[int, int] = {}          # object → the first own function that refers to it
    for sec in np.unique(funcs.section[own]):
        section = model.sections[int(sec)]
        sel = np.sort(own[funcs.section[own] == sec])
        refs = model.decode_references(section, funcs.start[sel], funcs.end[sel], asm_mask=funcs.asm[sel])
        pick = np.isin(refs.kind, (D.RIP_REF, D.ABS_IMM, D.SLOT_LOAD))   # not calls through a slot
        targets, users = refs.target[pick], sel[refs.func[pick]]
        at = np.searchsorted(obj_start, targets, side="right") - 1
        inside = (at >= 0) & (targets < obj_end[np.maximum(at, 0)])
        for o, user in zip(at[inside].tolist(), users[inside].tolist()):
            first_user.setdefault(o, user)
    not_nodes = tuple(analysis.profile.not_nodes)
    tables = {o: name for o in first_user if not (name := syms.name(int(objects[o]))).startswith(not_nodes)}
    pointers = _pointers(model, funcs, sorted(tables), obj_start, obj_end)   # tracing plumbing is no table
    found = [TableRef(tables[o], analysis.name(first_user[o]), pointers[o]) for o in tables if pointers.get(o)]
    return sorted(found, key=lambda t: t.table)


def _pointers(model, funcs, picked: list[int], obj_start, obj_end) -> dict[int, list[str]]:
    """{object: names of the functions its aligned words point to}, for the objects `picked`
    (indices into obj_start/obj_end), read section by section in one pass each."""
    out: dict[int, list[str]] = {}
    by_section: dict[int, list[int]] = {}
    for o in picked:
        section = model.section_at(int(obj_start[o]))
        if section is not None and section.type != "SHT_NOBITS" and not section.executable:
            by_section.setdefault(section.index, []).append(o)
    for index, objs in by_section.items():
        section = model.sections[index]
        data = np.ascontiguousarray(model.section_bytes(section), np.uint8)
        if len(data) < 8:
            continue
        objs = np.array(objs, np.int64)
        lo = (obj_start[objs] - np.uint64(section.addr)).astype(np.int64)
        hi = np.minimum((obj_end[objs] - np.uint64(section.addr)).astype(np.int64), len(data))
        count = np.maximum((hi - lo - 8) // 8 + 1, 0)              # whole words from each object's start
        owner = np.repeat(np.arange(len(objs)), count)
        first = np.repeat(lo - 8 * (np.cumsum(count) - count), count)
        at = first + 8 * np.arange(int(count.sum()), dtype=np.int64)
        words = np.ndarray((len(data) - 7,), dtype="<u8", buffer=data, strides=(1,))[at]
        func = D.lookup_exact(words, funcs.start)
        for o, f in zip(objs[owner[func >= 0]].tolist(), func[func >= 0].tolist()):
            out.setdefault(o, []).append(model.symbols.name(int(funcs.sym[f])))
    return out
