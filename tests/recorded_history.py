"""Write edit sessions into the real history store, as the editor's recorder would (test helper)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from nxedit.model.text.edits import Position
from nxedit.model.history.events import EditEvent
from nxedit.model.text.plain import split_lines


def record(
    store,
    path: Path,
    initial: str,
    steps,
    t0: float,
    origin: str = "typed",
    project: Path | None = None,
    gap: float = 2.0,
    write: bool = True,
) -> tuple[str, float]:
    """Submit one event per ``(old, new)`` step (whole lines; the first occurrence of ``old``
    in the text as it is then), save the final text to ``path`` and return it with the
    time after the last event."""
    text, t = initial, t0
    for old, new in steps:
        at = text.index(old)
        assert at == 0 or text[at - 1] == "\n", f"{old!r} must start a line"
        start = text.count("\n", 0, at)
        text = text[:at] + new + text[at + len(old) :]
        new_lines = split_lines(new)
        cursor = (
            Position(start + len(new_lines) - 1, len(new_lines[-1].rstrip("\n")))
            if new_lines
            else Position(start, 0)
        )
        store.submit_event(
            EditEvent(
                str(path), t, t + 0.5, start, old, new, cursor, origin, project=str(project or path.parent)
            )
        )
        t += gap
    if write:
        path.write_text(text, encoding="utf-8")
    return text, t


def git(repo: Path, *args: str, when: int | None = None) -> str:
    env = None
    if when is not None:
        import os

        env = {**os.environ, "GIT_AUTHOR_DATE": f"{when} +0000", "GIT_COMMITTER_DATE": f"{when} +0000"}
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True, env=env
    ).stdout


def new_repo(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q")
    git(path, "config", "user.email", "t@example.com")
    git(path, "config", "user.name", "t")
    return path


def commit(repo: Path, files: dict[str, str], message: str, when: int) -> None:
    for name, text in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text, encoding="utf-8")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", message, when=when)
