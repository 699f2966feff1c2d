"""Where an image symbol lives in the source tree, so every image finding has a file:line.

GitHub shows a SARIF result only at a physical location, and a reviewer wants to jump to the code.
The symbol's STT_FILE group gives a basename (`head64.c`); the profile's entry files and the
tree's file list turn it into a path; the function's span in that file gives the line.
"""

from __future__ import annotations

import os
import posixpath

from linter.csource import spans


def stem(path: str) -> str:
    """head_64.S and gas's STT_FILE head_64.o are one file; so are head64.c and head64.c."""
    return posixpath.splitext(posixpath.basename(path))[0]


def profile_file(profile, source_file: str | None, path: str | None, fallback: bool = False) -> str | None:
    """The profile's entry file a symbol's STT_FILE names (the path's own first, when several
    paths list files of that name); with `fallback`, else the path's first whole-file entry file."""
    files = [ef for p in profile.paths.values() for ef in p.entry_files if ef.is_plain]
    own = [ef for ef in profile.paths[path].entry_files if ef.is_plain] if path in profile.paths else []
    if source_file:
        same = [ef.pattern for ef in files if stem(ef.pattern) == stem(source_file)]
        same = [f for f in same if f in {ef.pattern for ef in own}] or same
        if len(same) == 1 or (same and fallback):
            return same[0]
    if fallback:
        whole = [ef for ef in own if ef.scope == "file"] or own
        return whole[0].pattern if whole else None
    return None


class SourceLocator:
    def __init__(self, profile, repo_root: str | None):
        self.profile = profile
        self.root = repo_root
        self._by_stem: dict[str, list[str]] | None = None
        self._spans: dict[str, dict[str, int]] = {}

    def tree_files(self, name_stem: str) -> list[str]:
        """The tracked files of the tree whose stem is `name_stem` (`git ls-files`, read once)."""
        if self._by_stem is None:
            self._by_stem = {}
            if self.root:
                import subprocess

                from linter.gitsafe import git_argv, safe_env

                try:
                    out = subprocess.run(git_argv("ls-files", "-z"), cwd=self.root, env=safe_env(),
                                         capture_output=True, check=True).stdout
                except (OSError, subprocess.CalledProcessError):
                    out = b""
                for f in out.decode("utf-8", "replace").split("\0"):
                    self._by_stem.setdefault(stem(f), []).append(f)
        return self._by_stem.get(name_stem, [])

    def file_for(self, source_file: str | None, path: str | None) -> str | None:
        if not source_file:
            return None
        known = profile_file(self.profile, source_file, path)
        if known:
            return known
        found = self.tree_files(stem(source_file))
        x86 = [f for f in found if f.startswith("arch/x86/")]
        for group in (x86, found):
            if len(group) == 1:
                return group[0]
        return None

    def line_of(self, file: str, symbol: str) -> int | None:
        if not self.root:
            return None
        if file not in self._spans:
            try:
                with open(os.path.join(self.root, file), encoding="utf-8", errors="replace") as fh:
                    lines = fh.read().splitlines()
            except OSError:
                lines = []
            self._spans[file] = {s.name: s.start for s in spans(lines, file)}
        return self._spans[file].get(symbol)


def locate_findings(ctx, findings) -> None:
    """Give image findings without a file or line the symbol's source place, where it can be found."""
    locator = None
    for f in findings:
        if not f.symbol or not f.image or (f.file and f.line):
            continue
        locator = locator or SourceLocator(ctx.profile, ctx.repo_root)
        model = ctx.image(f.image)
        index = model.code_symbol(f.symbol)
        basename = model.symbols.file_name(index) if index is not None else None
        path = f.paths[0] if f.paths and f.paths[0] in ctx.profile.paths else None
        changed = next((m for m in ctx.marks if f.symbol in m.functions), None)
        if changed is not None and not f.file:
            # a global function has no STT_FILE group; the series itself says where it is
            f.file, f.line = changed.file, next(c.line for c in changed.changes if c.function == f.symbol)
        f.file = f.file or locator.file_for(basename, path)
        if f.file and not f.line:
            f.line = locator.line_of(f.file, f.symbol)
