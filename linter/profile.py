"""The profile: the domain knowledge (entry paths, loader notes, special-case patterns) as data.

The shipped profiles are rules/x86_64.toml (the default) and rules/arm64.toml (an arm64 image, or a
series that touches only arm64 entry files; `--profile arm64`). `--profile FILE` loads another one with the same keys;
every key is validated here so a typo is one clear error naming the key, never a KeyError later.
"""

from __future__ import annotations

import fnmatch
import os
import re

from linter.errors import ConfigError
from linter.record import field, record

# (a plain path: pathlib is a few ms of every pre-commit run)
SHIPPED = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "rules", "x86_64.toml")
SCOPES = ("file", "sequence")


def glob_matches(path: str, pattern: str) -> bool:
    """fnmatch, but a plain path is compared as it is: fnmatch compiles a regex for each pattern,
    and most of the profile's patterns are plain paths (a few ms of every run)."""
    if not any(c in pattern for c in "*?["):   # (EntryFile.is_plain)
        return path == pattern
    return fnmatch.fnmatchcase(path, pattern)


def globs_matcher(patterns: list[str]):
    """A function path → bool: does any of `patterns` match (glob_matches)? Plain paths by a set,
    the globs by one regular expression (a tree listing has thousands of paths to test)."""
    plain = {p for p in patterns if not any(c in p for c in "*?[")}
    globs = [fnmatch.translate(p) for p in patterns if p not in plain]
    regex = re.compile("|".join(globs)) if globs else None
    return lambda path: path in plain or (regex is not None and regex.match(path) is not None)


@record(frozen=True)
class EntryFile:
    pattern: str               # a path or fnmatch glob, repository relative
    scope: str                 # "file" or "sequence"
    since: str | None = None
    until: str | None = None
    note: str | None = None
    bits: int | None = None    # 32: the file is the path's i386 code only (head_32.S); None: both

    def matches(self, path: str) -> bool:
        return glob_matches(path, self.pattern)

    @property
    def is_plain(self) -> bool:
        """A path, not a glob."""
        return not any(c in self.pattern for c in "*?[")


@record
class EntryPath:
    name: str
    description: str
    entry_symbols: list[str]
    announced_by: list[str]
    converges_at: list[str]
    counterparts: list[str]
    sequence: set[str]
    entry_files: list[EntryFile]
    joins: str | None = None   # the path this one becomes after its own sequence (pvh → native)
    counterparts_32: list[str] = field(default_factory=list)   # the counterparts of its i386 code

    def counterparts_for(self, width: int) -> list[str]:
        return self.counterparts_32 if width == 32 else self.counterparts


@record(frozen=True)
class SpecialCase:
    regex: re.Pattern          # a test for the door the kernel came through
    paths: list[str]           # the paths whose door it tests for

    def search(self, text: str):
        return self.regex.search(text)


@record
class NoteOwner:
    owner: str
    macro: str
    constant_prefix: str
    announces_entry: set[int]
    types: dict[int, str]      # type number → short name ("ENTRY")

    def type_by_name(self, name: str) -> int | None:
        short = name.removeprefix(self.constant_prefix)
        return next((t for t, n in self.types.items() if n == short), None)


@record(frozen=True)
class OverrideFile:
    pattern: str               # a path or glob of a path's own code that writes hook slots
    functions: frozenset[str] = frozenset()   # only these functions of it (empty: all)
    since: str | None = None
    until: str | None = None

    def matches(self, path: str) -> bool:
        return glob_matches(path, self.pattern)

    def covers(self, function: str | None) -> bool:
        return not self.functions or function in self.functions


@record
class HookProfile:
    """The hook tables, where their defaults and their callers are, and who overrides them."""

    tables: list[str] = field(default_factory=list)
    default_files: list[str] = field(default_factory=list)
    common_files: list[str] = field(default_factory=list)
    overrides: dict[str, list[OverrideFile]] = field(default_factory=dict)   # path → its files
    depth: int = 2

    def override_paths(self, file: str, function: str | None = None) -> list[str]:
        """The paths whose own code this function of this file is (its writes are their overrides)."""
        return [p for p, files in self.overrides.items() if any(f.matches(file) and f.covers(function) for f in files)]

    def is_override_file(self, file: str) -> bool:
        return any(f.matches(file) for files in self.overrides.values() for f in files)

    def is_common_file(self, file: str) -> bool:
        return any(glob_matches(file, pat) for pat in self.common_files)

    def is_default_file(self, file: str) -> bool:
        return any(glob_matches(file, pat) for pat in self.default_files)

    def watches(self, file: str) -> bool:
        return self.is_common_file(file) or self.is_override_file(file) or self.is_default_file(file)

    def globs(self) -> list[str]:
        return self.common_files + self.default_files + [f.pattern for fs in self.overrides.values() for f in fs]


