"""The git processes `entrylint check` starts before its own imports, and the series they give.

For a plain `base..head` range (or --staged), cli.py starts git at once: `git log -p` of the
range (the same diffs `format-patch` writes, without the mail around them), rev-list with parents
(merges to skip) and merge-base --is-ancestor (is the range what it says). git then works on the
second core while Python imports, and each commit is parsed, and marked, while git still writes
the next. Measured on bench/'s 100-patch series: git takes ~65 ms, Python's imports ~40 ms,
reading the mail format-patch writes (the `email` package) ~15 ms: in sequence they made most of
the run.

This road takes only what git produced without complaint. Anything else (a git error, a base
that is no ancestor, a commit without a diff) returns None, and gitsource.py's careful road,
through GitPython and format-patch, checks each revision and says exactly what is wrong. Both
roads give the same Series (tests/test_gitearly.py). Imports nothing heavy.
"""

from __future__ import annotations

import os
import re
import subprocess

from linter.gitsafe import SAFE_DIFF, STAGED_DIFF, git_argv, safe_env

# One record per commit: NUL, id, author, subject, body, NUL, then its diff. NUL is in no commit
# message and in no text diff (git calls a file with one binary), so it cannot be mistaken.
GIT_LOG = ["log", "--reverse", "--no-merges", "-p", "--no-notes", "--encoding=UTF-8", "--full-index", *SAFE_DIFF,
           "--format=%x00%H%x00%an%x00%ae%x00%s%x00%b%x00"]
RECORD_START = re.compile(rb"\0(?=[0-9a-f]{40}(?:[0-9a-f]{24})?\0)")
PIPE_SIZE = 1 << 20   # Linux lets anyone widen a pipe to 1 MiB: git need not wait for the reader


class GitPipe:
    """One git process, started now, its output read later (or as it comes)."""

    def __init__(self, *args: str):
        self.proc = subprocess.Popen(git_argv(*args), stdout=subprocess.PIPE,
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


def split_records(chunks):
    """`git log` output in GIT_LOG's format, one commit's record at a time, while git writes it."""
    buf = bytearray()
    for chunk in chunks:
        scan = max(len(buf) - 70, 1)   # a record's start may straddle two reads
        buf += chunk
        while m := RECORD_START.search(buf, scan):
            yield bytes(buf[:m.start()])
            del buf[:m.start()]
            scan = 1
    if buf:
        yield bytes(buf)


def patch_from_record(record: bytes, index: int, source: str, wanted, notes: list[str]):
    """The Patch of one commit's record (None: not a record of a commit with a diff)."""
    from linter.series import format_author, patch_from_parts

    fields = record[1:].split(b"\0", 5)
    if not record.startswith(b"\0") or len(fields) != 6:
        return None
    try:   # (as the careful road decodes a mail's body: UTF-8, else with replacement characters)
        commit, name, address, subject, body, diff = (f.decode("utf-8") for f in fields)
    except UnicodeDecodeError:
        commit, name, address, subject, body, diff = (f.decode("utf-8", "replace") for f in fields)
    # the mail format-patch writes: the message body, a blank line, the diff
    return patch_from_parts(index, subject, format_author(name, address), body + "\n" + diff.lstrip("\n"), commit,
                            source, wanted, notes)


class EarlyRange:
    """git log, rev-list and merge-base for one plain `base..head` range."""

    def __init__(self, spec: str):
        base, head = spec.split("..", 1)
        self.spec = spec
        self.pipes = [GitPipe(*GIT_LOG, "--end-of-options", spec)]
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
        from linter.series import Series, merge_notes

        log, commits, ancestry = self.pipes
        series, error = Series([], repo_root=repo_root, revision=self.spec), None
        try:
            for record in split_records(log.chunks()):
                patch = patch_from_record(record, len(series.patches) + 1, self.spec, wanted, series.notes)
                if patch is None:
                    return None
                patch.source = "git"
                series.patches.append(patch)
                if on_patch is not None:
                    on_patch(patch)
        except PatchError as exc:      # only an error if git says its output was whole
            error = exc
        listing = commits.output()
        if not (log.ok() and listing is not None and ancestry.ok()):
            return None
        if error is not None:
            raise error
        merges, singles = merge_notes(listing.decode("utf-8", "replace"))
        if not series.patches or len(series.patches) != singles:
            return None
        series.notes = merges + series.notes
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
