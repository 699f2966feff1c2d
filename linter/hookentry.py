"""The pre-push hook's entry point: the range being pushed, checked as one series.

pre-commit's `entrylint-series` hook runs `python -m linter.hookentry [ARGS]`. At the pre-push
stage pre-commit exports PRE_COMMIT_FROM_REF and PRE_COMMIT_TO_REF; this turns them into a git
range and runs `entrylint check RANGE ARGS`.

- FROM..TO when FROM is a real commit (pre-commit resolves a new branch this way itself).
- FROM all zeros (a new branch), or no refs at all (pre-commit pushes a whole history as
  "all files"): the commits of TO that are on no remote-tracking branch. When that reaches the
  root commit, the upstream's merge base is the base if there is one; otherwise the root is the
  tree's import, not a patch, and the check starts after it.
- Nothing new to check (a deleted branch, a rewind): exit 0 without running the rules.
"""

from __future__ import annotations

import os
import sys

from linter.errors import EntrylintError, PatchError

ZERO = "0" * 40


def _git(repo, *args: str) -> str:
    from linter.gitsource import run_git

    return run_git(repo, *args).decode().strip()


def _commits(repo, *rev_args: str) -> list[str]:
    """Non-merge commits, oldest first (a series is checked commit by commit)."""
    out = _git(repo, "rev-list", "--reverse", "--topo-order", "--no-merges", *rev_args)
    return out.split()


def _upstream_merge_base(repo, head: str) -> str | None:
    try:
        upstream = _git(repo, "rev-parse", "--verify", "--quiet", "@{upstream}")
        return _git(repo, "merge-base", upstream, head)
    except PatchError:
        return None


def _new_commits_range(repo, head: str) -> str | None:
    """The commits of `head` that no remote-tracking branch has, as a range."""
    new = _commits(repo, head, "--not", "--remotes")
    if not new:
        return None
    first = new[0]
    if _git(repo, "rev-list", "--parents", "-n", "1", first).split()[1:]:
        return f"{first}^..{head}"
    base = _upstream_merge_base(repo, head)
    if base and base != head:
        return f"{base}..{head}"
    if len(new) == 1:
        return head  # a history of one commit: check that commit
    print(f"entrylint: {first[:12]} is the root commit (the tree's import): checking the commits after it",
          file=sys.stderr)
    return f"{first}..{head}"


def pushed_range(repo, from_ref: str | None, to_ref: str | None) -> str | None:
    """The git range to check for this push, or None when the push adds no commit to check."""
    if to_ref == ZERO:
        return None  # a branch being deleted
    head = _git(repo, "rev-parse", "--verify", (to_ref or "HEAD") + "^{commit}")
    if from_ref and from_ref != ZERO:
        return f"{from_ref}..{head}" if _commits(repo, f"{from_ref}..{head}") else None
    return _new_commits_range(repo, head)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    from linter.cli import main as cli_main
    from linter.gitsource import open_repo

    try:
        repo = open_repo(".")
        spec = pushed_range(repo, os.environ.get("PRE_COMMIT_FROM_REF"), os.environ.get("PRE_COMMIT_TO_REF"))
    except EntrylintError as exc:
        print(f"entrylint: {exc}", file=sys.stderr)
        return 2
    if spec is None:
        print("entrylint: no new commits to check in this push", file=sys.stderr)
        return 0
    return cli_main(["check", spec, *argv])


if __name__ == "__main__":
    sys.exit(main())
