"""Per-path reach and gaps: what each entry path runs before it converges, and what only it runs.

Built on the ImageModel (symbols, doors), linter.image.decode (references in the code bytes) and
linter.image.graph (a lazily expanded CSR graph: only the functions a search visits get decoded).

Nodes are functions: code symbols (C functions and asm labels; markers like _text and __pfx_*
never), one per address, each running to the next code symbol of its section. An inner label
splits the function around it; a fall-through edge joins the two halves.

Edges (the narrow boundary of IMAGE-ANALYSIS.md, same sets with or without relocations):
  calls, jumps and conditional jumps (rel32 and rel8) into another function;
  slot reads (`call/jmp *slot(%rip)`, `mov slot(%rip),%reg`) whose slot holds a function statically
  (pv_ops defaults, initial_code);
  address references made by assembler code (`lea f(%rip)`, `mov $f`, `mov $_pa(f)`), except to an
  address a marker shares (`lea _text(%rip)` is arithmetic, not a way to _text's function);
  fall-through into an inner label.
Slot writes (`pv_ops.cpu = xen_cpu_ops`) are hook overrides: reported beside the reach, never
followed. Function-pointer tables in data are not followed (they would make every path reach
thousands of functions).

Reach of a path = what its announced doors (e_entry, Xen notes; the profile's entry symbols only
when none is announced) reach, stopping at its convergence points (profile converges_at) and at
other paths' doors, minus what the profile's common_root (start_kernel) reaches (that search stops
at every door and convergence point). The stops matter: CPU hotplug leads from the idle loop back
into the native head, and a secondary-CPU door (asm_cpu_bringup_and_idle) would pull in the idle
loop and clock events, which native's static analysis cannot see (its initial_code is rewritten
at run time for secondary CPUs).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

import numpy as np

from linter.image import decode as D
from linter.image.chaintext import chain_text  # noqa: F401 - the rules' chains, and gaps' text
from linter.image.graph import NO_KIND, Graph, Reach, reach, run_indices, sorted_unique
from linter.image.symbols import STT_FUNC, STT_NOTYPE

FALLTHROUGH = 11
# how a chain names each edge (JSON and text): what a reader of a gap report needs to know
KIND_NAMES = {D.CALL_REL: "call", D.JMP_REL: "jump", D.JCC_REL: "branch", D.RIP_REF: "address",
              D.ABS_IMM: "address", D.ABS_PHYS: "phys-address", D.SLOT_READ_CALL: "slot-call",
              D.SLOT_READ_JMP: "slot-jump", D.SLOT_LOAD: "slot-read", FALLTHROUGH: "fallthrough"}
BRANCHES = (D.CALL_REL, D.JMP_REL, D.JCC_REL)
SLOT_READS = (D.SLOT_READ_CALL, D.SLOT_READ_JMP, D.SLOT_LOAD)
ASM_REFS = (D.RIP_REF, D.ABS_IMM, D.ABS_PHYS)


def kind_table(kinds) -> np.ndarray:
    """Bool per reference kind (0..255): `table[refs.kind]` is a gather, ~4x cheaper than np.isin."""
    table = np.zeros(256, bool)
    table[list(kinds)] = True
    return table


IS_BRANCH, IS_SLOT_READ, IS_ASM_REF = kind_table(BRANCHES), kind_table(SLOT_READS), kind_table(ASM_REFS)
SUFFIX = re.compile(r"(\.(cold|part|constprop|isra|lto_priv|llvm)(\.\d+)?)+$")


def base_name(name: str) -> str:
    """copy_bootdata.constprop.0 → copy_bootdata: gcc's clones count as the function."""
    return SUFFIX.sub("", name)


@dataclass
class Functions:
    """Parallel arrays, one entry per function node, sorted by address."""

    sym: np.ndarray       # int64 symbol index
    start: np.ndarray     # uint64
    end: np.ndarray       # uint64, exclusive
    section: np.ndarray   # int64 section index
    asm: np.ndarray       # bool: assembler code (NOTYPE label, or a local of a non-C file)
    falls_into_next: np.ndarray  # bool: the code runs on into the next function (an inner label)

    def __len__(self) -> int:
        return len(self.sym)

    def starting_at(self, addresses) -> np.ndarray:
        """Function index whose start is each address, or -1."""
        return D.lookup_exact(np.asarray(addresses, np.uint64), self.start)

    def containing(self, addresses) -> np.ndarray:
        """Function index whose [start, end) holds each address, or -1."""
        addresses = np.asarray(addresses, np.uint64)
        at = np.searchsorted(self.start, addresses, side="right") - 1
        at_c = np.maximum(at, 0)
        inside = (at >= 0) & (addresses < self.end[at_c]) if len(self.start) else np.zeros(len(addresses), bool)
        return np.where(inside, at_c, -1).astype(np.int64)


