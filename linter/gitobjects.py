"""Objects out of a git repository, many at a time, through one `git cat-file --batch` run.

Plain subprocess with gitsafe's options, no GitPython: this sits on the diff check's hot path,
where GitPython's import alone (~40 ms) would be a quarter of the run, and one request at a time
through GitPython's persistent cat-file costs a round trip per object.
"""

from __future__ import annotations

import subprocess

from linter.gitsafe import SAFE_CONFIG, safe_env


class GitObjects:
    def __init__(self, root: str):
        self.root = root

    def read(self, names: list[str]) -> dict[str, tuple[str, bytes]]:
        """name → (full object id, content) for each name (a blob id, full or abbreviated,
        "rev:path" or ":path" for the index) that is a blob in the repository; the others are
        left out (missing, ambiguous, not a blob, or git could not run)."""
        names = [n for n in names if n and "\n" not in n]
        if not names:
            return {}
        try:
            proc = subprocess.run(["git", *SAFE_CONFIG, "cat-file", "--batch"],
                                  input="\n".join(names).encode("utf-8", "surrogateescape") + b"\n",
                                  capture_output=True, cwd=self.root, env=safe_env())
        except OSError:
            return {}
        out, at, found = proc.stdout, 0, {}
        for name in names:
            end = out.find(b"\n", at)
            if end < 0:
                break
            header = out[at:end].split(b" ")
            at = end + 1
            if not _object_header(header):     # "<name> missing", "<name> ambiguous"
                continue
            size = int(header[2])
            if header[1] == b"blob":
                found[name] = (header[0].decode(), out[at:at + size])
            at += size + 1                     # content, then a newline
        return found


def _object_header(fields: list[bytes]) -> bool:
    """Is this "<id> <type> <size>", the header of an object that follows?"""
    return (len(fields) == 3 and len(fields[0]) in (40, 64) and fields[2].isdigit()
            and all(c in b"0123456789abcdef" for c in fields[0]))
