"""SARIF 2.1.0, for GitHub code scanning (`github/codeql-action/upload-sarif`) and other viewers.

    {"$schema": "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json",
     "version": "2.1.0",
     "runs": [{
       "tool": {"driver": {"name": "entrylint", "version": "0.1.0",
                           "rules": [{"id": "EL101", "name": "new-entry-note",
                                      "shortDescription": {"text": "flags a hunk that adds an ELF note …"},
                                      "fullDescription": {"text": "… Why it matters: …"},
                                      "help": {"text": "…", "markdown": "**What it does:** …"},
                                      "defaultConfiguration": {"level": "error"}}]}},
       "invocations": [{"executionSuccessful": true,
                        "toolExecutionNotifications": [{"level": "note", "message": {"text": "…"}}]}],
       "results": [{"ruleId": "EL101", "ruleIndex": 0, "level": "error",
                    "message": {"text": "new Xen ELF note ENTRY announces a way into the kernel …"},
                    "locations": [{"physicalLocation": {
                        "artifactLocation": {"uri": "arch/x86/xen/xen-head.S", "uriBaseId": "%SRCROOT%"},
                        "region": {"startLine": 31}}}],
                    "partialFingerprints": {"entrylint/v1": "3f1c…"},
                    "properties": {"paths": ["xen-pv"], "commit": "1a2b…", "patch": 1}}]}]}

No informationUri and no helpUri: entrylint has no project page of its own to point at (each user
hosts their copy wherever they like), and both are optional in SARIF. A rule's whole documentation
travels in the report instead, as help.text and help.markdown (what `entrylint explain` prints), and
GitHub code scanning shows help.markdown on each alert.

GitHub rejects a whole upload when one result has no physical location ("locationFromSarifResult:
expected at least one location"), so every result gets one. An image-symbol finding carries the
symbol as a logicalLocations entry; its physical location is the finding's file (rules point it
at the symbol's source file) or, when a rule could not name one, IMAGE_PLACEHOLDER.
"""

from __future__ import annotations

import json
from typing import TextIO
from urllib.parse import quote

from linter import __version__
from linter.findings import Finding
from linter.result import RuleInfo, RunResult
from linter.ruleapi import DOC_HEADINGS

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
FINGERPRINT_KEY = "entrylint/v1"
IMAGE_PLACEHOLDER = "vmlinux"   # the artifact of an image finding no rule could tie to a source file


def doc_sections(docs: str) -> dict[str, str]:
    """Split a rule docstring into its title ("") and its headed sections ("What it does:", …)."""
    sections: dict[str, list[str]] = {"": []}
    current = ""
    for line in docs.strip().splitlines():
        heading = next((h for h in DOC_HEADINGS if line.strip().startswith(h)), None)
        if heading:
            current = heading
            sections[current] = [line.strip().removeprefix(heading).strip()]
        else:
            sections.setdefault(current, []).append(line)
    return {k: "\n".join(v).strip() for k, v in sections.items()}


def _markdown(docs: str) -> str:
    """The docs with their headings in bold: the text is already plain paragraphs."""
    out = []
    for line in docs.strip().splitlines():
        stripped = line.strip()
        heading = next((h for h in DOC_HEADINGS if stripped.startswith(h)), None)
        if heading:
            rest = stripped.removeprefix(heading)
            # a heading alone ("Example:") leads an indented block: markdown needs a blank line first
            out.append(f"**{heading}**{rest}" if rest.strip() else f"**{heading}**\n")
        else:
            out.append(line)
    return "\n".join(out)


def _rule_descriptor(rule: RuleInfo) -> dict:
    sections = doc_sections(rule.docs)
    full = " ".join(sections.get(h, "") for h in DOC_HEADINGS[:2]).strip()
    return {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.summary or rule.name},
        "fullDescription": {"text": " ".join(full.split()) or rule.summary or rule.name},
        "help": {"text": rule.docs.strip() or rule.summary, "markdown": _markdown(rule.docs) or rule.summary},
        "defaultConfiguration": {"level": rule.severity},
    }


def _descriptor_of_finding(f: Finding) -> dict:
    """A rule that produced a finding but is not in result.rules: still listed, so ruleIndex holds."""
    return {"id": f.rule, "name": f.name, "shortDescription": {"text": f.name},
            "defaultConfiguration": {"level": f.severity}}


def _location(f: Finding) -> dict:
    physical: dict = {"artifactLocation": {"uri": quote(f.file or IMAGE_PLACEHOLDER), "uriBaseId": "%SRCROOT%"}}
    if f.file and f.line and f.line >= 1:
        physical["region"] = {"startLine": f.line}
    location: dict = {"physicalLocation": physical}
    if f.symbol:
        location["logicalLocations"] = [{"name": f.symbol, "fullyQualifiedName": f"{f.image or 'image'}!{f.symbol}"}]
    return location


def _message(f: Finding) -> str:
    lines = [f.message] + [f"  {step}" for step in f.evidence]
    return "\n".join(lines)


def _properties(f: Finding) -> dict:
    props = {"paths": list(f.paths), "commit": f.commit, "patch": f.patch, "subject": f.subject,
             "symbol": f.symbol, "image": f.image, "evidence": list(f.evidence)}
    return {k: v for k, v in props.items() if v not in (None, [], "")}


def as_object(result: RunResult) -> dict:
    descriptors: list[dict] = []
    index: dict[str, int] = {}     # rule id → its place in driver.rules (SARIF wants them unique)
    for rule in result.rules:
        if rule.id not in index:
            index[rule.id] = len(descriptors)
            descriptors.append(_rule_descriptor(rule))
    results = []
    for f in result.findings:
        if f.rule not in index:
            index[f.rule] = len(descriptors)
            descriptors.append(_descriptor_of_finding(f))
        results.append({
            "ruleId": f.rule,
            "ruleIndex": index[f.rule],
            "level": f.severity,
            "message": {"text": _message(f)},
            "locations": [_location(f)],
            "partialFingerprints": {FINGERPRINT_KEY: f.fingerprint},
            "properties": _properties(f),
        })
    invocation = {
        "executionSuccessful": True,
        "toolExecutionNotifications": [{"level": "note", "message": {"text": n}} for n in result.notes],
    }
    run = {
        "tool": {"driver": {"name": "entrylint", "version": __version__, "semanticVersion": __version__,
                            "rules": descriptors}},
        "invocations": [invocation],
        "results": results,
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def render(result: RunResult, out: TextIO) -> None:
    json.dump(as_object(result), out, indent=2)
    out.write("\n")
