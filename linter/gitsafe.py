"""How entrylint runs git: options that keep a checked repository from running anything.

Every git process entrylint starts, through GitPython (gitsource.py) or directly (gitearly.py,
gitobjects.py), gets these: entrylint checks untrusted series, and a repository's own config must
not become code execution. Imports nothing heavy: cli.py starts git before the other imports.
"""

from __future__ import annotations

import os

SAFE_CONFIG = [
    "-c", "core.fsmonitor=false", "-c", "core.hooksPath=/dev/null", "-c", "diff.external=",
    "-c", "diff.noprefix=false", "-c", "diff.mnemonicPrefix=false", "-c", "diff.relative=false",
    "-c", "core.quotePath=false", "-c", "format.signature=", "-c", "format.headers=",
    "-c", "log.showSignature=false", "-c", "color.ui=false",
]
SAFE_DIFF = ["--no-ext-diff", "--no-textconv", "--no-color", "-M"]
SAFE_ENV = {"GIT_OPTIONAL_LOCKS": "0", "GIT_TERMINAL_PROMPT": "0", "GIT_EXTERNAL_DIFF": "",
            "GIT_PAGER": "cat", "PAGER": "cat"}
# --full-index: versions.py checks the file versions it derives against these blob ids
FORMAT_PATCH = ["format-patch", "--stdout", "-k", "--no-stat", "--no-signature", "--no-binary",
                "--no-notes", "--encode-email-headers", "--full-index", *SAFE_DIFF]
STAGED_DIFF = ["diff", "--cached", "--full-index", *SAFE_DIFF]   # and the revision: HEAD


def git_argv(*args: str) -> list[str]:
    """git with the safe configuration: every git process entrylint starts begins this way."""
    return ["git", *SAFE_CONFIG, *args]


def safe_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_CONFIG_")}
    env.update(SAFE_ENV)
    return env
