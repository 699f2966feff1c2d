"""Finished answers of `entries` and `gaps`, per image: a second run renders a stored report.

The array cache (linter.image.cache) spares a second run the decoding, but it still imports numpy
and pyelftools and rebuilds the analysis (~0.15 s). This cache keeps the report itself, and a hit
reads only the ELF header, the section headers and the note sections (with struct: no numpy, no
pyelftools), then one file.

One file per image, `answers/<image key>.ans` under the cache root, in linter.jsoncache's
format (a checked first line, then JSON `{entry key: report}`). The image key is the one the
array cache uses (build-id, section headers, size, mtime); an entry key is the command, its
options, the profile's bytes and the identity of entrylint's own code (its version and the size
and mtime of every module: a changed linter never reads an old answer). A file with another
format, a bad checksum or bad JSON is ignored with a note and written anew.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
import sys

from linter import jsoncache
from linter.jsoncache import cache_root, code_identity
from linter.profilefile import profile_file

FORMAT = 1
IMAGE_KEY_VERSION = 1        # of image_key(), shared with the array cache
KIND = "answers"
MOST_ENTRIES = 16            # per image: commands × options × profiles a user really alternates
SHT_NOTE = 7


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


def profile_digest(profile_path: str) -> str:
    with open(profile_path, "rb") as fh:
        return hashlib.sha1(fh.read()).hexdigest()


class Answers:
    """The stored report of one command on one image; `enabled=False` makes get/put no-ops."""

    def __init__(self, file: str | None, entry: str, header=None):
        self.file, self.entry = file, entry
        self.header = header                       # the image's ELF header (linter.image.header)

    @classmethod
    def for_image(cls, path: str, command: str, options: dict, profile_path: str | None,
                  enabled: bool = True) -> Answers:
        from linter.image.header import check_image_file

        header = check_image_file(path)            # a wrong input is told the same way, cache or not
        key = quick_image_key(path, header, IMAGE_KEY_VERSION) if enabled else None
        if key is None:
            return cls(None, "", header)
        try:
            profile = profile_digest(profile_file(profile_path, header.arch))
        except OSError:
            return cls(None, "", header)           # the profile loader says what is wrong with it
        entry = hashlib.sha1(json.dumps([command, options, profile, code_identity()], sort_keys=True)
                             .encode()).hexdigest()
        return cls(os.path.join(cache_root(), "answers", key + ".ans"), entry, header)

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
        jsoncache.write(self.file, KIND, FORMAT, entries)

    def _entries(self, quiet: bool = False) -> dict:
        entries, problem = jsoncache.read(self.file, KIND, FORMAT)
        if entries is not None and not isinstance(entries, dict):
            entries, problem = None, "not a table of answers"
        if problem and not quiet:
            print(f"entrylint: {self.file}: cache file ignored ({problem}); it is written anew", file=sys.stderr)
        return entries or {}


def answered(args, command: str, options: dict, build, store: bool = True) -> dict:
    """The report of `command` on args.image: the stored one, else build(model, profile)'s (then
    stored). args: image, profile, no_cache; store=False neither reads nor writes an answer."""
    no_cache = getattr(args, "no_cache", False)
    answers = Answers.for_image(args.image, command, options, getattr(args, "profile", None),
                                enabled=store and not no_cache)
    report = answers.get()
    if report is not None:
        report["image"] = args.image             # the same image, maybe by another name
        return report
    from linter.image.model import load_image
    from linter.profile import load_profile

    profile = load_profile(getattr(args, "profile", None), answers.header.arch)
    report = build(load_image(args.image, profile, use_cache=not no_cache), profile)
    answers.put(report)
    return report
