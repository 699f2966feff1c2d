"""The plain git pre-push hook (hooks/pre-push), `git entrylint`, and the range the pre-commit
pre-push entry point (linter.hookentry) works out: real pushes to a local bare repository."""

from __future__ import annotations

import json
import sys

import pytest

from test_hooks_support import CHECKOUT, VENV_BIN, add_xen_door, commit_no_verify, env_with_path, harmless_edit, readme_block, run

ZERO = "0" * 40


@pytest.fixture
def pushed(repo, tmp_path):
    """The mini kernel with a bare remote `origin` that already has master."""
    remote = tmp_path / "remote.git"
    run(["git", "init", "-q", "--bare", str(remote)], cwd=tmp_path, check=True)
    repo.git("remote", "add", "origin", str(remote))
    repo.git("push", "-q", "-u", "origin", "master")
    return repo, remote


def _remote_head(remote, branch="master") -> str:
    return run(["git", "rev-parse", "--verify", "-q", branch], cwd=remote).stdout.decode().strip()


# -- hooks/pre-push ------------------------------------------------------------------------------
def _install_plain_hook(repo) -> dict:
    block = readme_block("pre-push-install").replace("/path/to/entrylint", str(CHECKOUT))
    env = env_with_path(VENV_BIN)
    run(["sh", "-e", "-c", block], cwd=repo.path, env=env, check=True)
    return env


def test_plain_hook_is_posix_sh():
    hook = CHECKOUT / "hooks/pre-push"
    assert hook.read_text().startswith("#!/bin/sh\n")
    assert hook.stat().st_mode & 0o111
    assert run(["dash", "-n", str(hook)], cwd=CHECKOUT).returncode == 0   # dash: no bash-isms in the syntax


def test_plain_hook_refuses_a_push_holding_a_door(pushed):
    repo, remote = pushed
    env = _install_plain_hook(repo)
    harmless_edit(repo)
    repo.commit("init: a comment")
    add_xen_door(repo)
    harmless_edit(repo, 2)
    repo.commit("init: another comment")
    refused = run(["git", "push", "origin", "master"], cwd=repo.path, env=env)
    assert refused.returncode != 0, refused.out
    assert "arch/x86/xen/xen-head.S:13: error: EL101 new-entry-note" in refused.out
    assert "in 1 of 3 patches" in refused.out and "push refused" in refused.out
    assert _remote_head(remote) != repo.head()

    loose = run(["git", "push", "origin", "master"], cwd=repo.path, env={**env, "ENTRYLINT_ARGS": "--ignore EL101"})
    assert loose.returncode == 0, loose.out   # options pass through
    assert _remote_head(remote) == repo.head()


def test_plain_hook_lets_a_clean_push_through_and_checks_new_branches(pushed):
    repo, remote = pushed
    env = _install_plain_hook(repo)
    harmless_edit(repo)
    repo.commit("init: a comment")
    accepted = run(["git", "push", "origin", "master"], cwd=repo.path, env=env)
    assert accepted.returncode == 0, accepted.out
    assert "entrylint: checking refs/heads/master" in accepted.out
    assert _remote_head(remote) == repo.head()

    repo.git("checkout", "-q", "-b", "topic")
    harmless_edit(repo, 2)
    repo.commit("init: one more comment")
    add_xen_door(repo)
    new_branch = run(["git", "push", "origin", "topic"], cwd=repo.path, env=env)
    assert new_branch.returncode != 0, new_branch.out
    assert "EL101" in new_branch.out and "in 1 of 2 patches" in new_branch.out   # only what origin lacks
    assert _remote_head(remote, "topic") == ""

    copy = run(["git", "push", "origin", "master:refs/heads/old"], cwd=repo.path, env=env)
    assert copy.returncode == 0 and "entrylint: checking" not in copy.out   # no commit origin lacks
    delete = run(["git", "push", "origin", "--delete", "old"], cwd=repo.path, env=env)
    assert delete.returncode == 0 and "entrylint: checking" not in delete.out   # nothing to check


def test_git_entrylint_block(pushed):
    repo, _ = pushed
    add_xen_door(repo)
    ran = run(["sh", "-c", readme_block("git-entrylint")], cwd=repo.path, env=env_with_path(VENV_BIN))
    assert ran.returncode == 1, ran.out
    assert "EL101 new-entry-note" in ran.out and "in 1 of 1 patch" in ran.out


