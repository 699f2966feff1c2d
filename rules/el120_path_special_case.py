"""New path-specific branch in common early boot code.

What it does: flags an added line in common early boot code (the profile's `special_case.files`,
outside arch/x86/xen) that tests which door the kernel came through: `xen_pv_domain()`,
`xen_domain()`, `xen_pvh_domain()`, `hardware_subarch == X86_SUBARCH_XEN`,
`cpu_feature_enabled(X86_FEATURE_XENPV)` and the like (the profile's `special_case.patterns`).

Why it matters: a branch on the boot path in common code is a custom entry by another name: the
common code now does different work per door, and the next change to one branch misses the
other. This is how `paravirt_enabled()` spread before it was removed in 4.7.

Example:
    +	if (xen_pv_domain())
    +		return;

Instead: give the path a hook it installs from its own code (x86_init / x86_platform ops), or
make the common code right for every path. If the branch is needed, `Entrylint-Ack: EL120 <reason>`.
"""

from collections import Counter

from linter.ruleapi import finding

ID, NAME, SEVERITY, NEEDS = "EL120", "path-special-case", "warning", frozenset({"diff"})


def check(ctx):
    for mark in ctx.marks:
        if not ctx.profile.is_special_case_file(mark.file):
            continue
        removed = Counter(" ".join(c.text.split()) for c in mark.removed)
        for change in mark.added:
            norm = " ".join(change.text.split())
            if removed[norm]:
                removed[norm] -= 1   # the same test moved, not a new one
                continue
            hit, m = next(((p, m) for p in ctx.profile.special_patterns if (m := p.search(change.text))),
                          (None, None))
            if not hit:
                continue
            where = f" in {change.function}" if change.function else ""
            test = m.group(0).strip().rstrip("(").strip()
            yield finding(__name__, f"adds a test for the door the kernel came through ({test}){where} to "
                          f"common early boot code: the paths now run different code here, a custom entry "
                          f"by another name", mark=mark, line=change.line, paths=hit.paths or mark.paths,
                          key=f"{change.function}|{norm}")
