"""Progress on stderr, only when the work takes over a second and stderr is a terminal.

A CI log, a pre-commit run or b4 (which counts every stderr line as a failure) never sees it:
they do not run on a terminal.
"""

from __future__ import annotations

import sys
import time

DELAY = 1.0  # seconds before the first word


class Progress:
    def __init__(self, stream=None):
        self.stream = stream or sys.stderr
        self.start = time.monotonic()
        self.shown = False

    @property
    def enabled(self) -> bool:
        try:
            return self.stream.isatty()
        except (AttributeError, ValueError):
            return False

    def step(self, text: str) -> None:
        if self.enabled and time.monotonic() - self.start > DELAY:
            self.stream.write(f"\rentrylint: {text}...\033[K")
            self.stream.flush()
            self.shown = True

    def done(self) -> None:
        if self.shown:
            self.stream.write("\r\033[K")
            self.stream.flush()
            self.shown = False


progress = Progress()
