"""harmless-init: a change in init code that runs after every path has converged."""

from series.edits import Patch

FILE = "init/calibrate.c"


def patches(era: str) -> list[Patch]:
    return [Patch(
        "init/calibrate: spell the delay loop message without the ellipsis",
        "calibrate_delay() runs from start_kernel(), after all entry paths converged.",
        lambda t: t.replace(FILE, 'pr_info("Calibrating delay loop... ");',
                            'pr_info("Calibrating delay loop: ");'),
    )]
