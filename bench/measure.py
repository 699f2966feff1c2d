"""Run commands side by side: interleaved repetitions, median wall time, peak RSS of the process tree.

Peak memory comes from wait4()'s rusage: ru_maxrss of the child, which the kernel raises to the
largest of its waited-for descendants (so `entrylint check RANGE` counts its git children, as the
largest single process, not a sum).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass, field


@dataclass
class Command:
    name: str
    argv: list[str]
    cwd: str | None = None
    env: dict[str, str] | None = None
    ok_codes: tuple[int, ...] = (0,)     # linters exit 1 when they find something


@dataclass
class Stats:
    name: str
    argv: list[str]
    seconds: list[float] = field(default_factory=list)
    maxrss_kb: list[int] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)       # user + system seconds, children included
    error: str | None = None             # why it did not run (a command not written yet, say)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu)

    @property
    def peak_mb(self) -> float:
        return max(self.maxrss_kb) / 1024

    def to_dict(self) -> dict:
        if self.error:
            return {"name": self.name, "argv": self.argv, "error": self.error}
        return {"name": self.name, "argv": self.argv, "median_s": round(self.median, 4),
                "min_s": round(min(self.seconds), 4), "max_s": round(max(self.seconds), 4),
                "cpu_median_s": round(self.cpu_median, 4), "runs": len(self.seconds),
                "peak_rss_mb": round(self.peak_mb, 1),
                "seconds": [round(s, 4) for s in self.seconds]}


def run_once(cmd: Command) -> tuple[float, float, int, int, str]:
    """(wall s, CPU s, peak RSS in KiB, exit code, last stderr line) of one run, stdout discarded;
    the exit code is -1000 when the run printed a Python traceback."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd.argv, cwd=cmd.cwd, env=cmd.env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        text = err.read().decode("utf-8", "replace")
    lines = [ln for ln in text.splitlines() if ln.strip()]
    code = proc.returncode
    if "Traceback (most recent call last)" in text:
        code = -1000   # a Python crash exits 1, like a linter with findings: never count it
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, code, lines[-1] if lines else ""


def side_by_side(commands: list[Command], reps: int, log=print) -> dict[str, Stats]:
    """One warm-up run of each (page cache, image cache; a failing command is dropped with its
    error), then `reps` rounds that run every command once each, in the same order."""
    stats = {c.name: Stats(c.name, c.argv) for c in commands}
    live = []
    for cmd in commands:
        _, _, _, code, last = run_once(cmd)
        if code in cmd.ok_codes:
            live.append(cmd)
        else:
            stats[cmd.name].error = f"exit {code}: {last}"
            log(f"{cmd.name}: not measured ({stats[cmd.name].error})")
    for rep in range(reps):
        for cmd in live:
            seconds, cpu, rss, code, last = run_once(cmd)
            if code not in cmd.ok_codes:
                raise SystemExit(f"bench: {cmd.name} failed in round {rep + 1}: exit {code}: {last}")
            stats[cmd.name].seconds.append(seconds)
            stats[cmd.name].maxrss_kb.append(rss)
            stats[cmd.name].cpu.append(cpu)
        log(f"round {rep + 1}/{reps}: " + ", ".join(f"{c.name} {stats[c.name].seconds[-1]:.3f}s" for c in live))
    return stats
