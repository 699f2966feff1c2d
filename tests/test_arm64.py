"""arm64: the one door, found in a cross-built image and guarded in diffs.

The image is entrylint's arm64 stand-in kernel (tests/arm64_fixtures.py); the diffs are made in a
real git repository holding an arm64 head and an x86 head written for these tests."""

from __future__ import annotations

import struct

from clirun import assert_one_line_error, entrylint
from gitrepo import GitRepo

ONE_DOOR = {
    ("arm64-native", "_text", ("elf:e_entry",)),
    ("arm64-native", "primary_entry", ()),
    ("arm64-native", "secondary_entry", ()),
    ("arm64-efi-stub", "__efistub_efi_pe_entry", ("pe:AddressOfEntryPoint",)),
}


def doors(image, *extra) -> set[tuple]:
    run = entrylint("entries", "--format", "json", "--no-cache", str(image), *extra)
    assert run.code == 0, run.err
    return {(e["path"], e["symbol"], tuple(e["announced_by"])) for e in run.json()["entries"]}


def symbol_address(image, name: str) -> int:
    from elftools.elf.elffile import ELFFile

    with open(image, "rb") as fh:
        return ELFFile(fh).get_section_by_name(".symtab").get_symbol_by_name(name)[0]["st_value"]


def test_an_arm64_image_has_exactly_the_one_door(arm64_images):
    assert doors(arm64_images.base) == ONE_DOOR


def test_the_efi_door_is_read_from_the_image_header(arm64_images):
    report = entrylint("entries", "--format", "json", "--no-cache", str(arm64_images.base)).json()
    efi = next(e for e in report["entries"] if e["path"] == "arm64-efi-stub")
    assert int(efi["address"], 16) == symbol_address(arm64_images.base, "__efistub_efi_pe_entry")
    assert efi["announced_values"]["pe:AddressOfEntryPoint"] == efi["address"]


def test_without_the_image_magic_the_efi_door_is_only_a_profile_symbol(arm64_images, tmp_path):
    raw = bytearray(arm64_images.base.read_bytes())
    at = raw.index(b"ARM\x64")
    raw[at:at + 4] = b"XXXX"
    damaged = tmp_path / "vmlinux"
    damaged.write_bytes(bytes(raw))
    assert ("arm64-efi-stub", "__efistub_efi_pe_entry", ()) in doors(damaged)


def test_a_xen_note_announces_a_door_no_arm64_path_has(arm64_images):
    found = doors(arm64_images.xen)
    assert found - ONE_DOOR == {(None, "xen_arm64_entry", ("note:Xen:1",))}


def test_the_note_value_comes_from_rela_dyn(arm64_images):
    """The note's `.quad xen_arm64_entry` is 0 in the file (--no-apply-dynamic-relocs)."""
    from elftools.elf.elffile import ELFFile

    with open(arm64_images.xen, "rb") as fh:
        notes = ELFFile(fh).get_section_by_name(".notes").data()
    at = notes.index(b"Xen\0") + 4
    assert struct.unpack_from("<Q", notes, at)[0] == 0
    report = entrylint("entries", "--format", "json", "--no-cache", str(arm64_images.xen)).json()
    note = next(n for n in report["notes"] if n["owner"] == "Xen")
    assert int(note["value"], 16) == symbol_address(arm64_images.xen, "xen_arm64_entry")
    assert note["symbol"] == "xen_arm64_entry"


def test_check_flags_the_new_xen_door_between_two_images(arm64_images):
    run = entrylint("check", "--base-image", str(arm64_images.base), "--image", str(arm64_images.xen),
                    "--no-cache", "--format", "json")
    assert run.code == 1, run.err
    new = [f for f in run.json()["findings"] if f["rule"] == "EL201"]
    assert [f["symbol"] for f in new] == ["xen_arm64_entry"]
    assert "on no path of the arm64 profile (note:Xen:1=" in new[0]["message"]


def test_reach_follows_the_jump_through_the_literal_pool(arm64_images):
    """`ldr x8, =__primary_switched; br x8`: the literal is 0 in the file, its value in .rela.dyn."""
    run = entrylint("gaps", "--format", "json", "--no-cache", str(arm64_images.base))
    assert run.code == 0, run.err
    paths = run.json()["paths"]
    native = set(paths["arm64-native"]["reach"])
    assert {"_text", "primary_entry", "record_mmu_state", "__pi_early_map_kernel", "__primary_switch",
            "__primary_switched"} <= native
    assert "start_kernel" not in native and "setup_arch" not in native    # converged
    assert "header_decoy" not in native          # data in the Image header is no branch
    assert set(paths["arm64-efi-stub"]["reach"]) == {"__efistub_efi_pe_entry", "__efistub_efi_stub_common",
                                                      "__efistub_efi_enter_kernel"}


