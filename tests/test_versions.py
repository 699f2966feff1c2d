"""File versions derived from a series' own hunks, checked against git's blob ids (versions.py)."""

from __future__ import annotations

import subprocess

from gitrepo import GitRepo

from linter.gitobjects import GitObjects
from linter.series import series_from_bytes
from linter.versions import FileVersions, Text, apply_hunks, diff_blob_ids

C_FILE = "".join(f"static int f{n}(void)\n{{\n\treturn {n};\n}}\n\n" for n in range(40))


def _series(repo: GitRepo, spec: str, *extra: str):
    return series_from_bytes(repo.mbox(spec, *extra), spec, None)


def _blob(repo: GitRepo, rev: str, path: str) -> bytes:
    return subprocess.run(["git", "cat-file", "blob", f"{rev}:{path}"], cwd=repo.path, capture_output=True,
                          check=True).stdout


def _edits_of_every_kind(repo: GitRepo) -> list[str]:
    """Commits that change files in every way a diff can: returns them, oldest first."""
    repo.write("a.c", C_FILE)
    repo.write("noeol.txt", b"one\ntwo")
    repo.write("crlf.c", b"int a;\r\nint b;\r\n")
    repo.write("latin1.c", b"/* caf\xe9 */\nint x;\n")
    repo.write("feed.c", b"int a;\n\x0c\nint b;\n")
    repo.write("gone.c", "int gone;\n")
    repo.commit("base")
    commits = []
    repo.edit("a.c", "\treturn 3;\n", "\treturn 33;\n\tcall();\n")
    repo.edit("a.c", "\treturn 30;\n", "\treturn 300;\n")
    commits.append(repo.commit("two hunks"))
    repo.write("noeol.txt", b"one\ntwo\nthree\n")                 # a newline at the end, and a line
    repo.write("crlf.c", b"int a;\r\nint c;\r\nint b;\r\n")
    repo.write("latin1.c", b"/* caf\xe9 */\nint y;\n")
    repo.write("feed.c", b"int a;\n\x0c\nint b;\nint c;\n")
    commits.append(repo.commit("line ends, encodings, form feeds"))
    repo.write("noeol.txt", b"one\ntwo\nthree")                   # and the newline gone again
    repo.write("new.c", "int fresh;\n")
    (repo.path / "gone.c").unlink()
    repo.edit("a.c", "static int f0(void)\n{\n\treturn 0;\n}\n\n", "")
    commits.append(repo.commit("a new file, a deleted file, the first lines removed"))
    repo.write("a.c", repo.read("a.c") + "static int tail(void)\n{\n}\n")
    repo.write("empty.c", "")
    commits.append(repo.commit("lines at the end, an empty file"))
    return commits


def test_every_version_is_derived_exactly_and_only_the_first_ones_are_read(tmp_path):
    repo = GitRepo(tmp_path / "r")
    commits = _edits_of_every_kind(repo)
    series = _series(repo, "HEAD~4..HEAD", "--full-index")
    objects = GitObjects(str(repo.path))
    versions = FileVersions(objects)
    for patch, commit in zip(series.patches, commits):
        for pf in patch.patchset:
            if pf.is_removed_file:
                continue
            blob_id, text = versions.post_image(pf)
            assert text.to_bytes() == _blob(repo, commit, pf.path), (commit, pf.path)
            assert blob_id == repo.git("rev-parse", f"{commit}:{pf.path}").strip()
    objects.close()
    # read from git: the first version of each of the 5 files changed after the base (not the
    # deleted one's, nothing asked for it), and the Latin-1 file's second: the patch text is read
    # as UTF-8 (with replacement characters), so its lines do not match and git has the version.
    # Every other version is derived.
    assert versions.read == 5 + 1
    assert versions.derived == sum(1 for p in series.patches for pf in p.patchset if not pf.is_removed_file) - 1


def test_git_objects_answers_what_it_has_and_nothing_else(tmp_path):
    repo = GitRepo(tmp_path / "r")
    _edits_of_every_kind(repo)
    objects = GitObjects(str(repo.path))
    blob_id = repo.git("rev-parse", "HEAD:a.c").strip()
    assert objects.get("HEAD:a.c") == (blob_id, _blob(repo, "HEAD", "a.c"))
    assert objects.get(blob_id[:10]) == (blob_id, _blob(repo, "HEAD", "a.c"))
    assert objects.get("HEAD:empty.c") == (repo.git("rev-parse", "HEAD:empty.c").strip(), b"")
    for name in ("HEAD:no such file", "HEAD", "HEAD^{tree}", "0" * 40, "", "HEAD:a.c\nHEAD:a.c"):
        assert objects.get(name) is None, name     # missing, a commit, a tree, nothing, two requests
    assert objects.get("HEAD~1:noeol.txt") == (repo.git("rev-parse", "HEAD~1:noeol.txt").strip(), b"one\ntwo\nthree")
    objects.close()
    assert GitObjects(str(tmp_path / "not a repository")).get("HEAD:a.c") is None


