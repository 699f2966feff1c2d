"""make, with every line of its output in the log and the target being built on the status line.

make runs in its own process group: an interrupt (Ctrl-C reaches entrylint) is passed on to make
and all its compilers, and entrylint waits for them, so nothing keeps writing after it returns.
"""

from __future__ import annotations

import errno
import os
import re
import signal
import subprocess
from pathlib import Path
from typing import IO, Callable

from linter.errors import ConfigError

# Kbuild's quiet lines ("  CC      arch/x86/kernel/setup.o"), or a compiler's "-o FILE" when the
# Makefile echoes whole commands (the bundled example)
_KBUILD = re.compile(r"^\s{2}([A-Z][A-Z0-9_\[\]]{0,11})\s+(\S+)\s*$")
_OUTPUT = re.compile(r"\s-o\s+(\S+)")
_ERROR = re.compile(r"(?:^|\s)(?:fatal )?error:|\*\*\* .*(?:Stop|Error \d+)")
_ENOSPC = "No space left on device"


class BuildFailed(ConfigError):
    """make failed: the first error line and the log's path."""


def target_of(line: str) -> str | None:
    m = _KBUILD.match(line)
    if m:
        return f"{m.group(1)} {m.group(2)}"
    m = _OUTPUT.search(line)
    return m.group(1) if m and line.lstrip().startswith(("gcc", "cc", "ccache", "ld", "as")) else None


def first_error(lines: list[str]) -> str | None:
    for line in lines:
        if re.search(r"(?:^|\s)(?:fatal )?error:", line):
            return line.strip()
    for line in lines:
        if _ERROR.search(line):
            return line.strip()
    return None


def run(argv: list[str], cwd: Path, log: IO[str], what: str, log_path: Path,
        on_target: Callable[[str], None] = lambda t: None, env: dict[str, str] | None = None) -> None:
    """Run make (or scripts/config); raise BuildFailed naming `what`, the first error and the log on failure."""
    log.write("$ " + " ".join(argv) + "\n")
    log.flush()
    try:
        proc = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True, env=env,
                                text=True, errors="replace", bufsize=1)
    except OSError as exc:
        raise ConfigError(argv[0], f"cannot run: {exc.strerror}") from None
    errors: list[str] = []
    try:
        for line in proc.stdout:
            try:
                log.write(line)
            except OSError as exc:
                if exc.errno == errno.ENOSPC:
                    raise ConfigError(str(log_path), "no space left on device (free some, or prune "
                                                     "the build cache)") from None
                raise
            if _ERROR.search(line) or _ENOSPC in line:
                errors.append(line)
            target = target_of(line)
            if target:
                on_target(target)
        code = proc.wait()
    except BaseException:
        _stop(proc)
        raise
    log.flush()
    if code != 0:
        if any(_ENOSPC in e for e in errors):
            raise ConfigError(what, f"no space left on device while building (log: {log_path})")
        first = first_error(errors) or f"make exited with status {code}"
        raise BuildFailed(what, f"build failed: {first} (log: {log_path})")


def _stop(proc: subprocess.Popen) -> None:
    """SIGINT to make's whole group (make removes its half-written targets), then wait."""
    for sig, wait in ((signal.SIGINT, 20), (signal.SIGKILL, 5)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue
