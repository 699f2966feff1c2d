"""`entrylint check`: series (and images) in, findings out."""

from __future__ import annotations

import os
import sys

from linter.config import Config, find_config, find_repo_root
from linter.context import Context
from linter.engine import merge_findings, rule_info, run_rules, select_rules
from linter.errors import ConfigError, PatchError
from linter.profile import Profile, load_profile
from linter.result import PatchInfo, RunResult
from linter.series import Series


def _split_ids(values: list[str]) -> list[str]:
    return [v.strip() for item in values for v in item.split(",") if v.strip()]


def _is_file_source(src: str) -> bool:
    return src == "-" or os.path.lexists(src)


def _stdin(args) -> bytes:
    """Standard input, read once (a series read with a second profile reads it again)."""
    if getattr(args, "stdin_bytes", None) is None:
        args.stdin_bytes = sys.stdin.buffer.read()
    return args.stdin_bytes


def load_series(args, profile: Profile, root: str | None, marker=None) -> Series | None:
    """The Series the arguments name (its repo_root: the git work tree `root`, when one is at
    hand). `marker` (marks.SeriesMarker) may mark patches while the rest are still being read."""
    wanted = profile.wants
    files = [s for s in args.sources if _is_file_source(s)]
    revisions = [s for s in args.sources if not _is_file_source(s)]
    if files and (revisions or args.staged):
        what = "--staged" if args.staged else f"'{revisions[0]}'"
        raise ConfigError(what, "give either patch files (or -) or a git revision/--staged, not both "
                          "(no such file either)" if revisions else "give either patch files or --staged, not both")
    if len(revisions) > 1:
        raise ConfigError(revisions[1], "give one revision range (base..head); no such file either")
    if files:
        from linter.series import series_from_files

        stdin = _stdin(args) if "-" in files else None
        series = series_from_files(files, wanted, stdin)
        series.repo_root = root   # inside a checkout (b4), marks read file versions from its git
        if files == ["-"]:      # b4's per-patch check commands: see linter/b4series.py
            from linter.b4series import per_patch_view
            from linter.gitsource import find_repo

            series = per_patch_view(series, find_repo(".") if series.repo_root else None, stdin, wanted)
        return series
    if args.staged or revisions:
        early = getattr(args, "early", None)
        series = early.series(wanted, root, marker.add if marker else None) if early is not None and root else None
        if series is not None:
            return series
        from linter.gitsource import open_repo, series_from_range, series_from_staged

        try:
            repo = open_repo(".")
        except PatchError:
            if args.staged:
                raise
            raise PatchError(revisions[0], "no such file, and no git repository here to read it as a "
                                           "revision") from None
        return series_from_staged(repo, wanted) if args.staged else series_from_range(repo, revisions[0], wanted)
    if args.image or args.base_image:
        return None
    raise ConfigError("entrylint check", "nothing to check: give a git range, patch files, - for stdin, or --staged")


def read_and_mark(args, profile: Profile, root: str | None, opened: list):
    """The series, its marks and the file versions they read. A range is marked patch by patch
    while git still writes the rest (gitearly.py); file versions come through one `git cat-file`
    process (appended to `opened`: the caller stops it once the rules have run)."""
    from linter.gitobjects import GitObjects
    from linter.marks import SeriesMarker

    opened += [GitObjects(root)] if root else []
    marker = SeriesMarker(profile, opened[0] if opened else None)
    series = load_series(args, profile, root, marker)
    if series is None:
        return None, [], None
    if series.repo_root != root:   # (found by GitPython, spelled otherwise: take its word)
        opened += [GitObjects(series.repo_root)] if series.repo_root else []
        marker = SeriesMarker(profile, opened[-1] if series.repo_root else None)
    marks = marker.catch_up(series)
    return series, marks, marker.lookup.versions


def image_arch(args) -> str:
    """The arch of the image(s) checked (x86_64 without one; a bad image is told by the image rules)."""
    if getattr(args, "build", False):     # the images are yet to be built, for --arch
        return args.arch
    for image in (args.image, args.base_image):
        if image and os.path.exists(image):
            from linter.image.header import check_image_file   # (not on a diff-only run's path)

            return check_image_file(image).arch
    return getattr(args, "arch", None) or "x86_64"


