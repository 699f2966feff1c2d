"""The pre-commit hooks, run by the real pre-commit framework from this checkout's .pre-commit-hooks.yaml.

The kernel tree's config is the README's block with `repo:` pointed at a git copy of this checkout
(uncommitted work included); pre-commit clones it and pip-installs the hook environment once per
session. Commits and pushes are real, the remote a local bare repository.
"""

from __future__ import annotations

import re
import sys

import pytest
import yaml

from linter.profile import load_profile
from test_hooks_support import (CHECKOUT, NEW_XEN_DOOR, VENV_BIN, XEN_NOTE_ANCHOR, add_xen_door,  # noqa: F401
                                commit_no_verify, entrylint_source, harmless_edit, pip_cache, pip_env,
                                pre_commit_home, readme_block, run)

HOOKS = yaml.safe_load((CHECKOUT / ".pre-commit-hooks.yaml").read_text())
# Beyond the profile's files: a loader note (EL101, EL103) can be written in any assembler file.
EXTRA_PATTERNS = {r"arch/x86/.*\.S", r"arch/arm64/.*\.S"}


def _hook(hook_id: str) -> dict:
    return next(h for h in HOOKS if h["id"] == hook_id)


def _alternatives(files_regex: str) -> set[str]:
    m = re.fullmatch(r"\(\?x\)\^\((.*)\)\$", files_regex.strip(), re.S)
    assert m, files_regex
    return {alt.strip() for alt in m.group(1).split("|")}


def _glob_to_regex(glob: str) -> str:
    assert re.fullmatch(r"[\w/.*-]+", glob), f"{glob}: the conversion below knows only * and ."
    return glob.replace(".", r"\.").replace("*", ".*")   # fnmatch's * crosses /, so .* here too


# -- the hook definitions ------------------------------------------------------------------------
def test_hook_definitions():
    assert [h["id"] for h in HOOKS] == ["entrylint", "entrylint-series"]
    staged, series = _hook("entrylint"), _hook("entrylint-series")
    assert staged["entry"] == "entrylint check --staged" and staged["stages"] == ["pre-commit"]
    assert series["entry"] == "python -m linter.hookentry" and series["stages"] == ["pre-push"]
    for hook in HOOKS:
        assert hook["language"] == "python" and hook["pass_filenames"] is False
        assert hook["minimum_pre_commit_version"] == "3.2.0"   # the stage names pre-commit and pre-push
    assert staged["files"] == series["files"]


def test_manifest_and_readme_config_pass_pre_commit_validation(tmp_path):
    config = tmp_path / ".pre-commit-config.yaml"
    config.write_text(readme_block("pre-commit-config"))
    for what, path in (("validate-manifest", CHECKOUT / ".pre-commit-hooks.yaml"), ("validate-config", config)):
        checked = run([sys.executable, "-m", "pre_commit", what, str(path)], cwd=tmp_path)
        assert checked.returncode == 0, checked.out


def test_files_filter_is_the_profile_watched_globs():
    globs = set(load_profile("x86_64").watched_globs()) | set(load_profile("arm64").watched_globs())
    wanted = {_glob_to_regex(g) for g in globs} | EXTRA_PATTERNS
    assert _alternatives(_hook("entrylint")["files"]) == wanted


def test_files_filter_matches_what_the_profile_watches():
    files = re.compile(_hook("entrylint")["files"])
    profile = load_profile()
    from gitrepo import MINI_KERNEL

    for path in [*MINI_KERNEL, "arch/x86/boot/startup/sme.c", "arch/x86/mm/mem_encrypt_amd.c"]:
        assert bool(files.search(path)) == profile.is_watched(path), path
    assert files.search("arch/x86/platform/newdoor/head.S")   # where a new loader note could go
    arm64 = load_profile("arm64")
    for path in ("arch/arm64/kernel/head.S", "arch/arm64/kernel/setup.c", "drivers/firmware/efi/libstub/arm64.c"):
        assert files.search(path) and arm64.is_watched(path), path
    for path in ("drivers/misc/widget.c", "Documentation/x86/boot.rst", "init/main.c.orig", "xinit/main.c"):
        assert not files.search(path), path


