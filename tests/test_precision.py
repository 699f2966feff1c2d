"""Issue 17 on real commits: one EL100 note per function and commit, saying what kind of change it
is; annotation- and comment-only edits are no semantic change and fire no warning."""

from __future__ import annotations

from clirun import entrylint

XEN_HEAD = "arch/x86/xen/xen-head.S"
HEAD64 = "arch/x86/kernel/head64.c"
LONG_FUNCTION = "asmlinkage __visible void __init x86_64_start_kernel(char *real_mode_data)\n{\n" + "".join(
    f"\tstep_{i}();\n" + "\n" * 7 for i in range(10)) + "}\n"


def findings(repo, rules, source="HEAD"):
    run = entrylint("check", source, "--format", "json", "--select", rules, cwd=repo.path)
    assert run.code in (0, 1), run.err
    return run.json()["findings"]


def test_el100_once_per_function_and_commit_with_its_hunks(repo):
    text = repo.read(HEAD64)
    start = text.index("asmlinkage __visible")
    end = text.index("}\n", start) + 2
    repo.write(HEAD64, text[:start] + LONG_FUNCTION + text[end:])
    repo.commit("a long start-up")
    for i in range(10):
        repo.edit(HEAD64, f"\tstep_{i}();\n", f"\tstep_{i}(1);\n")
    repo.commit("x86/boot: every step takes an argument")
    [f] = findings(repo, "EL100")
    assert f["message"].startswith("changes x86_64_start_kernel, entry code of the native path")
    assert len(f["evidence"]) == 10 and all(e.endswith(": code") for e in f["evidence"])


def test_annotation_only_is_no_semantic_change_and_no_warning(repo):
    repo.edit(XEN_HEAD, "SYM_CODE_START(startup_xen)\n\tcld\n",
              "SYM_FUNC_START(startup_xen)\n\tUNWIND_HINT_END_OF_STACK\n\tcld\t/* direction: up */\n")
    repo.edit(XEN_HEAD, "SYM_CODE_END(startup_xen)", "SYM_FUNC_END(startup_xen)")
    repo.commit("x86/xen: startup_xen is a function to objtool")
    found = findings(repo, "EL100,EL102,EL110")
    assert [f["rule"] for f in found] == ["EL100"]
    assert found[0]["message"].startswith("changes only annotations of startup_xen (no semantic change)")


def test_comment_only_and_a_real_change_beside_it(repo):
    repo.edit(HEAD64, "/* early native C start-up (test fixture) */", "/* early native start-up */")
    repo.edit(HEAD64, "\tclear_bss();\n", "\tclear_bss();\t/* before anything reads .bss */\n")
    repo.commit("x86/boot: comments")
    assert findings(repo, "EL110") == []
    assert [f["message"].split(",")[0] for f in findings(repo, "EL100")] == [
        "changes only comments in x86_64_start_kernel (no semantic change)"]
    repo.edit(XEN_HEAD, "SYM_CODE_START(startup_xen)", "SYM_CODE_START_LOCAL(startup_xen)")
    repo.commit("x86/xen: startup_xen local")
    [f] = findings(repo, "EL100")
    assert f["message"].startswith("changes startup_xen, entry code")   # the binding changed: code


def test_a_moved_line_is_a_code_change(repo):
    """Order is code (EL100 says "changes"); EL110 still reads a reorder as no new work."""
    repo.edit(HEAD64, "\tcr4_init_shadow();\n\treset_early_page_tables();\n",
              "\treset_early_page_tables();\n\tcr4_init_shadow();\n")
    repo.commit("x86/boot: reset the page tables first")
    [f] = findings(repo, "EL100,EL110")
    assert f["message"].startswith("changes x86_64_start_kernel, entry code")


def test_el110_says_a_change_brings_a_path_closer_and_makes_it_a_note(repo):
    repo.edit("arch/x86/xen/enlighten_pv.c", "\tclear_bss();\n", "\tclear_bss();\n\tcr4_init_shadow();\n")
    repo.commit("x86/xen: set up the CR4 shadow as native does")
    [f] = findings(repo, "EL110")
    assert f["severity"] == "note"
    assert f["message"].endswith("; it makes xen-pv more like native, pvh (cr4_init_shadow() added, "
                                 "against the entry code of native, pvh)")


