"""Every diff rule: a case that must report and a case that must not, on real git commits."""

from __future__ import annotations

import pytest

from clirun import entrylint

XEN_HEAD = "arch/x86/xen/xen-head.S"
PVH_HEAD = "arch/x86/platform/pvh/head.S"
HEAD64 = "arch/x86/kernel/head64.c"
ENLIGHTEN_PV = "arch/x86/xen/enlighten_pv.c"
PVH_C = "arch/x86/platform/pvh/enlighten.c"
NEW_DOOR = """SYM_CODE_END(startup_xen)

SYM_CODE_START(startup_xen_direct)
	cld
	jmp	startup_xen
SYM_CODE_END(startup_xen_direct)
"""


def findings(repo, rule, *extra):
    run = entrylint("check", "HEAD", "--format", "json", "--select", rule, *extra, cwd=repo.path)
    assert run.code in (0, 1), run.err
    return run.json()["findings"]


def test_el100_names_path_and_function(repo):
    repo.edit(ENLIGHTEN_PV, "\tclear_bss();\n", "\tclear_bss();\n\txen_widget_init();\n")
    repo.commit("x86/xen: init the widget")
    (f,) = findings(repo, "EL100")
    assert f["paths"] == ["xen-pv"] and "xen_start_kernel" in f["message"] and f["line"] == 16
    assert f["severity"] == "note"


def test_el100_not_for_non_sequence_function_of_a_big_c_file(repo):
    repo.edit(ENLIGHTEN_PV, "HYPERVISOR_sched_op(SCHEDOP_shutdown, NULL);", "HYPERVISOR_sched_op(SCHEDOP_poll, NULL);")
    repo.commit("x86/xen: halt by polling")
    assert findings(repo, "EL100") == []


def test_el100_asm_label_without_repository_context(repo, tmp_path):
    repo.edit(PVH_HEAD, "\tcld\n", "\tcld\n\tcli\n")
    repo.commit("x86/pvh: mask interrupts")
    (patch,) = repo.format_patch("HEAD~1..HEAD", tmp_path / "p")
    run = entrylint("check", str(patch), "--format", "json", "--select", "EL100", cwd=tmp_path)
    (f,) = run.json()["findings"]
    assert f["paths"] == ["pvh"] and "pvh_start_xen" in f["message"]


def test_el101_new_entry_note(repo):
    repo.edit(XEN_HEAD, "SYM_CODE_END(startup_xen)\n", NEW_DOOR)
    repo.edit(XEN_HEAD, "_ASM_PTR startup_xen)\n",
              "_ASM_PTR startup_xen)\n\tELFNOTE(Xen, XEN_ELFNOTE_PHYS32_ENTRY, .long startup_xen_direct - __START_KERNEL_map)\n")
    repo.commit("x86/xen: a direct door")
    (f,) = findings(repo, "EL101")
    assert f["severity"] == "error" and f["file"] == XEN_HEAD and "PHYS32_ENTRY" in f["message"]
    assert f["line"] == 18 and f["paths"] == ["pvh"]


def test_el101_not_for_a_non_entry_note_nor_a_moved_one(repo):
    repo.edit(XEN_HEAD, "\tELFNOTE(Xen, XEN_ELFNOTE_ENTRY,          _ASM_PTR startup_xen)\n", "")
    repo.edit(XEN_HEAD, '.asciz "linux")\n', '.asciz "linux")\n\tELFNOTE(Xen, XEN_ELFNOTE_ENTRY, _ASM_PTR startup_xen)\n'
              '\tELFNOTE(Xen, XEN_ELFNOTE_LOADER, .asciz "generic")\n')
    repo.commit("x86/xen: reorder notes")
    assert findings(repo, "EL101") == []
    assert [f["message"].split(" note")[0] for f in findings(repo, "EL103")] == ["adds a Xen LOADER"]


def test_el101_note_in_a_file_the_profile_does_not_know(repo):
    repo.write("arch/x86/boot/other-head.S", "\tELFNOTE(Xen, XEN_ELFNOTE_ENTRY, _ASM_PTR other_entry)\n")
    repo.commit("x86: yet another head")
    (f,) = findings(repo, "EL101")
    assert f["file"] == "arch/x86/boot/other-head.S" and f["line"] == 1