# -- the real framework --------------------------------------------------------------------------
def _setup(repo, entrylint_source, pre_commit_home, pip_cache) -> dict:
    source, sha = entrylint_source
    config = readme_block("pre-commit-config")
    config = re.sub(r"(?m)^(\s*- repo:).*$", rf"\1 {source}", config)
    config = re.sub(r"(?m)^(\s*rev:).*$", rf"\1 {sha}", config)
    assert str(source) in config and sha in config
    repo.write(".pre-commit-config.yaml", config)
    repo.commit("add the pre-commit config")
    env = pip_env(pip_cache, VENV_BIN, PRE_COMMIT_HOME=str(pre_commit_home), PRE_COMMIT_COLOR="never")
    run(["sh", "-e", "-c", readme_block("pre-commit-install")], cwd=repo.path, env=env, check=True)
    assert (repo.path / ".git/hooks/pre-commit").exists() and (repo.path / ".git/hooks/pre-push").exists()
    return env


def _git(repo, env, *args):
    return run(["git", *args], cwd=repo.path, env=env)


@pytest.mark.slow   # pip installs entrylint (once per session)
def test_commit_hook_refuses_a_new_door_and_lets_the_rest_through(repo, entrylint_source, pre_commit_home, pip_cache):
    env = _setup(repo, entrylint_source, pre_commit_home, pip_cache)
    before = repo.head()

    repo.edit("arch/x86/xen/xen-head.S", XEN_NOTE_ANCHOR, NEW_XEN_DOOR)
    _git(repo, env, "add", "-A")
    refused = _git(repo, env, "commit", "-m", "x86/xen: a second door")
    assert refused.returncode != 0, refused.out
    assert "entrylint (staged change)" in refused.out and "Failed" in refused.out
    assert "arch/x86/xen/xen-head.S:13: error: EL101 new-entry-note" in refused.out
    assert repo.head() == before
    repo.git("reset", "-q", "--hard")

    harmless_edit(repo)
    _git(repo, env, "add", "-A")
    passed = _git(repo, env, "commit", "-m", "init: a comment")
    assert passed.returncode == 0, passed.out
    assert re.search(r"entrylint \(staged change\)\.+Passed", passed.out), passed.out
    assert repo.head() != before

    repo.edit("drivers/misc/widget.c", "return 0;", "return 1;")
    _git(repo, env, "add", "-A")
    skipped = _git(repo, env, "commit", "-m", "misc: widget")
    assert skipped.returncode == 0, skipped.out
    assert re.search(r"entrylint \(staged change\)\.+\(no files to check\)Skipped", skipped.out), skipped.out


@pytest.mark.slow   # pip installs entrylint (once per session)
def test_push_hook_refuses_a_series_that_adds_a_door(repo, entrylint_source, pre_commit_home, pip_cache, tmp_path):
    env = _setup(repo, entrylint_source, pre_commit_home, pip_cache)
    remote = tmp_path / "remote.git"
    run(["git", "init", "-q", "--bare", str(remote)], cwd=tmp_path, check=True)
    _git(repo, env, "remote", "add", "origin", str(remote))

    first = _git(repo, env, "push", "-u", "origin", "master")   # the first push: the whole history
    assert first.returncode == 0, first.out

    harmless_edit(repo)
    commit_no_verify(repo, "init: a comment")
    add_xen_door(repo)
    harmless_edit(repo, 2)
    commit_no_verify(repo, "init: another comment")
    refused = _git(repo, env, "push", "origin", "master")
    assert refused.returncode != 0, refused.out
    assert "entrylint (pushed series)" in refused.out
    assert "arch/x86/xen/xen-head.S:13: error: EL101 new-entry-note" in refused.out
    assert "in 1 of 3 patches" in refused.out   # the pushed range, as one series
    remote_head = run(["git", "rev-parse", "master"], cwd=remote).stdout.decode().strip()
    assert remote_head != repo.head()

    repo.git("reset", "-q", "--hard", "HEAD~2")   # drop the door (and the commit after it)
    accepted = _git(repo, env, "push", "origin", "master")
    assert accepted.returncode == 0, accepted.out
    assert re.search(r"entrylint \(pushed series\)\.+Passed", accepted.out), accepted.out
    assert run(["git", "rev-parse", "master"], cwd=remote).stdout.decode().strip() == repo.head()

    repo.git("checkout", "-q", "-b", "topic")     # a new branch: the commits the remote lacks
    add_xen_door(repo)
    new_branch = _git(repo, env, "push", "origin", "topic")
    assert new_branch.returncode != 0, new_branch.out
    assert "EL101" in new_branch.out and "in 1 of 1 patch" in new_branch.out
    assert run(["git", "branch", "--list", "topic"], cwd=remote).stdout.strip() == b""