def test_a_shipped_profile_is_chosen_by_name(arm64_images):
    run = entrylint("entries", "--format", "json", "--no-cache", "--profile", "x86_64", str(arm64_images.base))
    assert run.code == 0, run.err
    assert {e["path"] for e in run.json()["entries"]} == {"native", "efi-stub"}   # x86's names


def test_compare_shows_x86_doors_beside_arm64s_one(example_images, arm64_images):
    run = entrylint("entries", "--no-cache", str(example_images.base_norela), "--compare", str(arm64_images.base))
    assert run.code == 0, run.err
    lines = run.out.splitlines()
    assert lines[0].endswith("(x86_64)") and lines[1].endswith("(arm64)")
    table = lines[3:lines.index("", 3)]
    assert not any(word.startswith(("+", "-")) and len(word) > 1 for line in table for word in line.split())
    a = next(line for line in lines if line.startswith("A (x86_64): "))
    assert "note:Xen:1 -> startup_xen" in a and "note:Xen:18 -> pvh_start_xen" in a
    b = next(line for line in lines if line.startswith("B (arm64): "))
    assert b.startswith("B (arm64): 2 doors announced") and "pe:AddressOfEntryPoint -> __efistub_efi_pe_entry" in b


# -- the diff side ---------------------------------------------------------------------------------
ARM64_HEAD = """\
/* the arm64 head (test fixture) */
	__HEAD
	efi_signature_nop
	b	primary_entry

SYM_CODE_START(primary_entry)
	bl	record_mmu_state
	b	__primary_switch
SYM_CODE_END(primary_entry)
"""

XEN_DOOR = """
SYM_CODE_START(xen_arm64_entry)
	b	primary_entry
SYM_CODE_END(xen_arm64_entry)
	ELFNOTE(Xen, XEN_ELFNOTE_ENTRY, .quad xen_arm64_entry)
"""


def arm64_repo(repo: GitRepo) -> GitRepo:
    repo.write("arch/arm64/kernel/head.S", ARM64_HEAD)
    repo.commit("arm64: a head")
    return repo


def findings(run) -> list[tuple[str, tuple]]:
    assert run.code in (0, 1), run.err
    return sorted((f["rule"], tuple(f["paths"])) for f in run.json()["findings"])


def test_a_xen_door_in_the_arm64_head_is_flagged(repo):
    arm64_repo(repo)
    base = repo.head()
    repo.edit("arch/arm64/kernel/head.S", "SYM_CODE_END(primary_entry)\n", "SYM_CODE_END(primary_entry)\n" + XEN_DOOR)
    repo.commit("arm64: a Xen door")
    got = findings(entrylint("check", f"{base}..HEAD", "--format", "json", "--show-notes", cwd=repo.path))
    assert ("EL101", ("arm64-native",)) in got and ("EL102", ("arm64-native",)) in got
    assert all(paths == ("arm64-native",) for _, paths in got)


def test_a_patch_on_stdin_is_read_again_for_arm64(repo):
    arm64_repo(repo)
    base = repo.head()
    repo.edit("arch/arm64/kernel/head.S", "SYM_CODE_END(primary_entry)\n", "SYM_CODE_END(primary_entry)\n" + XEN_DOOR)
    repo.commit("arm64: a Xen door")
    patch = repo.mbox(f"{base}..HEAD")
    got = findings(entrylint("check", "-", "--format", "json", cwd=repo.path, stdin=patch))
    assert ("EL102", ("arm64-native",)) in got


def test_a_series_touching_both_arches_gets_both_profiles(repo):
    arm64_repo(repo)
    base = repo.head()
    repo.edit("arch/arm64/kernel/head.S", "\tbl\trecord_mmu_state\n", "\tbl\trecord_mmu_state\n\tnop\n")
    repo.edit("arch/x86/kernel/head_64.S", "\tcall\t__startup_64\n", "\tcall\t__startup_64\n\tnop\n")
    repo.commit("x86, arm64: a nop in each head")
    got = findings(entrylint("check", f"{base}..HEAD", "--format", "json", "--show-notes", cwd=repo.path))
    touched = {paths for rule, paths in got if rule == "EL100"}
    assert ("arm64-native",) in touched and any("native" in p for p in touched)


def test_an_x86_series_is_not_read_as_arm64(repo):
    base = repo.head()
    repo.edit("arch/x86/kernel/head_64.S", "\tcall\t__startup_64\n", "\tcall\t__startup_64\n\tnop\n")
    repo.commit("x86: a nop in the head")
    got = findings(entrylint("check", f"{base}..HEAD", "--format", "json", "--show-notes", cwd=repo.path))
    assert got and not any(p.startswith("arm64") for _, paths in got for p in paths)


def test_gaps_validate_uses_the_a64_oracle(arm64_images):
    run = entrylint("gaps", "--validate", "--no-cache", str(arm64_images.base))
    assert run.code == 0, run.err
    verdicts = [line for line in run.err.splitlines() if line.startswith("entrylint: validate ")]
    assert verdicts and all(line.endswith(": exact") for line in verdicts), run.err
    assert "CALL_REL" in run.err and "SLOT_READ_JMP" in run.err


