"""Our numpy reading of the section and program headers agrees with pyelftools on every field."""

import pytest
from elftools.elf.elffile import ELFFile

from linter.image.model import load_image
from linter.profile import load_profile


@pytest.mark.parametrize("which", ["base", "head", "base_norela", "head_norela"])
def test_tables_agree_with_pyelftools(example_images, which):
    path = getattr(example_images, which)
    model = load_image(str(path), load_profile(), use_cache=False)
    with open(path, "rb") as fh:
        elf = ELFFile(fh)
        theirs = [(i, s.name, s.header.sh_type, s.header.sh_flags, s.header.sh_addr, s.header.sh_offset,
                   s.header.sh_size, s.header.sh_link, s.header.sh_info) for i, s in enumerate(elf.iter_sections())]
        segs = [(s.header.p_type, s.header.p_offset, s.header.p_vaddr, s.header.p_paddr, s.header.p_filesz,
                 s.header.p_memsz, s.header.p_flags) for s in elf.iter_segments()]
    ours = [(s.index, s.name, s.type, s.flags, s.addr, s.offset, s.size, s.link, s.info) for s in model.sections]
    assert ours == theirs and len(ours) > 10
    assert [(g.type, g.offset, g.vaddr, g.paddr, g.filesz, g.memsz, g.flags) for g in model.segments] == segs