def test_el102_new_global_label_but_not_local_or_renamed(repo):
    repo.edit(XEN_HEAD, "SYM_CODE_END(startup_xen)\n", NEW_DOOR)
    repo.commit("x86/xen: a direct door")
    (f,) = findings(repo, "EL102")
    assert f["symbol"] is None or f["symbol"] == "startup_xen_direct"
    assert "startup_xen_direct" in f["message"] and f["line"] == 10
    repo.edit(XEN_HEAD, "SYM_CODE_START(startup_xen_direct)", "SYM_CODE_START_LOCAL(startup_xen_local)")
    repo.commit("x86/xen: make it local")
    assert findings(repo, "EL102") == []
    repo.edit(XEN_HEAD, "SYM_CODE_START(startup_xen)", "SYM_CODE_START(xen_startup)")
    repo.commit("x86/xen: rename the door")
    assert findings(repo, "EL102") == []


def test_el103_changed_encoding_and_removed_note(repo):
    repo.edit(PVH_HEAD, "_ASM_PTR (pvh_start_xen", ".long (pvh_start_xen")
    repo.commit("x86/pvh: a 32-bit note")
    (f,) = findings(repo, "EL103")
    assert "changes the Xen PHYS32_ENTRY note" in f["message"] and f["paths"] == ["pvh"]
    repo.edit(PVH_HEAD, "\tELFNOTE(Xen, XEN_ELFNOTE_PHYS32_ENTRY, .long (pvh_start_xen - __START_KERNEL_map))\n", "")
    repo.commit("x86/pvh: drop the door")
    (f,) = findings(repo, "EL103")
    assert "removes the Xen PHYS32_ENTRY note" in f["message"] and "no longer find" in f["message"]


def test_el103_not_for_unrelated_asm(repo):
    repo.edit(XEN_HEAD, "\tcld\n", "\tcld\n\tnop\n")
    repo.commit("x86/xen: breathe")
    assert findings(repo, "EL103") == []


def test_el110_one_sided_and_balanced(repo):
    base = repo.head()
    repo.edit(HEAD64, "\tclear_bss();\n", "\tclear_bss();\n\tearly_widget_init();\n")
    repo.commit("x86/boot: init the widget early")
    run = entrylint("check", f"{base}..HEAD", "--format", "json", "--select", "EL110", cwd=repo.path)
    (f,) = run.json()["findings"]
    assert f["paths"] == ["native", "xen-pv"] and f["severity"] == "warning"
    assert "x86_64_start_kernel" in f["message"] and "startup_xen" in f["message"]
    repo.edit(ENLIGHTEN_PV, "\tclear_bss();\n", "\tclear_bss();\n\tearly_widget_init();\n")
    repo.commit("x86/xen: init the widget early too")
    run = entrylint("check", f"{base}..HEAD", "--format", "json", "--select", "EL110", cwd=repo.path)
    assert run.code == 0 and run.json()["findings"] == []


def test_el110_pvh_only_change_misses_xen_pv(repo):
    repo.edit(PVH_C, "\txen_pvh_init(&pvh_bootparams);\n", "\txen_pvh_init(&pvh_bootparams);\n\tpvh_widget_init();\n")
    repo.commit("x86/pvh: init the widget")
    (f,) = findings(repo, "EL110")
    assert f["paths"] == ["pvh", "xen-pv"]


def test_el110_ignores_comments_and_pure_moves(repo):
    repo.edit(HEAD64, "\tclear_bss();\n", "\tclear_bss();\t/* zero it first */\n")
    repo.edit(HEAD64, "/* early native C start-up (test fixture) */", "/* early native C start-up */")
    repo.commit("x86/boot: comments")
    # a comment appended to a code line changes the text, not the code: nothing runs differently
    assert findings(repo, "EL110") == []
    repo.edit(HEAD64, "/* early native C start-up */", "/* early C start-up, native */")
    repo.commit("x86/boot: comment only")
    assert findings(repo, "EL110") == []
    text = repo.read(HEAD64)
    block = "\tcr4_init_shadow();\n\treset_early_page_tables();\n"
    repo.write(HEAD64, text.replace(block, "").replace("\tcopy_bootdata(", block + "\tcopy_bootdata(", 1))
    repo.commit("x86/boot: reorder")
    assert findings(repo, "EL110") == []


