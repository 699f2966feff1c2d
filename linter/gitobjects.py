"""Objects out of a git repository, one `git cat-file --batch` process serving them all.

Plain subprocess with gitsafe's options, no GitPython: this sits on the diff check's hot path,
where GitPython's import alone (~40 ms) would be a quarter of the run. The process starts at the
first request and answers each in turn (a round trip costs well under a millisecond), so the
marks can ask for a file's first version the moment a patch arrives (gitearly.py).
"""

from __future__ import annotations

import subprocess

from linter.gitsafe import git_argv, safe_env


class GitObjects:
    def __init__(self, root: str):
        self.root = root
        self._proc: subprocess.Popen | None = None
        self._broken = False

    def get(self, name: str) -> tuple[str, bytes] | None:
        """(full object id, content) of `name` (a blob id, full or abbreviated, "rev:path", or
        ":path" for the index) when it is a blob in the repository; else None (missing,
        ambiguous, not a blob, or git could not run)."""
        if not name or "\n" in name or self._broken:
            return None
        try:
            if self._proc is None:
                self._proc = subprocess.Popen(git_argv("cat-file", "--batch"), cwd=self.root,
                                              stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                              stderr=subprocess.DEVNULL, env=safe_env())
            self._proc.stdin.write(name.encode("utf-8", "surrogateescape") + b"\n")
            self._proc.stdin.flush()
            fields = self._proc.stdout.readline().rstrip(b"\n").split(b" ")
            if not _object_header(fields):       # "<name> missing", "<name> ambiguous", or git died
                return None
            size = int(fields[2])
            data = self._proc.stdout.read(size + 1)  # the content, then a newline
        except OSError:
            self._broken = True
            return None
        if len(data) != size + 1:
            self._broken = True
            return None
        return (fields[0].decode(), data[:size]) if fields[1] == b"blob" else None

    def close(self) -> None:
        if self._proc is not None:
            for stream in (self._proc.stdin, self._proc.stdout):
                try:
                    stream.close()
                except OSError:
                    pass
            self._proc.wait()
            self._proc = None


def _object_header(fields: list[bytes]) -> bool:
    """Is this "<id> <type> <size>", the header of an object that follows?"""
    return (len(fields) == 3 and len(fields[0]) in (40, 64) and fields[2].isdigit()
            and all(c in b"0123456789abcdef" for c in fields[0]))
