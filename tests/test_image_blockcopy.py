"""Struct copies compiled as string moves (linter/image/blockcopy.py), on code gcc compiled and ld linked."""

from __future__ import annotations

from decode_fixture import build

from linter.image.blockcopy import block_copies


def test_a_whole_table_copy_is_read_from_the_bytes(tmp_path):
    img = build(tmp_path)
    f = img.index("xen_copy_many_ops")
    start, end = int(img.starts[f]), int(img.ends[f])
    code = img.code[start - img.base:end - img.base].tobytes()
    [copy] = block_copies(code, start)
    assert (copy.dst, copy.src, copy.size) == (img.symbols["many_ops"], img.symbols["xen_many_ops"], 40 * 8)
    assert img.code[copy.site - img.base:copy.site - img.base + 3].tobytes() == b"\xf3\x48\xa5"


def test_no_copy_where_the_registers_are_not_set_just_before(tmp_path):
    img = build(tmp_path)
    for name in img.names:
        if name == "xen_copy_many_ops":
            continue
        f = img.index(name)
        start, end = int(img.starts[f]), int(img.ends[f])
        assert block_copies(img.code[start - img.base:end - img.base].tobytes(), start) == [], name
    # a rep movs whose count register comes from elsewhere: not taken
    assert block_copies(b"\x48\xc7\xc7\x00\x10\x00\x80\x48\xc7\xc6\x00\x20\x00\x80\xf3\x48\xa5", 0) == []
