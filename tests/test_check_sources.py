"""Every series source gives the same Series: git range, one commit, staged, files, mbox, stdin."""

from __future__ import annotations

from clirun import assert_one_line_error, entrylint

NATIVE_INIT = ("\tclear_bss();\n\tcopy_bootdata", "\tclear_bss();\n\tearly_widget_init();\n\tcopy_bootdata")


def _native_only(repo):
    repo.edit("arch/x86/kernel/head64.c", *NATIVE_INIT)
    return repo.commit("x86/boot: initialise the widget early")


def _harmless(repo):
    repo.edit("drivers/misc/widget.c", "return 0;", "return 1;")
    return repo.commit("misc: widget probe says yes")


def test_range_reports_each_commit_with_its_id(repo):
    base = repo.head()
    first = _native_only(repo)
    _harmless(repo)
    run = entrylint("check", f"{base}..HEAD", "--format", "json", cwd=repo.path)
    assert run.code == 1, run.err
    data = run.json()
    assert [p["subject"] for p in data["patches"]] == ["x86/boot: initialise the widget early",
                                                       "misc: widget probe says yes"]
    el100 = [f for f in data["findings"] if f["rule"] == "EL100"]
    assert el100 and el100[0]["commit"] == first and el100[0]["file"] == "arch/x86/kernel/head64.c"
    assert el100[0]["line"] == 15 and el100[0]["paths"] == ["native"]
    assert "x86_64_start_kernel" in el100[0]["message"]


def test_single_commit_and_root_commit(repo):
    _native_only(repo)
    assert entrylint("check", "HEAD", "--format", "json", cwd=repo.path).rules() == ["EL100", "EL110"]
    root = repo.git("rev-list", "--max-parents=0", "HEAD").strip()
    run = entrylint("check", root, "--format", "json", "--select", "EL101", cwd=repo.path)
    assert run.code == 1 and run.rules() == ["EL101", "EL101"]  # the base adds both entry notes


def test_staged_change(repo):
    repo.edit("arch/x86/kernel/head64.c", *NATIVE_INIT)
    repo.git("add", "-A")
    run = entrylint("check", "--staged", "--format", "json", cwd=repo.path)
    assert run.rules() == ["EL100", "EL110"]
    assert run.json()["findings"][0]["line"] == 15


def test_nothing_staged_is_a_clean_pass_that_says_so(repo):
    run = entrylint("check", "--staged", cwd=repo.path)
    assert run.code == 0 and "nothing staged" in run.out


def test_format_patch_files_and_mbox_and_stdin_agree(repo, tmp_path):
    base = repo.head()
    _native_only(repo)
    _harmless(repo)
    files = repo.format_patch(f"{base}..HEAD", tmp_path / "out", "--cover-letter")
    assert files[0].name.startswith("0000-cover-letter")
    by_files = entrylint("check", *map(str, files), "--format", "json", cwd=tmp_path)
    mbox = tmp_path / "series.mbox"
    mbox.write_bytes(b"".join(f.read_bytes() for f in files))
    by_mbox = entrylint("check", str(mbox), "--format", "json", cwd=tmp_path)
    by_stdin = entrylint("check", "-", "--format", "json", cwd=tmp_path, stdin=mbox.read_bytes())
    for run in (by_files, by_mbox, by_stdin):
        assert run.code == 1, run.err
        data = run.json()
        assert [f["rule"] for f in data["findings"]] == ["EL100", "EL110"]
        assert data["findings"][0]["line"] == 15
        assert len(data["patches"]) == 2
        assert any("cover letter" in n for n in data["notes"])


def _diverge(repo, branch, on_branch, on_master):
    """Commit on_branch on a new branch and on_master on master; return the fork point."""
    base = repo.head()
    repo.git("checkout", "-q", "-b", branch)
    on_branch(repo)
    repo.git("checkout", "-q", "master")
    on_master(repo)
    return base


def test_merges_are_skipped_with_a_note(repo):
    base = _diverge(repo, "side", _harmless, _native_only)
    repo.git("merge", "-q", "--no-edit", "side")
    run = entrylint("check", f"{base}..HEAD", "--format", "json", cwd=repo.path)
    data = run.json()
    assert len(data["patches"]) == 2
    assert any("merge commit" in n for n in data["notes"])


def test_base_not_an_ancestor_checks_since_merge_base_and_says_so(repo):
    base = _diverge(repo, "topic", _native_only, _harmless)
    run = entrylint("check", "master..topic", "--format", "json", cwd=repo.path)
    data = run.json()
    assert [p["subject"] for p in data["patches"]] == ["x86/boot: initialise the widget early"]
    assert any("not an ancestor" in n and base[:12] in n for n in data["notes"])


def test_git_entrylint_command(repo, tmp_path):
    import os
    import shutil
    import subprocess
    import sys

    _native_only(repo)
    bindir = tmp_path / "bin"
    bindir.mkdir()
    script = shutil.which("git-entrylint", path=os.path.dirname(sys.executable))
    assert script, "the git-entrylint console script is installed beside python"
    env = dict(os.environ, PATH=f"{os.path.dirname(script)}:{os.environ['PATH']}")
    proc = subprocess.run(["git", "entrylint", "HEAD~1..HEAD"], cwd=repo.path, capture_output=True, env=env)
    assert proc.returncode == 1
    assert b"EL110 one-sided-path-change" in proc.stdout


def test_unknown_revision(repo):
    assert_one_line_error(entrylint("check", "nosuchbranch..HEAD", cwd=repo.path), "nosuchbranch", "unknown revision")


def test_empty_range(repo):
    assert_one_line_error(entrylint("check", "HEAD..HEAD", cwd=repo.path), "HEAD..HEAD", "no commits")


def test_not_a_repository(tmp_path):
    assert_one_line_error(entrylint("check", "HEAD~1..HEAD", cwd=tmp_path), "HEAD~1..HEAD", "no such file",
                          "no git repository")
    assert_one_line_error(entrylint("check", "--staged", cwd=tmp_path), "not inside a git repository")
    assert_one_line_error(entrylint("check", "0001-typo.patch", cwd=tmp_path), "0001-typo.patch", "no such file")


def test_nothing_to_check(repo):
    assert_one_line_error(entrylint("check", cwd=repo.path), "nothing to check")
