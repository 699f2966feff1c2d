"""The git processes `entrylint check` starts before its own imports, and the series they give.

For a plain `base..head` range (or --staged), cli.py starts git at once: format-patch (or the
staged diff), rev-list with parents (merges to skip) and merge-base --is-ancestor (is the range
what it says). git then works on the second core while Python imports, and the series is parsed
message by message while git still writes it. Measured on bench/'s 100-patch series: git takes
~65 ms, Python's imports ~40 ms, parsing ~25 ms; in sequence they made most of the run.

This road takes only what git produced without complaint. Anything else (a git error, a base
that is no ancestor, a range with no commit left) returns None, and gitsource.py's careful road,
through GitPython, checks each revision and says exactly what is wrong. Imports nothing heavy.
"""

from __future__ import annotations

import os
import re
import subprocess

from linter.gitsafe import FORMAT_PATCH, SAFE_CONFIG, STAGED_DIFF, safe_env

# format-patch starts every message with this line (its fixed date marks it as its own)
MESSAGE_START = re.compile(rb"^From [0-9a-f]{40}(?:[0-9a-f]{24})? Mon Sep 17 00:00:00 2001\n", re.M)
PIPE_SIZE = 1 << 20   # Linux lets anyone widen a pipe to 1 MiB: git need not wait for the reader


class GitPipe:
    """One git process, started now, its output read later (or as it comes)."""

    def __init__(self, *args: str):
        self.proc = subprocess.Popen(["git", *SAFE_CONFIG, *args], stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, env=safe_env())
        try:
            import fcntl

            fcntl.fcntl(self.proc.stdout.fileno(), getattr(fcntl, "F_SETPIPE_SZ", 1031), PIPE_SIZE)
        except (ImportError, OSError):
            pass  # a smaller pipe only means less overlap

    def chunks(self):
        """Its output, as it comes."""
        fd = self.proc.stdout.fileno()
        while chunk := os.read(fd, PIPE_SIZE):
            yield chunk

    def ok(self) -> bool:
        """Did git succeed? (Reads and drops what is left of its output.)"""
        for _ in self.chunks():
            pass
        return self.proc.wait() == 0

    def output(self) -> bytes | None:
        """All its output, or None when git failed."""
        out = b"".join(self.chunks())
        return out if self.proc.wait() == 0 else None

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self.proc.stdout.close()


def split_messages(chunks):
    """format-patch's output, one message at a time, while it is still being written."""
    buf = bytearray()
    for chunk in chunks:
        scan = max(len(buf) - 80, 1)   # a start line may straddle two reads
        buf += chunk
        while m := MESSAGE_START.search(buf, scan):
            yield bytes(buf[:m.start()])
            del buf[:m.start()]
            scan = 1
    if buf:
        yield bytes(buf)


class EarlyRange:
    """format-patch, rev-list and merge-base for one plain `base..head` range."""

    def __init__(self, spec: str):
        base, head = spec.split("..", 1)
        self.spec = spec
        self.pipes = [GitPipe(*FORMAT_PATCH, "--end-of-options", spec)]
        try:
            self.pipes.append(GitPipe("rev-list", "--reverse", "--parents", "--end-of-options", spec))
            self.pipes.append(GitPipe("merge-base", "--is-ancestor", base or "HEAD", head or "HEAD"))
        except OSError:
            self.stop()
            raise

    def series(self, wanted, repo_root: str, on_patch=None):
        """The Series, or None: then the careful road runs (and explains any failure). `on_patch`
        sees each patch as it is read, while git still writes the next ones."""
        from linter.errors import PatchError
        from linter.series import merge_notes, series_from_messages

        patches, commits, ancestry = self.pipes
        try:
            messages = split_messages(patches.chunks())
            series, error = series_from_messages(messages, self.spec, wanted, on_patch=on_patch), None
        except PatchError as exc:      # only an error if git says its output was whole
            series, error = None, exc
        listing = commits.output()
        if not (patches.ok() and listing is not None and ancestry.ok()):
            return None
        if error is not None:
            raise error
        merges, singles = merge_notes(listing.decode("utf-8", "replace"))
        if not series.patches or len(series.patches) != singles:
            return None
        series.notes = merges + series.notes
        series.repo_root, series.revision = repo_root, self.spec
        for patch in series.patches:
            patch.source = "git"
        return series

    def stop(self) -> None:
        for pipe in self.pipes:
            pipe.stop()


class EarlyStaged:
    """`git diff --cached` against HEAD (there is none before the first commit: careful road)."""

    def __init__(self):
        self.pipe = GitPipe(*STAGED_DIFF, "HEAD")

    def series(self, wanted, repo_root: str, on_patch=None):
        from linter.series import series_from_staged_diff

        out = self.pipe.output()
        return None if out is None else series_from_staged_diff(out.decode("utf-8", "replace"), repo_root, wanted)

    def stop(self) -> None:
        self.pipe.stop()


def start(sources: list[str], staged: bool) -> EarlyRange | EarlyStaged | None:
    """Start git for `--staged` or a single plain `base..head` source that is no file."""
    try:
        if staged:
            return EarlyStaged() if not sources else None
        if len(sources) != 1:
            return None
        spec = sources[0]
        base, sep, head = spec.partition("..")
        if not sep or head.startswith(".") or base.startswith("-") or head.startswith("-") or os.path.lexists(spec):
            return None
        return EarlyRange(spec)
    except OSError:
        return None      # no git here: the careful road says so
