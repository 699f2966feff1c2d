"""The hook map of a source tree: which slots each path overrides with which function, the native
defaults, and which common boot functions call which slots (directly, or through the functions
of the common files they call, up to profile.hooks.depth calls deep).

Read at the series' base revision through git (never the work tree), only from the files the
profile names (hooks.default_files, hooks.common_files, hooks.overrides). A tree without those
files gives an empty map and a note; patch files with no tree give none (the rules then say
what they cannot tell).
"""

from __future__ import annotations

import hashlib
import os
import subprocess

from linter import jsoncache
from linter.csource import c_spans
from linter.hooksource import Assignment, assignments, blank_comments, calls_by_function, initialisers
from linter.profile import HookProfile, globs_matcher
from linter.record import field, record


@record(frozen=True)
class Override:
    path: str              # the entry path whose code writes it
    slot: str              # "x86_init.resources.memory_setup"
    value: str             # "xen_memory_setup"
    writer: str | None     # the function that writes it ("xen_start_kernel")
    file: str
    line: int


@record
class HookMap:
    defaults: dict[str, str] = field(default_factory=dict)                  # slot → native default
    overrides: dict[str, dict[str, Override]] = field(default_factory=dict)  # path → slot → override
    _reaches: dict[str, set[str]] | None = field(default=None, repr=False)   # common function → slots
    # the common files (path → lines, or a function that reads them), until reaches is asked
    _common: object = field(default_factory=dict, repr=False)
    _how: tuple = field(default=(), repr=False)                 # (hooks profile, tables) to read them with
    _store: object = field(default=None, repr=False)            # where reaches are cached (HookCache)
    written: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # path → (slot, value) as written
    revision: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def reaches(self) -> dict[str, set[str]]:
        """Common function → the slots it calls, directly or within hooks.depth calls. Read from the
        common files on first use only: the costliest part, which EL130 needs only for a reorder."""
        if self._reaches is None:
            cached = self._store.reaches() if self._store is not None else None
            if cached is not None:
                self._reaches = cached
            else:
                files = self._common() if callable(self._common) else self._common
                self._reaches = _reaches(*self._how, files) if self._how else {}
                if self._store is not None:
                    self._store.save_reaches(self._reaches)
            self._common = {}
        return self._reaches

    def overriders(self, slot: str) -> list[Override]:
        """Every path's override of `slot`, or of the sub-table holding it (a struct copy)."""
        out = []
        for slots in self.overrides.values():
            hit = slots.get(slot) or next((o for s, o in slots.items() if slot.startswith(s + ".")), None)
            if hit is not None:
                out.append(hit)
        return out

    def hooked_slots(self, call: str, is_slot: bool = False) -> list[str]:
        """The overridden slots a call reaches: itself, when it is a slot call; else the slots the
        called common function reaches."""
        slots = [call] if is_slot else sorted(self.reaches.get(call, ()))
        return [s for s in slots if self.overriders(s)]

    def installed_as(self, function: str) -> list[Override]:
        """The overrides that install `function` in a slot."""
        return [o for slots in self.overrides.values() for o in slots.values() if o.value == function]

    def default_of(self, function: str) -> list[str]:
        """The slots whose native default is `function` and that some path overrides."""
        return sorted(s for s, v in self.defaults.items() if v == function and self.overriders(s))

    def default(self, slot: str) -> str | None:
        return self.defaults.get(slot)


def build_hook_map(hooks: HookProfile, tables: tuple[str, ...], files: dict[str, list[str]],
                   revision: str | None = None) -> HookMap:
    """The map from file texts (path → lines) of one revision."""
    hm = HookMap(revision=revision)
    for path, lines in files.items():
        if hooks.is_default_file(path):
            for table, members in initialisers(lines, set(tables)).items():
                hm.defaults.update({f"{table}.{m}": v for m, v in members.items()})
    for path, lines in files.items():
        if hooks.is_override_file(path):
            _add_overrides(hm, hooks, tables, path, lines)
    hm._common = {p: t for p, t in files.items() if hooks.is_common_file(p)}
    hm._how = (hooks, tables)
    return hm


def _add_overrides(hm: HookMap, hooks: HookProfile, tables, path: str, lines: list[str]) -> None:
    code = blank_comments(lines)
    file_tables: list[dict] = []          # the file's initialisers, read at the first struct copy

    def tables_of_file() -> dict:
        if not file_tables:
            file_tables.append(initialisers(code))
        return file_tables[0]

    for a in assignments(code, c_spans(code), tables, blanked=True):
        paths = hooks.override_paths(path, a.function)
        for name in paths:
            hm.written.setdefault(name, []).append((a.slot, a.value))
        for slot, value in (_expanded(a, tables_of_file) if paths else ()):
            for name in paths:
                hm.overrides.setdefault(name, {})[slot] = Override(name, slot, value, a.function, path, a.line)


def _expanded(a: Assignment, tables_of_file) -> list[tuple[str, str]]:
    """A struct copy (`pv_ops.cpu = xen_cpu_ops;`, `pv_ops.irq = xen_irq_ops.irq;`) writes every
    slot of the table it copies: expand it from that table's initialiser in the same file."""
    table, _, sub = a.value.partition(".")
    members = tables_of_file().get(table)
    if not members:
        return [(a.slot, a.value)]
    prefix = sub + "." if sub else ""
    out = [(f"{a.slot}.{m[len(prefix):]}", v) for m, v in members.items() if m.startswith(prefix)]
    return out or [(a.slot, a.value)]