def function_table(model, not_nodes: list[str] = ()) -> Functions:
    syms, sections = model.symbols, model.sections
    executable = np.array([s.executable for s in sections] + [False], bool)
    shndx = np.minimum(syms.shndx.astype(np.int64), len(sections))
    kind = syms.info & 0xF
    code = executable[shndx] & ((kind == STT_FUNC) | (kind == STT_NOTYPE))
    code[0] = False
    for prefix in not_nodes:               # plumbing (thunks, tracing), not work a path does
        code &= ~syms.starts_with(prefix)
    node = code & ~syms.marker_mask()
    node[_entry_marker(model, node)] = True
    idx = np.flatnonzero(node)
    # one node per address: a function before a sized label before an inner label; globals first
    rank = (kind[idx] != STT_FUNC).astype(np.int64) * 4 + (syms.size[idx] == 0) * 2 + ((syms.info[idx] >> 4) == 0)
    order = np.lexsort((idx, rank, syms.value[idx]))
    idx = idx[order]
    first = np.ones(len(idx), bool)
    first[1:] = syms.value[idx][1:] != syms.value[idx][:-1]
    idx = idx[first]
    start = syms.value[idx].astype(np.uint64)
    section = shndx[idx]
    declared = start + syms.size[idx].astype(np.uint64)
    sec_end = np.array([s.addr + s.size for s in sections] + [0], np.uint64)[section]
    next_start = np.append(start[1:], np.uint64(2**64 - 1))
    same_next = np.append(section[1:] == section[:-1], False)
    bound = np.where(same_next, np.minimum(next_start, sec_end), sec_end)
    end = np.where(syms.size[idx] > 0, np.minimum(declared, bound), bound)
    # inner labels: the enclosing code's declared end runs past the next start
    reach_end = declared.copy()
    for s in sorted_unique(section):
        in_sec = np.flatnonzero(section == s)
        reach_end[in_sec] = np.maximum.accumulate(declared[in_sec])
    falls = same_next & (reach_end > next_start)
    asm = kind[idx] == STT_NOTYPE
    groups = syms.file_group[idx]
    for group in sorted_unique(groups[groups >= 0]):       # one name per source file, not per symbol
        if not syms.name(int(group)).endswith((".c", ".rs")):
            asm |= groups == group
    return Functions(idx.astype(np.int64), start, end.astype(np.uint64), section, asm, falls)


def _entry_marker(model, node: np.ndarray) -> list[int]:
    """[the marker at e_entry] when no function starts there: arm64's e_entry is _text, the Image
    header, whose first words branch to primary_entry; the door must be a node."""
    entry = model.to_virtual(model.entry)
    marker = model.marker_at(entry) if entry is not None else None
    if marker is None or (node & (model.symbols.value == np.uint64(entry))).any():
        return []
    return [marker]


@dataclass
class Hook:
    """A slot write: code of a path replaces a statically initialised function pointer."""

    function: int        # the writer (function index)
    slot: int            # slot address
    default: int         # function index of the slot's static value, or -1
    new: int             # function index written, or -1 (a register: unknown)


