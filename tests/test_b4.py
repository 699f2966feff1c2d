"""entrylint under the real b4 (the venv's b4 0.16, offline), configured with the README's own blocks.

Each test pastes a block of README.md's b4 section into a fresh kernel-shaped repository, runs b4 the
way a contributor, maintainer or reviewer does, and reads b4's verdict per patch. The tree gets a
scripts/checkpatch.pl stand-in that passes everything, because the blocks name checkpatch beside
entrylint (as they must: a configured check command stops b4 running checkpatch on its own).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from email.header import Header
from pathlib import Path

import pytest

from clirun import entrylint
from gitrepo import GitRepo

BIN = Path(sys.executable).parent
README = Path(__file__).resolve().parent.parent / "README.md"
FLAGS = {"\x1b[32m\u25cf\x1b[0m": "success", "\x1b[31m\u25cf\x1b[0m": "warning", "\x1b[31;5m\u25cf\x1b[0m": "fail"}

XEN_NOTE_EDIT = ("arch/x86/xen/xen-head.S", "	ELFNOTE(Xen, XEN_ELFNOTE_FEATURES",
                 "	ELFNOTE(Xen, XEN_ELFNOTE_PHYS32_ENTRY,   _ASM_PTR (xen_direct_entry - __START_KERNEL_map))\n"
                 "	ELFNOTE(Xen, XEN_ELFNOTE_FEATURES")
HARMLESS = ("drivers/misc/widget.c", "return 0;", "return 1;")
NATIVE_INIT = ("arch/x86/kernel/head64.c", "	clear_bss();\n	copy_bootdata", "	clear_bss();\n	early_foo_init();\n	copy_bootdata")
XEN_INIT = ("arch/x86/xen/enlighten_pv.c", "	xen_setup_gdt(0);\n", "	xen_setup_gdt(0);\n	early_foo_init();\n")


def readme_block(name: str) -> str:
    """The fenced block after `<!-- b4-block: NAME -->` in README.md's b4 section."""
    section = re.search(r"<!-- BEGIN b4 -->\n(.*?)<!-- END b4 -->", README.read_text(), re.S)
    assert section, "README.md has no b4 section"
    block = re.search(rf"<!-- b4-block: {name} -->\n```\w*\n(.*?)```", section.group(1), re.S)
    assert block, f"README.md's b4 section has no block '{name}'"
    return block.group(1)


@pytest.fixture
def tree(repo: GitRepo, monkeypatch) -> GitRepo:
    """The mini kernel with a passing checkpatch.pl stand-in, b4's user identity, entrylint on PATH."""
    monkeypatch.setenv("PATH", f"{BIN}{os.pathsep}{os.environ['PATH']}")
    repo.git("config", "--global", "user.name", "Ada Tester")
    repo.git("config", "--global", "user.email", "ada@example.org")
    repo.write("scripts/checkpatch.pl", "#!/bin/sh\ncat >/dev/null\n").chmod(0o755)
    repo.commit("scripts: a checkpatch.pl stand-in")
    return repo


def paste(repo: GitRepo, block: str) -> None:
    """Run a README shell block in the tree, as a user pasting it would."""
    subprocess.run(["sh", "-e", "-c", readme_block(block)], cwd=repo.path, check=True, capture_output=True)


def b4(repo: GitRepo, *args: str) -> str:
    proc = subprocess.run([str(BIN / "b4"), "--offline-mode", *args], cwd=repo.path, capture_output=True)
    out = proc.stdout.decode() + proc.stderr.decode()
    assert proc.returncode == 0, out
    return out


def change(repo: GitRepo, edit: tuple[str, str, str], subject: str) -> str:
    repo.edit(*edit)
    return repo.commit(subject, "Signed-off-by: Ada Tester <ada@example.org>")


def verdicts(out: str) -> dict[str, tuple[str, list[str]]]:
    """b4's report: subject → (the patch's mark, its indented result lines with their marks)."""
    report: dict[str, tuple[str, list[str]]] = {}
    current = None
    for line in out.splitlines():
        m = re.match(r"^(\s*)(\x1b\[[\d;]+m\u25cf\x1b\[0m) (.*)$", line)
        plain = re.match(r"^  (\[PATCH[^\]]*\] .*)$", line)       # b4 am names a patch without a mark
        if plain:
            current = re.sub(r"^\[PATCH[^\]]*\] ", "", plain.group(1))
            report[current] = ("", [])
        elif m and (not m.group(1) or current is None):
            current = m.group(3).split(": ", 1)[-1]
            report[current] = (FLAGS[m.group(2)], [])
        elif m and current is not None:
            report[current][1].append(f"{FLAGS[m.group(2)]} {m.group(3)}")
    return report