def _reaches(hooks: HookProfile, tables, files: dict[str, list[str]]) -> dict[str, set[str]]:
    direct: dict[str, set[str]] = {}
    callees: dict[str, set[str]] = {}
    for lines in files.values():
        code = blank_comments(lines)
        for function, (slots, called) in calls_by_function(code, c_spans(code), tables).items():
            direct.setdefault(function, set()).update(slots)
            callees.setdefault(function, set()).update(called)
    reach = {f: set(s) for f, s in direct.items()}
    for _ in range(hooks.depth):      # one more call deep each round
        reach = {f: reach[f].union(*(reach.get(g, ()) for g in callees.get(f, ()))) for f in reach}
    return {f: s for f, s in reach.items() if s}


# -- reading a revision through git ----------------------------------------------------------------
def hook_files_at(root: str, revision: str, hooks: HookProfile) -> dict[str, str]:
    """{path: blob id} of the files of `revision` that the hook profile names (globs expanded by
    `git ls-tree`)."""
    from linter.gitsafe import git_argv, safe_env

    patterns = hooks.globs()
    dirs = sorted({p.rsplit("/", 1)[0] for p in patterns if "/" in p})
    try:
        out = subprocess.run(git_argv("ls-tree", "-r", revision, "--", *dirs), cwd=root,
                             env=safe_env(), capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return {}
    found, wanted = {}, globs_matcher(patterns)
    for line in out.splitlines():
        meta, _, path = line.partition("\t")
        fields = meta.split()
        if len(fields) == 3 and fields[1] == "blob" and wanted(path):
            found[path] = fields[2]
    return found


def hook_map_at(root: str, revision: str, hooks: HookProfile, tables: tuple[str, ...], versions) -> HookMap:
    """The hook map of `revision` in the repository at `root`; `versions` (versions.FileVersions)
    reads the blobs. Cached by the blob ids of the files it is read from (HookCache): a later run
    on a tree whose hook files are the same reads none of them."""
    blobs = hook_files_at(root, revision, hooks)

    def texts(paths) -> dict[str, list[str]]:
        out = {}
        for path in paths:
            found = versions.named(blobs[path])
            if found is not None:
                out[path] = found[1].lines
        return out

    store = HookCache(hooks, tables, blobs)
    hm = store.load()
    if hm is None:
        hm = build_hook_map(hooks, tables, texts(blobs), revision)
        store.save(hm)
    hm.revision, hm._how, hm._store = revision, (hooks, tables), store
    hm._common = lambda: texts([p for p in blobs if hooks.is_common_file(p)])
    hm.notes += store.notes
    if not hm.overrides:
        hm.notes.append(f"hook map: {revision} has no write to a hook table in the files the profile's "
                        f"[hooks] names ({len(blobs)} of them here: not a kernel tree, or another era): "
                        f"the hook rules (EL130-EL132) know no path's overrides")
    return hm


class HookCache:
    """A hook map, and its reaches, in the user's cache: keyed by the hook profile, the tables,
    entrylint's own code and the blob ids of the files read (so by content, whatever the revision
    is called). Reaches are kept apart: only EL130 asks for them, and only on a reorder."""

    FORMAT = 1

    def __init__(self, hooks: HookProfile, tables: tuple[str, ...], blobs: dict[str, str]):
        overrides = {p: [(f.pattern, sorted(f.functions), f.since, f.until) for f in fs]
                     for p, fs in sorted(hooks.overrides.items())}          # (sets sorted: a stable key)
        shape = (hooks.tables, hooks.default_files, hooks.common_files, overrides, hooks.depth)
        key = hashlib.sha1(repr((self.FORMAT, shape, tables, sorted(blobs.items()), jsoncache.code_identity()))
                           .encode()).hexdigest()
        self.file = os.path.join(jsoncache.cache_root(), "hookmap", key + ".json")
        self.notes: list[str] = []

    def load(self) -> HookMap | None:
        value = self._read("hookmap", self.file)
        try:
            return _from_json(value) if value is not None else None
        except (KeyError, TypeError, ValueError) as exc:
            self.notes.append(f"{self.file}: cache file ignored (not a hook map: {exc}); it is written anew")
            return None

    def save(self, hm: HookMap) -> None:
        jsoncache.write(self.file, "hookmap", self.FORMAT, _to_json(hm))

    def reaches(self) -> dict[str, set[str]] | None:
        value = self._read("reaches", self.file + ".reaches")
        if not isinstance(value, dict):
            return None
        return {f: set(slots) for f, slots in value.items()}

    def save_reaches(self, reaches: dict[str, set[str]]) -> None:
        jsoncache.write(self.file + ".reaches", "reaches", self.FORMAT, {f: sorted(s) for f, s in reaches.items()})

    def _read(self, kind: str, path: str):
        value, problem = jsoncache.read(path, kind, self.FORMAT)
        if problem:
            self.notes.append(f"{path}: cache file ignored ({problem}); it is written anew")
        return value


def _to_json(hm: HookMap) -> dict:
    return {"defaults": hm.defaults,
            "overrides": {p: [[o.slot, o.value, o.writer, o.file, o.line] for o in slots.values()]
                          for p, slots in hm.overrides.items()},
            "written": {p: [list(w) for w in ws] for p, ws in hm.written.items()}}


def _from_json(value: dict) -> HookMap:
    hm = HookMap(defaults=dict(value["defaults"]))
    for path, rows in value["overrides"].items():
        hm.overrides[path] = {slot: Override(path, slot, v, writer, file, int(line))
                              for slot, v, writer, file, line in rows}
    hm.written = {p: [(slot, v) for slot, v in rows] for p, rows in value["written"].items()}
    return hm
