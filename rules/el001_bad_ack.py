"""Entrylint-Ack trailer without a reason, or for no known rule.

What it does: checks every `Entrylint-Ack:` trailer of the series. An ack must name a rule id and
give a reason (`Entrylint-Ack: EL110 Xen PV gets this from xen_start_kernel's own copy`); an ack
without a reason, or naming no known rule, suppresses nothing and is reported here.

Why it matters: an ack is the record, in the git history, of why a door or a one-sided change was
accepted, the kernel way (like Acked-by). An ack with no reason records nothing a later reader can
check, and a mistyped rule id silently accepts nothing.

Example:
    Entrylint-Ack: EL110

Instead:
    Entrylint-Ack: EL110 PV guests get the same setup from xen_start_kernel (see commit 1a2b3c)
"""

import re

from linter.ruleapi import finding

ID, NAME, SEVERITY, NEEDS = "EL001", "bad-ack", "warning", frozenset({"diff"})
ACK = re.compile(r"^(EL\d{3})\b\s*(.*)$")


def check(ctx):
    from rules import ALL

    for patch in ctx.series.patches:
        for value in patch.trailer_values("Entrylint-Ack"):
            m = ACK.match(value.strip())
            problem = None
            if not m:
                problem = "does not start with a rule id (EL101, EL110, …)"
            elif m.group(1) not in ALL:
                problem = f"names {m.group(1)}, which is no entrylint rule"
            elif not m.group(2).strip():
                problem = f"acks {m.group(1)} without a reason, so it accepts nothing"
            if problem:
                yield finding(__name__, f"trailer 'Entrylint-Ack: {value}' {problem}", key=f"{patch.subject}|{value}",
                              patch=patch)
