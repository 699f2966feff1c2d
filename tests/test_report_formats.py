"""Every report format, fed the same hand-built RunResult (the data model reports render).

Each format is checked against what reads it: SARIF against the official 2.1.0 schema, GitLab's
required Code Quality fields, JUnit parsed by xml.etree, GitHub's escaping rules, and the b4
formats through b4's own code that runs check commands.
"""

from __future__ import annotations

import io
import json
import re
import sys
import xml.etree.ElementTree as ET
from email.message import EmailMessage
from pathlib import Path

import jsonschema
import pytest

from linter.findings import Finding
from linter.report import FORMATS, render
from linter.report import b4 as b4_format
from linter.report import b4_review, checkpatch, github, gitlab, junit, patchwork, sarif
from linter.report.text import summary_line
from linter.result import PatchInfo, RuleInfo, RunResult

SCHEMA_FILE = Path(__file__).parent / "schemas" / "sarif-schema-2.1.0.json"
COMMIT1 = "1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b"
COMMIT3 = "3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c"

EL101_DOCS = """New ELF note that announces an entry point.

What it does: flags a hunk that adds an ELF note a loader uses to find a way into the kernel.

Why it matters: every such door is boot code the other paths never run.

Example:
    ELFNOTE(Xen, XEN_ELFNOTE_ENTRY, .quad startup_xen)

Instead: reuse the existing door and converge early.
"""


def rule(rule_id, name, severity, needs=("diff",)):
    docs = EL101_DOCS.replace("New ELF note", f"{name}:")
    return RuleInfo(id=rule_id, name=name, severity=severity, summary=f"what {name} does",
                    docs=docs, needs=frozenset(needs))


def file_finding(**kw):
    base = dict(rule="EL101", name="new-entry-note", severity="error",
                message="new Xen ELF note ENTRY announces a way into the kernel",
                file="arch/x86/xen/xen-head.S", line=31, commit=COMMIT1, subject="x86/xen: add note",
                patch=1, paths=["xen-pv"], key="ENTRY")
    base.update(kw)
    return Finding(**base)


def image_finding(**kw):
    base = dict(rule="EL202", name="image-entry-unreached", severity="warning",
                message="startup_xen reaches start_kernel without xen_start_kernel",
                symbol="startup_xen", image="head", paths=["xen-pv"],
                evidence=["startup_xen -> x86_64_start_kernel (jmp)"], key="startup_xen")
    base.update(kw)
    return Finding(**base)


@pytest.fixture
def result():
    """Three patches: 1 has an error and a warning, 2 is clean, 3 has a note; plus image findings."""
    return RunResult(
        findings=[
            file_finding(),
            file_finding(rule="EL104", name="sequence-divergence", severity="warning",
                         message="xen_start_kernel now calls a function native never runs",
                         file="arch/x86/xen/enlighten_pv.c", line=1402, key="seq"),
            file_finding(rule="EL301", name="special-case", severity="note", message="new xen_pv_domain() test",
                         file="arch/x86/kernel/setup.c", line=7, commit=COMMIT3, subject="x86: tidy", patch=3,
                         paths=[], key="sc"),
            image_finding(),
            image_finding(file="arch/x86/xen/xen-head.S", line=None, symbol="hypercall_page", key="hp"),
        ],
        patches=[PatchInfo(1, COMMIT1, "x86/xen: add note", "git"),
                 PatchInfo(2, "2" * 40, "x86/boot: nothing to see", "git"),
                 PatchInfo(3, COMMIT3, "x86: tidy", "git")],
        rules=[rule("EL101", "new-entry-note", "error"), rule("EL104", "sequence-divergence", "warning"),
               rule("EL202", "image-entry-unreached", "warning", ("image",)),
               rule("EL301", "special-case", "note")],
        notes=["--base-image not given: EL201 skipped"],
        target_url="https://ci.example.org/job/7/entrylint.txt",
    )


@pytest.fixture
def empty():
    return RunResult(findings=[], rules=[rule("EL101", "new-entry-note", "error")])


def rendered(module, res) -> str:
    out = io.StringIO()
    module.render(res, out)
    return out.getvalue()


# -- the format table ------------------------------------------------------------------------------
def test_every_format_in_the_table_renders_both_results(result, empty):
    for fmt in FORMATS:
        for res in (result, empty):
            out = io.StringIO()
            render(fmt, res, out)
            if fmt != "b4" and fmt != "checkpatch":
                assert out.getvalue(), fmt