@record
class Profile:
    name: str
    arch: str
    common_root: str
    paths: dict[str, EntryPath]
    not_nodes: list[str]           # symbol prefixes the image graph leaves out (thunks, tracing)
    notes: dict[str, NoteOwner]
    special_files: list[str]
    special_exclude: list[str]
    special_patterns: list["SpecialCase"]
    hooks: HookProfile = field(default_factory=HookProfile)
    source: str = "<shipped>"
    _file_cache: dict[str, list[tuple[str, str]]] = field(default_factory=dict, repr=False)
    _special_cache: dict[str, bool] = field(default_factory=dict, repr=False)

    # -- queries ---------------------------------------------------------------------------------
    def file_bits(self, path: str) -> int | None:
        """32 when the file is some path's i386-only entry code, else None."""
        return next((ef.bits for p in self.paths.values() for ef in p.entry_files if ef.bits and ef.matches(path)), None)

    def entry_scopes(self, path: str) -> list[tuple[str, str]]:
        """(path name, scope) for every entry path whose entry files include this file."""
        if path not in self._file_cache:
            self._file_cache[path] = [
                (p.name, ef.scope) for p in self.paths.values() for ef in p.entry_files if ef.matches(path)
            ]
        return self._file_cache[path]

    def paths_of_function(self, function: str) -> list[str]:
        return [p.name for p in self.paths.values() if function in p.sequence]

    def is_watched(self, path: str) -> bool:
        """Does any rule look at this file? (The series reader parses only these in full.)"""
        return bool(self.entry_scopes(path)) or self.is_special_case_file(path) or self.hooks.watches(path)

    def wants(self, path: str, diff_text: str = "") -> bool:
        """Parse this file's diff? Watched files, and any file whose diff writes a loader note."""
        return self.is_watched(path) or any(o.macro in diff_text for o in self.notes.values())

    def is_special_case_file(self, path: str) -> bool:
        if path not in self._special_cache:   # (asked for every file of every patch, and by rules)
            self._special_cache[path] = (not any(glob_matches(path, pat) for pat in self.special_exclude)
                                         and any(glob_matches(path, pat) for pat in self.special_files))
        return self._special_cache[path]

    def all_entry_symbols(self) -> dict[str, str]:
        return {sym: p.name for p in self.paths.values() for sym in p.entry_symbols}

    def watched_globs(self) -> list[str]:
        """Every file pattern the profile knows: for pre-commit's `files` filter."""
        pats = [ef.pattern for p in self.paths.values() for ef in p.entry_files]
        return sorted(set(pats + self.special_files + self.hooks.globs()))


# -- loading and validation ----------------------------------------------------------------------
def load_profile(path: str | os.PathLike | None = None, arch: str = "x86_64") -> Profile:
    """`path`: a profile file, a shipped profile's name, or None (the shipped one for `arch`)."""
    from linter.config import read_toml
    from linter.profilefile import profile_file

    source = profile_file(path, arch)
    if not os.path.exists(source):
        from linter.profilefile import SHIPPED_ARCHES

        raise ConfigError(source, f"no such profile file (a shipped profile is named {' or '.join(SHIPPED_ARCHES)})")
    return _build(read_toml(source, "profile"), source)


def _need(table: dict, key: str, kind: type | tuple, where: str, source: str, default=...):
    if key not in table:
        if default is not ...:
            return default
        raise ConfigError(source, f"missing key '{where + '.' if where else ''}{key}'")
    value = table[key]
    if not isinstance(value, kind):
        expected = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise ConfigError(source, f"key '{where + '.' if where else ''}{key}' must be {'an' if expected[0] in 'aeiou' else 'a'} {expected}, "
                                  f"not {type(value).__name__}")
    return value


def _strings(table: dict, key: str, where: str, source: str, default=...) -> list[str]:
    values = _need(table, key, list, where, source, default)
    for i, v in enumerate(values):
        if not isinstance(v, str):
            raise ConfigError(source, f"key '{where}.{key}[{i}]' must be a string")
    return list(values)


