"""Which profile TOML a run loads: a file the user names, a shipped profile by its name, or the
shipped profile of the image's architecture. (No dataclasses here: a cached image answer picks
its profile file without loading the profile.)"""

from __future__ import annotations

import os

RULES_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "rules")
SHIPPED_ARCHES = ("x86_64", "arm64")   # rules/<arch>.toml


def shipped(arch: str) -> str:
    return os.path.join(RULES_DIR, f"{arch}.toml")


def profile_file(choice: str | os.PathLike | None, arch: str = "x86_64") -> str:
    """`choice` is a path, a shipped profile's name (x86_64, arm64), or None: the shipped profile
    for `arch`. A file in the working directory named like a shipped profile wins: it was named."""
    if choice is None:
        return shipped(arch)
    choice = str(choice)
    if choice in SHIPPED_ARCHES and not os.path.exists(choice):
        return shipped(choice)
    return choice
