"""A per-image cache of numpy arrays, so a second run over the same vmlinux only loads arrays.

Keyed by the GNU build-id plus a digest of the section headers: objcopy keeps the build-id
while it renumbers sections (stripping .rela.* or DWARF), and symbols record section numbers.
Without a build-id the key is size, mtime and path. Lives under $XDG_CACHE_HOME/entrylint
(default ~/.cache/entrylint). A cache that cannot be read or written is simply not used.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np

VERSION = 1


def cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "entrylint"


def image_key(path: str, build_id: str | None, section_headers: bytes) -> str:
    layout = hashlib.sha1(section_headers).hexdigest()[:12]
    st = os.stat(path)
    if build_id:
        # the size and mtime too: a copy damaged after the build keeps its build-id and headers
        return f"v{VERSION}-{build_id}-{layout}-{st.st_size}-{st.st_mtime_ns}"
    where = hashlib.sha1(os.path.abspath(path).encode()).hexdigest()[:12]
    return f"v{VERSION}-nobuildid-{st.st_size}-{st.st_mtime_ns}-{where}-{layout}"


class ImageCache:
    """Named groups of arrays for one image; `enabled=False` makes every call a no-op."""

    def __init__(self, key: str, enabled: bool = True):
        self.key = key
        self.enabled = enabled
        self.dir = cache_root() / key

    def load(self, name: str) -> dict[str, np.ndarray] | None:
        if not self.enabled:
            return None
        try:
            with np.load(self.dir / f"{name}.npz", allow_pickle=False) as data:
                return {k: data[k] for k in data.files}
        except (OSError, ValueError, KeyError, zipfile.BadZipFile, EOFError):
            return None

    def save(self, name: str, arrays: dict[str, np.ndarray]) -> None:
        if not self.enabled:
            return
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.dir, suffix=".tmp")
        except OSError:
            return
        try:
            with os.fdopen(fd, "wb") as fh:
                np.savez(fh, **arrays)
            os.replace(tmp, self.dir / f"{name}.npz")
        except OSError:
            Path(tmp).unlink(missing_ok=True)