class EdgeReader:
    """The out-edges of functions, decoded from the bytes when a search first visits them."""

    def __init__(self, model, funcs: Functions):
        self.model, self.funcs = model, funcs
        self._markers = None
        self._alts = None                      # (.altinstructions table, owning function), once read
        self.data = model.pointer_sections()
        self.hooks: list[Hook] = []
        self.reads: list[tuple[np.ndarray, np.ndarray]] = []   # (function, slot) of slot reads
        self.decoded = 0

    @property
    def markers(self) -> np.ndarray:
        """Addresses of markers (`_text`, `__*_start`): address arithmetic, never an edge. Built
        only when something is decoded: a cached run does not pay for it."""
        if self._markers is None:
            syms = self.model.symbols
            self._markers = sorted_unique(syms.value[syms.marker_mask()])
        return self._markers

    def __call__(self, nodes: np.ndarray):
        funcs, parts = self.funcs, []
        nodes = np.asarray(nodes, np.int64)
        self.decoded += len(nodes)
        fall = nodes[funcs.falls_into_next[nodes]]
        parts.append((fall, fall + 1, np.full(len(fall), FALLTHROUGH, np.uint8)))
        for sec in sorted_unique(funcs.section[nodes]):
            section = self.model.sections[int(sec)]
            # only the visited functions of this section: the per-call work stays small
            sel = np.sort(nodes[funcs.section[nodes] == sec])
            refs = self.model.decode_references(section, funcs.start[sel], funcs.end[sel], asm_mask=funcs.asm[sel])
            parts.append(self._edges(sel[refs.func], refs))
        parts.append(self._alternative_edges(nodes))
        src = np.concatenate([p[0] for p in parts]).astype(np.int64)
        dst = np.concatenate([p[1] for p in parts]).astype(np.int64)
        kind = np.concatenate([p[2] for p in parts]).astype(np.uint8)
        keep = (dst >= 0) & (dst != src)
        return src[keep], dst[keep], kind[keep]

    def _edges(self, src: np.ndarray, refs) -> tuple:
        funcs, kind, target = self.funcs, refs.kind, refs.target
        dst = np.full(len(src), -1, np.int64)
        branch = IS_BRANCH[kind]
        dst[branch] = funcs.containing(target[branch])
        slot = IS_SLOT_READ[kind]
        values, ok = D.read_slots(target[slot], self.data)
        dst[slot] = np.where(ok, funcs.starting_at(values), -1)
        copies = self._copies(refs)
        dst[copies] = -1
        # every read, whatever the slot holds statically: the hook map asks who calls a slot
        self.reads.append((src[slot & ~copies].astype(np.int64), target[slot & ~copies].astype(np.uint64)))
        asm_ref = IS_ASM_REF[kind] & funcs.asm[src]
        if asm_ref.any():
            virtual = np.array([self.model.to_virtual(int(t)) or 0 for t in target[asm_ref]], np.uint64)
            hit = funcs.starting_at(virtual)
            hit[D.lookup_exact(virtual, self.markers) >= 0] = -1   # `lea _text(%rip)`: arithmetic
            dst[asm_ref] = hit
        self._note_hooks(src, refs)
        return src, dst, kind

    def read_pairs(self) -> tuple[np.ndarray, np.ndarray]:
        """(function, slot address) of every slot read decoded so far, each pair once."""
        funcs = np.concatenate([r[0] for r in self.reads] + [np.empty(0, np.int64)]).astype(np.int64)
        slots = np.concatenate([r[1] for r in self.reads] + [np.empty(0, np.uint64)]).astype(np.uint64)
        if not len(funcs):
            return funcs, slots
        pairs = np.unique(np.stack([funcs.astype(np.uint64), slots], axis=1), axis=0)
        return pairs[:, 0].astype(np.int64), pairs[:, 1]

    def _alternative_edges(self, nodes: np.ndarray) -> tuple:
        """What the replacements patched into these functions reference, as their own edges."""
        empty = (np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.uint8))
        if self._alts is None:
            from linter.image.alternatives import read_alternatives

            table = read_alternatives(self.model)
            self._alts = (table, self.funcs.containing(table.instr) if table is not None else None)
        table, owner = self._alts
        if table is None:
            return empty
        pick = np.flatnonzero(np.isin(owner, nodes) & (table.repl_len > 0))
        if not len(pick):
            return empty
        sec = self.model.section(".altinstr_replacement")
        refs = self.model.decode_references(sec, table.repl[pick], table.repl[pick] + table.repl_len[pick])
        src = owner[pick][refs.func]
        src_, dst, kind = self._edges(src, refs)
        return src_, dst, kind

    COPY_WINDOW = 16  # bytes: a load and the store that copies it sit next to each other

    def _copies(self, refs) -> np.ndarray:
        """Slot loads that only copy a pointer into another slot (`pv_ops.irq = xen_irq_ops.irq` as
        8-byte moves): a hook being installed, not a call; the store is reported as a hook."""
        loads = np.flatnonzero(refs.kind == D.SLOT_LOAD)
        writes = np.flatnonzero(refs.kind == D.SLOT_WRITE)
        if not len(loads) or not len(writes):
            return np.zeros(len(refs.kind), bool)
        key = refs.func.astype(np.int64) << 40
        wkey = key[writes] + refs.site[writes].astype(np.int64) % (1 << 40)
        lkey = key[loads] + refs.site[loads].astype(np.int64) % (1 << 40)
        order = np.argsort(wkey)
        at = np.searchsorted(wkey[order], lkey, side="right")      # the first store after each load
        later = np.where(at < len(wkey), wkey[order][np.minimum(at, len(wkey) - 1)], -1)
        copied = (later > lkey) & (later - lkey <= self.COPY_WINDOW)
        mask = np.zeros(len(refs.kind), bool)
        mask[loads[copied]] = True
        return mask

    def _note_hooks(self, src: np.ndarray, refs) -> None:
        """Slot writes whose slot holds a function statically, or that store one: hooks. The new
        value is an immediate stored at the same site (`movq $xen_memory_setup, x86_init+0x10`),
        else the static value of the slot the same function loaded just before (_copied_from)."""
        writes = np.flatnonzero(refs.kind == D.SLOT_WRITE)
        if not len(writes):
            return
        defaults, ok = D.read_slots(refs.target[writes], self.data)
        default = np.where(ok, self.funcs.starting_at(defaults), -1)
        imm = np.flatnonzero(refs.kind == D.ABS_IMM)
        new = np.full(len(writes), -1, np.int64)
        if len(imm):                          # refs are sorted by site within a function: search
            imm_sites = refs.site[imm]
            order = np.argsort(imm_sites, kind="stable")
            at = np.searchsorted(imm_sites[order], refs.site[writes])
            found = at < len(imm)
            first = imm[order[np.minimum(at, len(imm) - 1)]]
            found &= refs.site[first] == refs.site[writes]
            new[found] = self.funcs.starting_at(refs.target[first[found]])
        missing = new < 0
        new[missing] = self._copied_from(refs, writes[missing])
        for w, d, n in zip(writes.tolist(), default.tolist(), new.tolist()):
            if d >= 0 or n >= 0:  # a function pointer slot, not plain data
                self.hooks.append(Hook(int(src[w]), int(refs.target[w]), d, n))

    def _copied_from(self, refs, writes: np.ndarray) -> np.ndarray:
        """For each register store, the function it copies: the static value of the slot the same
        function loaded just before (`mov xen_irq_ops+0xf0(%rip),%rax; mov %rax,pv_ops+0xf0(%rip)`),
        or -1."""
        out = np.full(len(writes), -1, np.int64)
        loads = np.flatnonzero(refs.kind == D.SLOT_LOAD)
        if not len(loads) or not len(writes):
            return out
        key = (refs.func.astype(np.int64) << 40) + refs.site.astype(np.int64) % (1 << 40)
        order = np.argsort(key[loads], kind="stable")
        at = np.searchsorted(key[loads][order], key[writes], side="left") - 1   # the last load before
        load = loads[order[np.maximum(at, 0)]]
        near = (at >= 0) & (refs.func[load] == refs.func[writes]) & (refs.site[load] < refs.site[writes]) \
            & (refs.site[writes] - refs.site[load] <= np.uint64(self.COPY_WINDOW))
        if near.any():
            value, ok = D.read_slots(refs.target[load[near]], self.data)
            out[near] = np.where(ok, self.funcs.starting_at(value), -1)
        return out


