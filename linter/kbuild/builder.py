"""The recipe: a revision's tree → tinyconfig + the fragment → olddefconfig → vmlinux → the cache.

Revisions are resolved and the trees' shape and tools checked before anything is built, so a bad
argument fails in a second, not after the first build. One build tree (O=) per repository and
fragment is reused, so the head of a series builds incrementally after its base.
"""

from __future__ import annotations

import datetime
import errno
import os
from dataclasses import dataclass
from pathlib import Path

from linter.errors import ConfigError
from linter.kbuild import arch as arches
from linter.kbuild import fragment as fragments
from linter.kbuild import make, tools
from linter.kbuild.cache import DEFAULT_LIMIT, RECIPE, Cache, Lock, cache_dir, image_key, no_space
from linter.kbuild.status import Status, fmt_seconds
from linter.kbuild.worktree import Repository, Worktree

# the environment must not change what a cache key promises: no CC=clang, no KCONFIG_CONFIG elsewhere,
# no jobserver of a make that ran entrylint
_DROP_ENV = ("CC", "LD", "AS", "CROSS_COMPILE", "LLVM", "ARCH", "O", "MAKEFLAGS", "MFLAGS", "MAKELEVEL",
             "MAKEOVERRIDES", "CFLAGS", "LDFLAGS")
_DROP_PREFIX = ("KCONFIG_", "KBUILD_")


@dataclass
class Options:
    cache_dir: str | None = None
    config: str | None = None        # the user's fragment
    debug_info: bool = False
    jobs: int | None = None
    max_size: int = DEFAULT_LIMIT
    arch: str = "x86_64"             # --arch


@dataclass
class Plan:
    rev: str
    commit: str
    tree: str
    kconfig: bool          # a real kernel tree (it has scripts/kconfig)
    key: str = ""


def default_jobs() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def build_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in _DROP_ENV and not k.startswith(_DROP_PREFIX)}


