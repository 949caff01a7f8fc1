"""Progress bars and one-line summaries for the training commands."""

from __future__ import annotations

import os
import sys
import time
from typing import Iterable, Iterator, TypeVar

T = TypeVar("T")


def progress(items: Iterable[T], description: str, total: int | None = None) -> Iterator[T]:
    """``items`` with a progress bar on a terminal (rich, which the editor already needs);
    plain iteration when output goes to a file or a test."""
    if not sys.stderr.isatty():
        yield from items
        return
    from rich.console import Console
    from rich.progress import track

    yield from track(
        items, description=description, total=total, console=Console(stderr=True), transient=True
    )


class Stopwatch:
    def __init__(self) -> None:
        self.t0 = time.perf_counter()

    def __str__(self) -> str:
        s = time.perf_counter() - self.t0
        return f"{s:.1f}s" if s < 120 else f"{int(s // 60)}m{int(s % 60):02d}s"


def is_main_process() -> bool:
    """False in the extra processes of ``accelerate launch`` / ``torchrun`` (they stay quiet)."""
    return os.environ.get("RANK", "0") == "0"


def say(text: str) -> None:
    if is_main_process():
        print(text, flush=True)


def summary(command: str, text: str) -> None:
    """The one line a command ends with (stdout, so scripts can keep it)."""
    say(f"{command}: {text}")
