"""The answers cache of `entries` and `gaps` (linter.image.answers): a second run on the same image
renders the stored report without importing numpy or pyelftools; a damaged or foreign cache file is
said once and written anew; anything that changes the answer changes the key."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from clirun import entrylint
from linter import jsoncache
from linter.image import answers
from linter.image.header import check_image_file
from linter.image.model import load_image
from linter.profile import load_profile

pytestmark = pytest.mark.image


def answer_files() -> list[Path]:
    return sorted((Path(os.environ["XDG_CACHE_HOME"]) / "entrylint" / "answers").glob("*.ans"))


def imported_modules(*args: str) -> tuple[str, set[str]]:
    """stdout of `entrylint ARGS`, and every module the process imported."""
    code = ("import sys, runpy; sys.argv = ['entrylint', *sys.argv[1:]]\n"
            "try:\n    runpy.run_module('linter.cli', run_name='__main__')\n"
            "except SystemExit:\n    pass\n"
            "sys.stdout.flush(); sys.stderr.write('\\nMODULES ' + ' '.join(sys.modules))\n")
    proc = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True)
    return proc.stdout, set(proc.stderr.rsplit("MODULES ", 1)[1].split())


@pytest.mark.parametrize("command", ["gaps", "entries"])
def test_second_run_renders_the_stored_answer_without_numpy(example_images, command):
    image = str(example_images.base)
    first, first_modules = imported_modules(command, "--format", "json", image)
    assert "numpy" in first_modules and len(answer_files()) == 1
    second, modules = imported_modules(command, "--format", "json", image)
    assert second == first
    assert not {m for m in modules if m.split(".")[0] in ("numpy", "elftools", "capstone")}, sorted(modules)
    text, modules = imported_modules(command, image)        # another format: the same answer, rendered
    assert "numpy" not in modules and text.strip()


def test_the_image_is_named_as_given(example_images, tmp_path):
    entrylint("gaps", "--format", "json", str(example_images.base))
    link = tmp_path / "other-name"
    os.symlink(example_images.base, link)
    assert entrylint("gaps", "--format", "json", str(link)).json()["image"] == str(link)


def test_options_and_profile_are_part_of_the_key(example_images, tmp_path):
    image = str(example_images.base)
    both = entrylint("gaps", "--format", "json", image).json()
    one = entrylint("gaps", "--format", "json", "--path", "pvh", image).json()
    assert list(one["paths"]) == ["pvh"] and len(both["paths"]) == 3
    profile = tmp_path / "profile.toml"
    shipped = Path(jsoncache.package_top()) / "rules" / "x86_64.toml"
    profile.write_text(shipped.read_text().replace('converges_at = ["startup_64"]', 'converges_at = ["xen_pvh_init"]'))
    assert profile.read_text() != shipped.read_text()
    other = entrylint("gaps", "--format", "json", "--profile", str(profile), "--path", "pvh", image).json()
    assert other["paths"]["pvh"]["converges_at"] == ["xen_pvh_init"]


def test_a_changed_image_is_a_new_key(example_images, tmp_path):
    image = tmp_path / "vmlinux"
    shutil.copy(example_images.base, image)
    entrylint("gaps", str(image))
    shutil.copy(example_images.head_norela, image)             # rebuilt in place: other size and mtime
    assert "early_cpu_quirks_init" in entrylint("gaps", "--format", "json", str(image)).out
    assert len(answer_files()) == 2


@pytest.mark.parametrize("damage, said", [
    (lambda data: data[:-7], "checksum mismatch"),
    (lambda data: data.replace(b"entrylint-cache 1 ", b"entrylint-cache 99 ", 1), "format 99"),
    (lambda data: b"\x00garbage\n" + data, "not an entrylint answers file"),
    (lambda data: data.replace(b" answers ", b" hookmap ", 1), "not an entrylint answers file"),
    (lambda data: data.split(b"\n")[0] + b"\n[1, 2]", "checksum mismatch"),
])
def test_a_damaged_file_is_said_and_written_anew(example_images, damage, said):
    image = str(example_images.base)
    good = entrylint("gaps", "--format", "json", image)
    (file,) = answer_files()
    file.write_bytes(damage(file.read_bytes()))
    run = entrylint("gaps", "--format", "json", image)
    assert run.code == 0 and run.json()["paths"] == good.json()["paths"]
    assert run.err.count("cache file ignored") == 1 and said in run.err and str(file) in run.err
    again = entrylint("gaps", "--format", "json", image)
    assert again.err == "" and again.out == run.out


def test_no_cache_and_validate_neither_read_nor_write(example_images):
    image = str(example_images.base)
    entrylint("gaps", "--no-cache", image)
    entrylint("entries", "--no-cache", image)
    entrylint("gaps", "--validate", image)
    assert answer_files() == []


def test_an_unwritable_cache_is_no_error(example_images, tmp_path):
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the cache directory would be")
    env = dict(os.environ, XDG_CACHE_HOME=str(blocked))
    run = subprocess.run([sys.executable, "-m", "linter.cli", "gaps", str(example_images.base)],
                         capture_output=True, text=True, env=env)
    assert run.returncode == 0 and run.stderr == "" and "native:" in run.stdout


def test_code_identity_follows_the_modules(tmp_path, monkeypatch):
    (tmp_path / "linter").mkdir()
    (tmp_path / "rules").mkdir()
    module = tmp_path / "linter" / "paths.py"
    module.write_text("x = 1\n")
    (tmp_path / "rules" / "x86_64.toml").write_text("")
    monkeypatch.setattr(jsoncache, "package_top", lambda: str(tmp_path))
    before = jsoncache.code_identity()
    assert jsoncache.code_identity() == before
    module.write_text("x = 2\n")            # the same size: the mtime tells
    os.utime(module, ns=(module.stat().st_atime_ns, module.stat().st_mtime_ns + 10**9))
    assert jsoncache.code_identity() != before


def test_the_key_read_by_hand_is_the_array_caches(example_images):
    image = str(example_images.base)
    model = load_image(image, load_profile(None), use_cache=False)
    assert model.build_id
    quick = answers.quick_image_key(image, check_image_file(image), answers.IMAGE_KEY_VERSION)
    assert model.cache.key == f"{quick}-{jsoncache.code_identity()[:12]}"   # the arrays: this code's only
