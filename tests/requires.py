"""Optional packages a test needs: without them the test skips with one line saying what to install.

README's test command installs the test extra only (small and quick); torch, transformers, peft,
trl and accelerate come with the train extra, which CI installs (with the CPU build of torch).
"""

import pytest


def train_extra(module: str):
    """``module``, imported; the calling test module skips when it is missing."""
    return pytest.importorskip(module, reason=f"needs {module} (the train extra): pip install -e '.[train]'")
