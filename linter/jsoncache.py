"""Cache files of JSON: a first line `entrylint-cache FORMAT KIND SHA256`, then the JSON.

Shared by the answers of `entries`/`gaps` (linter.image.answers) and the hook maps of source
revisions (linter.hookmap). A file of another format or kind, with a bad checksum or bad JSON is
never trusted: read() says what is wrong with it, and the caller rebuilds it. Writes are atomic
(a temporary file renamed over the old one); a cache that cannot be written is simply not used.
"""

from __future__ import annotations

import hashlib
import json
import os

MAGIC = "entrylint-cache"
PACKAGE_DIRS = ("linter", "rules")


def cache_root() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "entrylint")


def package_top() -> str:
    """The directory that holds the linter and rules packages."""
    return os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def code_identity() -> str:
    """entrylint's version and the size and mtime of each of its modules and profiles: a cached
    answer of another entrylint is never read."""
    from linter import __version__

    top = package_top()
    parts = [__version__]
    for package in PACKAGE_DIRS:
        for root, dirs, files in os.walk(os.path.join(top, package)):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            for name in sorted(files):
                if name.endswith((".py", ".toml")):
                    st = os.stat(os.path.join(root, name))
                    parts.append(f"{os.path.relpath(root, top)}/{name}:{st.st_size}:{st.st_mtime_ns}")
    return hashlib.sha1("\n".join(parts).encode()).hexdigest()


def read(path: str, kind: str, fmt: int):
    """(the JSON value, None), or (None, what is wrong with the file); (None, None) if there is none."""
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError:
        return None, None
    head, newline, body = data.partition(b"\n")
    fields = head.decode("ascii", "replace").split(" ")
    if not newline or len(fields) != 4 or fields[0] != MAGIC or fields[2] != kind:
        return None, f"not an entrylint {kind} file"
    if fields[1] != str(fmt):
        return None, f"format {fields[1]}, this entrylint reads {fmt}"
    if hashlib.sha256(body).hexdigest() != fields[3]:
        return None, "checksum mismatch"
    try:
        return json.loads(body), None
    except ValueError as exc:
        return None, f"bad JSON ({exc})"


def write(path: str, kind: str, fmt: int, value) -> None:
    """(TypeError or ValueError when `value` is not JSON: the caller's to decide.)"""
    body = json.dumps(value, separators=(",", ":")).encode()
    head = f"{MAGIC} {fmt} {kind} {hashlib.sha256(body).hexdigest()}\n".encode()
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        import tempfile   # (only a write needs it, and with it random and shutil: ~2 ms of every run)

        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), suffix=".tmp")
    except OSError:
        return
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(head + body)
        os.replace(tmp, path)
    except OSError:
        try:
            os.unlink(tmp)
        except OSError:
            pass
