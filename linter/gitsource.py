"""Series from a git repository: a revision range, one commit, or the staged change.

git runs with options that keep the checked repository from running anything: no fsmonitor, no
external diff, no textconv, no hooks (entrylint checks untrusted series; a repository's own config
must not become code execution). Patches come out of `git format-patch --stdout`, then go through
the same email parser as patch files (series.py).
"""

from __future__ import annotations

import os

import git

from linter.errors import PatchError
from linter.gitsafe import FORMAT_PATCH, SAFE_CONFIG, SAFE_ENV, STAGED_DIFF, git_argv, safe_env
from linter.series import Series, Wanted, merge_notes, series_from_bytes, series_from_staged_diff

EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"


def open_repo(path: str = ".") -> git.Repo:
    try:
        repo = git.Repo(path, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise PatchError(os.path.abspath(path), "not inside a git repository "
                         "(give patch files, an mbox, or run from the kernel tree)") from None
    # GitPython's own git processes get the safe configuration too: reading the index runs a
    # repository's core.fsmonitor otherwise.
    repo.git.set_persistent_git_options(c=SAFE_CONFIG[1::2])
    repo.git.update_environment(**SAFE_ENV)
    return repo


def find_repo(path: str = ".") -> git.Repo | None:
    try:
        return open_repo(path)
    except PatchError:
        return None


def run_git(repo: git.Repo, *args: str) -> bytes:
    """Run git in the repository with the safe configuration; raise PatchError on failure."""
    proc = repo.git.execute(git_argv(*args), with_extended_output=True,
                            stdout_as_string=False, strip_newline_in_stdout=False, env=safe_env(),
                            with_exceptions=False)
    status, out, err = proc
    if status != 0:
        msg = err.decode("utf-8", "replace") if isinstance(err, bytes) else str(err)
        first = next((ln for ln in msg.splitlines() if ln.strip()), f"git {args[0]} failed")
        raise PatchError(" ".join(args[-1:]) or "git", first.removeprefix("fatal: "))
    return out


def resolve(repo: git.Repo, rev: str) -> str:
    try:
        return run_git(repo, "rev-parse", "--verify", "--quiet", "--end-of-options", rev + "^{commit}").decode().strip()
    except PatchError:
        raise PatchError(rev, f"unknown revision in {repo.working_tree_dir}") from None


def series_from_range(repo: git.Repo, spec: str, wanted: Wanted | None) -> Series:
    """`base..head`, `base...head`, or a single commit, each revision checked and any failure
    explained. (A plain range that git reads without complaint takes gitearly.py's faster road.)"""
    notes: list[str] = []
    if ".." in spec:
        sym = "..." if "..." in spec else ".."
        base_spec, head_spec = spec.split(sym, 1)
        base = resolve(repo, base_spec or "HEAD")
        head = resolve(repo, head_spec or "HEAD")
        if sym == "..." or not _is_ancestor(repo, base, head):
            merge_base = run_git(repo, "merge-base", base, head).decode().strip()
            if sym == "..":
                notes.append(f"{spec}: {base_spec} is not an ancestor of {head_spec or 'HEAD'}; checking the commits "
                             f"of {head_spec or 'HEAD'} since their merge base {merge_base[:12]}")
            base = merge_base
        revs = [f"{base}..{head}"]
    else:
        head = resolve(repo, spec)
        parents = run_git(repo, "rev-list", "--parents", "-n", "1", head).decode().split()[1:]
        revs = [f"{head}^!"] if parents else ["--root", "-1", head]
    listing = run_git(repo, "rev-list", "--reverse", "--parents", *[r for r in revs if r != "--root"]).decode()
    merges, singles = merge_notes(listing)
    if not singles:
        raise PatchError(spec, "range holds only merge commits" if merges else "no commits to check in this range")
    series = series_from_bytes(run_git(repo, *FORMAT_PATCH, *revs), spec, wanted)
    series.notes = notes + merges + series.notes
    series.repo_root = repo.working_tree_dir
    series.revision = spec
    for patch in series.patches:
        patch.source = "git"
    return series


def _is_ancestor(repo: git.Repo, base: str, head: str) -> bool:
    try:
        run_git(repo, "merge-base", "--is-ancestor", base, head)
        return True
    except PatchError:
        return False


def series_from_staged(repo: git.Repo, wanted: Wanted | None) -> Series:
    """The index against HEAD: what `git commit` is about to record (the pre-commit case)."""
    try:
        base = resolve(repo, "HEAD")
    except PatchError:
        base = EMPTY_TREE  # the first commit of a repository
    diff = run_git(repo, *STAGED_DIFF, base).decode("utf-8", "replace")
    return series_from_staged_diff(diff, repo.working_tree_dir, wanted)
