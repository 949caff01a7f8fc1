"""The local system clipboard through whichever tool exists (wl-copy, xclip, xsel, pbcopy).

Over SSH there is usually none: the app also copies through the terminal (OSC 52), and
the terminal's own paste arrives as a bracketed-paste event. These functions block (a
subprocess with a short timeout): call them from a worker thread, never the UI thread.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

TIMEOUT = 1.0


def _candidates(paste: bool) -> list[list[str]]:
    tools = []
    if os.environ.get("WAYLAND_DISPLAY"):
        tools.append(["wl-paste", "--no-newline"] if paste else ["wl-copy"])
    if os.environ.get("DISPLAY"):
        tools.append(["xclip", "-selection", "clipboard", "-o"] if paste else ["xclip", "-selection", "clipboard"])
        tools.append(["xsel", "--clipboard", "--output"] if paste else ["xsel", "--clipboard", "--input"])
    if sys.platform == "darwin":
        tools.append(["pbpaste"] if paste else ["pbcopy"])
    return [t for t in tools if shutil.which(t[0])]


def copy_to_system(text: str) -> bool:
    """Put ``text`` on the system clipboard; False when no tool exists or it failed."""
    for cmd in _candidates(paste=False):
        try:
            subprocess.run(cmd, input=text.encode("utf-8"), timeout=TIMEOUT, check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            return True
        except (OSError, subprocess.SubprocessError):
            continue
    return False


def paste_from_system() -> str | None:
    """The system clipboard's text, or None when no tool exists or it failed."""
    for cmd in _candidates(paste=True):
        try:
            done = subprocess.run(cmd, capture_output=True, timeout=TIMEOUT, check=True)
            return done.stdout.decode("utf-8", errors="replace")
        except (OSError, subprocess.SubprocessError):
            continue
    return None
