"""The build cache: where images, logs and the build trees live, and what an image's key is.

    CACHE/images/TREE12-KEY12/vmlinux, meta.json   one entry per (tree id, fragment, compiler, arch, recipe)
    CACHE/logs/TREE12-KEY12.log                      the full output of the make runs that built it
    CACHE/work/REPO/src                              a detached git worktree of the repository
    CACHE/work/REPO/out-FRAG12                       make O=: one per fragment, reused build to build
    CACHE/work/REPO/out-ARCH-FRAG12                  the same for an --arch other than x86_64
    CACHE/work/REPO/lock                             one build at a time per repository

An entry appears by one rename of a finished temporary directory, so an interrupted build leaves
none. Pruning removes the least recently used entries past the size limit.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from linter.errors import ConfigError

RECIPE = "1"   # bump when the recipe (builder.py) changes what an image of the same inputs holds
DEFAULT_LIMIT = 2 << 30


def cache_dir(option: str | None) -> Path:
    if option:
        return Path(option).expanduser().absolute()
    if os.environ.get("ENTRYLINT_BUILD_CACHE"):
        return Path(os.environ["ENTRYLINT_BUILD_CACHE"]).expanduser().absolute()
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base).absolute() / "entrylint" / "build"


def parse_size(text: str) -> int:
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(?:i?B)?\s*", text, re.IGNORECASE)
    if not m:
        raise ConfigError("--max-cache-size", f"not a size: {text!r} (e.g. 2G, 500M)")
    return int(float(m.group(1)) * 1024 ** " KMGT".index(m.group(2).upper() or " "))


def no_space(where: Path | str) -> ConfigError:
    return ConfigError(str(where), "no space left on device (free some, or prune the build cache)")


def image_key(tree: str, fragment_digest: str, compiler: str, arch: str = "x86_64") -> str:
    """The tree id, not the commit: a rebased series with the same tree reuses its images. x86_64
    adds nothing to the digest, so the images built before --arch existed keep their keys."""
    parts = [RECIPE, tree, fragment_digest, compiler] + ([] if arch == "x86_64" else [f"arch={arch}"])
    digest = hashlib.sha256("\n".join(parts).encode()).hexdigest()
    return f"{tree[:12]}-{digest[:12]}"


@dataclass
class Cache:
    root: Path

    def entry(self, key: str) -> Path:
        return self.root / "images" / key

    def image(self, key: str) -> Path | None:
        path = self.entry(key) / "vmlinux"
        return path if path.is_file() else None

    def log(self, key: str) -> Path:
        return self.root / "logs" / f"{key}.log"

    def workdir(self, common_git_dir: str) -> Path:
        return self.root / "work" / hashlib.sha256(os.path.realpath(common_git_dir).encode()).hexdigest()[:16]

    def prepare(self) -> None:
        try:
            for sub in ("images", "logs", "work"):
                (self.root / sub).mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            if exc.errno == errno.ENOSPC:
                raise no_space(self.root) from None
            raise ConfigError(str(self.root), f"cannot make the build cache: {exc.strerror}") from None

    def touch(self, key: str) -> None:
        """A hit makes an entry recent: pruning goes by last use."""
        try:
            os.utime(self.entry(key))
        except OSError:
            pass

    def install(self, key: str, built: Path, meta: dict) -> Path:
        """Copy the image in under a temporary name, then rename the whole entry into place."""
        tmp = self.root / "images" / f".tmp-{key}-{os.getpid()}"
        try:
            shutil.rmtree(tmp, ignore_errors=True)
            tmp.mkdir()
            shutil.copy2(built, tmp / "vmlinux")
            (tmp / "meta.json").write_text(json.dumps(meta, indent=1, sort_keys=True) + "\n")
            final = self.entry(key)
            shutil.rmtree(final, ignore_errors=True)
            os.rename(tmp, final)
            return final / "vmlinux"
        except OSError as exc:
            if exc.errno == errno.ENOSPC:
                raise no_space(self.root) from None
            raise ConfigError(str(tmp), f"cannot write the image: {exc.strerror}") from None
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def prune(self, limit: int, keep: set[str]) -> list[str]:
        """Remove least recently used entries (and their logs) until the images fit in `limit`
        bytes; never the ones this run asked for, and temporaries of dead builds always."""
        images = self.root / "images"
        entries = []
        for d in images.iterdir() if images.is_dir() else []:
            if d.name.startswith(".tmp-"):
                pid = d.name.rsplit("-", 1)[-1]
                if not (pid.isdigit() and _alive(int(pid))):
                    shutil.rmtree(d, ignore_errors=True)
                continue
            size = sum(f.stat().st_size for f in d.iterdir() if f.is_file())
            entries.append((d.stat().st_mtime, d.name, size))
        total = sum(e[2] for e in entries)
        removed = []
        for _, name, size in sorted(entries):
            if total <= limit:
                break
            if name in keep:
                continue
            shutil.rmtree(images / name, ignore_errors=True)
            self.log(name).unlink(missing_ok=True)
            total -= size
            removed.append(name)
        return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


class Lock:
    """One build at a time in a build tree (a second entrylint waits for the first)."""

    def __init__(self, path: Path):
        self.path = path

    def __enter__(self):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        fcntl.flock(self.fd, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc):
        os.close(self.fd)   # (closing releases the lock)
