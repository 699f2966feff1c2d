"""Shared parts of the hook tests (tests/test_hooks_*.py): README blocks, the entrylint source as a
git repository, session-wide environments, and the two ways a test series goes wrong or right.

Installing entrylint with pip (what pre-commit, the GitHub action and the GitLab template do) is the
slow part (those tests are marked slow), so it happens once per test session: the environments live
in a directory every xdist worker shares, made under a file lock by whichever worker comes first.
pip's download cache sits in pytest's cache directory, so later sessions install from it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest
from filelock import FileLock

CHECKOUT = Path(__file__).resolve().parent.parent
README = CHECKOUT / "README.md"
VENV_BIN = Path(sys.executable).parent   # where the entrylint and git-entrylint commands are

XEN_NOTE_ANCHOR = "\tELFNOTE(Xen, XEN_ELFNOTE_FEATURES"
NEW_XEN_DOOR = "\tELFNOTE(Xen, XEN_ELFNOTE_PHYS32_ENTRY, _ASM_PTR startup_xen)\n" + XEN_NOTE_ANCHOR


def readme_block(name: str) -> str:
    """The fenced block after `<!-- entrylint-block: NAME -->` in README.md: what users copy."""
    text = README.read_text()
    m = re.search(rf"<!-- entrylint-block: {re.escape(name)} -->\n```[\w-]*\n(.*?)\n```", text, re.S)
    assert m, f"README.md has no block marked 'entrylint-block: {name}'"
    return m.group(1) + "\n"


def add_xen_door(repo, subject: str = "x86/xen: announce a second entry") -> str:
    """A commit that adds a Xen PHYS32_ENTRY note: EL101, an error. (Past any commit hook.)"""
    repo.edit("arch/x86/xen/xen-head.S", XEN_NOTE_ANCHOR, NEW_XEN_DOOR)
    return commit_no_verify(repo, subject)


def commit_no_verify(repo, subject: str) -> str:
    repo.git("add", "-A")
    repo.git("commit", "-q", "--no-verify", "-m", subject)
    return repo.head()


def harmless_edit(repo, n: int = 1) -> None:
    """A change to a watched file that no rule minds (a comment at the end of init/main.c)."""
    repo.write("init/main.c", repo.read("init/main.c") + f"/* harmless edit {n} */\n")


def run(cmd, cwd, env=None, input: bytes | None = None, check: bool = False) -> subprocess.CompletedProcess:
    proc = subprocess.run(cmd, cwd=cwd, env=env, input=input, capture_output=True)
    proc.out = proc.stdout.decode("utf-8", "replace") + proc.stderr.decode("utf-8", "replace")
    if check:
        assert proc.returncode == 0, (cmd, proc.out)
    return proc


def env_with_path(*dirs: Path, **extra: str) -> dict:
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([*map(str, dirs), env.get("PATH", "")])
    env.update(extra)
    return env


# -- session-wide, shared by xdist workers -------------------------------------------------------
def _shared_dir(tmp_path_factory) -> Path:
    base = tmp_path_factory.getbasetemp()
    root = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    path = root / "entrylint-hooks"
    path.mkdir(exist_ok=True)
    return path


@contextmanager
def _once(path: Path):
    """Yield True to the one caller that must make `path`; everyone else waits, then gets False."""
    with FileLock(f"{path}.lock"):
        done = path.with_name(path.name + ".done")
        yield not done.exists()
        done.touch()


@pytest.fixture(scope="session")
def pip_cache(request, tmp_path_factory) -> Path:
    cache = getattr(request.config, "cache", None)   # None under -p no:cacheprovider
    if cache is None:
        return _shared_dir(tmp_path_factory) / "pip-cache"
    return Path(cache.mkdir("entrylint-hooks-pip"))


@pytest.fixture(scope="session")
def entrylint_source(tmp_path_factory) -> tuple[Path, str]:
    """This checkout's files (with uncommitted work) committed into a git repository: (path, sha).

    pre-commit and pip install from it exactly as they would from the published repository.
    """
    dest = _shared_dir(tmp_path_factory) / "entrylint-src"
    with _once(dest) as first:
        if first:
            names = subprocess.run(["git", "ls-files", "-z", "-co", "--exclude-standard"], cwd=CHECKOUT,
                                   capture_output=True, check=True).stdout.decode().split("\0")
            for name in filter(None, names):
                src = CHECKOUT / name
                if src.is_file():
                    (dest / name).parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(src, dest / name)
            for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "entrylint under test"]):
                subprocess.run(["git", *args], cwd=dest, check=True, capture_output=True)
    sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=dest, capture_output=True, check=True).stdout.decode().strip()
    return dest, sha


@pytest.fixture(scope="session")
def pre_commit_home(tmp_path_factory) -> Path:
    """One PRE_COMMIT_HOME per session: pre-commit builds the hook environment once (it locks its store)."""
    return _shared_dir(tmp_path_factory) / "pre-commit-home"


@pytest.fixture(scope="session")
def _ci_python_dir(tmp_path_factory) -> Path:
    venv = _shared_dir(tmp_path_factory) / "ci-python"
    with _once(venv) as first:
        if first:
            # virtualenv (pre-commit's own dependency) seeds pip in a second; `python -m venv` takes ten
            subprocess.run([sys.executable, "-m", "virtualenv", "-q", str(venv)], check=True, capture_output=True)
    return venv


@pytest.fixture
def ci_python(_ci_python_dir):
    """The Python a CI job starts with (setup-python's, or the GitLab image's): a venv that pip
    installs into. Held under a lock, since tests in other workers use the same one. Yields its bin
    directory."""
    with FileLock(f"{_ci_python_dir}.use.lock"):
        yield _ci_python_dir / "bin"


def without_entrylint(bin_dir: Path) -> None:
    """Before a test tries a CI file's own install command: so that only that command can put it back."""
    run([str(bin_dir / "python"), "-m", "pip", "uninstall", "-q", "-y", "entrylint"], cwd=bin_dir)
    assert not (bin_dir / "entrylint").exists()


def with_entrylint(bin_dir: Path, source: Path, pip_cache: Path) -> None:
    """For a test about something else: install entrylint if an earlier test has not."""
    if not (bin_dir / "entrylint").exists():
        run([str(bin_dir / "python"), "-m", "pip", "install", "-q", str(source)], cwd=bin_dir,
            env=pip_env(pip_cache), check=True)


def pip_env(pip_cache: Path, *path_dirs: Path, **extra: str) -> dict:
    """The environment for commands that run pip: the shared download cache, quiet."""
    return env_with_path(*path_dirs, PIP_CACHE_DIR=str(pip_cache), PIP_DISABLE_PIP_VERSION_CHECK="1",
                         PIP_NO_INPUT="1", **extra)
