"""Package discovery under the ``nxedit.*`` mapping (pyproject.toml holds everything else).

setuptools' own ``packages.find`` cannot map a folder to a dotted prefix, so the four top folders are
walked here: ``editor/view`` ships as ``nxedit.editor.view``, and a folder added later ships too.
"""

from setuptools import find_packages, setup

TOP = ("editor", "model", "training", "themes")

setup(
    packages=[f"nxedit.{name}" for top in TOP for name in find_packages(include=[top, f"{top}.*"])],
    package_dir={f"nxedit.{top}": top for top in TOP},
)
