"""Bad images give one ImageError line saying what the file is, never a traceback."""

from __future__ import annotations

import shutil
import struct
import subprocess

import pytest

from linter.errors import ImageError
from linter.image.model import load_image
from linter.profile import load_profile

pytestmark = pytest.mark.image


def problem(path) -> str:
    with pytest.raises(ImageError) as err:
        load_image(str(path), load_profile(), use_cache=False)
    assert err.value.source == str(path)
    return err.value.problem


def test_missing_file(tmp_path):
    assert problem(tmp_path / "vmlinux") == "no such file"


def test_directory(tmp_path):
    assert problem(tmp_path) == "is a directory, not a vmlinux image"


def test_not_an_elf(tmp_path):
    text = tmp_path / "System.map"
    text.write_text("ffffffff81000000 T _text\n")
    assert problem(text) == "not an ELF file (no ELF magic)"
    empty = tmp_path / "empty"
    empty.write_bytes(b"")
    assert problem(empty) == "empty file, not a vmlinux image"


def test_32_bit_elf(tmp_path):
    if not shutil.which("as"):
        pytest.skip("needs GNU as")
    src = tmp_path / "x.s"
    src.write_text(".text\n.globl startup_32\nstartup_32: ret\n")
    subprocess.run(["as", "--32", "-o", str(tmp_path / "x.o"), str(src)], check=True)
    assert problem(tmp_path / "x.o") == "an x86 (i386) ELF (32-bit), not an x86_64 or arm64 vmlinux"


def edited_copy(src, dest, at: int, data: bytes):
    raw = bytearray(src.read_bytes())
    raw[at:at + len(data)] = data
    dest.write_bytes(bytes(raw))
    return dest


def test_riscv_shaped_header(example_images, tmp_path):
    image = edited_copy(example_images.base, tmp_path / "Image", 18, struct.pack("<H", 243))
    assert problem(image) == "a RISC-V ELF (64-bit), not an x86_64 or arm64 vmlinux"


def test_truncated_section_headers(example_images, tmp_path):
    raw = example_images.base.read_bytes()
    cut = tmp_path / "vmlinux"
    cut.write_bytes(raw[:len(raw) // 2])
    assert problem(cut).startswith("truncated: the section headers end at byte ")
    assert problem(cut).endswith(f"past the end of the file ({len(raw) // 2} bytes)")


def test_symtab_past_end_of_file(example_images, tmp_path):
    raw = example_images.base.read_bytes()
    shoff, = struct.unpack_from("<Q", raw, 0x28)
    shnum, = struct.unpack_from("<H", raw, 0x3C)
    for i in range(shnum):
        if struct.unpack_from("<I", raw, shoff + 64 * i + 4)[0] == 2:   # SHT_SYMTAB
            image = edited_copy(example_images.base, tmp_path / "vmlinux", shoff + 64 * i + 24,
                                struct.pack("<Q", len(raw) + 4096))
            break
    assert problem(image).startswith("truncated: section .symtab ends at byte ")


def test_stripped(example_images, tmp_path):
    stripped = tmp_path / "vmlinux"
    subprocess.run(["objcopy", "--strip-all", str(example_images.base), str(stripped)], check=True)
    assert problem(stripped).startswith("stripped: no .symtab. A symbol-carrying vmlinux comes from the "
                                        "distribution's -dbg package")


def test_garbage_after_the_magic(tmp_path):
    junk = tmp_path / "vmlinux"
    junk.write_bytes(b"\x7fELF\x02\x01\x01" + b"\0" * 9 + struct.pack("<HH", 2, 62) + b"\xff" * 40)
    assert problem(junk) == "truncated: the ELF header is cut short"


def test_section_names_out_of_range(example_images, tmp_path):
    image = edited_copy(example_images.base, tmp_path / "vmlinux", 0x3E, struct.pack("<H", 999))  # e_shstrndx
    assert problem(image).startswith("malformed ELF: ")