class Builder:
    def __init__(self, options: Options, where: str = ".", status: Status | None = None):
        self.options = options
        self.arch = arches.get(options.arch)
        self.cache = Cache(cache_dir(options.cache_dir))
        self.fragment = fragments.load(options.config, options.debug_info, self.arch)
        self.repo = Repository(where)
        self.status = status or Status()
        self.jobs = options.jobs or default_jobs()

    def plan(self, revs: list[str]) -> list[Plan]:
        """Every revision resolved, every tree's shape and the tools it needs checked, keys made."""
        plans = []
        for rev in revs:
            commit, tree = self.repo.resolve(rev)
            plans.append(Plan(rev, commit, tree, self.repo.kernel_shape(commit, rev, self.arch.src)))
        tools.check(any(p.kconfig for p in plans), "entrylint build", self.arch)
        compiler = tools.compiler_version(self.arch)
        for p in plans:
            p.key = image_key(p.tree, self.fragment.digest, compiler, self.arch.name)
        return plans

    def label(self, rev: str) -> str:
        """How the status lines name a revision: with its architecture unless x86_64."""
        return rev if self.arch.default else f"{rev} ({self.arch.name})"

    def out_dir(self, workdir: Path) -> Path:
        """make O=, one per fragment (and architecture: x86_64's keeps the name it had before --arch)."""
        arch = "" if self.arch.default else f"{self.arch.name}-"
        return workdir / f"out-{arch}{self.fragment.digest[:12]}"

    def cached(self, rev: str) -> Path | None:
        return self.cache.image(self.plan([rev])[0].key)

    def build(self, revs: list[str]) -> list[Path]:
        plans = self.plan(revs)
        self.cache.prepare()
        workdir = self.cache.workdir(self.repo.common_dir)
        paths = []
        for p in plans:
            path = self.cache.image(p.key)
            if path is None:
                with Lock(workdir / "lock"):
                    path = self.cache.image(p.key) or self._build(p, workdir)   # (another run may have)
            else:
                self.cache.touch(p.key)
                self.status.line(f"{self.label(p.rev)}: cached {path}")
            paths.append(path)
        self.cache.prune(self.options.max_size, {p.key for p in plans})
        return paths

    def _build(self, p: Plan, workdir: Path) -> Path:
        out = self.out_dir(workdir)
        log_path = self.cache.log(p.key)
        self.status.begin(f"building {p.rev} ({p.commit[:12]}{'' if self.arch.default else ', ' + self.arch.name})")
        try:
            out.mkdir(parents=True, exist_ok=True)
            with open(log_path, "w", encoding="utf-8", buffering=1) as log:   # (line by line: tail -f works)
                self.status.set_phase("checkout")
                tree = Worktree(self.repo, workdir)
                tree.checkout(p.commit)
                self._configure(p, tree.src, out, log, log_path)
                self.status.set_phase("make vmlinux")
                make.run(["make", "-C", str(tree.src), f"O={out}", f"-j{self.jobs}", *tools.make_args(self.arch),
                          "vmlinux"], tree.src, log, p.rev, log_path, self.status.show, build_env())
        except OSError as exc:
            if exc.errno == errno.ENOSPC:
                raise no_space(self.cache.root) from None
            raise ConfigError(str(log_path.parent), f"cannot build: {exc.strerror}") from None
        finally:
            self.status.clear()
        if not (out / "vmlinux").is_file():
            raise make.BuildFailed(p.rev, f"make built no vmlinux in {out} (log: {log_path})")
        seconds = self.status.elapsed()
        meta = {"revision": p.rev, "commit": p.commit, "tree": p.tree, "arch": self.arch.name,
                "fragment": self.fragment.digest, "options": [f"{n}={v}" for n, v in self.fragment.options],
                "recipe": RECIPE, "compiler": tools.compiler_version(self.arch), "seconds": round(seconds, 1),
                "jobs": self.jobs,
                "built": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")}
        path = self.cache.install(p.key, out / "vmlinux", meta)
        self.status.line(f"{self.label(p.rev)}: built {path} in {fmt_seconds(seconds)}")
        return path

    def _configure(self, p: Plan, src: Path, out: Path, log, log_path: Path) -> None:
        """tinyconfig, the fragment, olddefconfig; skipped when neither the fragment nor any Kconfig
        input changed since the last run in this build tree (a rewritten .config costs nothing, but
        the step takes seconds on a real tree)."""
        stamp = out / ".entrylint-config"
        last = stamp.read_text().split() if stamp.is_file() else []
        fresh = not (len(last) == 2 and last[0] == self.fragment.digest
                     and not self.repo.config_inputs_differ(last[1], p.commit, self.arch.src))
        config = out / ".config"
        if fresh:
            stamp.unlink(missing_ok=True)
            self.status.set_phase("config")
            env = build_env()
            make_args = tools.make_args(self.arch)   # (every make run: Kconfig's choices depend on ARCH)
            make.run(["make", "-C", str(src), f"O={out}", *make_args, "tinyconfig"], src, log, p.rev,
                     log_path, env=env)
            make.run([str(src / "scripts" / "config"), "--file", str(config), *self.fragment.config_args()],
                     src, log, p.rev, log_path, env=env)
            make.run(["make", "-C", str(src), f"O={out}", *make_args, "olddefconfig"], src, log, p.rev,
                     log_path, env=env)
        try:
            text = config.read_text(encoding="utf-8", errors="replace")
        except OSError:
            raise make.BuildFailed(p.rev, f"olddefconfig left no {config} (log: {log_path})") from None
        wrong = self.fragment.not_stuck(text)
        if wrong:
            ours = f"entrylint's {'' if self.arch.default else self.arch.name + ' '}config fragment"
            raise ConfigError(self.options.config or ours,
                              f"{wrong[0]} did not stick after olddefconfig at {p.rev} (the tree does not "
                              f"know it, or its dependencies are off){' and ' + str(len(wrong) - 1) + ' more' if len(wrong) > 1 else ''}"
                              f" (log: {log_path})")
        if fresh:
            stamp.write_text(f"{self.fragment.digest} {p.commit}\n")