@dataclass
class PathReach:
    name: str
    doors: list[int]                 # function indices the search starts from (the announced doors)
    stops: list[int]                 # convergence points and other paths' doors
    search: Reach
    own: np.ndarray                  # bool per function: reached before convergence, not common
    hooks: list[Hook] = field(default_factory=list)


@dataclass
class PathAnalysis:
    """Every path's reach in one image, and the questions rules and commands ask of it."""

    model: object
    profile: object
    funcs: Functions
    paths: dict[str, PathReach]
    common: Reach
    decoded: int                     # functions decoded (of len(funcs))
    graph: Graph | None = None       # the (lazy) graph the searches ran on: out_edges of visited nodes
    slot_reads: tuple = ()           # (function indices, slot addresses) of the decoded slot reads
    _names: dict = field(default_factory=dict, repr=False)   # reach_names, once per path

    def name(self, f: int) -> str:
        return self.model.symbols.name(int(self.funcs.sym[f]))

    def reach_names(self, path: str) -> dict[str, int]:
        """Folded function name → the function (shallowest variant) for a path's own reach.
        Computed once per path (rules ask per changed function); do not modify the result."""
        if path not in self._names:
            pr = self.paths[path]
            out: dict[str, int] = {}
            for f in sorted(np.flatnonzero(pr.own), key=lambda f: (int(pr.search.depth[f]), int(f))):
                out.setdefault(base_name(self.name(int(f))), int(f))
            self._names[path] = out
        return self._names[path]

    def only(self, path: str, versus: list[str]) -> dict[str, int]:
        """Functions (folded names) in `path`'s reach and in none of `versus`'s."""
        others = set().union(*(self.reach_names(v) for v in versus if v in self.paths))
        return {n: f for n, f in self.reach_names(path).items() if n not in others}

    def chain(self, path: str, f: int) -> list[tuple[str, str | None]]:
        """[(function, kind of the edge into it)], from the door to f; kind None for the door."""
        return [(self.name(node), None if kind == NO_KIND else KIND_NAMES.get(kind, str(kind)))
                for node, kind in self.paths[path].search.chain(f)]

    def runs_on(self, name: str) -> list[str]:
        """Paths that run function `name` (folded) before converging."""
        return self.runs_on_functions([names[name] for names in map(self.reach_names, self.paths) if name in names])

    def runs_on_functions(self, funcs) -> list[str]:
        """Paths whose own reach holds one of `funcs` (function indices); a path that joins another
        (pvh joins native at startup_64) also runs what that one runs."""
        on = {p for p, pr in self.paths.items() if any(pr.own[f] for f in funcs)}
        on |= {p for p in self.paths if self.profile.paths[p].joins in on}
        return [p for p in self.paths if p in on]

    def chain_text(self, path: str, f: int) -> str:
        return chain_text(self.chain(path, f))

    def counterparts(self, path: str) -> list[str]:
        """The profile's counterparts of `path` that have a door in this image."""
        return [c for c in self.profile.paths[path].counterparts if c in self.paths]


