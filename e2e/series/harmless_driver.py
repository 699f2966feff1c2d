"""harmless-driver: a message fix in a driver file that no boot path runs early."""

from series.edits import Patch, by_era

FILE = "drivers/base/platform.c"


def patches(era: str) -> list[Patch]:
    # 6.12 took a local `dev` for &pdev->dev in platform_device_add().
    dev = by_era(era, {"6.1": "&pdev->dev", "6.12": "dev"})
    old = f'dev_err({dev}, "failed to claim resource %d: %pR\\n", i, r);'
    new = f'dev_err({dev}, "cannot claim resource %d: %pR\\n", i, r);'
    return [Patch(
        "driver core: platform: say 'cannot claim' in the resource error",
        "A wording change in platform_device_add(): nothing on a boot entry path.",
        lambda t: t.replace(FILE, old, new),
    )]
