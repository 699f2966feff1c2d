"""Alternatives: a call that only exists in a replacement is an edge of the patched function,
whatever the era's size of struct alt_instr (12 bytes in 6.1, 14 in 6.12)."""

import shutil
import subprocess

import numpy as np
import pytest

from linter.image.alternatives import read_alternatives
from linter.image.model import load_image
from linter.image.paths import EdgeReader, function_table
from linter.profile import load_profile

ASM = """
	.text
	.globl patched, only_in_replacement, plain
	.type patched, @function
patched:
	nop
1:	.byte 0x0f, 0x1f, 0x44, 0x00, 0x00	/* a 5-byte nop the kernel may patch */
	ret
	.size patched, .-patched
	.type only_in_replacement, @function
only_in_replacement:
	ret
	.size only_in_replacement, .-only_in_replacement
	.type plain, @function
plain:
	ret
	.size plain, .-plain

	.section .altinstructions, "a"
	.long 1b - .
	.long 2f - .
{feature}
	.byte 5
	.byte 5

	.section .altinstr_replacement, "ax"
2:	call only_in_replacement
"""
ERAS = {12: "\t.word 0x1234", 14: "\t.long 0x1234"}   # 6.1: u16 cpuid; 6.12: u32 ft_flags


@pytest.mark.skipif(not shutil.which("gcc"), reason="needs gcc and ld")
@pytest.mark.parametrize("stride", sorted(ERAS))
def test_replacement_call_is_an_edge_of_the_patched_function(tmp_path, stride):
    src = tmp_path / "alt.S"
    src.write_text(ASM.replace("{feature}", ERAS[stride]))
    obj, image = tmp_path / "alt.o", tmp_path / "vmlinux"
    subprocess.run(["gcc", "-c", "-o", obj, src], check=True)
    subprocess.run(["ld", "-o", image, "-e", "patched", obj], check=True)
    model = load_image(str(image), load_profile(), use_cache=False)
    table = read_alternatives(model)
    assert table is not None and len(table.instr) == 1 and int(table.repl_len[0]) == 5
    funcs = function_table(model)
    index = {model.symbols.name(int(s)): f for f, s in enumerate(funcs.sym)}
    src_, dst, _ = EdgeReader(model, funcs)(np.array([index["patched"]]))
    assert (index["patched"], index["only_in_replacement"]) in set(zip(src_.tolist(), dst.tolist()))
    src_, dst, _ = EdgeReader(model, funcs)(np.array([index["plain"]]))
    assert index["only_in_replacement"] not in dst.tolist()
