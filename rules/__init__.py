"""The rule catalogue: an explicit registry (ids are permanent, docs live on each module).

`rules` is also the import name of an unrelated PyPI package: install entrylint in its own
environment (pipx, pre-commit and the Makefile's venv do that).
"""

import importlib

# one line per rule module; tests/test_cli.py checks every rules/elNNN_*.py is here
MODULES = (
    "el001_bad_ack",
    "el100_entry_code_touched",
    "el101_new_entry_note",
    "el102_new_entry_symbol",
    "el103_loader_note_changed",
    "el110_one_sided_path_change",
    "el120_path_special_case",
    "el130_hook_reorder",
    "el131_hook_override_changed",
    "el132_hooked_function_changed",
    "el201_new_entry_point",
    "el202_entry_point_lost",
    "el210_new_path_gap",
    "el211_one_path_change",
)

ALL = {m.ID: m for m in (importlib.import_module(f"rules.{name}") for name in MODULES)}
