"""The lab box's zipimport bytecode cache (lab/box/overlay/.../oomgs_lab_zipimport_cache.py).

Each case runs Python in a subprocess (the cache patches zipimport for the
whole interpreter) whose password database lookup gives a temporary home.
"""

import pathlib
import subprocess
import sys
import zipfile

import pytest

HOOK_DIR = pathlib.Path(__file__).resolve().parents[2] / "lab/box/overlay/usr/lib/python3/dist-packages"

PROGRAM = f"""
import sys
sys.path.insert(0, {str(HOOK_DIR)!r})
import oomgs_lab_zipimport_cache
sys.path.insert(0, sys.argv[1])
import m
print(m.X)
try:
    m.f()
except RuntimeError as e:
    print(e.__traceback__.tb_next.tb_frame.f_code.co_filename)
"""


def make_zip(path, x):
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("m.py", f"def f():\n    raise RuntimeError('boom')\nX = {x}\n")


@pytest.fixture()
def home(tmp_path):
    path = tmp_path / "home"
    path.mkdir()
    return path


def run(home, archive):
    # The cache finds the home in the password database: point it here.
    shim = f"import pwd\npwd.getpwuid = lambda uid: type('P', (), {{'pw_dir': {str(home)!r}}})\n"
    out = subprocess.run([sys.executable, "-c", shim + PROGRAM, str(archive)],
                         check=True, capture_output=True, text=True)
    return out.stdout.split()


def entries(home):
    cache = home / ".cache/oomgs-zipimport"
    return sorted(p.name for p in cache.iterdir()) if cache.is_dir() else []


def test_second_import_is_served_from_the_cache_under_the_new_name(home, tmp_path):
    first, second = tmp_path / "a.zip", tmp_path / "b.zip"
    make_zip(first, 1)
    make_zip(second, 1)
    assert run(home, first) == ["1", f"{first}/m.py"]
    cached = entries(home)
    assert len(cached) == 1
    # Same path inside the zip and same text: one entry, renamed per import.
    assert run(home, second) == ["1", f"{second}/m.py"]
    assert entries(home) == cached


def test_changed_source_is_compiled_again(home, tmp_path):
    archive = tmp_path / "a.zip"
    make_zip(archive, 1)
    run(home, archive)
    make_zip(archive, 2)
    assert run(home, archive)[0] == "2"
    assert len(entries(home)) == 2


def test_corrupt_entry_is_compiled_again(home, tmp_path):
    archive = tmp_path / "a.zip"
    make_zip(archive, 1)
    run(home, archive)
    (home / ".cache/oomgs-zipimport" / entries(home)[0]).write_bytes(b"\x00junk")
    assert run(home, archive)[0] == "1"


def test_cache_directory_others_can_write_is_not_used(home, tmp_path):
    cache = home / ".cache/oomgs-zipimport"
    cache.mkdir(parents=True)
    cache.chmod(0o777)
    archive = tmp_path / "a.zip"
    make_zip(archive, 1)
    assert run(home, archive)[0] == "1"
    assert entries(home) == []
