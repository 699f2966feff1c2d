"""The README's wheel install, for real: its blocks (a clone of this checkout's git copy, `pip wheel
--no-deps`, the wheel installed in a fresh venv), then the installed commands run from a directory
outside any source tree.

What is promised: the wheel carries the profile (rules/x86_64.toml), every rule with its docs
(`entrylint explain` reads them from the installed modules), the build's config fragments, and both
commands; nothing in it reaches back into the checkout it was built from.

The wheel's dependencies (gitpython, unidiff, pyelftools, numpy, capstone) come as pip finds them,
from whatever index pip is configured with, through the same shared pip download cache the other
pip-installing tests use (test_hooks_support.pip_cache). This is the user's real path, and it needs
no more than the pre-commit, GitHub and GitLab tests already need: an index pip can reach (PyPI on
CI; a local mirror in an offline sandbox, set in pip's config). A venv borrowing the project venv's
packages (--system-site-packages, .pth files) would work with no index at all, but then the test
would no longer prove that the wheel's declared dependencies are enough, which is half its point.

Marked slow only for the pip install (once per module, ~20 s with a warm cache); `make test` runs it.
"""

from __future__ import annotations

import json
import os
import sys
import zipfile
from pathlib import Path

import pytest

from test_hooks_support import (add_xen_door, commit_no_verify, entrylint_source, harmless_edit, pip_cache,  # noqa: F401
                                pip_env, readme_block, run)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def installed(tmp_path_factory, entrylint_source, pip_cache):
    """(venv bin directory, the wheel, a working directory outside every source tree); once per module."""
    source, _ = entrylint_source
    tmp_path = tmp_path_factory.mktemp("wheel")
    env = pip_env(pip_cache)
    env.pop("PYTHONPATH", None)
    # the README's steps, as copied: its clone line with the placeholder filled in (a clone of this
    # checkout's git copy), a venv, and its wheel block run with that venv's pip first on PATH
    clone = readme_block("install").splitlines()[0]
    assert "YOUR-COPY-OF-ENTRYLINT" in clone and clone.startswith("git clone ")
    run(["sh", "-e", "-c", clone.replace("YOUR-COPY-OF-ENTRYLINT", str(source))], cwd=tmp_path, env=env, check=True)
    run([sys.executable, "-m", "venv", str(tmp_path / "v")], cwd=tmp_path, check=True)
    env["PATH"] = os.pathsep.join([str(tmp_path / "v/bin"), env["PATH"]])
    run(["sh", "-e", "-c", readme_block("install-wheel")], cwd=tmp_path, env=env, check=True)
    (wheel,) = (tmp_path / "dist").glob("entrylint-*.whl")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    return tmp_path / "v/bin", wheel, elsewhere


def _env(bin_dir: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PATH"] = os.pathsep.join([str(bin_dir), "/usr/bin", "/bin"])   # not the project venv's bin
    return env


def test_the_wheel_holds_the_package_and_nothing_else(installed):
    _, wheel, _ = installed
    names = zipfile.ZipFile(wheel).namelist()
    assert "rules/x86_64.toml" in names
    assert "linter/cli.py" in names and "linter/kbuild/fragment.config" in names
    assert any(n.startswith("rules/el101") and n.endswith(".py") for n in names)
    assert not [n for n in names if n.startswith(("tests/", "examples/", "e2e/", "bench/", "hooks/"))]
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "entrylint = linter.cli:main" in text and "git-entrylint = linter.cli:git_main" in text


def test_installed_package_lives_in_the_venv_and_carries_its_data(installed):
    bin_dir, _, elsewhere = installed
    probe = ("import json, linter, rules, linter.kbuild\n"
             "from pathlib import Path\n"
             "print(json.dumps({'linter': linter.__file__, 'rules': rules.__file__,\n"
             "                  'kbuild': linter.kbuild.__file__}))\n")
    proc = run([str(bin_dir / "python"), "-c", probe], cwd=elsewhere, env=_env(bin_dir), check=True)
    where = {k: Path(v) for k, v in json.loads(proc.stdout).items()}
    venv = bin_dir.parent.resolve()
    for name, path in where.items():
        assert path.resolve().is_relative_to(venv), (name, path)   # the wheel's copy, not the checkout
    assert (where["rules"].parent / "x86_64.toml").is_file()
    assert (where["kbuild"].parent / "fragment.config").is_file()
    assert (where["kbuild"].parent / "debug-info.config").is_file()


def test_installed_commands_list_and_explain_the_rules(installed):
    bin_dir, _, elsewhere = installed
    env = _env(bin_dir)
    listing = run([str(bin_dir / "entrylint"), "rules"], cwd=elsewhere, env=env)
    assert listing.returncode == 0, listing.out
    listed = {tuple(line.split()[:3]) for line in listing.stdout.decode().splitlines()}
    for rule in (("EL001", "bad-ack", "warning"), ("EL101", "new-entry-note", "error"),
                 ("EL110", "one-sided-path-change", "warning"), ("EL210", "new-path-gap", "warning")):
        assert rule in listed, listing.out
    as_json = json.loads(run([str(bin_dir / "entrylint"), "rules", "--format", "json"], cwd=elsewhere, env=env,
                             check=True).stdout)
    assert len(as_json) >= 10
    docs = run([str(bin_dir / "entrylint"), "explain", "EL101"], cwd=elsewhere, env=env)
    assert docs.returncode == 0, docs.out
    assert "What it does:" in docs.out and "Why it matters:" in docs.out and "ELFNOTE" in docs.out
    version = run([str(bin_dir / "entrylint"), "--version"], cwd=elsewhere, env=env, check=True)
    assert "0.1.0" in version.out


def test_installed_check_reads_a_kernel_repository(installed, repo):
    bin_dir, _, elsewhere = installed
    env = _env(bin_dir)
    base = repo.head()
    harmless_edit(repo)
    commit_no_verify(repo, "init: a comment")
    clean = run([str(bin_dir / "entrylint"), "-C", str(repo.path), "check", f"{base}..HEAD"], cwd=elsewhere, env=env)
    assert clean.returncode == 0, clean.out
    add_xen_door(repo)
    found = run([str(bin_dir / "entrylint"), "-C", str(repo.path), "check", f"{base}..HEAD"], cwd=elsewhere, env=env)
    assert found.returncode == 1, found.out
    assert "arch/x86/xen/xen-head.S:13: error: EL101 new-entry-note" in found.out
    # git finds git-entrylint on PATH, as the README says; here run in the kernel tree itself
    by_git = run(["git", "entrylint", f"{base}..HEAD", "--format", "json"], cwd=repo.path, env=env)
    assert by_git.returncode == 1, by_git.out
    report = json.loads(by_git.stdout)
    assert report["summary"]["patches"] == 2
    assert [f["rule"] for f in report["findings"] if f["severity"] == "error"] == ["EL101"]
    empty = run([str(bin_dir / "entrylint"), "check", "HEAD..HEAD"], cwd=repo.path, env=env)
    assert empty.returncode == 2 and "no commits to check" in empty.out, empty.out