def _build(data: dict, source: str) -> Profile:
    head = _need(data, "profile", dict, "", source)
    raw_paths = _need(data, "paths", dict, "", source)
    if not raw_paths:
        raise ConfigError(source, "key 'paths' names no entry path")
    paths = {name: _build_path(name, body, source) for name, body in raw_paths.items()}
    for p in paths.values():
        for other in p.counterparts + p.counterparts_32 + ([p.joins] if p.joins else []):
            if other not in paths:
                raise ConfigError(source, f"key 'paths.{p.name}' names unknown path '{other}'")
    notes = {owner: _build_notes(owner, body, source) for owner, body in _need(data, "notes", dict, "", source, {}).items()}
    special = _need(data, "special_case", dict, "", source, {})
    patterns = []
    for i, entry in enumerate(_need(special, "patterns", list, "special_case", source, [])):
        at = f"special_case.patterns[{i}]"
        if isinstance(entry, str):  # a bare expression: it names no path
            entry = {"regex": entry, "paths": []}
        if not isinstance(entry, dict):
            raise ConfigError(source, f"key '{at}' must be a table with regex and paths")
        try:
            regex = re.compile(_need(entry, "regex", str, at, source))
        except re.error as exc:
            raise ConfigError(source, f"key '{at}.regex' is not a regular expression: {exc}") from None
        patterns.append(SpecialCase(regex, _strings(entry, "paths", at, source, [])))
    return Profile(
        name=_need(head, "name", str, "profile", source),
        arch=_need(head, "arch", str, "profile", source),
        common_root=_need(head, "common_root", str, "profile", source, "start_kernel"),
        paths=paths,
        not_nodes=_strings(head, "not_nodes", "profile", source, []),
        notes=notes,
        special_files=_strings(special, "files", "special_case", source, []),
        special_exclude=_strings(special, "exclude", "special_case", source, []),
        special_patterns=patterns,
        hooks=_build_hooks(_need(data, "hooks", dict, "", source, {}), paths, source),
        source=source,
    )


def _table(value, where: str, source: str) -> dict:
    if not isinstance(value, dict):
        raise ConfigError(source, f"key '{where}' must be a table")
    return value


def _build_path(name: str, body, source: str) -> EntryPath:
    where = f"paths.{name}"
    body = _table(body, where, source)
    files = []
    for i, ef in enumerate(_need(body, "entry_files", list, where, source)):
        at = f"{where}.entry_files[{i}]"
        ef = _table(ef, at, source)
        scope = _need(ef, "scope", str, at, source)
        if scope not in SCOPES:
            raise ConfigError(source, f"key '{at}.scope' must be one of {', '.join(SCOPES)}, not '{scope}'")
        bits = _need(ef, "bits", int, at, source, None)
        if bits not in (None, 32, 64):
            raise ConfigError(source, f"key '{at}.bits' must be 32 or 64, not {bits}")
        files.append(EntryFile(_need(ef, "path", str, at, source), scope, _need(ef, "since", str, at, source, None),
                               _need(ef, "until", str, at, source, None), _need(ef, "note", str, at, source, None),
                               bits))
    joins = _need(body, "joins", str, where, source, None)
    return EntryPath(
        name=name,
        description=_need(body, "description", str, where, source, ""),
        entry_symbols=_strings(body, "entry_symbols", where, source),
        announced_by=_strings(body, "announced_by", where, source, []),
        converges_at=_strings(body, "converges_at", where, source),
        counterparts=_strings(body, "counterparts", where, source, []),
        sequence=set(_strings(body, "sequence", where, source, [])),
        entry_files=files,
        joins=joins,
        counterparts_32=_strings(body, "counterparts_32", where, source, []),
    )


def _build_notes(owner: str, body, source: str) -> NoteOwner:
    where = f"notes.{owner}"
    body = _table(body, where, source)
    types = {}
    for key, name in _need(body, "types", dict, where, source).items():
        try:
            types[int(key, 0)] = str(name)
        except ValueError:
            raise ConfigError(source, f"key '{where}.types.{key}' is not a note type number") from None
    announces = _need(body, "announces_entry", list, where, source, [])
    if not all(isinstance(t, int) for t in announces):
        raise ConfigError(source, f"key '{where}.announces_entry' must list note type numbers")
    return NoteOwner(owner, _need(body, "macro", str, where, source, "ELFNOTE"),
                     _need(body, "constant_prefix", str, where, source, ""), set(announces), types)


def _build_hooks(body: dict, paths: dict, source: str) -> HookProfile:
    where = "hooks"
    overrides = {}
    for name, files in _table(_need(body, "overrides", dict, where, source, {}), f"{where}.overrides", source).items():
        if name not in paths:
            raise ConfigError(source, f"key '{where}.overrides.{name}' names unknown path '{name}'")
        if not isinstance(files, list):
            raise ConfigError(source, f"key '{where}.overrides.{name}' must be a list of tables")
        built = []
        for i, entry in enumerate(files):
            at = f"{where}.overrides.{name}[{i}]"
            entry = _table(entry, at, source)
            built.append(OverrideFile(_need(entry, "path", str, at, source),
                                      frozenset(_strings(entry, "functions", at, source, [])),
                                      _need(entry, "since", str, at, source, None),
                                      _need(entry, "until", str, at, source, None)))
        overrides[name] = built
    depth = _need(body, "depth", int, where, source, 2)
    if not 0 <= depth <= 8:
        raise ConfigError(source, f"key '{where}.depth' must be from 0 to 8, not {depth}")
    return HookProfile(tables=_strings(body, "tables", where, source, []),
                       default_files=_strings(body, "default_files", where, source, []),
                       common_files=_strings(body, "common_files", where, source, []),
                       overrides=overrides, depth=depth)