# -- linter.hookentry: the range of a pre-commit pre-push run ------------------------------------
def _hookentry(repo, from_ref: str | None, to_ref: str | None, *args: str):
    env = env_with_path(VENV_BIN)
    if from_ref is not None:
        env["PRE_COMMIT_FROM_REF"] = from_ref
    if to_ref is not None:
        env["PRE_COMMIT_TO_REF"] = to_ref
    proc = run([sys.executable, "-m", "linter.hookentry", "--format", "json", *args], cwd=repo.path, env=env)
    data = json.loads(proc.stdout) if proc.stdout.strip() else None
    return proc, data


def _subjects(data) -> list[str]:
    return [p["subject"] for p in data["patches"]]


def test_hookentry_checks_from_ref_to_to_ref(pushed):
    repo, _ = pushed
    harmless_edit(repo)
    from_ref = repo.commit("init: a comment")   # not on origin either: FROM decides, not the remote
    add_xen_door(repo)
    proc, data = _hookentry(repo, from_ref, repo.head())
    assert proc.returncode == 1, proc.out
    assert _subjects(data) == ["x86/xen: announce a second entry"]
    assert "EL101" in [f["rule"] for f in data["findings"]]

    proc, data = _hookentry(repo, from_ref, repo.head(), "--ignore", "EL101")   # args pass through
    assert proc.returncode == 0, proc.out


def test_hookentry_new_branch_checks_what_no_remote_has(pushed):
    repo, _ = pushed
    repo.git("checkout", "-q", "-b", "topic")
    harmless_edit(repo)
    repo.commit("init: a comment")
    add_xen_door(repo)
    proc, data = _hookentry(repo, ZERO, repo.head())
    assert proc.returncode == 1, proc.out
    assert _subjects(data) == ["init: a comment", "x86/xen: announce a second entry"]

    proc, data = _hookentry(repo, None, None)   # no refs at all (pre-commit's "all files"): HEAD
    assert _subjects(data) == ["init: a comment", "x86/xen: announce a second entry"]


def test_hookentry_whole_new_history(repo):
    """No remote-tracking branch at all: the root commit is the import, the rest is the series."""
    base = repo.head()
    add_xen_door(repo)
    proc, data = _hookentry(repo, ZERO, repo.head())
    assert proc.returncode == 1 and "root commit" in proc.stderr.decode()
    assert _subjects(data) == ["x86/xen: announce a second entry"]

    repo.git("branch", "-q", "upstream", base)
    repo.git("branch", "-q", "--set-upstream-to=upstream")
    proc, data = _hookentry(repo, ZERO, repo.head())
    assert _subjects(data) == ["x86/xen: announce a second entry"] and "root commit" not in proc.stderr.decode()


def test_hookentry_history_of_one_commit_checks_it(repo):
    proc, data = _hookentry(repo, ZERO, repo.head(), "--select", "EL101")
    assert proc.returncode == 1, proc.out   # the base adds both entry notes
    assert _subjects(data) == ["base: a mini kernel"]


def test_hookentry_nothing_to_check(pushed):
    repo, _ = pushed
    tip = repo.head()
    harmless_edit(repo)
    commit_no_verify(repo, "init: a comment")
    newer = repo.head()
    for from_ref, to_ref in [(newer, tip),   # a rewind: the remote is ahead
                             (tip, ZERO)]:   # a deletion
        proc, data = _hookentry(repo, from_ref, to_ref)
        assert proc.returncode == 0 and data is None, proc.out
        assert "no new commits to check" in proc.stderr.decode()
    proc, _ = _hookentry(repo, ZERO, tip)   # everything already on origin
    assert proc.returncode == 0 and "no new commits" in proc.stderr.decode()


def test_hookentry_bad_ref_is_one_line_error(repo):
    proc, _ = _hookentry(repo, "not-a-commit", repo.head())
    assert proc.returncode == 2
    err = proc.stderr.decode().strip().splitlines()
    assert len(err) == 1 and err[0].startswith("entrylint: ") and "Traceback" not in proc.out