def run(args) -> int:
    root = find_repo_root(".")
    config = find_config(root, args.config)
    chosen = args.profile or config.profile
    profile = load_profile(chosen, image_arch(args))
    by_files = chosen is None and not (args.image or args.base_image or getattr(args, "build", False))
    result = check(args, profile, config, root, by_files)
    from linter.report import render

    if args.output:
        try:
            with open(args.output, "w", encoding="utf-8") as out:
                render(args.format, result, out)
        except OSError as exc:
            raise ConfigError(args.output, f"cannot write report: {exc.strerror or exc}") from None
    else:
        render(args.format, result, sys.stdout)
        sys.stdout.flush()
    if args.verbose:
        for skipped in result.skipped_rules:
            print(f"entrylint: skipped {skipped}", file=sys.stderr)
    return result.exit_code


def check(args, profile: Profile, config: Config, root: str | None, by_files: bool = False) -> RunResult:
    """by_files: no profile was named and no image decides: the series' files choose the shipped
    profile(s) (series_profiles); a series that touches arm64 and x86 entry code gets both."""
    from rules import ALL

    src = config.source or "command line"
    select = _split_ids(args.select) or config.select
    ignore = _split_ids(args.ignore) + config.ignore
    rules = select_rules(ALL, select, ignore, "command line" if args.select or args.ignore else src)
    for rid in config.severity:
        if rid not in ALL:
            raise ConfigError(src, f"key 'severity.{rid}' names no entrylint rule")
    opened: list = []
    try:
        series, marks, versions = read_and_mark(args, profile, root, opened)
        others = series_profiles(series, profile) if by_files and series is not None else []
        if others and not _watched(series, profile):
            profile, others = others[0], others[1:]
            series, marks, versions = read_and_mark(args, profile, root, opened)
        if getattr(args, "build", False):
            from linter.cmd_build import series_images

            args.base_image, args.image = series_images(args, series)
        for image in (args.image, args.base_image):
            if image and not os.path.exists(image):
                raise ConfigError(image, "no such image file")
        ctx = Context(series=series, marks=marks, profile=profile, repo_root=series.repo_root if series else None,
                      image_path=args.image, base_image_path=args.base_image, use_cache=not args.no_cache,
                      versions=versions)
        findings, skipped = run_rules(ctx, rules, config.severity)
        for other in others:     # the same series through another arch's profile
            o_series, o_marks, o_versions = read_and_mark(args, other, root, opened)
            o_ctx = Context(series=o_series, marks=o_marks, profile=other, repo_root=ctx.repo_root,
                            use_cache=not args.no_cache, versions=o_versions)
            more, _ = run_rules(o_ctx, rules, config.severity)
            findings = merge_findings(findings, more)
            ctx.notes += o_ctx.notes
    finally:
        for objects in opened:
            objects.close()
    if rules and len(skipped) == len(rules):  # nothing ran: an exit 0 here would be a silent pass
        raise ConfigError("entrylint check", "none of the selected rules can run (" + "; ".join(skipped) + ")")
    keep = getattr(series, "keep", None)   # b4 per-patch mode (b4series.py): report b4's patch only
    if keep:
        findings = [f for f in findings if keep(f)]
    fail_on = args.fail_on or config.fail_on or "warning"
    result = RunResult(
        findings=findings,
        patches=[PatchInfo(p.index, p.commit, p.subject, p.source) for p in (series.patches if series else [])
                 if not keep or p.index in series.reported],
        rules=[rule_info(m, config.severity.get(rid)) for rid, m in rules.items()],
        notes=(series.notes if series else []) + ctx.notes,
        skipped_rules=skipped,
        fail_on=fail_on,
        target_url=args.target_url,
        show_notes=args.show_notes or fail_on == "note",
    )
    return result


ARM_PREFIXES = ("arch/arm64/", "arch/arm/", "drivers/firmware/efi/libstub/")


def _touched(series: Series) -> set[str]:
    return {name for p in series.patches for name in p.other_files + [f.path for f in p.patchset]}


def _watched(series: Series, profile: Profile) -> bool:
    return any(profile.is_watched(name) for name in _touched(series))


def series_profiles(series: Series, first: Profile) -> list[Profile]:
    """The shipped profiles besides `first` that watch a file the series changes (only arm64 for
    now; looked at only when a changed file lies under an ARM directory)."""
    touched = _touched(series)
    if first.arch == "arm64" or not any(n.startswith(ARM_PREFIXES) for n in touched):
        return []
    arm64 = load_profile("arm64")
    return [arm64] if any(arm64.is_watched(n) for n in touched) else []