def test_el110_says_a_change_pulls_a_path_apart(repo):
    repo.edit(HEAD64, "\tclear_bss();\n", "\tclear_bss();\n\tload_ucode_bsp();\n")
    repo.commit("x86/boot: early microcode")
    [f] = findings(repo, "EL110")
    assert f["severity"] == "warning"
    assert f["message"].endswith("; it makes native differ more from xen-pv (load_ucode_bsp() added, "
                                 "against the entry code of xen-pv)")


PVH_HEAD = "arch/x86/platform/pvh/head.S"
PVH_BOTH_WIDTHS = """/* SPDX-License-Identifier: GPL-2.0 */
/* the PVH head, both widths (test fixture) */
	__HEAD
SYM_CODE_START_LOCAL(pvh_start_xen)
	cld
#ifdef CONFIG_X86_64
	leaq	xen_prepare_pvh(%rip), %rax
	call	*%rax
	movq	$_pa(startup_64), %rax
	jmp	*%rax
#else /* CONFIG_X86_64 */
	call	xen_prepare_pvh
	movl	$_pa(startup_32), %eax
	jmp	*%eax
#endif
SYM_CODE_END(pvh_start_xen)
"""
HEAD_32 = """/* SPDX-License-Identifier: GPL-2.0 */
/* the native i386 head (test fixture) */
	__HEAD
SYM_CODE_START(startup_32)
	cld
	movl	$pa(initial_stack), %ecx
	jmp	*initial_code
SYM_CODE_END(startup_32)
"""


def _two_widths(repo):
    repo.write(PVH_HEAD, PVH_BOTH_WIDTHS)
    repo.write("arch/x86/kernel/head_32.S", HEAD_32)
    repo.commit("both widths")


def test_a_balanced_i386_change_pvh_32_and_the_native_i386_head(repo):
    _two_widths(repo)
    repo.edit(PVH_HEAD, "\tcall\txen_prepare_pvh\n", "\tmovl\t$__BOOT_DS, %eax\n\tcall\txen_prepare_pvh\n")
    repo.edit("arch/x86/kernel/head_32.S", "\tcld\n", "\tcld\n\tmovl\t$__BOOT_DS, %eax\n")
    repo.commit("x86/boot/32: load __BOOT_DS on both 32-bit doors")
    assert findings(repo, "EL110") == []
    assert sorted(f["paths"] for f in findings(repo, "EL100")) == [["native"], ["pvh"]]


def test_a_one_sided_i386_pvh_change_names_the_native_i386_head(repo):
    _two_widths(repo)
    repo.edit(PVH_HEAD, "\tcall\txen_prepare_pvh\n", "\tmovl\t$__BOOT_DS, %eax\n\tcall\txen_prepare_pvh\n")
    repo.commit("x86/pvh/32: load __BOOT_DS")
    [f] = findings(repo, "EL110")
    assert f["message"].startswith("the series changes the pvh path's i386 boot sequence (pvh_start_xen) "
                                   "but not its counterpart native i386")


def test_an_i386_native_change_alone_misses_no_counterpart(repo):
    """PVH on i386 joins startup_32 and i386 has no Xen PV: nobody misses it."""
    _two_widths(repo)
    repo.edit("arch/x86/kernel/head_32.S", "\tcld\n", "\tcld\n\tmovl\t$__BOOT_DS, %eax\n")
    repo.commit("x86/boot/32: load __BOOT_DS")
    assert findings(repo, "EL110") == []
    repo.edit(PVH_HEAD, "\tleaq\txen_prepare_pvh(%rip), %rax\n", "\tmovl\t$0, %ebx\n\tleaq\txen_prepare_pvh(%rip), %rax\n")
    repo.commit("x86/pvh: 64-bit only")
    [f] = findings(repo, "EL110")
    assert "but not its counterpart xen-pv: a guest entering at startup_xen" in f["message"]