def analysis_of(model, profile) -> PathAnalysis:
    """analyse(), once per model and profile: several rules ask the same questions."""
    key = ("paths", id(profile))
    if key not in model.memo:
        model.memo[key] = analyse(model, profile)
    return model.memo[key]


class CachedEdges:
    """Out-edges from an earlier run's cache; functions it never expanded are decoded now."""

    def __init__(self, cached: dict, reader: EdgeReader):
        self.indptr, self.dst, self.kind = cached["indptr"], cached["dst"], cached["kind"]
        self.expanded = cached["expanded"]
        self.reader = reader

    def __call__(self, nodes: np.ndarray):
        nodes = np.asarray(nodes, np.int64)
        old, new = nodes[self.expanded[nodes]], nodes[~self.expanded[nodes]]
        counts = self.indptr[old + 1] - self.indptr[old]
        idx = run_indices(self.indptr[old], counts)
        src, dst, kind = np.repeat(old, counts), self.dst[idx].astype(np.int64), self.kind[idx]
        if len(new):
            s, d, k = self.reader(new)
            src, dst, kind = np.concatenate((src, s)), np.concatenate((dst, d)), np.concatenate((kind, k))
        return src, dst, kind


FUNC_ARRAYS = ("sym", "start", "end", "section", "asm", "falls_into_next")


def _graph_entry(profile) -> str:
    """The cache entry's name: the graph depends on which symbols the profile leaves out."""
    return "graph-" + hashlib.sha1("\0".join(profile.not_nodes).encode()).hexdigest()[:12]


def _graph(model, profile) -> tuple[Functions, Graph, EdgeReader, dict | None]:
    """The function table and a lazy graph, from the image cache when an earlier run left one."""
    cached = model.cache.load(_graph_entry(profile))
    wanted = FUNC_ARRAYS + ("indptr", "expanded", "hook_slots", "read_slots")
    if cached is not None and all(k in cached for k in wanted):
        funcs = Functions(*(cached[k] for k in FUNC_ARRAYS))
        reader = EdgeReader(model, funcs)
        reader.hooks = [Hook(int(f), int(slot), int(d), int(n))
                        for (f, d, n), slot in zip(cached["hook_funcs"], cached["hook_slots"])]
        reader.reads = [(cached["read_funcs"].astype(np.int64), cached["read_slots"].astype(np.uint64))]
        return funcs, Graph.lazy(len(funcs), CachedEdges(cached, reader)), reader, cached
    funcs = function_table(model, profile.not_nodes)
    reader = EdgeReader(model, funcs)
    return funcs, Graph.lazy(len(funcs), reader), reader, None


