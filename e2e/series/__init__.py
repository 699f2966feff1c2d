"""Scripted patch series for the end-to-end run: each module has patches(era) -> list[Patch]."""

from __future__ import annotations

import importlib

# Run order: series that touch the same files sit together to keep incremental builds short.
NAMES = [
    "harmless_driver", "harmless_init", "native_only", "balanced", "balanced_inlined", "special_case",
    "hook_reorder", "hook_move_and_fix", "harmless_reorder", "native_head", "add_door", "lose_door", "note_encoding",
    "refactor", "new_pv_override", "annotation_only", "i386_balanced",
]
# The arm64 era (the 6.12 tree built for arm64): one door, and the series that would add a second.
ARM64_NAMES = ["arm64_harmless", "arm64_special_case", "arm64_xen_door"]
ALL_NAMES = NAMES + ARM64_NAMES


def names_for(era: str) -> list[str]:
    return ARM64_NAMES if era == "arm64" else NAMES


def patches(name: str, era: str):
    module = importlib.import_module(f"series.{name}")
    return module.patches(era)


def branch(name: str) -> str:
    return "e2e/" + name.replace("_", "-")
