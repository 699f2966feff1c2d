"""The early road (gitearly.py): git started before the imports, the series read while git writes
it. It must give what the careful road (gitsource.py, through GitPython) gives, and hand over to
it whenever git complains or the range is not what it says."""

from __future__ import annotations

import pytest
from clirun import entrylint
from test_check_sources import _diverge, _harmless, _native_only

from linter import gitearly
from linter.gitsource import open_repo, series_from_range, series_from_staged
from linter.marks import SeriesMarker
from linter.profile import load_profile


def _same(fast, careful):
    assert fast is not None, "the early road handed over"
    assert fast.notes == careful.notes and fast.revision == careful.revision
    assert fast.repo_root == careful.repo_root
    assert [(p.index, p.commit, p.subject, p.author, p.message, p.trailers, p.source, str(p.patchset), p.other_files)
            for p in fast.patches] == [
           (p.index, p.commit, p.subject, p.author, p.message, p.trailers, p.source, str(p.patchset), p.other_files)
            for p in careful.patches]


def test_a_range_with_a_merge_reads_the_same_both_ways_and_is_marked_as_it_comes(repo):
    base = _diverge(repo, "side", _harmless, _native_only)
    repo.git("merge", "-q", "--no-edit", "side")
    profile = load_profile(None)
    spec = f"{base}..HEAD"
    marked = []
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(repo.path)
        early = gitearly.start([spec], staged=False)
        fast = early.series(profile.wants, str(repo.path), marked.append)
    _same(fast, series_from_range(open_repo(str(repo.path)), spec, profile.wants))
    assert any("merge commit" in n for n in fast.notes)
    assert marked == fast.patches          # each patch was handed on as soon as it was read


def test_the_staged_change_reads_the_same_both_ways(repo):
    repo.edit("arch/x86/kernel/head64.c", "\tclear_bss();\n", "\tclear_bss();\n\tnew_step();\n")
    repo.git("add", "-A")
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(repo.path)
        fast = gitearly.start([], staged=True).series(None, str(repo.path))
    _same(fast, series_from_staged(open_repo(str(repo.path)), None))


def _tricky(repo):
    """Commits whose mail form and log form could drift apart."""
    def commit(message, name="Ada Tester", email="ada@example.org"):
        repo.git("add", "-A")
        repo.git("commit", "-q", f"--author={name} <{email}>", "-m", message)

    repo.edit("arch/x86/kernel/head64.c", "\tclear_bss();\n", "\tclear_bss();\n\tearly_widget_init();\n")
    commit("x86/boot: a subject long enough to be folded in a mail header, and with a non-ASCII é in it",
           name="A. U. Thörn")
    repo.edit("arch/x86/xen/enlighten_pv.c", "xen_start_kernel", "xen_start_kernel")
    repo.write("arch/x86/xen/enlighten_pv.c", repo.read("arch/x86/xen/enlighten_pv.c") + "/* tail */")
    commit("[PATCH v2] x86/xen: no newline at the end\n\nThe body quotes a diff:\ndiff --git a/x b/x\n---\n"
           "after the dashes\n\nSigned-off-by: B. Dot <b@example.org>", name="B. Dot", email="b@example.org")
    repo.write("drivers/misc/blob.bin", b"\x00\x01binary\x00")
    repo.git("mv", "init/main.c", "init/main_moved.c")
    commit("misc: a binary file, and a rename\n\nEntrylint-Ack: EL110 reviewed with the Xen folks\n"
           "Reviewed-by: C <c@example.org>")


def test_commits_that_mail_could_garble_read_the_same_both_ways(repo):
    base = repo.head()
    _tricky(repo)
    profile = load_profile(None)
    spec = f"{base}..HEAD"
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(repo.path)
        fast = gitearly.start([spec], staged=False).series(profile.wants, str(repo.path))
    careful = series_from_range(open_repo(str(repo.path)), spec, profile.wants)
    _same(fast, careful)
    assert [p.author for p in fast.patches] == ["A. U. Thörn <ada@example.org>", "B. Dot <b@example.org>",
                                                "Ada Tester <ada@example.org>"]
    assert fast.patches[0].subject.endswith("a non-ASCII é in it")
    assert fast.patches[2].trailers == [("Entrylint-Ack", "EL110 reviewed with the Xen folks"),
                                        ("Reviewed-by", "C <c@example.org>")]


@pytest.mark.parametrize("spec", ["nosuchbranch..HEAD", "HEAD..HEAD", "master..topic", "HEAD~1..HEAD:no/such"])
def test_anything_doubtful_goes_the_careful_road(repo, spec):
    _diverge(repo, "topic", _native_only, _harmless)   # master is no ancestor of topic
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(repo.path)
        early = gitearly.start([spec], staged=False)
        assert early is not None and early.series(None, str(repo.path)) is None
        early.stop()


@pytest.mark.parametrize("sources, staged", [(["a...b"], False), (["-x..y"], False), (["a..-y"], False),
                                             (["HEAD"], False), (["a..b", "c..d"], False), (["a..b"], True)])
def test_only_a_plain_range_or_the_staged_change_starts_early(repo, sources, staged):
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(repo.path)
        assert gitearly.start(sources, staged) is None


def test_marks_that_came_early_are_kept_only_if_they_are_the_series_beginning(repo):
    base = repo.head()
    _native_only(repo)
    _harmless(repo)
    profile = load_profile(None)
    series = series_from_range(open_repo(str(repo.path)), f"{base}..HEAD", profile.wants)
    marker = SeriesMarker(profile)
    marker.add(series.patches[0])
    early_marks = list(marker.marks)
    assert marker.catch_up(series)[:len(early_marks)] == early_marks
    whole = SeriesMarker(profile).catch_up(series)
    assert [(m.file, m.line) for m in marker.marks] == [(m.file, m.line) for m in whole]
    stale = SeriesMarker(profile)
    stale.add(series.patches[1])             # not the beginning: started again, in order
    assert [(m.file, m.line) for m in stale.catch_up(series)] == [(m.file, m.line) for m in whole]


def test_a_range_checked_from_a_subdirectory_reports_the_same(repo):
    base = repo.head()
    _tricky(repo)
    top = entrylint("check", f"{base}..HEAD", "--format", "json", cwd=repo.path)
    sub = entrylint("check", f"{base}..HEAD", "--format", "json", cwd=repo.path / "arch" / "x86")
    assert top.code == sub.code == 1 and top.json() == sub.json()
    assert any(f["file"] == "arch/x86/kernel/head64.c" and f["line"] for f in top.json()["findings"])
