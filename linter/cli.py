"""The command line: thin, each subcommand imports its work when it runs (b4's way).

A diff-only `check` never imports numpy, pyelftools or capstone: pre-commit runs it on every
commit, so it must start about as fast as Python itself.

Exit codes: 0 nothing at or above --fail-on, 1 findings, 2 the run itself failed.
"""

from __future__ import annotations

import argparse
import os
import sys

from linter import __version__
from linter.errors import ConfigError, EntrylintError

EPILOG = "Rule docs: `entrylint explain EL110`. Exit: 0 clean, 1 findings at or above --fail-on, 2 error."
FORMAT_CHOICES = ["text", "json", "sarif", "github", "gitlab", "junit", "patchwork", "checkpatch", "b4", "b4-review"]


class Formatter(argparse.HelpFormatter):
    """argparse's, measuring the terminal as shutil does but without importing it: argparse builds
    a formatter for every argument added, and shutil (with bz2 and lzma) is ~2 ms of every run."""

    def __init__(self, prog, indent_increment=2, max_help_position=24, width=None):
        if width is None:
            try:
                columns = int(os.environ.get("COLUMNS", "0")) or os.get_terminal_size(sys.__stdout__.fileno()).columns
            except (AttributeError, ValueError, OSError):
                columns = 80
            width = columns - 2
        super().__init__(prog, indent_increment, max_help_position, width)


