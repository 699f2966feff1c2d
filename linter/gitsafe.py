"""How entrylint runs git: options that keep a checked repository from running anything, and the
one early start that lets git work while Python imports.

No GitPython here: cli.py imports this before anything heavy, to start `git format-patch` for a
plain `base..head` range at once; git then produces the series on the second core while Python
imports GitPython, unidiff and the rules (about the same 70 ms each). gitsource.py still checks
the range itself through GitPython and only takes the early output when git succeeded.
"""

from __future__ import annotations

import os
import subprocess

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


def safe_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_CONFIG_")}
    env.update(SAFE_ENV)
    return env


class EarlyFormatPatch:
    """`git format-patch --stdout SPEC` started now. Its pipe is widened to 1 MiB (Linux allows that
    without privileges) so git can write a whole series while Python imports; a longer series
    waits for the reader, as it would have anyway. Nothing is written anywhere."""

    PIPE_SIZE = 1 << 20

    def __init__(self, spec: str):
        self.spec = spec
        self.proc = subprocess.Popen(["git", *SAFE_CONFIG, *FORMAT_PATCH, "--end-of-options", spec],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
                                     env=safe_env())
        try:
            import fcntl

            fcntl.fcntl(self.proc.stdout.fileno(), getattr(fcntl, "F_SETPIPE_SZ", 1031), self.PIPE_SIZE)
        except (ImportError, OSError):
            pass  # a smaller pipe only means less overlap

    def result(self) -> bytes | None:
        """The mbox, or None when git failed (the caller then runs it again and reports why)."""
        out, _ = self.proc.communicate()
        return out if self.proc.returncode == 0 else None


def start_early(argv_sources: list[str], staged: bool) -> EarlyFormatPatch | None:
    """Start format-patch for a single plain `base..head` source that is no file."""
    if staged or len(argv_sources) != 1:
        return None
    spec = argv_sources[0]
    if ".." not in spec or "..." in spec or spec.startswith("-") or os.path.lexists(spec):
        return None
    try:
        return EarlyFormatPatch(spec)
    except OSError:
        return None
