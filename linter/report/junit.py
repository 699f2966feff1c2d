"""JUnit XML, for CI systems that show test reports (GitLab `reports: junit`, Jenkins, …).

    <?xml version="1.0" encoding="utf-8"?>
    <testsuites name="entrylint" tests="3" failures="1" errors="0">
      <testsuite name="entrylint" tests="3" failures="1" errors="0" skipped="0">
        <testcase classname="patch 1: x86/xen: add a PVH note" name="EL101 new-entry-note">
          <failure message="new Xen ELF note ENTRY announces …" type="error">arch/x86/xen/xen-head.S:31: error: EL101 …</failure>
        </testcase>
        <testcase classname="patch 2: x86/boot: tidy head_64.S" name="entrylint" />
        <testcase classname="series" name="EL202 image-entry-unreached">
          <system-out>startup_xen@head: warning: EL202 …</system-out>
        </testcase>
        <system-out>note: --base-image not given: EL201 skipped</system-out>
      </testsuite>
    </testsuites>

One testcase per (patch, rule) with findings, and one passing testcase named "entrylint" per
patch with none. Findings not tied to a patch (image findings) are grouped under classname
"series". A testcase fails only when one of its findings reaches --fail-on, so the report agrees
with the exit code; findings below the bar are listed in the testcase's <system-out>. With no
patch and no finding the suite holds one passing "series" testcase, so CI still sees a test run.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import TextIO

from linter.findings import Finding, severity_rank
from linter.report.text import line_of
from linter.result import RunResult

SERIES = "series"
PASSING_NAME = "entrylint"
# Characters XML 1.0 cannot carry at all (ElementTree would write them and break the file).
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_safe(text: str) -> str:
    return NOT_XML.sub("\ufffd", text)


def _lines(findings: list[Finding]) -> str:
    out = []
    for f in findings:
        out.append(line_of(f))
        out.extend(f"    {step}" for step in f.evidence)
    return xml_safe("\n".join(out))


def _cases(result: RunResult) -> list[tuple[str, str, list[Finding]]]:
    """(classname, name, findings) in series order; findings empty for a passing patch."""
    by_patch: dict[int | None, dict[str, list[Finding]]] = {}
    for f in result.findings:
        by_patch.setdefault(f.patch, {}).setdefault(f"{f.rule} {f.name}", []).append(f)
    cases = []
    for p in result.patches:
        classname = f"patch {p.index}: {p.subject}"
        rules = by_patch.pop(p.index, {})
        cases += [(classname, name, fs) for name, fs in rules.items()] or [(classname, PASSING_NAME, [])]
    for patch, rules in by_patch.items():   # no patch, or a patch number result.patches lacks
        classname = SERIES if patch is None else f"patch {patch}"
        cases += [(classname, name, fs) for name, fs in rules.items()]
    return cases or [(SERIES, PASSING_NAME, [])]


def as_element(result: RunResult) -> ET.Element:
    bar = severity_rank(result.fail_on)
    cases = _cases(result)
    suite = ET.Element("testsuite", name="entrylint")
    failures = 0
    for classname, name, findings in cases:
        case = ET.SubElement(suite, "testcase", classname=xml_safe(classname), name=xml_safe(name))
        failing = [f for f in findings if severity_rank(f.severity) >= bar]
        if failing:
            failures += 1
            worst = max(failing, key=lambda f: severity_rank(f.severity))
            failure = ET.SubElement(case, "failure", message=xml_safe(failing[0].message), type=worst.severity)
            failure.text = _lines(failing)
        quiet = [f for f in findings if severity_rank(f.severity) < bar]
        if quiet:
            ET.SubElement(case, "system-out").text = _lines(quiet)
    if result.notes:
        ET.SubElement(suite, "system-out").text = xml_safe("\n".join(f"note: {n}" for n in result.notes))
    counts = {"tests": str(len(cases)), "failures": str(failures), "errors": "0"}
    suite.attrib.update(counts, skipped="0")
    root = ET.Element("testsuites", name="entrylint", **counts)
    root.append(suite)
    return root


def render(result: RunResult, out: TextIO) -> None:
    root = as_element(result)
    ET.indent(root)
    out.write('<?xml version="1.0" encoding="utf-8"?>\n')
    out.write(ET.tostring(root, encoding="unicode"))
    out.write("\n")
