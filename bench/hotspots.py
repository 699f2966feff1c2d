"""cProfile one entrylint process (run as `python -m cProfile -m linter.cli ...`), for a side that
misses its speed target: the report names the hot spots instead of guessing."""

from __future__ import annotations

import io
import pstats
import subprocess
from pathlib import Path


def profile_entrylint(python: str, args: list[str], cwd: str | None, out: Path) -> list[str]:
    """The top functions of one run by cumulative and by own time; the raw profile stays in `out`."""
    subprocess.run([python, "-m", "cProfile", "-o", str(out), "-m", "linter.cli", *args], cwd=cwd,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    if not out.exists():
        return [f"no profile written for entrylint {' '.join(args)}"]
    text = io.StringIO()
    stats = pstats.Stats(str(out), stream=text).strip_dirs().sort_stats("cumulative")
    stats.print_stats(30)
    stats.sort_stats("tottime").print_stats(15)
    return [ln.rstrip() for ln in text.getvalue().splitlines() if ln.strip()]
