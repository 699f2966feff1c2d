"""Shared fixture: the example kernel (examples/kernel) and its patched twin, built with gcc and ld.

`example_images` (session scope) gives an ExampleImages with:
    base, head                 vmlinux before / after examples/series, with .rela.* sections
    base_norela, head_norela   the same after `objcopy --remove-section='.rela*'` (Linux >= 6.5 shape)
    base_tree, head_tree       the source trees (head_tree is a git repository: base commit + series)
`example_debug_image` (session scope): the base tree built with DEBUG=1 and no relocations (DWARF).
Use `build_variant(tree_edit)` helpers below to build one more image from an edited copy.
tests/conftest.py imports it: `from image_fixtures import example_images  # noqa: F401`.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
KERNEL = ROOT / "examples" / "kernel"
SERIES = sorted((ROOT / "examples" / "series").glob("*.patch"))
GIT_ENV = {"GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
           "GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.org",
           "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "test@example.org"}


@dataclass(frozen=True)
class ExampleImages:
    base: Path
    head: Path
    base_norela: Path
    head_norela: Path
    base_tree: Path
    head_tree: Path


def have_toolchain() -> bool:
    return all(shutil.which(tool) for tool in ("gcc", "ld", "objcopy", "make", "git"))


def copy_tree(dest: Path) -> Path:
    shutil.copytree(KERNEL, dest, ignore=shutil.ignore_patterns("*.o", "vmlinux"))
    return dest


def git(tree: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=tree, check=True, capture_output=True, env={**os.environ, **GIT_ENV})


def apply_series(tree: Path) -> Path:
    """Make `tree` a git repository holding the base commit, then `git am` the example series."""
    git(tree, "init", "-q", "-b", "master")
    git(tree, "add", "-A")
    git(tree, "commit", "-q", "-m", "example kernel: base tree")
    git(tree, "am", "-q", *map(str, SERIES))
    return tree


def build(tree: Path, out: Path, emit_relocs: bool = True, debug: bool = False) -> Path:
    """Build the tree's vmlinux into `out` (objects there too) and return its path."""
    subprocess.run(["make", "-s", "-C", str(tree), f"O={out}", f"EMIT_RELOCS={int(emit_relocs)}",
                    f"DEBUG={int(debug)}"], check=True, capture_output=True)
    return out / "vmlinux"


def strip_relocs(image: Path, dest: Path) -> Path:
    subprocess.run(["objcopy", "--remove-section=.rela*", str(image), str(dest)], check=True, capture_output=True)
    return dest


@functools.cache
def build_examples(where: Path) -> ExampleImages:
    base_tree = copy_tree(where / "base-tree")
    head_tree = apply_series(copy_tree(where / "head-tree"))
    base = build(base_tree, where / "base")
    head = build(head_tree, where / "head")
    return ExampleImages(base, head, strip_relocs(base, where / "base.norela"),
                         strip_relocs(head, where / "head.norela"), base_tree, head_tree)


@pytest.fixture(scope="session")
def example_images(tmp_path_factory) -> ExampleImages:
    if not have_toolchain():
        pytest.skip("needs gcc, ld, objcopy, make and git")
    return build_examples(tmp_path_factory.getbasetemp() / "example-kernel")


@pytest.fixture(scope="session")
def example_debug_image(example_images) -> Path:
    """The base tree's vmlinux with DWARF (DEBUG=1), without relocations."""
    where = example_images.base_tree.parent / "base-debug"
    return build(example_images.base_tree, where, emit_relocs=False, debug=True)
