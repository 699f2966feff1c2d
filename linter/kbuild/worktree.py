"""The tree at a revision, without touching the user's: a detached `git worktree` under the cache.

One worktree per repository, moved from revision to revision with `git checkout`: git rewrites only
the files that differ, so the others keep their mtimes and make rebuilds only what changed. A
worktree is trusted once its `src.ready` marker exists; a half-made one is removed and unregistered.
Every git process gets linter.gitsafe's options (no hooks, no fsmonitor, no external diff).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from linter.errors import ConfigError
from linter.gitsafe import git_argv, safe_env

# what a tree changing these may configure differently: the config stage runs again (and the
# architecture's configs directory, ARCH_DIR/configs: tinyconfig reads its tiny.config)
CONFIG_PATHS = [":(glob)**/Kconfig*", "kernel/configs", "scripts/kconfig", "scripts/known-options", "Makefile"]


def git(cwd: Path | str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(git_argv(*args), cwd=cwd, env=safe_env(), capture_output=True, text=True, check=check)


class Repository:
    """The repository `entrylint build` was started in (any work tree of it, or a bare one)."""

    def __init__(self, where: str = "."):
        self.cwd = os.path.abspath(where)
        probe = git(self.cwd, "rev-parse", "--path-format=absolute", "--git-common-dir", check=False)
        if probe.returncode != 0:
            raise ConfigError(self.cwd, "not a git repository (entrylint build builds revisions of one)")
        self.common_dir = probe.stdout.strip()

    def resolve(self, rev: str) -> tuple[str, str]:
        """(commit, tree) of a revision."""
        found = []
        for peel in ("commit", "tree"):
            out = git(self.cwd, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{{peel}}}", check=False)
            if out.returncode != 0 or not out.stdout.strip():
                raise ConfigError(rev, f"unknown revision in {self.cwd}")
            found.append(out.stdout.strip())
        return found[0], found[1]

    def kernel_shape(self, commit: str, rev: str, arch_dir: str = "arch/x86") -> bool:
        """Raises unless the revision holds a kernel tree of the architecture (its `arch_dir`);
        True when it has Kconfig (a real kernel)."""
        listed = set(git(self.cwd, "ls-tree", "--name-only", commit, "--", arch_dir, "Makefile", "Kbuild",
                         "scripts/kconfig").stdout.split())
        missing = [p for p in (arch_dir, "Makefile", "Kbuild") if p not in listed]
        if missing:
            raise ConfigError(rev, f"not a kernel tree (no {', no '.join(missing)} at the top of "
                                   f"{commit[:12]})")
        return "scripts/kconfig" in listed

    def config_inputs_differ(self, a: str, b: str, arch_dir: str = "arch/x86") -> bool:
        paths = [*CONFIG_PATHS, f"{arch_dir}/configs"]
        return git(self.cwd, "diff", "--quiet", a, b, "--", *paths, check=False).returncode != 0


class Worktree:
    def __init__(self, repo: Repository, workdir: Path):
        self.repo = repo
        self.src = workdir / "src"
        self.ready = workdir / "src.ready"

    def checkout(self, commit: str) -> None:
        """The worktree at `commit`, made on first use; an interrupted first checkout is undone."""
        if self.ready.exists() and (self.src / ".git").exists():
            out = git(self.src, "checkout", "-q", "-f", "--detach", commit, check=False)
            if out.returncode == 0:
                return
            self.remove()     # (a worktree the user broke or moved: start again)
        self.remove()
        try:
            out = git(self.repo.cwd, "worktree", "add", "-f", "--detach", str(self.src), commit, check=False)
            if out.returncode != 0:
                raise ConfigError(str(self.src), "git worktree add failed: " + _last_line(out.stderr))
            self.ready.write_text(commit + "\n")
        except BaseException:
            self.remove()
            raise

    def remove(self) -> None:
        """Unregister and delete the worktree, whatever state an interruption left it in."""
        self.ready.unlink(missing_ok=True)
        git(self.repo.cwd, "worktree", "remove", "--force", "--force", str(self.src), check=False)
        shutil.rmtree(self.src, ignore_errors=True)
        listing = git(self.repo.cwd, "worktree", "list", "--porcelain", check=False).stdout
        if f"worktree {self.src}\n" in listing:
            git(self.repo.cwd, "worktree", "prune", check=False)   # (drops worktrees whose directory is gone: ours now)


def _last_line(text: str) -> str:
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    return lines[-1].strip() if lines else "no message"