def test_a_xen_branch_in_the_arm64_head_is_a_special_case(repo):
    arm64_repo(repo)
    base = repo.head()
    repo.edit("arch/arm64/kernel/head.S", "\tbl\trecord_mmu_state\n",
              "\tbl\trecord_mmu_state\n#ifdef CONFIG_XEN\n\tbl\txen_early_head_setup\n#endif\n")
    repo.commit("arm64: head: Xen's own early step")
    got = findings(entrylint("check", f"{base}..HEAD", "--format", "json", cwd=repo.path))
    assert ("EL120", ("arm64-native",)) in got


# -- damaged arm64 images: one line and exit 2, or an answer; never a traceback ---------------------
def section_header(data: bytes, name: str) -> tuple[int, tuple]:
    """(file offset of the header, its fields) of section `name` in an ELF64 file."""
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shnum, shstrndx = struct.unpack_from("<HH", data, 0x3C)
    fields = struct.Struct("<IIQQQQIIQQ")
    headers = [fields.unpack_from(data, shoff + 64 * i) for i in range(shnum)]
    names = headers[shstrndx][4]
    for i, h in enumerate(headers):
        if data[names + h[0]:data.index(b"\0", names + h[0])].decode() == name:
            return shoff + 64 * i, h
    raise KeyError(name)


def damaged(src, tmp_path, edit) -> str:
    raw = bytearray(src.read_bytes())
    edit(raw)
    out = tmp_path / "vmlinux"
    out.write_bytes(bytes(raw))
    return str(out)


def test_a_rela_dyn_of_partial_entries_is_one_line(arm64_images, tmp_path):
    def cut_rela(raw):
        at, h = section_header(bytes(raw), ".rela.dyn")
        struct.pack_into("<Q", raw, at + 32, h[5] - 5)         # sh_size: not a whole entry
    image = damaged(arm64_images.xen, tmp_path, cut_rela)
    assert_one_line_error(entrylint("entries", "--no-cache", image), image, ".rela.dyn", "whole number")


def test_a_pe_offset_past_the_header_is_no_efi_announcement(arm64_images, tmp_path):
    def far_pe(raw):
        at = raw.index(b"ARM\x64") + 4
        struct.pack_into("<I", raw, at, 0x7FFFFFF0)
    image = damaged(arm64_images.base, tmp_path, far_pe)
    run = entrylint("entries", "--format", "json", "--no-cache", image)
    assert run.code == 0, run.err
    efi = [e for e in run.json()["entries"] if e["path"] == "arm64-efi-stub"]
    assert [e["announced_by"] for e in efi] == [[]]


def test_relocations_pointing_nowhere_are_ignored(arm64_images, tmp_path):
    def scatter(raw):
        at, h = section_header(bytes(raw), ".rela.dyn")
        for entry in range(h[4], h[4] + h[5], 24):
            struct.pack_into("<Q", raw, entry, 0xFFFFFFFFFFFFFFF0)   # r_offset past every section
    image = damaged(arm64_images.xen, tmp_path, scatter)
    run = entrylint("entries", "--format", "json", "--no-cache", image)
    assert run.code == 0, run.err
    note = next(n for n in run.json()["notes"] if n["owner"] == "Xen")
    assert note["value"] == "0x0"        # the file's own word: no relocation reaches it now


def test_random_damage_to_an_arm64_image_never_crashes(arm64_images, tmp_path):
    import random

    rng = random.Random(19)
    data = arm64_images.xen.read_bytes()
    regions = [section_header(data, name)[1] for name in (".head.text", ".rela.dyn", ".notes", ".rodata.text")]
    for case in range(6):
        raw = bytearray(data)
        for _ in range(8):
            h = rng.choice(regions)
            at = h[4] + rng.randrange(h[5])
            raw[at] = rng.randrange(256)
        image = tmp_path / f"vmlinux-{case}"
        image.write_bytes(bytes(raw))
        for command in ("entries", "gaps"):
            run = entrylint(command, "--no-cache", str(image))
            assert run.code in (0, 2) and "Traceback" not in run.err, (case, command, run.err)


def test_the_config_names_a_shipped_profile(repo):
    arm64_repo(repo)
    base = repo.head()
    repo.write(".entrylint.toml", 'profile = "arm64"\n')
    repo.edit("arch/x86/kernel/head_64.S", "\tcall\t__startup_64\n", "\tcall\t__startup_64\n\tnop\n")
    repo.edit("arch/arm64/kernel/head.S", "\tbl\trecord_mmu_state\n", "\tbl\trecord_mmu_state\n\tnop\n")
    repo.commit("x86, arm64: a nop in each head")
    got = findings(entrylint("check", f"{base}..HEAD", "--format", "json", "--show-notes", cwd=repo.path))
    assert got and all(paths == ("arm64-native",) for _, paths in got)     # x86's head is not watched