def prep_series(repo: GitRepo, *patches: tuple[tuple[str, str, str], str], enroll: bool = False) -> None:
    """A b4 prep branch: `b4 prep -n` then the commits, or (enroll) the commits then `b4 prep -e master`."""
    if enroll:
        repo.git("checkout", "-q", "-b", "entry-work")
    else:
        b4(repo, "prep", "-n", "entry-work")
    for edit, subject in patches:
        change(repo, edit, subject)
    if enroll:
        b4(repo, "prep", "-e", "master")


# -- the contributor: b4 prep --check -------------------------------------------------------------
@pytest.mark.parametrize("setting", ["contributor", "b4-config"])
def test_prep_check_fails_the_entry_note_patch_and_passes_the_harmless_one(tree, setting):
    if setting == "b4-config":   # the subsystem tree commits the file; nothing in git config
        tree.write(".b4-config", readme_block("b4-config"))
        tree.commit("b4: check entry paths")
    prep_series(tree, (XEN_NOTE_EDIT, "x86/xen: add a direct entry note"), (HARMLESS, "misc: widget returns one"))
    if setting == "contributor":
        paste(tree, "contributor")
    out = b4(tree, "prep", "--check")
    report = verdicts(out)
    mark, lines = report["x86/xen: add a direct entry note"]
    assert mark == "fail", out
    assert any(ln.startswith("fail entrylint: arch/x86/xen/xen-head.S:") and "ERROR: EL101 new-entry-note" in ln
               for ln in lines), out
    assert "success checkpatch.pl: passed all checks" in lines, out      # both commands ran
    assert report["misc: widget returns one"] == ("success", []), out


@pytest.mark.parametrize("strategy", ["commit", "branch-description", "tip-commit"])
def test_prep_check_sees_the_whole_series_for_el110(tree, strategy):
    """Native and Xen PV get the same init work in two patches: neither patch is one-sided. b4 keeps
    the series' tracking data by one of these cover-letter strategies; each must be found."""
    tree.git("config", "b4.prep-cover-strategy", strategy)
    prep_series(tree, (NATIVE_INIT, "x86/boot: early foo init on native"),
                (XEN_INIT, "x86/xen: early foo init on Xen PV"), enroll=strategy == "tip-commit")
    paste(tree, "contributor")
    report = verdicts(b4(tree, "prep", "--check"))
    assert report["x86/boot: early foo init on native"] == ("success", [])
    assert report["x86/xen: early foo init on Xen PV"] == ("success", [])


def test_prep_check_warns_once_on_a_one_sided_series(tree):
    prep_series(tree, (NATIVE_INIT, "x86/boot: early foo init on native"), (HARMLESS, "misc: widget returns one"))
    paste(tree, "contributor")
    out = b4(tree, "prep", "--check")
    report = verdicts(out)
    mark, lines = report["x86/boot: early foo init on native"]
    assert mark == "warning", out
    mine = [ln for ln in lines if "entrylint" in ln]
    assert len(mine) == 1 and mine[0].startswith("warning entrylint: arch/x86/kernel/head64.c:"), out
    assert "WARNING: EL110 one-sided-path-change" in mine[0], out
    assert report["misc: widget returns one"] == ("success", [])


# -- the maintainer: b4 am / shazam --check on a local mbox ---------------------------------------
def sent_series(tree: GitRepo, tmp_path: Path, *patches) -> Path:
    """A series as it arrives by mail: format-patch of a side branch, with a cover letter, threaded."""
    tree.git("checkout", "-q", "-b", "contrib")
    for edit, subject in patches:
        change(tree, edit, subject)
    mbox = tmp_path / "series.mbx"
    mbox.write_bytes(tree.mbox("master..contrib", "--cover-letter", "--thread"))
    tree.git("checkout", "-q", "master")
    return mbox


