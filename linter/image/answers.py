"""Finished answers of `entries` and `gaps`, per image: a second run renders a stored report.

The array cache (linter.image.cache) spares a second run the decoding, but it still imports numpy
and pyelftools and rebuilds the analysis (~0.15 s). This cache keeps the report itself, and a hit
reads only the ELF header, the section headers and the note sections (with struct: no numpy, no
pyelftools), then one file.

One file per image, `answers/<image key>.ans` under the cache root: a first line
`entrylint-answers FORMAT SHA256`, then JSON `{entry key: report}`. The image key is the one the
array cache uses (build-id, section headers, size, mtime); an entry key is the command, its
options, the profile's bytes and the identity of entrylint's own code (its version and the size
and mtime of every module: a changed linter never reads an old answer). A file with another
format, a bad checksum or bad JSON is ignored with a note and written anew; a file that cannot be
written is simply not used. Writes are atomic (a temporary file renamed over the old one).
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
import sys
import tempfile

from linter import __version__

FORMAT = 1
IMAGE_KEY_VERSION = 1        # of image_key(), shared with the array cache
MAGIC = "entrylint-answers"
MOST_ENTRIES = 16            # per image: commands × options × profiles a user really alternates
SHT_NOTE = 7
PACKAGE_DIRS = ("linter", "rules")


def cache_root() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "entrylint")


def image_key(path: str, build_id: str | None, section_headers: bytes, st: os.stat_result, version: int) -> str:
    """The array cache's key (also used here): see linter.image.cache."""
    layout = hashlib.sha1(section_headers).hexdigest()[:12]
    if build_id:
        # the size and mtime too: a copy damaged after the build keeps its build-id and headers
        return f"v{version}-{build_id}-{layout}-{st.st_size}-{st.st_mtime_ns}"
    where = hashlib.sha1(os.path.abspath(path).encode()).hexdigest()[:12]
    return f"v{version}-nobuildid-{st.st_size}-{st.st_mtime_ns}-{where}-{layout}"


def quick_image_key(path: str, header, version: int) -> str | None:
    """image_key() read straight from the file (header: linter.image.header.ElfHeader); None when
    the section headers or notes cannot be read (the full reader then says what is wrong)."""
    try:
        with open(path, "rb") as fh:
            fd = fh.fileno()
            st = os.fstat(fd)
            table = os.pread(fd, header.shnum * header.shentsize, header.shoff)
            if len(table) != header.shnum * header.shentsize:
                return None
            build_id = None
            for i in range(header.shnum):
                sh_type, offset, size = _note_fields(table, i * header.shentsize)
                if sh_type == SHT_NOTE and 0 < size <= 1 << 20 and offset + size <= st.st_size:
                    build_id = build_id or gnu_build_id(os.pread(fd, size, offset))
    except (OSError, struct.error):
        return None
    return image_key(path, build_id, table, st, version)


def _note_fields(table: bytes, at: int) -> tuple[int, int, int]:
    _, sh_type, _, _, offset, size = struct.unpack_from("<IIQQQQ", table, at)
    return sh_type, offset, size


def gnu_build_id(notes: bytes) -> str | None:
    """The GNU build-id (type 3) in a note section's bytes, as hex."""
    at = 0
    while at + 12 <= len(notes):
        namesz, descsz, kind = struct.unpack_from("<III", notes, at)
        name_at = at + 12
        desc_at = name_at + (namesz + 3) // 4 * 4
        end = desc_at + (descsz + 3) // 4 * 4
        if end > len(notes) + 3:
            return None
        if kind == 3 and notes[name_at:name_at + namesz].rstrip(b"\0") == b"GNU":
            return notes[desc_at:desc_at + descsz].hex()
        at = end
    return None


def code_identity() -> str:
    """entrylint's version and the size and mtime of each of its modules."""
    top = _top()
    parts = [__version__]
    for package in PACKAGE_DIRS:
        for root, dirs, files in os.walk(os.path.join(top, package)):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            for name in sorted(files):
                if name.endswith((".py", ".toml")):
                    st = os.stat(os.path.join(root, name))
                    parts.append(f"{os.path.relpath(root, top)}/{name}:{st.st_size}:{st.st_mtime_ns}")
    return hashlib.sha1("\n".join(parts).encode()).hexdigest()


def _top() -> str:
    """The directory that holds the linter and rules packages."""
    return os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def profile_digest(profile_path: str | None) -> str:
    # linter.profile.SHIPPED, without importing the profile loader (its dataclasses)
    shipped = os.path.join(_top(), "rules", "x86_64.toml")
    with open(profile_path or shipped, "rb") as fh:
        return hashlib.sha1(fh.read()).hexdigest()


class Answers:
    """The stored report of one command on one image; `enabled=False` makes get/put no-ops."""

    def __init__(self, file: str | None, entry: str):
        self.file, self.entry = file, entry

    @classmethod
    def for_image(cls, path: str, command: str, options: dict, profile_path: str | None,
                  enabled: bool = True) -> Answers:
        from linter.image.header import check_image_file

        header = check_image_file(path)            # a wrong input is told the same way, cache or not
        key = quick_image_key(path, header, IMAGE_KEY_VERSION) if enabled else None
        if key is None:
            return cls(None, "")
        try:
            profile = profile_digest(profile_path)
        except OSError:
            return cls(None, "")                   # the profile loader says what is wrong with it
        entry = hashlib.sha1(json.dumps([command, options, profile, code_identity()], sort_keys=True)
                             .encode()).hexdigest()
        return cls(os.path.join(cache_root(), "answers", key + ".ans"), entry)

    def get(self) -> dict | None:
        return self._entries().get(self.entry) if self.file else None

    def put(self, report: dict) -> None:
        if not self.file:
            return
        entries = self._entries(quiet=True)
        entries.pop(self.entry, None)
        entries[self.entry] = report
        while len(entries) > MOST_ENTRIES:
            entries.pop(next(iter(entries)))
        body = json.dumps(entries, separators=(",", ":")).encode()
        head = f"{MAGIC} {FORMAT} {hashlib.sha256(body).hexdigest()}\n".encode()
        try:
            os.makedirs(os.path.dirname(self.file), exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=os.path.dirname(self.file), suffix=".tmp")
        except OSError:
            return
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(head + body)
            os.replace(tmp, self.file)
        except OSError:
            try:
                os.unlink(tmp)
            except OSError:
                pass

    def _entries(self, quiet: bool = False) -> dict:
        try:
            with open(self.file, "rb") as fh:
                data = fh.read()
        except OSError:
            return {}
        problem = _problem(data)
        if problem is None:
            try:
                entries = json.loads(data[data.index(b"\n") + 1:])
                if isinstance(entries, dict):
                    return entries
                problem = "not a table of answers"
            except ValueError as exc:
                problem = f"bad JSON ({exc})"
        if not quiet:
            print(f"entrylint: {self.file}: cache file ignored ({problem}); it is written anew", file=sys.stderr)
        return {}


def _problem(data: bytes) -> str | None:
    """What is wrong with a cache file's first line and checksum, or None."""
    head, newline, body = data.partition(b"\n")
    fields = head.decode("ascii", "replace").split(" ")
    if not newline or len(fields) != 3 or fields[0] != MAGIC:
        return "not an entrylint answers file"
    if fields[1] != str(FORMAT):
        return f"format {fields[1]}, this entrylint reads {FORMAT}"
    if hashlib.sha256(body).hexdigest() != fields[2]:
        return "checksum mismatch"
    return None