def test_abbreviated_ids_of_format_patch_files_are_enough(tmp_path):
    repo = GitRepo(tmp_path / "r")
    commits = _edits_of_every_kind(repo)
    series = _series(repo, "HEAD~4..HEAD")     # format-patch's default: abbreviated ids
    versions = FileVersions(GitObjects(str(repo.path)))
    pf = next(pf for pf in series.patches[-1].patchset if pf.path == "a.c")
    assert len(diff_blob_ids(pf)[1]) < 40
    blob_id, text = versions.post_image(pf)
    assert text.to_bytes() == _blob(repo, commits[-1], "a.c") and len(blob_id) == 40
    assert versions.derived == 1


def test_a_hunk_that_does_not_fit_is_not_applied_and_the_version_is_read_from_git(tmp_path):
    repo = GitRepo(tmp_path / "r")
    _edits_of_every_kind(repo)
    series = _series(repo, "HEAD~4..HEAD~3", "--full-index")
    pf = next(pf for pf in series.patches[0].patchset if pf.path == "a.c")
    other = Text.from_bytes(C_FILE.replace("\treturn 3;\n", "\treturn 4;\n").encode())
    assert apply_hunks(other, pf) is None      # its removed line is not there
    shifted = Text.from_bytes(b"/* one more line */\n" + C_FILE.encode())
    assert apply_hunks(shifted, pf) is None    # not at its place either
    # a hand-edited patch: its index line names the real blobs, a context line was changed
    edited = repo.mbox("HEAD~4..HEAD~3", "--full-index").replace(b" static int f3(void)\n", b" static int f3(int)\n")
    pf = next(pf for pf in series_from_bytes(edited, "edited", None).patches[0].patchset if pf.path == "a.c")
    versions = FileVersions(GitObjects(str(repo.path)))
    blob_id, text = versions.post_image(pf)
    assert text.to_bytes() == _blob(repo, "HEAD~3", "a.c") and versions.derived == 0 and versions.read == 2


def test_without_a_repository_or_ids_nothing_is_made_up(tmp_path):
    repo = GitRepo(tmp_path / "r")
    _edits_of_every_kind(repo)
    series = _series(repo, "HEAD~4..HEAD~3", "--full-index")
    pf = next(pf for pf in series.patches[0].patchset if pf.path == "a.c")
    assert FileVersions(None).post_image(pf) is None
    plain = series_from_bytes(b"--- a/a.c\n+++ b/a.c\n@@ -1 +1 @@\n-a\n+b\n", "plain diff", None).patches[0].patchset[0]
    assert diff_blob_ids(plain) == (None, None)
    assert FileVersions(GitObjects(str(repo.path))).post_image(plain) is None


# -- any diff git makes applies back exactly ----------------------------------------------------
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from linter.versions import full_blob_id  # noqa: E402

LINE = st.sampled_from(["a", "b", "{", "}", "", "\tx();", "int f(void)", " * c", "\x0c", "x\r", "é"])


@st.composite
def _file(draw):
    lines = draw(st.lists(LINE, max_size=30))
    return ("\n".join(lines) + ("\n" if lines and draw(st.booleans()) else "")).encode()


@settings(max_examples=60, deadline=None)
@given(_file(), _file(), st.sampled_from(["-U3", "-U0", "-U1"]))
def test_any_diff_git_makes_applies_back_to_the_exact_file(tmp_path_factory, old, new, context):
    where = tmp_path_factory.mktemp("nd")
    (where / "old").write_bytes(old)
    (where / "new").write_bytes(new)
    diff = subprocess.run(["git", "diff", "--no-index", "--full-index", context, "old", "new"], cwd=where,
                          capture_output=True).stdout
    if not diff:
        return                                   # the same file: no diff
    pf = series_from_bytes(diff, "git diff", None).patches[0].patchset[0]
    applied = apply_hunks(Text.from_bytes(old), pf)
    assert applied is not None and applied[0].to_bytes() == new
    assert full_blob_id(applied[0], diff_blob_ids(pf)[1]) == diff_blob_ids(pf)[1]
