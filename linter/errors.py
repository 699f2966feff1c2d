"""The one error family readers raise.

Every reader (series, profile, config, image) wraps the foreign errors it meets at its border
into an EntrylintError that names the input and the problem. cli.py catches it once, prints one
line on stderr and exits 2. A raw struct.error, KeyError or UnicodeDecodeError escaping a reader
is a bug.
"""


class EntrylintError(Exception):
    """A run that cannot go on: bad input, bad config, bad usage."""

    def __init__(self, source: str, problem: str):
        super().__init__(f"{source}: {problem}")
        self.source = source
        self.problem = problem


class PatchError(EntrylintError):
    """A patch, mbox or git range that cannot be read."""


class ImageError(EntrylintError):
    """A vmlinux that cannot be read."""


class ConfigError(EntrylintError):
    """A profile, config file or command-line option that is wrong."""
