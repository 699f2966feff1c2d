"""b4's per-patch check commands: one patch on stdin, seen with the rest of its series when git has it.

b4 runs a check command once per patch, the patch alone on stdin (FORMATS.md). Most rules judge a
hunk, but EL110 judges a series: "one path changed, its counterpart not" cannot be seen in one
patch of a series whose next patch changes the counterpart. So, for a single patch on stdin:

- `b4 prep --check`: the checkout is on the prep branch, which holds the whole series. When the
  patch is one of the branch's commits (same `git patch-id --stable`), the whole branch series is
  checked, so EL110 sees every patch, and only the patch b4 asked about is reported. That patch
  then also has its commit, so marks read its exact post-image from git. The blobs the patch's
  `index OLD..NEW` lines name are looked up first: a patch whose post-image is not in the
  repository (b4 am's, not applied yet) is no commit here, and no history is walked for it.
- any other patch N/M with M > 1 (b4 am/shazam --check, b4 review): the rest of the series is not
  in git, so EL110 is left to the series check (`entrylint check` on the whole mbox or range) and
  a note says so. A patch without N/M, or 1/1, is a whole series: every rule runs.

Where b4 keeps a prep series (b4 0.16, ez.py): the cover-letter strategy is git config
`branch.<name>.b4-prep-cover-strategy` or `b4.prep-cover-strategy` (default `commit`).
- `commit`: an empty commit holding MAGIC_MARKER starts the series; it runs from there to the tip.
- `tip-commit`: that commit is the tip; the series runs from the fork point with the base branch
  (named in its tracking JSON) to the commit before it.
- `branch-description`: tracking JSON in `branch.<name>.b4-tracking`; fork point to the tip.
b4 looks for the cover commit among the last year's commits by the current user (user.email); so
does this module, so a cover commit someone else pushed into a shared tree is not taken for ours.
"""

from __future__ import annotations

import json
import re
import subprocess

from linter.errors import PatchError
from linter.findings import Finding
from linter.gitsafe import SAFE_DIFF, git_argv, safe_env
from linter.record import field, record
from linter.series import SERIES_POS, Series, Wanted, mail_subject

MAGIC_MARKER = "--- b4-submit-tracking ---"
INDEX_LINE = re.compile(rb"^index [0-9a-f]+\.\.([0-9a-f]+)", re.M)   # a diff's blob ids: old..new
SERIES_RULES = {"EL110"}                 # rules that judge the series as a whole


@record
class PerPatchSeries(Series):
    """A series checked on behalf of b4's per-patch command: only `reported` patches are reported."""
    reported: set[int] = field(default_factory=set)
    skipped_rules: set[str] = field(default_factory=set)   # series rules this view cannot judge

    def keep(self, f: Finding) -> bool:
        return (f.patch is None or f.patch in self.reported) and f.rule not in self.skipped_rules


def per_patch_view(series: Series, repo, stdin: bytes, wanted: Wanted | None) -> Series:
    """The series to check for a single patch b4 put on stdin (see the module docs)."""
    if len(series.patches) != 1:
        return series                     # an mbox of a whole series: nothing is missing
    if repo is not None:
        whole = _prep_branch_series(repo, stdin, wanted)
        if whole is not None:
            return whole
    pos = SERIES_POS.search(mail_subject(stdin))
    if pos and int(pos.group(2)) > 1:
        patch = series.patches[0]
        note = (f"{patch.subject}: patch {pos.group(1)}/{pos.group(2)} of a series checked alone: "
                f"{', '.join(sorted(SERIES_RULES))} skipped (check the whole series for it)")
        return PerPatchSeries(series.patches, series.notes + [note], series.repo_root, series.revision,
                              reported={patch.index}, skipped_rules=set(SERIES_RULES))
    return series


def _prep_branch_series(repo, stdin: bytes, wanted: Wanted | None) -> PerPatchSeries | None:
    """The whole prep branch series, reporting the stdin patch; None unless it is one of its commits."""
    if not _post_images_in_repo(repo, stdin):
        return None                       # not committed here (b4 am): skip the walk for a cover letter
    span = prep_series_range(repo)
    if span is None:
        return None
    start, end = span
    commit = _commit_with_patch_id(repo, start, end, stdin)
    if commit is None:
        return None
    from linter.gitsource import series_from_range

    try:
        whole = series_from_range(repo, f"{start}..{end}", wanted)
    except PatchError:
        return None                       # then the patch is checked alone, as if no branch held it
    index = next((p.index for p in whole.patches if p.commit == commit), None)
    if index is None:
        return None
    note = (f"b4 prep branch: patch {index} of {len(whole.patches)} ({commit[:12]}) checked with the rest "
            f"of its series {start[:12]}..{end[:12]}; only this patch's findings are reported")
    return PerPatchSeries(whole.patches, whole.notes + [note], whole.repo_root, whole.revision,
                          reported={index})


