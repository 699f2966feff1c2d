"""Settings from .entrylint.toml (or [tool.entrylint] in pyproject.toml) at the repository root.

Keys: select, ignore (lists of rule ids or prefixes), severity (table: rule id → error, warning
or note), profile (a path, relative to the config file, or a shipped profile's name: x86_64, arm64),
fail-on (error, warning or note).
Command-line options win over the file. Every key is checked; a typo is an error naming it.
"""

from __future__ import annotations

import os

from linter import jsoncache
from linter.errors import ConfigError
from linter.findings import SEVERITIES
from linter.profilefile import SHIPPED_ARCHES
from linter.record import field, record

KEYS = {"select", "ignore", "severity", "profile", "fail-on"}


@record
class Config:
    select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    severity: dict[str, str] = field(default_factory=dict)
    profile: str | None = None
    fail_on: str | None = None
    source: str | None = None


def find_config(root: str | None, explicit: str | None = None) -> Config:
    if explicit:
        return load_config(explicit, table=None if not explicit.endswith("pyproject.toml") else "tool.entrylint")
    if not root:
        return Config()
    own = os.path.join(root, ".entrylint.toml")
    if os.path.isfile(own):
        return load_config(own)
    pyproject = os.path.join(root, "pyproject.toml")
    if os.path.isfile(pyproject):
        return load_config(pyproject, table="tool.entrylint", optional=True)
    return Config()


def read_toml(path: str, what: str) -> dict:
    """A TOML file's table, or ConfigError naming the file and the problem. A file read before
    (the same path, size and mtime) comes from the user's cache as JSON: tomllib's import and
    parse are a tenth of a pre-commit run."""
    key = _toml_key(path)
    if key is not None:
        value, _ = jsoncache.read(key[0], "toml", TOML_CACHE_FORMAT)
        if isinstance(value, dict) and value.get("key") == key[1]:
            return value["table"]
    import tomllib

    try:
        with open(path, "rb") as fh:
            table = tomllib.load(fh)
    except OSError as exc:
        raise ConfigError(path, f"cannot read {what}: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, f"not valid TOML: {exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(path, f"not valid TOML: not UTF-8 text (byte {exc.start})") from None
    if key is not None:
        try:
            jsoncache.write(key[0], "toml", TOML_CACHE_FORMAT, {"key": key[1], "table": table})
        except (TypeError, ValueError):     # a date or time value: not JSON, read as TOML each time
            pass
    return table


TOML_CACHE_FORMAT = 1


def _toml_key(path: str) -> tuple[str, str] | None:
    """(cache file, what must match inside it) for a TOML file, or None when it cannot be stat'ed."""
    import hashlib

    try:
        st = os.stat(path)
        real = os.path.realpath(path)
    except OSError:
        return None
    name = hashlib.sha1(real.encode()).hexdigest()
    return (os.path.join(jsoncache.cache_root(), "toml", name + ".json"),
            f"{real}:{st.st_size}:{st.st_mtime_ns}:{st.st_ino}")


def load_config(path: str, table: str | None = None, optional: bool = False) -> Config:
    data = read_toml(path, "config")
    prefix = ""
    if table:
        for part in table.split("."):
            data = data.get(part, {}) if isinstance(data, dict) else {}
        if not data and optional:
            return Config()
        prefix = table + "."
    unknown = set(data) - KEYS
    if unknown:
        raise ConfigError(path, f"unknown key '{prefix}{sorted(unknown)[0]}' (known: {', '.join(sorted(KEYS))})")
    cfg = Config(source=path)
    for key in ("select", "ignore"):
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(path, f"key '{prefix}{key}' must be a list of rule ids")
        setattr(cfg, key, value)
    sev = data.get("severity", {})
    if not isinstance(sev, dict):
        raise ConfigError(path, f"key '{prefix}severity' must be a table of rule id = severity")
    for rule, level in sev.items():
        if level not in SEVERITIES:
            raise ConfigError(path, f"key '{prefix}severity.{rule}' must be one of {', '.join(SEVERITIES)}")
    cfg.severity = dict(sev)
    if "profile" in data:
        if not isinstance(data["profile"], str):
            raise ConfigError(path, f"key '{prefix}profile' must be a path or a shipped profile's name")
        named = os.path.join(os.path.dirname(os.path.abspath(path)), data["profile"])
        # a shipped profile's name, unless a file of that name sits beside the config
        cfg.profile = data["profile"] if data["profile"] in SHIPPED_ARCHES and not os.path.exists(named) else named
    if "fail-on" in data:
        if data["fail-on"] not in SEVERITIES:
            raise ConfigError(path, f"key '{prefix}fail-on' must be one of {', '.join(SEVERITIES)}")
        cfg.fail_on = data["fail-on"]
    return cfg


def find_repo_root(path: str = ".") -> str | None:
    """The work tree's top directory, found without importing GitPython."""
    here = os.path.abspath(path)
    while True:
        if os.path.exists(os.path.join(here, ".git")):
            return here
        parent = os.path.dirname(here)
        if parent == here:
            return None
        here = parent
