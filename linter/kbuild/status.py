"""What a build says on stderr: a live status line on a terminal (phase, elapsed time, the make
target being built), and one line per image everywhere (a CI log gets nothing else)."""

from __future__ import annotations

import os
import sys
import time


def fmt_seconds(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes}m{secs:02d}s" if minutes else f"{seconds:.1f}s"


class Status:
    def __init__(self, stream=None):
        self.stream = stream or sys.stderr
        try:
            tty = self.stream.isatty()
        except (AttributeError, ValueError):
            tty = False
        self.live = tty and not os.environ.get("CI")
        self.what = ""
        self.phase = ""
        self.start = time.monotonic()
        self.last = 0.0
        self.shown = False

    def begin(self, what: str) -> None:
        self.what, self.start = what, time.monotonic()
        self.set_phase("starting")

    def set_phase(self, phase: str) -> None:
        self.phase = phase
        self.show("", force=True)

    def show(self, target: str, force: bool = False) -> None:
        now = time.monotonic()
        if not self.live or (not force and now - self.last < 0.2):
            return
        self.last = now
        text = f"entrylint: {self.what}: {self.phase} {fmt_seconds(now - self.start)}"
        if target:
            text += f"  {target}"
        width = max(20, _columns() - 1)
        self.stream.write("\r" + text[:width] + "\033[K")
        self.stream.flush()
        self.shown = True

    def line(self, text: str) -> None:
        """A line that stays (one per image): clears the status line first."""
        self.clear()
        self.stream.write(f"entrylint: {text}\n")
        self.stream.flush()

    def elapsed(self) -> float:
        return time.monotonic() - self.start

    def clear(self) -> None:
        if self.shown:
            self.stream.write("\r\033[K")
            self.stream.flush()
            self.shown = False


def _columns() -> int:
    try:
        return os.get_terminal_size(2).columns or 80   # (0 under some pseudo-terminals)
    except OSError:
        return 80