# -- SARIF -----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def sarif_validator():
    schema = json.loads(SCHEMA_FILE.read_text())
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def test_sarif_is_valid_against_the_official_schema(result, empty, sarif_validator):
    for res in (result, empty):
        doc = json.loads(rendered(sarif, res))
        errors = [e.message for e in sarif_validator.iter_errors(doc)]
        assert errors == []
        assert doc["version"] == "2.1.0" and doc["$schema"] == sarif.SCHEMA_URI
        assert len(doc["runs"]) == 1


def test_the_schema_check_rejects_a_broken_report(result, sarif_validator):
    doc = json.loads(rendered(sarif, result))
    doc["runs"][0]["results"][0]["level"] = "fatal"
    assert list(sarif_validator.iter_errors(doc))


def test_sarif_lists_every_selected_rule_with_its_docs(result):
    rules = json.loads(rendered(sarif, result))["runs"][0]["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == ["EL101", "EL104", "EL202", "EL301"]
    el101 = rules[0]
    assert el101["name"] == "new-entry-note"
    assert el101["shortDescription"]["text"] == "what new-entry-note does"
    assert "Why it matters" not in el101["fullDescription"]["text"]
    assert "every such door" in el101["fullDescription"]["text"]
    assert "Instead:" in el101["help"]["text"]
    assert "**Instead:**" in el101["help"]["markdown"]
    assert "**Example:**\n\n    ELFNOTE(" in el101["help"]["markdown"]          # a code block, not run-on text
    assert "helpUri" not in el101   # no project page to point at: the docs travel in `help`
    assert el101["defaultConfiguration"]["level"] == "error"
    assert rules[3]["defaultConfiguration"]["level"] == "note"


def _strings(node):
    if isinstance(node, dict):
        for key, value in node.items():
            yield key
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)
    elif isinstance(node, str):
        yield node


def test_sarif_names_no_project_url(result, empty):
    """entrylint has no home page of its own (users host their copies), so the report links to
    nothing but its schema: no informationUri, no helpUri, no URL anywhere else."""
    for res in (result, empty):
        doc = json.loads(rendered(sarif, res))
        driver = doc["runs"][0]["tool"]["driver"]
        assert "informationUri" not in driver
        assert not [r for r in driver["rules"] if "helpUri" in r]
        urls = [s for s in _strings(doc) if "://" in s or s.endswith("Uri")]
        assert urls == [sarif.SCHEMA_URI], urls


