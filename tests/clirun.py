"""Run entrylint as a user does: a real process, real stdin, real exit code."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Run:
    code: int
    out: str
    err: str

    def json(self) -> dict:
        return json.loads(self.out)

    def rules(self) -> list[str]:
        return [f["rule"] for f in self.json()["findings"]]


def entrylint(*args: str, cwd: Path | str | None = None, stdin: bytes | None = None, env=None) -> Run:
    proc = subprocess.run([sys.executable, "-m", "linter.cli", *args], cwd=cwd, input=stdin,
                          capture_output=True, env=env)
    return Run(proc.returncode, proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace"))


def assert_one_line_error(run: Run, *words: str) -> None:
    """Exit 2, one line on stderr naming the input and the problem, never a traceback."""
    assert run.code == 2, (run.code, run.out, run.err)
    lines = run.err.strip().splitlines()
    assert len(lines) == 1, run.err
    assert lines[0].startswith("entrylint: "), run.err
    assert "Traceback" not in run.err
    for w in words:
        assert w in lines[0], (w, lines[0])