def test_am_check_on_a_local_mbox(tree, tmp_path):
    mbox = sent_series(tree, tmp_path, (XEN_NOTE_EDIT, "x86/xen: add a direct entry note"),
                       (HARMLESS, "misc: widget returns one"))
    paste(tree, "maintainer")
    out = b4(tree, "am", "-k", "-m", str(mbox), "-o", str(tmp_path / "am"))
    report = verdicts(out)
    _, first = report["x86/xen: add a direct entry note"]
    assert any(ln.startswith("fail entrylint: arch/x86/xen/xen-head.S:") and "ERROR: EL101" in ln for ln in first), out
    _, second = report["misc: widget returns one"]
    assert "success entrylint: passed all checks" in second, out


def test_shazam_check_applies_and_checks(tree, tmp_path):
    mbox = sent_series(tree, tmp_path, (HARMLESS, "misc: widget returns one"))
    paste(tree, "maintainer")
    out = b4(tree, "shazam", "-k", "-m", str(mbox))
    assert "success entrylint: passed all checks" in verdicts(out)["misc: widget returns one"][1], out
    assert "return 1;" in tree.read("drivers/misc/widget.c")


def test_am_per_patch_leaves_el110_to_the_series_check(tree, tmp_path):
    """Patch 1/2 alone cannot show whether 2/2 changes Xen PV too: per patch EL110 is skipped, and
    the series check the README gives judges it (here the series is one-sided)."""
    mbox = sent_series(tree, tmp_path, (NATIVE_INIT, "x86/boot: early foo init on native"),
                       (HARMLESS, "misc: widget returns one"))
    paste(tree, "maintainer")
    report = verdicts(b4(tree, "am", "-k", "-m", str(mbox), "-o", str(tmp_path / "am")))
    assert "success entrylint: passed all checks" in report["x86/boot: early foo init on native"][1]
    ready = subprocess.run([str(BIN / "b4"), "--offline-mode", "am", "-m", str(mbox), "-o", "-"],
                           cwd=tree.path, capture_output=True, check=True).stdout
    run = entrylint("check", "--format", "json", "-", cwd=tree.path, stdin=ready)
    assert run.code == 1 and "EL110" in run.rules(), run.out


# -- the reviewer: b4 review's per-patch checks, through b4's own runner --------------------------
REVIEW_DRIVER = """
import json, mailbox, sys, email.parser
from email.message import EmailMessage
import b4, b4.review.checks as checks
b4._setup_main_config()
perpatch, _series = checks.load_check_cmds()
parse = email.parser.BytesParser(policy=b4.emlpolicy, _class=EmailMessage).parsebytes
msgs = [parse(m.as_bytes()) for m in mailbox.mbox(sys.argv[1])]
patches = [(m["Message-ID"].strip("<>"), m) for m in msgs if "0/" not in m["Subject"]]
results = checks.run_perpatch_checks(patches, perpatch, b4.git_get_toplevel())
print(json.dumps([[m["Subject"], results[mid]] for mid, m in patches]))
"""


def test_review_per_patch_check_json(tree, tmp_path):
    mbox = sent_series(tree, tmp_path, (XEN_NOTE_EDIT, "x86/xen: add a direct entry note"),
                       (HARMLESS, "misc: widget returns one"))
    paste(tree, "review")
    proc = subprocess.run([sys.executable, "-c", REVIEW_DRIVER, str(mbox)], cwd=tree.path, capture_output=True,
                          check=True)
    (first_subject, first), (_, second) = json.loads(proc.stdout)
    assert "add a direct entry note" in first_subject
    mine = [r for r in first if r["tool"] == "entrylint"]
    assert [r["status"] for r in mine] == ["fail"], first
    details = json.loads(mine[0]["details"])
    assert any(d["status"] == "fail" and "ERROR: EL101" in d["description"] for d in details)
    assert [r["status"] for r in second if r["tool"] == "entrylint"] == ["pass"], second
    assert {r["tool"] for r in first} == {"entrylint", "checkpatch"}     # b4's own checkpatch still runs


# -- entrylint itself, with a patch in b4's shape on stdin ---------------------------------------
def b4_message(repo: GitRepo, rev: str) -> bytes:
    """A commit as b4 puts it on stdin: `git show --format=email`, no "From <sha>" line, b4's signature."""
    shown = repo.git("show", "--format=email", "--patch-with-stat", "--find-renames", rev)
    body = shown.split("\n", 1)[1]                              # b4 writes headers and body only
    return (body + "\n-- \n2.39.5\n").encode()