def test_el110_ack_with_reason_accepts_and_without_reason_is_reported(repo):
    repo.edit(HEAD64, "\tclear_bss();\n", "\tclear_bss();\n\tearly_widget_init();\n")
    repo.commit("x86/boot: widget", "Xen PV has no widget.\n\nEntrylint-Ack: EL110 Xen PV guests have no widget")
    assert findings(repo, "EL110") == []
    repo.edit(HEAD64, "\tearly_widget_init();\n", "\tearly_widget_init();\n\tearly_gadget_init();\n")
    repo.commit("x86/boot: gadget", "Entrylint-Ack: EL110")
    assert [f["rule"] for f in findings(repo, "EL001,EL110")] == ["EL001", "EL110"]


def test_el110_a_bare_ack_does_not_hide_a_good_one_on_another_patch(repo):
    base = repo.head()
    repo.edit(HEAD64, "\tclear_bss();\n", "\tclear_bss();\n\tearly_widget_init();\n")
    repo.commit("x86/boot: widget", "Entrylint-Ack: EL110")
    repo.edit(HEAD64, "\tearly_widget_init();\n", "\tearly_widget_init();\n\tearly_gadget_init();\n")
    repo.commit("x86/boot: gadget", "Entrylint-Ack: EL110 Xen PV guests have neither")
    run = entrylint("check", f"{base}..HEAD", "--format", "json", "--select", "EL001,EL110", cwd=repo.path)
    assert [(f["rule"], f["patch"]) for f in run.json()["findings"]] == [("EL001", 1)]


def test_el120_path_test_in_common_code(repo):
    repo.edit("arch/x86/kernel/setup.c", "\tearly_reserve_memory();\n",
              "\tif (!xen_pv_domain())\n\t\tearly_reserve_memory();\n")
    repo.commit("x86/setup: skip reservations on Xen PV")
    (f,) = findings(repo, "EL120")
    assert f["file"] == "arch/x86/kernel/setup.c" and f["line"] == 7 and "setup_arch" in f["message"]
    assert f["paths"] == ["xen-pv"] and "(xen_pv_domain)" in f["message"]


@pytest.mark.parametrize("path", ["arch/x86/xen/setup.c", "drivers/misc/widget.c"])
def test_el120_not_in_xen_code_nor_outside_boot_code(repo, path):
    repo.write(path, "void f(void)\n{\n\tif (xen_pv_domain())\n\t\treturn;\n}\n")
    repo.commit("add a xen test where it belongs")
    assert findings(repo, "EL120") == []


TWO_LINE = ("\tELFNOTE(Xen, XEN_ELFNOTE_PHYS32_ENTRY, _ASM_PTR (pvh_start_xen - __START_KERNEL_map))\n",
            "\tELFNOTE(Xen, XEN_ELFNOTE_PHYS32_ENTRY,\n\t\t_ASM_PTR (pvh_start_xen - __START_KERNEL_map))\n")


def test_notes_over_two_lines_as_linux_writes_them(repo):
    repo.edit(PVH_HEAD, *TWO_LINE)
    repo.commit("x86/pvh: wrap the note like Linux does")
    assert findings(repo, "EL101,EL103") == []          # a reformat is no change
    repo.edit(PVH_HEAD, "\t\t_ASM_PTR (pvh_start_xen", "\t\t.long (pvh_start_xen")
    repo.commit("x86/pvh: a 32-bit note value")
    (f,) = findings(repo, "EL101,EL103")
    assert f["rule"] == "EL103" and "changes the Xen PHYS32_ENTRY note from (_ASM_PTR" in f["message"]
    assert f["line"] == 15
    text = repo.read(PVH_HEAD)
    repo.write(PVH_HEAD, text.replace("\tELFNOTE(Xen, XEN_ELFNOTE_PHYS32_ENTRY,\n\t\t.long (pvh_start_xen - __START_KERNEL_map))\n", ""))
    repo.commit("x86/pvh: no more PVH door")
    (f,) = findings(repo, "EL101,EL103")
    assert "removes the Xen PHYS32_ENTRY note" in f["message"] and f["paths"] == ["pvh"]


def test_el100_entry_file_renamed_out_of_the_profile(repo):
    repo.git("mv", PVH_HEAD, "arch/x86/platform/pvh/entry.S")
    repo.commit("x86/pvh: rename the head")
    (f,) = findings(repo, "EL100")
    assert f["file"] == "arch/x86/platform/pvh/entry.S" and f["paths"] == ["pvh"]
    assert "profile does not know" in f["message"]
