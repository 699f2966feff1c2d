"""EL201 new-entry-point and EL202 entry-point-lost on images built before and after a series."""

from __future__ import annotations

import pytest
from image_fixtures import build, copy_tree

from linter.context import Context
from linter.profile import load_profile
from rules import el201_new_entry_point as el201
from rules import el202_entry_point_lost as el202

pytestmark = pytest.mark.image


def run(rule, base, head):
    ctx = Context(series=None, marks=[], profile=load_profile(), image_path=str(head),
                  base_image_path=str(base), use_cache=False)
    return list(rule.check(ctx))


@pytest.fixture(scope="module")
def broken_doors(tmp_path_factory):
    """The base tree with the PVH note removed and the Xen ENTRY note pointing at data."""
    tree = copy_tree(tmp_path_factory.mktemp("broken") / "tree")
    pvh = tree / "arch/x86/platform/pvh/head.S"
    pvh.write_text("\n".join(line for line in pvh.read_text().splitlines() if "PHYS32_ENTRY" not in line) + "\n")
    xen = tree / "arch/x86/xen/xen-head.S"
    xen.write_text(xen.read_text().replace("_ASM_PTR startup_xen)", "_ASM_PTR initial_code)"))
    return build(tree, tree.parent / "out")


@pytest.mark.parametrize("relocs", [True, False])
def test_series_adds_one_door(example_images, relocs):
    base = example_images.base if relocs else example_images.base_norela
    head = example_images.head if relocs else example_images.head_norela
    found = run(el201, base, head)
    assert [(f.rule, f.symbol, f.paths, f.file, f.image) for f in found] == [
        ("EL201", "startup_xen_kexec", ["xen-pv"], "arch/x86/xen/xen-head.S", "head")]
    assert found[0].message.startswith("new entry point startup_xen_kexec on the xen-pv path (note:Xen:1=0x")
    assert found[0].severity == "error"
    assert run(el202, base, head) == []


def test_reverting_the_series_loses_that_door(example_images):
    found = run(el202, example_images.head, example_images.base)
    assert [(f.rule, f.symbol, f.image) for f in found] == [("EL202", "startup_xen_kexec", "base")]
    assert found[0].message == "entry point startup_xen_kexec of the xen-pv path is gone from the image"
    assert run(el201, example_images.head, example_images.base) == []


def test_same_image_is_clean(example_images):
    assert run(el201, example_images.base, example_images.base_norela) == []
    assert run(el202, example_images.base, example_images.base_norela) == []


def test_lost_announcements(example_images, broken_doors):
    found = {f.symbol: f for f in run(el202, example_images.base, broken_doors)}
    assert sorted(found) == ["pvh_start_xen", "startup_xen"]
    assert found["pvh_start_xen"].message == \
        "entry point pvh_start_xen of the pvh path is no longer announced by note:Xen:18"
    assert found["pvh_start_xen"].file == "arch/x86/platform/pvh/head.S"
    assert found["startup_xen"].message.startswith(
        "entry point startup_xen of the xen-pv path is no longer announced by note:Xen:1; note:Xen:1 now "
        "points at 0x")
    assert found["startup_xen"].message.endswith(", which is not code (.data)")
    # the note that now leads into data is not a new door
    assert run(el201, example_images.base, broken_doors) == []


def test_fingerprints_tell_the_findings_apart(example_images, broken_doors):
    found = run(el202, example_images.base, broken_doors)
    assert len({f.fingerprint for f in found}) == len(found) == 2


@pytest.mark.parametrize("relocs", [True, False])
def test_el210_native_only_init_call(example_images, relocs):
    from rules import el210_new_path_gap as el210

    base = example_images.base if relocs else example_images.base_norela
    head = example_images.head if relocs else example_images.head_norela
    found = run(el210, base, head)
    assert [(f.rule, f.symbol, f.paths, f.severity) for f in found] == [
        ("EL210", "early_cpu_quirks_init", ["native"], "warning")]
    assert found[0].message == ("early_cpu_quirks_init now runs before convergence on the native path but "
                                "not on xen-pv")
    assert found[0].evidence == ["startup_64 -jump-> common_startup_64 -slot-read-> x86_64_start_kernel "
                                 "-call-> early_cpu_quirks_init"]
    assert run(el210, base, base) == []


def test_el211_changed_functions_on_some_paths(example_images):
    from linter.gitobjects import GitObjects
    from linter.gitsource import open_repo, series_from_range
    from linter.marks import mark_series
    from rules import el211_one_path_change as el211

    profile = load_profile()
    repo = open_repo(str(example_images.head_tree))
    series = series_from_range(repo, "master~4..master", None)
    marks = mark_series(series, profile, GitObjects(repo.working_tree_dir))
    ctx = Context(series=series, marks=marks, profile=profile, image_path=str(example_images.head_norela),
                  use_cache=False)
    found = [(f.patch, f.file, f.symbol, f.paths) for f in el211.check(ctx)]
    # the new door startup_xen_kexec is EL201's and EL102's, not a note here
    assert found == [
        (2, "arch/x86/kernel/head64.c", "x86_64_start_kernel", ["native", "pvh"]),
        (2, "arch/x86/kernel/setup.c", "early_cpu_quirks_init", ["native", "pvh"]),
    ]
    # with the base image, early_cpu_quirks_init is newly reached: EL210 reports it, not EL211
    ctx = Context(series=series, marks=marks, profile=profile, image_path=str(example_images.head_norela),
                  base_image_path=str(example_images.base_norela), use_cache=False)
    assert [f.symbol for f in el211.check(ctx)] == ["x86_64_start_kernel"]


def test_a_symbols_source_file_maps_to_the_profiles_entry_file():
    from linter.image.sourcefile import SourceLocator, profile_file
    from linter.profile import load_profile

    profile = load_profile()
    locate = SourceLocator(profile, None)
    # gas names an assembler object's STT_FILE after the object (head_64.o), gcc after the source
    assert locate.file_for("head_64.o", "native") == "arch/x86/kernel/head_64.S"
    assert locate.file_for("xen-head.o", "xen-pv") == "arch/x86/xen/xen-head.S"
    assert locate.file_for("head64.c", None) == "arch/x86/kernel/head64.c"
    assert locate.file_for("nosuchfile.c", "native") is None and locate.file_for(None, "native") is None
    # a door with no STT_FILE still gets its path's first whole-file entry file (EL201, EL202)
    assert profile_file(profile, None, "pvh", fallback=True) == "arch/x86/platform/pvh/head.S"
    assert profile_file(profile, None, "pvh") is None
