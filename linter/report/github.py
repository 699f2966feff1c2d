"""GitHub Actions workflow commands: annotations in the job log and on the pull request's diff.

    ::error file=arch/x86/xen/xen-head.S,line=31,title=EL101 new-entry-note::new Xen ELF note ENTRY … [xen-pv] [commit 1a2b3c4d5e6f]
    ::warning title=EL202 image-entry-unreached::startup_xen@head: no call chain from … %0A  startup_xen -> xen_start_kernel
    ::notice::4 more findings are not shown as annotations (GitHub shows about 10 of each level): see the log above or the SARIF report
    16 findings: 12 errors, 4 warnings in 3 of 5 patches

Escaping follows the Actions toolkit: in the message `%` `\\r` `\\n` become `%25` `%0D` `%0A`; in
property values (file, title) also `:` `%3A` and `,` `%2C`. An image finding without a file gets
no file= (GitHub then shows it on the run's summary page, not on the diff).

GitHub shows about 10 annotations of each level per step: the first MAX_PER_LEVEL of each level
become annotations, the rest are printed as plain log lines, and one `::notice::` says how many
were left out and points at the SARIF upload, which holds them all. Plain lines are kept to one
line that never starts with `::`, so text from a patch cannot pass for a workflow command. When that summary notice is
needed, one notice annotation fewer is spent on findings so the summary itself is not the one cut.
"""

from __future__ import annotations

from typing import TextIO

from linter.findings import Finding
from linter.report.text import line_of, summary_line
from linter.result import RunResult

MAX_PER_LEVEL = 10
COMMANDS = {"error": "error", "warning": "warning", "note": "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def plain(text: str) -> str:
    """A log line the runner cannot take for a command: one line, never starting with `::`."""
    line = " ".join(text.splitlines())
    return f"- {line}" if line.lstrip().startswith("::") else line


def annotation(f: Finding) -> str:
    props = []
    if f.file:
        props.append(f"file={escape_property(f.file)}")
        if f.line:
            props.append(f"line={f.line}")
    props.append(f"title={escape_property(f'{f.rule} {f.name}')}")
    where = f"{f.symbol}@{f.image or 'image'}: " if f.symbol else ""
    paths = f" [{', '.join(f.paths)}]" if f.paths else ""
    commit = f" [commit {f.commit[:12]}]" if f.commit else (f" [patch {f.patch}]" if f.patch else "")
    message = "\n".join([where + f.message + paths + commit] + [f"  {step}" for step in f.evidence])
    return f"::{COMMANDS[f.severity]} {','.join(props)}::{escape_data(message)}"


def render(result: RunResult, out: TextIO) -> None:
    shown: dict[str, int] = {"error": 0, "warning": 0, "note": 0}
    budget = {level: MAX_PER_LEVEL for level in shown}
    if any(sum(f.severity == level for f in result.findings) > MAX_PER_LEVEL for level in shown):
        budget["note"] -= 1           # room for the summary notice below
    left_out = []
    for f in result.findings:
        if shown[f.severity] < budget[f.severity]:
            shown[f.severity] += 1
            out.write(annotation(f) + "\n")
        else:
            left_out.append(f)
    for f in left_out:
        out.write(plain(line_of(f)) + "\n")
    if left_out:
        n = len(left_out)
        out.write(f"::notice::{n} more finding{'s are' if n != 1 else ' is'} not shown as annotations "
                  f"(GitHub shows about {MAX_PER_LEVEL} of each level): see the log above or the SARIF report\n")
    for note in result.notes:
        out.write(plain(f"note: {note}") + "\n")
    out.write(summary_line(result) + "\n")
