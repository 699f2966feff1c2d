"""The config fragment: `CONFIG_X=y` and `# CONFIG_X is not set` lines, ours plus the user's."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from importlib import resources

from linter.errors import ConfigError
from linter.kbuild import arch as arches

_SET = re.compile(r"CONFIG_([A-Za-z0-9_]+)=(.*)")
_UNSET = re.compile(r"# CONFIG_([A-Za-z0-9_]+) is not set")


@dataclass(frozen=True)
class Fragment:
    options: tuple[tuple[str, str], ...]   # (NAME without CONFIG_, value; "n" for "is not set")

    @property
    def digest(self) -> str:
        """The cache key's part: what the options are, not how the files were spelled."""
        text = "\n".join(f"{n}={v}" for n, v in self.options)
        return hashlib.sha256(text.encode()).hexdigest()

    def config_args(self) -> list[str]:
        """scripts/config's arguments that set every option."""
        args: list[str] = []
        for name, value in self.options:
            if value == "y":
                args += ["--enable", name]
            elif value == "n":
                args += ["--disable", name]
            else:
                args += ["--set-val", name, value]
        return args

    def not_stuck(self, config_text: str) -> list[str]:
        """The options the final .config does not have as asked (olddefconfig dropped or changed them)."""
        have: dict[str, str] = {}
        for line in config_text.splitlines():
            m = _SET.fullmatch(line.strip())
            if m:
                have[m.group(1)] = m.group(2)
        wrong = []
        for name, value in self.options:
            got = have.get(name, "n")
            if got != value:
                wrong.append(f"CONFIG_{name}={value}" if value != "n" else f"CONFIG_{name} off")
        return wrong


def parse(text: str, source: str) -> list[tuple[str, str]]:
    options = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        m = _UNSET.fullmatch(line)
        if m:
            options.append((m.group(1), "n"))
            continue
        if not line or line.startswith("#"):
            continue
        m = _SET.fullmatch(line)
        if not m or not m.group(2):
            raise ConfigError(f"{source}:{number}", f"not a config line: {raw.strip()[:60]!r} "
                              "(want CONFIG_X=y, CONFIG_X=VALUE or '# CONFIG_X is not set')")
        options.append((m.group(1), m.group(2)))
    return options


def _packaged(name: str) -> str:
    return resources.files("linter.kbuild").joinpath(name).read_text(encoding="utf-8")


def load(user_file: str | None = None, debug_info: bool = False, arch: arches.Arch | None = None) -> Fragment:
    """Ours (the architecture's), then --debug-info's, then the user's: a later line for the same
    option wins."""
    arch = arch or arches.get(None)
    merged: dict[str, str] = dict(parse(_packaged(arch.fragment), f"entrylint's {arch.fragment}"))
    if debug_info:
        merged.update(parse(_packaged("debug-info.config"), "entrylint's debug-info fragment"))
    if user_file:
        try:
            with open(user_file, encoding="utf-8") as f:
                text = f.read()
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(user_file, f"cannot read config fragment: {getattr(exc, 'strerror', None) or exc}") from None
        for name, value in parse(text, user_file):
            merged.pop(name, None)
            merged[name] = value
    return Fragment(tuple(merged.items()))
