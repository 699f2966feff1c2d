"""arm64-harmless: a message change in arm64's setup_arch() (common code, after the one door
converged): nothing to report."""

from series.edits import Patch

SETUP = "arch/arm64/kernel/setup.c"


def patches(era: str) -> list[Patch]:
    return [Patch(
        "arm64: setup: say which bootloader misaligned the image",
        "A clearer warning; common code, no path difference.",
        lambda t: t.replace(SETUP, "please fix your bootloader!", "please fix your bootloader (e2e)!"),
    )]
