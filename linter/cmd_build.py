"""`entrylint build [REV...]`: each revision's vmlinux path on stdout, one line per REV, in order.

`--print-path REV` only looks: the cached image's path, or exit 1 with one line when it is not built.
"""

from __future__ import annotations

import sys

from linter.errors import ConfigError


def options(args):
    """The build options `build` and `check --build` share (check spells --config --build-config)."""
    from linter.kbuild.builder import Options
    from linter.kbuild.cache import DEFAULT_LIMIT, parse_size

    if args.jobs is not None and args.jobs < 1:
        raise ConfigError("--jobs", f"must be 1 or more, not {args.jobs}")
    limit = parse_size(args.max_cache_size) if getattr(args, "max_cache_size", None) else DEFAULT_LIMIT
    return Options(cache_dir=args.cache_dir, config=args.build_config, debug_info=args.debug_info,
                   jobs=args.jobs, max_size=limit, arch=getattr(args, "arch", None) or "x86_64")


def run(args) -> int:
    from linter.kbuild.builder import Builder

    builder = Builder(options(args))
    if args.print_path:
        if len(args.revisions) != 1:
            raise ConfigError("--print-path", "give exactly one revision")
        rev = args.revisions[0]
        path = builder.cached(rev)
        if path is None:
            arch = "" if builder.arch.default else f"--arch {builder.arch.name} "
            print(f"entrylint: {rev}: not built yet (run `entrylint build {arch}{rev}`)", file=sys.stderr)
            return 1
        print(path)
        return 0
    for path in builder.build(args.revisions or ["HEAD"]):
        print(path)
    sys.stdout.flush()
    return 0


def series_images(args, series) -> tuple[str, str]:
    """check --build: (base image, head image) of the series' base and head revisions."""
    from linter.kbuild.builder import Builder

    if args.image or args.base_image:
        raise ConfigError("--build", "builds both images: give it or --image/--base-image, not both")
    revision = getattr(series, "revision", None) if series is not None else None
    if not revision or not series.patches or not series.patches[0].commit:
        raise ConfigError("--build", "needs a git range or a commit to check (not patch files or --staged)")
    head = revision.split("...", 1)[1] if "..." in revision else \
        revision.split("..", 1)[1] if ".." in revision else revision
    base = f"{series.patches[0].commit[:12]}^"   # (what check reads as the series' base: Context.base_revision)
    paths = Builder(options(args)).build([base, head or "HEAD"])
    return str(paths[0]), str(paths[1])
