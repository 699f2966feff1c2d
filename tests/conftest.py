"""Test isolation (b4's way): no test reads the developer's own git config, HOME or caches."""

from __future__ import annotations

import os

import pytest

from gitrepo import GitRepo

pytest_plugins = ["image_fixtures", "arm64_fixtures"]


@pytest.fixture(autouse=True)
def isolated_world(tmp_path_factory, monkeypatch):
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(home / ".gitconfig"))
    monkeypatch.setenv("GIT_AUTHOR_NAME", "Ada Tester")
    monkeypatch.setenv("GIT_AUTHOR_EMAIL", "ada@example.org")
    monkeypatch.setenv("GIT_COMMITTER_NAME", "Ada Tester")
    monkeypatch.setenv("GIT_COMMITTER_EMAIL", "ada@example.org")
    monkeypatch.delenv("NO_COLOR", raising=False)
    for key in list(os.environ):
        if key.startswith(("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "PRE_COMMIT")):
            monkeypatch.delenv(key, raising=False)
    (home / ".gitconfig").write_text("[init]\n\tdefaultBranch = master\n")
    yield home


@pytest.fixture
def repo(tmp_path) -> GitRepo:
    """A small kernel-shaped git repository (our own fixture files) with one base commit."""
    r = GitRepo(tmp_path / "linux")
    r.write_mini_kernel()
    r.commit("base: a mini kernel")
    return r
