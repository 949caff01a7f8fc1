"""Real terminals for the end-to-end tests: a tmux server of the test's own, each session a
100x30 terminal running one command (nxedit, or a program that records what tmux sends)."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

# .ci/run points this at the nxedit that README's first command installed (not editable)
NXEDIT = shlex.split(os.environ.get("NXEDIT_E2E_COMMAND", "")) or [sys.executable, "-m", "nxedit.editor.cli"]


def new_session(socket: str, env: dict[str, str], name: str, command: str) -> None:
    """``command`` in a new 100x30 session ``name`` of the tmux server ``socket``, which then
    stays up until it is killed: a server whose last session died (``kill -9``) exits on its
    own, and a new-session sent while it shuts down fails with "server exited unexpectedly"
    (CI saw it; 3 in 300 here)."""
    subprocess.run(["tmux", "-L", socket, "new-session", "-d", "-s", name, "-x", "100", "-y", "30", command],
                   env=env, check=True)
    subprocess.run(["tmux", "-L", socket, "set-option", "-s", "exit-empty", "off"],
                   env=env, capture_output=True)


class Terminals:
    """One tmux server of our own; each named session is a terminal running one command."""

    def __init__(self, home: Path) -> None:
        self.socket = f"nxedit-test-{os.getpid()}-{time.monotonic_ns()}"
        self.env = {k: v for k, v in os.environ.items() if k != "TMUX"}
        self.env.update(NXEDIT_HOME=str(home), TERM="xterm-256color")

    def tmux(self, *args: str) -> str:
        return subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True,
                              env=self.env, errors="replace").stdout

    def start(self, name: str, argv: list[str], shell_after: bool = False) -> int:
        """Run ``argv`` in a fresh session ``name``; returns its process id. ``shell_after``:
        print the exit status when it ends and keep the session open."""
        self.tmux("kill-session", "-t", name)
        command = " ".join(shlex.quote(a) for a in argv)
        command = f"{command}; echo EXIT=$?; sleep 60" if shell_after else f"exec {command}"
        new_session(self.socket, self.env, name, command)
        self.tmux("set-option", "-s", "set-clipboard", "on")  # OSC 52 would fill a tmux buffer
        return int(self.tmux("display-message", "-p", "-t", name, "#{pane_pid}").strip())

    def screen(self, name: str) -> str:
        return self.tmux("capture-pane", "-p", "-t", name)

    def wait_for(self, name: str, text: str, timeout: float = 30.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.screen(name)
            if text in screen:
                return screen
            time.sleep(0.05)
        raise AssertionError(f"{text!r} never appeared in {name}; the screen was:\n{self.screen(name)}")

    def keys(self, name: str, *keys: str, literal: bool = False) -> None:
        self.tmux("send-keys", "-t", name, *(["-l"] if literal else []), *keys)
        time.sleep(0.05)

    def close(self) -> None:
        self.tmux("kill-server")


class Terminal:
    """One session ("ed") of a :class:`Terminals`: what a test with a single terminal drives."""

    NAME = "ed"

    def __init__(self, home: Path) -> None:
        self.terminals = Terminals(home)

    def tmux(self, *args: str) -> str:
        return self.terminals.tmux(*args)

    def start(self, *argv: str) -> int:
        """Run ``argv`` in a fresh window; returns its process id."""
        return self.terminals.start(self.NAME, list(argv))

    def screen(self) -> str:
        return self.terminals.screen(self.NAME)

    def wait_for(self, text: str, timeout: float = 30.0) -> str:
        return self.terminals.wait_for(self.NAME, text, timeout)

    def keys(self, *keys: str, literal: bool = False) -> None:
        self.terminals.keys(self.NAME, *keys, literal=literal)

    def close(self) -> None:
        self.terminals.close()