def prep_series_range(repo) -> tuple[str, str] | None:
    """(start, end) commits of the current b4 prep branch's series (start excluded), or None."""
    branch = _git(repo, "symbolic-ref", "-q", "--short", "HEAD")
    if not branch:
        return None
    strategy = (_git(repo, "config", "--get", f"branch.{branch}.b4-prep-cover-strategy")
                or _git(repo, "config", "--get", "b4.prep-cover-strategy") or "commit")
    if strategy == "branch-description":
        base = _base_branch(_git(repo, "config", "--get", f"branch.{branch}.b4-tracking"))
        fork = _fork_point(repo, base, branch) if base else None
        return (fork, branch) if fork else None
    if strategy not in ("commit", "tip-commit"):
        return None
    cover = _cover_commit(repo, branch)
    if cover is None:
        return None
    if strategy == "commit":
        return cover, branch
    base = _base_branch(_git(repo, "show", "-s", "--format=%B", cover))
    fork = _fork_point(repo, base, branch) if base else None
    return (fork, f"{cover}~1") if fork else None


def _cover_commit(repo, branch: str) -> str | None:
    email = _git(repo, "config", "--get", "user.email")
    args = ["log", "--grep", MAGIC_MARKER, "-F", "--format=%H", "--max-count=1", "--since=1.year",
            "--no-mailmap", *([f"--committer={email}"] if email else []), branch, "--"]
    return _git(repo, *args) or None


def _base_branch(text: str | None) -> str | None:
    """series.base-branch of b4's tracking JSON (after the marker in a cover commit, or bare)."""
    if not text:
        return None
    body = text.split(MAGIC_MARKER, 1)[-1]
    try:
        tracking = json.loads(body[body.index("{"):])
    except ValueError:
        return None
    base = tracking.get("series", {}).get("base-branch") if isinstance(tracking, dict) else None
    return base if isinstance(base, str) and base else None


def _fork_point(repo, base: str, branch: str) -> str | None:
    return (_git(repo, "merge-base", "--fork-point", base, branch)
            or _git(repo, "merge-base", branch, base))


def _post_images_in_repo(repo, stdin: bytes) -> bool:
    """Does the repository hold every post-image blob the patch's `index OLD..NEW` lines name?"""
    blobs = [new for new in INDEX_LINE.findall(stdin) if new.strip(b"0")]
    if not blobs:
        return True                       # only deletions: nothing to tell by, so look
    found = _git_with_input(repo, ["cat-file", "--batch-check"], b"".join(b + b"\n" for b in blobs))
    return found is not None and b" missing" not in found and b" ambiguous" not in found


def _commit_with_patch_id(repo, start: str, end: str, stdin: bytes) -> str | None:
    """The commit of start..end whose stable patch-id is the stdin patch's (b4 shows --find-renames)."""
    wanted = _patch_ids(repo, stdin)
    if not wanted:
        return None
    from linter.gitsource import run_git

    try:
        log = run_git(repo, "log", "-p", "--no-merges", "--format=commit %H", *SAFE_DIFF, f"{start}..{end}")
    except PatchError:
        return None
    ids = _patch_ids(repo, log)
    return next((commit for pid, commit in ids if pid == wanted[0][0]), None)


def _patch_ids(repo, diff: bytes) -> list[tuple[str, str]]:
    """(patch id, commit) pairs that `git patch-id --stable` gives for this text."""
    out = _git_with_input(repo, ["patch-id", "--stable"], diff) or b""
    pairs = [ln.split() for ln in out.decode("ascii", "replace").splitlines()]
    return [(p[0], p[1]) for p in pairs if len(p) == 2]


def _git_with_input(repo, args: list[str], data: bytes) -> bytes | None:
    """git (with gitsource's safe settings) reading `data` on stdin; its stdout, or None on failure."""
    try:
        proc = subprocess.run(git_argv(*args), input=data, capture_output=True,
                              cwd=repo.working_tree_dir, env=safe_env(), check=False)
    except OSError:
        return None
    return proc.stdout if proc.returncode == 0 else None


def _git(repo, *args: str) -> str | None:
    """git's trimmed output, or None when it fails (no such config key, no such branch)."""
    from linter.gitsource import run_git

    try:
        return run_git(repo, *args).decode("utf-8", "replace").strip() or None
    except PatchError:
        return None
