"""The command line: catalogue, docs, selection, config, profile, exit codes, light imports."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from clirun import assert_one_line_error, entrylint
from linter.ruleapi import DOC_HEADINGS
from rules import ALL

HEAD64 = "arch/x86/kernel/head64.c"


def _one_sided(repo):
    repo.edit(HEAD64, "\tclear_bss();\n", "\tclear_bss();\n\tearly_widget_init();\n")
    repo.commit("x86/boot: init the widget early")


def test_every_rule_is_registered_documented_and_unique():
    import pathlib

    modules = {p.stem for p in pathlib.Path(ALL["EL100"].__file__).parent.glob("el[0-9]*.py")}
    assert modules == {m.__name__.split(".")[-1] for m in ALL.values()}, "a rule module is not registered"
    for rid, module in ALL.items():
        assert rid == module.ID and module.SEVERITY in ("error", "warning", "note")
        assert module.NEEDS and module.NEEDS <= {"diff", "image", "base-image"}
        for heading in DOC_HEADINGS:
            assert heading in module.__doc__, (rid, heading)
    assert len({m.NAME for m in ALL.values()}) == len(ALL)


def test_rules_and_explain():
    run = entrylint("rules", "--format", "json")
    assert {r["id"] for r in json.loads(run.out)} == set(ALL)
    run = entrylint("explain", "el110")
    assert run.code == 0 and run.out.startswith("EL110 one-sided-path-change (warning")
    assert "Why it matters:" in run.out and "Example:" in run.out
    assert_one_line_error(entrylint("explain", "EL999"), "EL999", "unknown rule id")


def test_text_format_is_compiler_style_with_summary(repo):
    _one_sided(repo)
    run = entrylint("check", "HEAD", cwd=repo.path)
    lines = run.out.splitlines()
    assert lines[0].startswith(f"{HEAD64}:15: note: EL100 entry-code-touched: ")
    assert lines[1].startswith(f"{HEAD64}:15: warning: EL110 one-sided-path-change: ")
    assert lines[-1] == "2 findings: 1 warning, 1 note in 1 of 1 patch"


@pytest.mark.parametrize("fail_on,code", [("error", 0), ("warning", 1), ("note", 1)])
def test_fail_on(repo, fail_on, code):
    _one_sided(repo)
    assert entrylint("check", "HEAD", "--fail-on", fail_on, cwd=repo.path).code == code


def test_select_ignore_and_unknown_ids(repo):
    _one_sided(repo)
    assert entrylint("check", "HEAD", "--format", "json", "--ignore", "EL110", cwd=repo.path).rules() == ["EL100"]
    assert entrylint("check", "HEAD", "--format", "json", "--select", "EL1", "--ignore", "EL100",
                     cwd=repo.path).rules() == ["EL110"]
    assert_one_line_error(entrylint("check", "HEAD", "--select", "EL777", cwd=repo.path), "EL777", "unknown rule id")


def test_config_file_sets_severity_ignore_and_fail_on(repo):
    _one_sided(repo)
    repo.write(".entrylint.toml", 'ignore = ["EL100"]\nfail-on = "error"\n[severity]\nEL110 = "error"\n')
    run = entrylint("check", "HEAD", "--format", "json", cwd=repo.path)
    assert run.code == 1 and [(f["rule"], f["severity"]) for f in run.json()["findings"]] == [("EL110", "error")]


def test_pyproject_tool_table(repo):
    _one_sided(repo)
    repo.write("pyproject.toml", '[project]\nname = "x"\n[tool.entrylint]\nselect = ["EL100"]\n')
    assert entrylint("check", "HEAD", "--format", "json", cwd=repo.path).rules() == ["EL100"]


@pytest.mark.parametrize("text,words", [
    ('selct = ["EL100"]\n', ["unknown key 'selct'"]),
    ('fail-on = "fatal"\n', ["fail-on"]),
    ('[severity]\nEL110 = "loud"\n', ["severity.EL110"]),
    ('select = "EL100"\n', ["select", "list"]),
    ("select = [\n", ["not valid TOML"]),
    ('[severity]\nEL999 = "note"\n', ["EL999"]),
])
def test_bad_config_is_one_line(repo, text, words):
    _one_sided(repo)
    repo.write(".entrylint.toml", text)
    assert_one_line_error(entrylint("check", "HEAD", cwd=repo.path), *words)


@pytest.mark.parametrize("mutate,words", [
    (lambda t: t.replace('[profile]\nname = "x86_64"', '[profile]\nnom = "x86_64"'), ["profile.name"]),
    (lambda t: t.replace('{ path = "arch/x86/kernel/head_64.S", scope = "file" }', '{ path = "arch/x86/kernel/head_64.S", scope = "files" }'), ["paths.native.entry_files[0].scope"]),
    (lambda t: t.replace('scope = "file", bits = 32', 'scope = "file", bits = 16'), ["paths.native.entry_files[1].bits", "32 or 64"]),
    (lambda t: t.replace('counterparts = ["xen-pv"]\nsequence = [\n    "startup_64"', 'counterparts = ["xen-hvm"]\nsequence = [\n    "startup_64"'), ["xen-hvm"]),
    (lambda t: t.replace("'\\bxen_domain\\s*\\('", "'(unclosed'"), ["special_case.patterns[3].regex"]),
    (lambda t: t + "\n[[[", ["not valid TOML"]),
])
def test_bad_profile_names_the_key(repo, tmp_path, mutate, words):
    from linter.profile import SHIPPED

    _one_sided(repo)
    bad = tmp_path / "bad.toml"
    text = Path(SHIPPED).read_text()
    changed = mutate(text)
    assert changed != text, "the mutation must apply"
    bad.write_text(changed)
    assert_one_line_error(entrylint("check", "HEAD", "--profile", str(bad), cwd=repo.path), str(bad), *words)


def test_missing_profile_and_image(repo):
    _one_sided(repo)
    assert_one_line_error(entrylint("check", "HEAD", "--profile", "/nonexistent.toml", cwd=repo.path),
                          "/nonexistent.toml", "no such profile file", "x86_64 or arm64")
    assert_one_line_error(entrylint("check", "HEAD", "--image", "/nonexistent/vmlinux", cwd=repo.path),
                          "/nonexistent/vmlinux")


def test_output_file(repo, tmp_path):
    _one_sided(repo)
    out = tmp_path / "report.json"
    run = entrylint("check", "HEAD", "--format", "json", "--output", str(out), cwd=repo.path)
    assert run.code == 1 and run.out == ""
    assert len(json.loads(out.read_text())["findings"]) == 2


def test_image_rules_are_skipped_and_said_so_in_verbose_mode(repo):
    _one_sided(repo)
    run = entrylint("check", "HEAD", "-v", cwd=repo.path)
    assert "skipped" in run.err or not any(m.NEEDS - {"diff"} for m in ALL.values())


def test_diff_only_run_imports_no_image_libraries(repo):
    """pre-commit runs this on every commit: it must not pay for numpy, pyelftools or capstone."""
    _one_sided(repo)
    repo.git("reset", "-q", "--soft", "HEAD~1")
    probe = ("import sys, runpy; sys.argv = ['entrylint', 'check', '--staged'];\n"
             "try:\n    runpy.run_module('linter.cli', run_name='__main__')\nexcept SystemExit:\n    pass\n"
             "print(sorted(m for m in ('numpy', 'elftools', 'capstone') if m in sys.modules), file=sys.stderr)")
    proc = subprocess.run([sys.executable, "-c", probe], cwd=repo.path, capture_output=True, text=True)
    assert "EL110" in proc.stdout
    assert proc.stderr.strip().splitlines()[-1] == "[]"


@pytest.mark.parametrize("name,data,words", [
    ("notapatch.txt", b"Hello, this is a letter, not a patch.\n", ["notapatch.txt", "no patch"]),
    ("empty.patch", b"", ["empty.patch", "empty"]),
    ("binary.bin", b"\x7fELF\x02\x01\x01\x00" + bytes(100), ["binary.bin", "binary"]),
    ("lying.patch", b"diff --git a/arch/x86/kernel/head64.c b/arch/x86/kernel/head64.c\n--- a/arch/x86/kernel/head64.c\n"
     b"+++ b/arch/x86/kernel/head64.c\n@@ -1,5 +1,6 @@\n a\n+b\n c\n", ["lying.patch", "line counts"]),
])
def test_bad_patch_files(tmp_path, name, data, words):
    (tmp_path / name).write_bytes(data)
    assert_one_line_error(entrylint("check", name, cwd=tmp_path), *words)


def test_crlf_latin1_rename_and_binary_still_give_findings(repo, tmp_path):
    base = repo.head()
    repo.git("mv", "drivers/misc/widget.c", "drivers/misc/gadget.c")
    repo.write("drivers/misc/blob.bin", bytes(range(256)))
    repo.edit(HEAD64, "\tclear_bss();\n", "\tclear_bss();\n\tearly_widget_init(); /* caf\xe9 */\n")
    repo.commit("x86/boot: widget")
    patch = repo.mbox(f"{base}..HEAD", "--binary")
    patch = patch.replace("Ada Tester".encode(), "J\xf6rg Tester".encode("latin-1"))
    patch = patch.replace(b"\n", b"\r\n")
    path = tmp_path / "odd.patch"
    path.write_bytes(patch)
    run = entrylint("check", str(path), "--format", "json", cwd=tmp_path)
    assert run.code == 1, run.err
    assert [f["rule"] for f in run.json()["findings"]] == ["EL100", "EL110"]
    assert run.json()["findings"][0]["line"] == 15


def test_mbox_with_junk_between_messages(repo, tmp_path):
    base = repo.head()
    _one_sided(repo)
    repo.edit("drivers/misc/widget.c", "return 0;", "return 1;")
    repo.commit("misc: widget")
    mbox = repo.mbox(f"{base}..HEAD")
    second = mbox.index(b"\nFrom ", 10) + 1
    junked = b"garbage before\n\n" + mbox[:second] + b"\nFrom nobody junk line\nnot a mail\n\n" + mbox[second:]
    (tmp_path / "junk.mbox").write_bytes(junked)
    run = entrylint("check", "junk.mbox", "--format", "json", cwd=tmp_path)
    data = run.json()
    assert run.code == 1 and len(data["patches"]) == 2
    assert any("bytes before the first message" in n for n in data["notes"])
    assert [f["rule"] for f in data["findings"]] == ["EL100", "EL110"]


def test_progress_only_on_a_terminal_after_a_second(monkeypatch):
    import io

    import linter.progress as P

    class Tty(io.StringIO):
        def isatty(self):
            return True

    for stream, expect in ((io.StringIO(), ""), (Tty(), "entrylint: reading x...")):
        p = P.Progress(stream)
        p.step("reading x")                 # under a second: nothing
        assert stream.getvalue() == ""
        p.start -= 2
        p.step("reading x")
        assert expect in stream.getvalue()
        p.done()


def test_a_run_where_no_selected_rule_can_run_is_an_error(tmp_path):
    import shutil
    import sys

    image = tmp_path / "vmlinux"   # any file: the run stops before it would read it
    shutil.copy(sys.executable, image)
    assert_one_line_error(entrylint("check", "--image", str(image), "--select", "EL1", cwd=tmp_path),
                          "none of the selected rules can run", "EL110: needs a patch series")


@pytest.mark.parametrize("args,words", [
    (["check", "--format", "nope", "HEAD"], ["--format", "nope", "entrylint check --help"]),
    (["check", "--fail-on", "bogus"], ["--fail-on", "bogus"]),
    (["nosuchcmd"], ["nosuchcmd"]),
    (["gaps"], ["VMLINUX"]),
])
def test_bad_usage_is_one_line_too(tmp_path, args, words):
    assert_one_line_error(entrylint(*args, cwd=tmp_path), *words)