def test_quiet_when_clean_and_exit_codes_agree(tree):
    change(tree, HARMLESS, "misc: widget returns one")
    clean = entrylint("check", "--format", "b4", "-", cwd=tree.path, stdin=b4_message(tree, "HEAD"))
    assert (clean.code, clean.out, clean.err) == (0, "", "")
    change(tree, XEN_NOTE_EDIT, "x86/xen: add a direct entry note")
    bad = entrylint("check", "--format", "b4", "-", cwd=tree.path, stdin=b4_message(tree, "HEAD"))
    assert bad.code == 1 and bad.err == ""
    assert bad.out.splitlines() and all(": ERROR: EL10" in ln for ln in bad.out.splitlines()), bad.out
    notes = entrylint("check", "--format", "b4", "--show-notes", "-", cwd=tree.path, stdin=b4_message(tree, "HEAD"))
    assert ": CHECK: EL100 entry-code-touched" in notes.out       # notes only when asked for
    broken = entrylint("check", "--format", "b4", "-", cwd=tree.path, stdin=b"From: x\nSubject: y\n\nno diff\n")
    assert broken.code == 2 and broken.out == "" and len(broken.err.splitlines()) == 1   # b4: a failure


HELPER = ("arch/x86/kernel/head64.c", "asmlinkage __visible void __init x86_64_start_kernel",
          "static void __init early_widget_setup(void)\n{\n\twidget_probe();\n\twidget_probe();\n}\n\n"
          "asmlinkage __visible void __init x86_64_start_kernel")
RESERVATIONS = ("arch/x86/kernel/head64.c", "{\n	start_kernel();", "{\n	early_widget_setup();\n	start_kernel();")


@pytest.mark.parametrize("checkout", ["HEAD", "HEAD~1"])
def test_marks_read_head_as_the_image_it_is(tree, checkout):
    """A patch on stdin whose checkout has it applied (HEAD is the post-image) or not yet (HEAD~1 is
    the pre-image): either way its change lands in x86_64_start_reservations, where the paths have
    converged, not in x86_64_start_kernel six lines up, which would be a one-sided change (EL110)."""
    tree.edit(*HELPER)
    tree.edit(*RESERVATIONS)
    tree.commit("x86/boot: a widget helper before start_kernel")
    message = b4_message(tree, "HEAD")
    tree.git("checkout", "-q", checkout)
    run = entrylint("check", "--format", "json", "-", cwd=tree.path, stdin=message)
    assert run.code == 0 and run.rules() == [], run.out
    tree.git("checkout", "-q", "master")
    tree.edit(*NATIVE_INIT)   # control: a real change to x86_64_start_kernel is one-sided
    tree.commit("x86/boot: early foo init on native")
    run = entrylint("check", "--format", "json", "-", cwd=tree.path, stdin=b4_message(tree, "HEAD"))
    assert run.rules() == ["EL100", "EL110"], run.out



def test_a_lone_patch_of_a_series_leaves_el110_to_the_series_check(tree):
    """b4 am hands over `[PATCH 1/2]` alone (git encodes a non-ASCII subject whole, tag included):
    EL110 is skipped with a note. The same patch as `[PATCH]`, a whole series, gets EL110."""
    change(tree, NATIVE_INIT, "x86/boot: früh foo init")
    shown = b4_message(tree, "HEAD")
    assert b"=?UTF-8?q?" in shown.split(b"\n\n", 1)[0]            # the subject really is encoded

    def with_subject(tag: str) -> bytes:
        header = Header(f"{tag} x86/boot: früh foo init", "utf-8").encode()
        return re.sub(rb"^Subject: .*\n(?:[ \t].*\n)*", f"Subject: {header}\n".encode(), shown, count=1, flags=re.M)

    alone = entrylint("check", "--format", "json", "-", cwd=tree.path, stdin=with_subject("[PATCH 1/2]"))
    assert "EL110" not in alone.rules(), alone.out
    assert any("patch 1/2 of a series checked alone: EL110 skipped" in n for n in alone.json()["notes"])
    whole = entrylint("check", "--format", "json", "-", cwd=tree.path, stdin=with_subject("[PATCH]"))
    assert "EL110" in whole.rules(), whole.out