def test_sarif_results_point_at_rules_files_and_symbols(result):
    run = json.loads(rendered(sarif, result))["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    results = run["results"]
    assert len(results) == len(result.findings)
    for res, f in zip(results, result.findings):
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"] == f.rule
        assert res["level"] == f.severity
        assert res["partialFingerprints"] == {"entrylint/v1": f.fingerprint}
        physical = res["locations"][0]["physicalLocation"]      # GitHub rejects a result without one
        assert physical["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
    first = results[0]
    assert first["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "arch/x86/xen/xen-head.S", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 31}}
    assert first["properties"]["paths"] == ["xen-pv"] and first["properties"]["commit"] == COMMIT1
    symbol_only, symbol_in_file = results[3], results[4]
    assert symbol_only["locations"][0]["logicalLocations"][0]["name"] == "startup_xen"
    assert symbol_only["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == sarif.IMAGE_PLACEHOLDER
    assert "startup_xen -> x86_64_start_kernel (jmp)" in symbol_only["message"]["text"]
    assert symbol_in_file["locations"][0]["logicalLocations"][0]["name"] == "hypercall_page"
    assert symbol_in_file["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "arch/x86/xen/xen-head.S", "uriBaseId": "%SRCROOT%"}}


def test_sarif_carries_run_notes_and_unlisted_rules(result, sarif_validator):
    result.findings.append(file_finding(rule="EL999", name="from-elsewhere", key="x"))
    doc = json.loads(rendered(sarif, result))
    run = doc["runs"][0]
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert [n["message"]["text"] for n in notes] == ["--base-image not given: EL201 skipped"]
    last = run["results"][-1]
    assert run["tool"]["driver"]["rules"][last["ruleIndex"]]["id"] == "EL999"
    assert not list(sarif_validator.iter_errors(doc))


# -- GitHub workflow commands -----------------------------------------------------------------------
def test_github_escapes_data_and_properties():
    assert github.escape_data("100% a:b,c\r\nnext") == "100%25 a:b,c%0D%0Anext"
    assert github.escape_property("100% a:b,c\r\nnext") == "100%25 a%3Ab%2Cc%0D%0Anext"


def test_github_annotations(result):
    lines = rendered(github, result).splitlines()
    assert lines[0] == ("::error file=arch/x86/xen/xen-head.S,line=31,title=EL101 new-entry-note::"
                        "new Xen ELF note ENTRY announces a way into the kernel [xen-pv] [commit 1a2b3c4d5e6f]")
    assert lines[2].startswith("::notice file=arch/x86/kernel/setup.c,line=7,title=EL301 special-case::")
    image = lines[3]
    assert image.startswith("::warning title=EL202 image-entry-unreached::startup_xen@head: ")
    assert "file=" not in image.split("::")[1]
    assert image.endswith("%0A  startup_xen -> x86_64_start_kernel (jmp)")
    assert lines[4].startswith("::warning file=arch/x86/xen/xen-head.S,title=EL202")   # no line: file only
    assert lines[-2] == "note: --base-image not given: EL201 skipped"
    assert lines[-1] == summary_line(result) == "5 findings: 1 error, 3 warnings, 1 note in 2 of 3 patches"


def test_github_escapes_what_a_patch_put_in_a_finding():
    f = file_finding(file="arch/x86/odd,name:1.S", message="50% done\r\n::error::forged")
    line = rendered(github, RunResult(findings=[f])).splitlines()[0]
    assert line.startswith("::error file=arch/x86/odd%2Cname%3A1.S,line=31,title=EL101 new-entry-note::")
    assert line.endswith("::50%25 done%0D%0A::error::forged [xen-pv] [commit 1a2b3c4d5e6f]")
    assert line.count("\n") == 0


def test_github_caps_annotations_per_level_and_points_at_sarif():
    findings = [file_finding(line=i + 1, key=str(i)) for i in range(25)]
    findings += [file_finding(severity="note", line=i + 1, key=f"n{i}", message="::warning::x\nfake") for i in range(12)]
    lines = rendered(github, RunResult(findings=findings)).splitlines()
    assert sum(line.startswith("::error ") for line in lines) == github.MAX_PER_LEVEL
    notices = [line for line in lines if line.startswith("::notice")]
    assert len(notices) == github.MAX_PER_LEVEL          # 9 findings + the summary notice
    summary = notices[-1]
    assert summary.startswith("::notice::18 more findings are not shown") and "SARIF" in summary
    plain = [line for line in lines if not line.startswith("::")]
    assert len(plain) == 15 + 3 + 1                     # left-out errors, left-out notes, summary line
    assert lines[-1] == "37 findings: 25 errors, 12 notes"


def test_github_empty_run_prints_only_the_summary(empty):
    assert rendered(github, empty) == "no findings\n"


# -- GitLab Code Quality ----------------------------------------------------------------------------
GITLAB_SEVERITIES = {"info", "minor", "major", "critical", "blocker"}


def check_gitlab_entry(entry: dict) -> None:
    """The fields GitLab's Code Quality docs require of every entry."""
    assert isinstance(entry["description"], str) and entry["description"]
    assert isinstance(entry["check_name"], str) and entry["check_name"]
    assert isinstance(entry["fingerprint"], str) and entry["fingerprint"]
    assert entry["severity"] in GITLAB_SEVERITIES
    assert isinstance(entry["location"]["path"], str) and entry["location"]["path"]
    begin = entry["location"]["lines"]["begin"]
    assert isinstance(begin, int) and begin >= 1


def test_gitlab_entries_have_the_required_fields(result):
    entries = json.loads(rendered(gitlab, result))
    assert len(entries) == len(result.findings)
    for entry in entries:
        check_gitlab_entry(entry)
    assert [e["severity"] for e in entries] == ["critical", "major", "info", "major", "major"]
    assert entries[0]["location"] == {"path": "arch/x86/xen/xen-head.S", "lines": {"begin": 31}}
    assert entries[0]["check_name"] == "EL101 new-entry-note"
    assert entries[0]["fingerprint"] == result.findings[0].fingerprint
    assert entries[3]["location"] == {"path": gitlab.IMAGE_PLACEHOLDER, "lines": {"begin": 1}}
    assert entries[4]["location"] == {"path": "arch/x86/xen/xen-head.S", "lines": {"begin": 1}}


def test_gitlab_fingerprints_stay_unique_and_stable(result):
    twin = file_finding(patch=3, commit=COMMIT3, line=90)       # same problem again, later in the series
    result.findings.append(twin)
    first = json.loads(rendered(gitlab, result))
    prints = [e["fingerprint"] for e in first]
    assert len(set(prints)) == len(prints)
    assert json.loads(rendered(gitlab, result)) == first


def test_gitlab_empty_is_an_empty_array(empty):
    assert json.loads(rendered(gitlab, empty)) == []


# -- JUnit -----------------------------------------------------------------------------------------
def cases_of(root):
    return [(c.get("classname"), c.get("name"), c) for c in root.iter("testcase")]


def test_junit_one_case_per_patch_and_rule(result):
    root = ET.fromstring(rendered(junit, result))
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert len(suites) == 1
    cases = cases_of(root)
    assert [(c, n) for c, n, _ in cases] == [
        ("patch 1: x86/xen: add note", "EL101 new-entry-note"),
        ("patch 1: x86/xen: add note", "EL104 sequence-divergence"),
        ("patch 2: x86/boot: nothing to see", "entrylint"),
        ("patch 3: x86: tidy", "EL301 special-case"),
        ("series", "EL202 image-entry-unreached"),
    ]
    failed = {(c, n): case.find("failure") for c, n, case in cases}
    el101 = failed[("patch 1: x86/xen: add note", "EL101 new-entry-note")]
    assert el101.get("type") == "error" and el101.get("message") == result.findings[0].message
    assert "arch/x86/xen/xen-head.S:31" in el101.text
    assert failed[("patch 2: x86/boot: nothing to see", "entrylint")] is None
    note_case = dict(((c, n), case) for c, n, case in cases)[("patch 3: x86: tidy", "EL301 special-case")]
    assert note_case.find("failure") is None                 # below --fail-on warning
    assert "EL301" in note_case.find("system-out").text
    series = failed[("series", "EL202 image-entry-unreached")]
    assert series is not None and "startup_xen -> x86_64_start_kernel" in series.text
    for element in (root, suites[0]):
        assert element.get("tests") == "5" and element.get("failures") == "3" and element.get("errors") == "0"
    assert "EL201 skipped" in suites[0].find("system-out").text


def test_junit_follows_fail_on(result):
    result.fail_on = "error"
    root = ET.fromstring(rendered(junit, result))
    assert root.get("failures") == "1"


def test_junit_survives_characters_xml_cannot_carry():
    f = file_finding(message="bad \x1b[31mcolour\x00 & <tag>", subject="a \x07 bell")
    res = RunResult(findings=[f], patches=[PatchInfo(1, COMMIT1, "a \x07 bell", "git")])
    root = ET.fromstring(rendered(junit, res))
    failure = root.find(".//failure")
    assert "& <tag>" in failure.get("message") and "\x00" not in failure.get("message")


def test_junit_empty_run_is_one_passing_case(empty):
    root = ET.fromstring(rendered(junit, empty))
    assert [(c, n) for c, n, _ in cases_of(root)] == [("series", "entrylint")]
    assert root.get("failures") == "0"


# -- patchwork -------------------------------------------------------------------------------------
def test_patchwork_check_states(result, empty):
    body = json.loads(rendered(patchwork, result))
    assert body == {"state": "fail", "context": "entrylint", "description": summary_line(result),
                    "target_url": "https://ci.example.org/job/7/entrylint.txt"}
    warnings_only = RunResult(findings=[image_finding()])
    assert json.loads(rendered(patchwork, warnings_only))["state"] == "warning"
    notes_only = RunResult(findings=[file_finding(severity="note")])
    assert json.loads(rendered(patchwork, notes_only))["state"] == "success"
    body = json.loads(rendered(patchwork, empty))
    assert body == {"state": "success", "context": "entrylint", "description": "no findings"}


# -- checkpatch and b4 ------------------------------------------------------------------------------
TERSE = re.compile(r"^(?P<file>[^:\s]+):(?P<line>\d+): (?P<level>ERROR|WARNING|CHECK): \S")


def test_checkpatch_terse_lines(result):
    lines = rendered(checkpatch, result).splitlines()
    assert lines == [
        "arch/x86/xen/xen-head.S:31: ERROR: EL101 new-entry-note: "
        "new Xen ELF note ENTRY announces a way into the kernel [xen-pv]",
        "arch/x86/xen/enlighten_pv.c:1402: WARNING: EL104 sequence-divergence: "
        "xen_start_kernel now calls a function native never runs [xen-pv]",
        "arch/x86/kernel/setup.c:7: CHECK: EL301 special-case: new xen_pv_domain() test",
        "-:0: WARNING: EL202 image-entry-unreached: startup_xen@head: "
        "startup_xen reaches start_kernel without xen_start_kernel [xen-pv]",
        "arch/x86/xen/xen-head.S:0: WARNING: EL202 image-entry-unreached: hypercall_page@head: "
        "startup_xen reaches start_kernel without xen_start_kernel [xen-pv]",
        "-:0: CHECK: entrylint: --base-image not given: EL201 skipped",
    ]
    assert all(TERSE.match(line) for line in lines)


def test_checkpatch_hides_notes_unless_asked(result):
    result.show_notes = False
    lines = rendered(checkpatch, result).splitlines()
    assert len(lines) == 4 and not any("CHECK:" in line for line in lines)


def test_checkpatch_keeps_every_finding_on_one_line():
    f = file_finding(message="first\nsecond\r\nthird")
    assert rendered(checkpatch, RunResult(findings=[f])).count("\n") == 1


def test_checkpatch_and_b4_say_nothing_when_there_is_nothing(empty):
    assert rendered(checkpatch, empty) == ""
    assert rendered(b4_format, empty) == ""


def test_b4_hides_notes_unless_asked(result):
    result.show_notes = False
    lines = rendered(b4_format, result).splitlines()
    assert len(lines) == 4 and not any("CHECK:" in line for line in lines)
    result.show_notes = True
    assert len(rendered(b4_format, result).splitlines()) == 6
    only_notes = RunResult(findings=[file_finding(severity="note")], notes=["x"], show_notes=False)
    assert rendered(b4_format, only_notes) == ""


@pytest.fixture
def b4_world(tmp_path, monkeypatch):
    """b4 with no access to the user's settings or caches, run outside any git tree."""
    for var in ("HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME"):
        monkeypatch.setenv(var, str(tmp_path / var.lower()))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", "/dev/null")
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.chdir(tmp_path)
    import argparse

    import b4 as b4tool
    b4tool.setup_config(argparse.Namespace(config={}))     # as b4's command line does first
    msg = EmailMessage()
    msg["Subject"] = "[PATCH 1/1] x86/xen: add note"
    msg["Message-Id"] = "<test@entrylint>"
    msg.set_content("a patch\n")
    return tmp_path, msg


def run_check_command(b4_world, text: str, name: str):
    """Have b4 run a check command that prints `text`, and return b4's reading of it."""
    import b4 as b4tool

    tmp_path, msg = b4_world
    out = tmp_path / name
    out.write_text(text)
    command = [sys.executable, "-c", "import sys; sys.stdout.write(open(sys.argv[1]).read())", str(out)]
    return b4tool.LoreMessage.run_local_check(command, name, msg, nocache=True)


def test_b4_perpatch_check_reads_errors_as_fail_and_warnings_as_warning(b4_world, result):
    result.show_notes = False
    report = run_check_command(b4_world, rendered(b4_format, result), "series-with-findings")
    flags = [flag for flag, _ in report]
    assert flags == ["fail", "warning", "warning", "warning"]
    clean = run_check_command(b4_world, rendered(b4_format, RunResult(findings=[])), "clean")
    assert [flag for flag, _ in clean] == ["success"]


def test_b4_review_objects_per_patch(result, empty):
    checks = json.loads(rendered(b4_review, result))
    assert [c["status"] for c in checks] == ["fail", "pass", "warn"]    # image findings go with the last
    assert [c["summary"] for c in checks] == ["1 error, 1 warning", "no findings", "2 warnings, 1 note"]
    for c in checks:
        assert c["tool"] == "entrylint" and c["url"] == result.target_url
    assert "details" not in checks[1]
    details = json.loads(checks[0]["details"])
    assert details[0] == {"status": "fail", "description": checkpatch.line_of(result.findings[0])}
    last = json.loads(checks[2]["details"])
    assert [d["status"] for d in last] == ["pass", "warn", "warn", "pass"]   # image findings, run note last
    assert json.loads(rendered(b4_review, empty)) == []


def test_b4_review_status_goes_warn_on_a_warning():
    res = RunResult(findings=[file_finding(severity="warning")], patches=[PatchInfo(1, COMMIT1, "s", "git")])
    assert json.loads(rendered(b4_review, res))[0]["status"] == "warn"


def test_b4_review_output_is_read_by_b4(b4_world, result):
    from b4.review import checks as b4checks
    tmp_path, msg = b4_world
    out = tmp_path / "review.json"
    out.write_text(rendered(b4_review, result))
    command = [sys.executable, "-c", "import sys; sys.stdout.write(open(sys.argv[1]).read())", str(out)]
    read = b4checks._run_external_cmd(command, msg, str(tmp_path))
    assert [(r["tool"], r["status"]) for r in read] == [("entrylint", "fail"), ("entrylint", "pass"),
                                                         ("entrylint", "warn")]
    assert read[0]["details"] == json.loads(rendered(b4_review, result))[0]["details"]