def _save_graph(model, profile, funcs: Functions, graph: Graph, reader: EdgeReader, cached: dict | None) -> None:
    if cached is not None and reader.decoded == 0:
        return  # nothing new
    if cached is not None:  # keep what earlier runs decoded, even if this run did not visit it
        graph.out_edges(np.flatnonzero(cached["expanded"]))
    indptr, dst, kind = graph.to_csr()
    arrays = {k: getattr(funcs, k) for k in FUNC_ARRAYS}
    hook_funcs = np.array([[h.function, h.default, h.new] for h in reader.hooks], np.int64).reshape(-1, 3)
    hook_slots = np.array([h.slot for h in reader.hooks], np.uint64)
    read_funcs, read_slots = reader.read_pairs()
    model.cache.save(_graph_entry(profile), {**arrays, "indptr": indptr, "dst": dst, "kind": kind,
                               "expanded": graph.expanded.copy(), "hook_funcs": hook_funcs, "hook_slots": hook_slots,
                               "read_funcs": read_funcs, "read_slots": read_slots})


def analyse(model, profile) -> PathAnalysis:
    """Reach of every profile path that has a door in this image."""
    funcs, graph, reader, cached = _graph(model, profile)
    all_doors: dict[str, set[int]] = {}       # every door of each path
    announced: dict[str, set[int]] = {}       # the doors a loader is told about
    for door in model.doors:
        f = int(funcs.containing([door.address])[0]) if door.path and door.resolves else -1
        if f >= 0:
            all_doors.setdefault(door.path, set()).add(f)
            if door.announced_by:
                announced.setdefault(door.path, set()).add(f)
    stops = {name: _functions_named(model, funcs, p.converges_at) for name, p in profile.paths.items()}
    root = _functions_named(model, funcs, [profile.common_root])
    every_door = set().union(*all_doors.values()) if all_doors else set()
    chain_stops = sorted(every_door | {f for fs in stops.values() for f in fs} - set(root))
    common = reach(graph, root, stops=chain_stops) if root else _empty_reach(len(funcs))
    # what the common kernel runs itself: a door it only reaches (CPU hotplug jumps back into the
    # native head) stays the door's path's own code
    common_runs = common.visited.copy()
    common_runs[chain_stops] = False
    paths = {}
    from linter.progress import progress

    for name, doors in all_doors.items():
        progress.step(f"following the {name} path through {model.path}")
        # start where the loader starts (a secondary-CPU door would pull in the idle loop); stop at
        # the convergence points and at other paths' doors (CPU hotplug re-enters the native head)
        sources = sorted(announced.get(name) or doors)
        path_stops = sorted(set(stops[name]) | (every_door - doors))
        search = reach(graph, sources, stops=path_stops)
        own = search.visited & ~common_runs
        own[path_stops] = False
        own[sources] = True
        paths[name] = PathReach(name, sources, path_stops, search, own)
    for hook in reader.hooks:
        for pr in paths.values():
            same = [(h.function, h.slot, h.new) for h in pr.hooks]
            if pr.own[hook.function] and (hook.function, hook.slot, hook.new) not in same:
                pr.hooks.append(hook)
    _save_graph(model, profile, funcs, graph, reader, cached)
    return PathAnalysis(model, profile, funcs, paths, common, reader.decoded, graph=graph,
                        slot_reads=reader.read_pairs())


def _functions_named(model, funcs: Functions, names: list[str]) -> list[int]:
    out = []
    for name in names:
        index = model.code_symbol(name)
        if index is not None:
            f = int(funcs.starting_at([int(model.symbols.value[index])])[0])
            if f >= 0:
                out.append(f)
    return out


def _empty_reach(n: int) -> Reach:
    return Reach(np.zeros(n, bool), np.full(n, -1, np.int32), np.full(n, -1, np.int32), np.full(n, NO_KIND, np.uint8))
