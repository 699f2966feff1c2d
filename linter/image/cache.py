"""A per-image cache of numpy arrays, so a second run over the same vmlinux only loads arrays.

Keyed by the GNU build-id plus a digest of the section headers: objcopy keeps the build-id
while it renumbers sections (stripping .rela.* or DWARF), and symbols record section numbers.
Without a build-id the key is size, mtime and path. The model adds entrylint's code identity
(linter.jsoncache.code_identity): a graph an older decoder derived is never read. Lives under $XDG_CACHE_HOME/entrylint
(default ~/.cache/entrylint). A cache that cannot be read or written is simply not used.
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from linter.image import answers
from linter.image.answers import IMAGE_KEY_VERSION as VERSION, cache_root


def image_key(path: str, build_id: str | None, section_headers: bytes) -> str:
    return answers.image_key(path, build_id, section_headers, os.stat(path), VERSION)


class ImageCache:
    """Named groups of arrays for one image; `enabled=False` makes every call a no-op."""

    def __init__(self, key: str, enabled: bool = True):
        self.key = key
        self.enabled = enabled
        self.dir = Path(cache_root()) / key

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
