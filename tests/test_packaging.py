"""The wheel ships every file of the source tree under the ``nxedit.*`` mapping.

A wheel once left out ``model/predict/structural`` (and ``backends``, ``prompts``): README's
first command installed an editor with no prediction at all, and every test still passed
because they import the source tree. This builds a real wheel from a copy of the tree and
compares the two, so a folder added later cannot be forgotten either.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TOP = ("editor", "model", "training", "themes")  # shipped as nxedit.editor, nxedit.model, ...
PROJECT_FILES = ("pyproject.toml", "setup.py", "README.md")
SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "build", "dist")


def source_files() -> set[str]:
    """Every file under the shipped folders, as its path inside the wheel."""
    out = set()
    for top in TOP:
        for path in (ROOT / top).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                out.add("nxedit/" + path.relative_to(ROOT).as_posix())
    return out


def _setuptools_ok() -> bool:
    try:
        return int(version("setuptools").split(".")[0]) >= 68
    except (PackageNotFoundError, ValueError):
        return False


@pytest.mark.slow
def test_the_wheel_holds_every_file_of_the_source_tree(tmp_path: Path):
    tree = tmp_path / "src"  # a copy: building in place would leave build/ and egg-info behind
    tree.mkdir()
    for name in PROJECT_FILES:
        shutil.copy2(ROOT / name, tree / name)
    for top in TOP:
        shutil.copytree(ROOT / top, tree / top, ignore=SKIP)
    # with setuptools>=68 at hand the build needs no package index
    isolation = ["--no-build-isolation"] if _setuptools_ok() else []
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", *isolation, "-w", str(tmp_path / "dist"),
         str(tree)],
        capture_output=True, text=True, timeout=240,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    (wheel,) = (tmp_path / "dist").glob("nxedit-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        shipped = {n for n in zf.namelist() if n.startswith("nxedit/")}
        entry_points = "".join(zf.read(n).decode() for n in zf.namelist() if n.endswith("entry_points.txt"))
    missing = sorted(source_files() - shipped)
    assert not missing, f"the wheel leaves out {len(missing)} file(s): {missing[:20]}"
    packages = {str(Path(n).parent) for n in shipped if n.endswith("/__init__.py")}
    folders = {str(Path(n).parent) for n in shipped if n.endswith(".py")}
    assert folders <= packages | {"nxedit/editor/samples"}, f"folders without __init__.py: {folders - packages}"
    assert "nxedit = nxedit.editor.cli:main" in entry_points, "the wheel has no nxedit command"