class Parser(argparse.ArgumentParser):
    """Bad usage is one line and exit 2, like every other error (not argparse's usage block)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", Formatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str):
        self.exit(2, f"entrylint: {message} (see `{self.prog} --help`)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="entrylint", epilog=EPILOG,
                                     description="Keeps the boot entry paths of Linux converged (x86_64; arm64 kept at one door).")
    parser.add_argument("--version", action="version", version=f"entrylint {__version__}")
    parser.add_argument("-C", dest="directory", metavar="DIR", help="run as if started in DIR (like git -C)")
    parser.add_argument("--debug", action="store_true", help="show a traceback when the run fails")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    check = sub.add_parser("check", help="check a patch series (and images built before and after it)",
                           epilog=EPILOG)
    check.add_argument("sources", nargs="*", metavar="SOURCE",
                       help="a git range (base..head), a commit, patch files, an mbox, or - for stdin")
    check.add_argument("--staged", action="store_true", help="check the staged change (index against HEAD)")
    check.add_argument("--image", metavar="VMLINUX", help="the image built with the series applied")
    check.add_argument("--base-image", metavar="VMLINUX", help="the image built without the series")
    check.add_argument("--format", choices=FORMAT_CHOICES, default="text")
    check.add_argument("--output", "-o", metavar="FILE", help="write the report here instead of stdout")
    check.add_argument("--select", action="append", default=[], metavar="IDS",
                       help="only these rules (ids or prefixes, comma separated; repeatable)")
    check.add_argument("--ignore", action="append", default=[], metavar="IDS", help="not these rules")
    check.add_argument("--fail-on", choices=["error", "warning", "note"], help="lowest severity that fails (default warning)")
    check.add_argument("--profile", metavar="FILE|NAME",
                       help="a profile TOML, or a shipped one by name (x86_64, arm64); default: the image's "
                            "arch, else the series' files (x86_64, arm64 or both)")
    check.add_argument("--config", metavar="FILE", help="a config file instead of the repository's .entrylint.toml")
    check.add_argument("--no-cache", action="store_true", help="do not read or write the image cache")
    check.add_argument("--target-url", metavar="URL", help="link to the full report (patchwork, b4-review)")
    check.add_argument("--show-notes", action="store_true", help="b4/checkpatch formats: print notes too")
    check.add_argument("-v", "--verbose", action="store_true", help="say which rules were skipped and why")
    check.add_argument("--build", action="store_true",
                       help="build the base's and the head's images first (as `entrylint build`) and check them")
    check.add_argument("--build-config", metavar="FRAGMENT",
                       help="with --build: your config fragment on top of entrylint's (build's --config)")
    _build_args(check)

    build = sub.add_parser("build", help="build the vmlinux of revisions (default HEAD) into the cache; "
                                         "print each path")
    build.add_argument("revisions", nargs="*", metavar="REV", help="revisions to build (default: HEAD)")
    build.add_argument("--print-path", action="store_true",
                       help="print the cached image's path of one REV (exit 1 if it is not built yet)")
    build.add_argument("--config", dest="build_config", metavar="FRAGMENT",
                       help="your config fragment (CONFIG_X=y, # CONFIG_X is not set) on top of entrylint's")
    _build_args(build)

    entries = sub.add_parser("entries", help="the doors of a vmlinux and how each is announced")
    _image_args(entries, ["text", "json"])
    entries.add_argument("--compare", metavar="VMLINUX2",
                         help="the doors of VMLINUX and VMLINUX2 side by side (another build, kernel or era)")

    gaps = sub.add_parser("gaps", help="what one path reaches before convergence and another does not")
    _image_args(gaps, ["text", "json", "dot"])
    gaps.add_argument("--validate", action="store_true", help="also decode with capstone and compare")
    gaps.add_argument("--path", help="the path to look at (default: every path)")
    gaps.add_argument("--vs", help="compare with this path only")
    gaps.add_argument("--hooks", action="store_true",
                      help="the hooks view: per path, each slot it overrides, the default, its function, who writes it")

    rules = sub.add_parser("rules", help="list the rule catalogue")
    rules.add_argument("--format", choices=["text", "json", "markdown"], default="text")
    explain = sub.add_parser("explain", help="print one rule's full docs")
    explain.add_argument("rule", metavar="RULE")
    return parser


def _build_args(p: argparse.ArgumentParser) -> None:
    from linter.kbuild import ARCHES

    p.add_argument("--arch", choices=ARCHES, default=ARCHES[0],
                   help="the image's architecture (default x86_64); arm64 is cross-compiled with "
                        "aarch64-linux-gnu-gcc unless the host is arm64")
    p.add_argument("--debug-info", action="store_true", help="build with DWARF (slot names for the hook rules)")
    p.add_argument("--jobs", "-j", type=int, metavar="N", help="make -jN (default: the CPU count)")
    p.add_argument("--cache-dir", metavar="DIR", help="the build cache (default: $ENTRYLINT_BUILD_CACHE, else "
                                                   "$XDG_CACHE_HOME/entrylint/build, else ~/.cache/entrylint/build)")
    p.add_argument("--max-cache-size", metavar="SIZE",
                   help="prune the least recently used images past this total (default 2G)")


def _image_args(p: argparse.ArgumentParser, formats: list[str]) -> None:
    p.add_argument("image", metavar="VMLINUX")
    p.add_argument("--format", choices=formats, default="text")
    p.add_argument("--profile", metavar="FILE|NAME",
                   help="a profile TOML, or a shipped one by name (x86_64, arm64); default: the image's arch")
    p.add_argument("--no-cache", action="store_true", help="do not read or write the image cache")


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help(sys.stderr)
        return 2
    try:
        if args.directory:
            try:
                os.chdir(args.directory)
            except OSError as exc:
                raise ConfigError(args.directory, f"cannot change to directory: {exc.strerror}") from None
        return dispatch(args)
    except EntrylintError as exc:
        if args.debug:
            raise
        print(f"entrylint: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("entrylint: interrupted", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 1
    except Exception as exc:  # a bug: still one line and exit 2, never a traceback in a CI log
        if args.debug:
            raise
        print(f"entrylint: internal error: {type(exc).__name__}: {exc} (run with --debug for the "
              f"traceback, and please report it)", file=sys.stderr)
        return 2


def _clear_progress() -> None:
    from linter.progress import progress

    progress.done()


def dispatch(args) -> int:
    args.early = None
    if args.command == "check":
        from linter import gitearly

        args.early = gitearly.start(args.sources, args.staged)   # git works while Python imports
        from linter.cmd_check import run
    elif args.command == "entries":
        from linter.cmd_entries import run
    elif args.command == "gaps":
        from linter.cmd_gaps import run
    elif args.command == "build":
        from linter.cmd_build import run
    else:
        from linter.cmd_rules import run
    try:
        return run(args)
    finally:
        if args.early is not None:
            args.early.stop()
        _clear_progress()


def git_main() -> int:
    """`git entrylint RANGE …` is `entrylint check RANGE …`."""
    argv = sys.argv[1:]
    if argv[:1] in (["-h"], ["--help"]) or not argv or argv[0] not in ("check", "build", "entries", "gaps", "rules",
                                                                         "explain"):
        argv = ["check", *argv]
    return main(argv)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
