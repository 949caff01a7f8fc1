"""Path completion for the open and save-as prompts (Textual's inline input suggestion).

Typing a path shows the rest of the one entry it can complete to (or the part all the
candidates share) dimmed after the cursor; Tab or → takes it. A folder completes with its
``/`` so the next Tab goes on inside it. The folder is listed in a thread: the prompt never
waits on a slow disk.
"""

from __future__ import annotations

import asyncio
import os

from textual.suggester import Suggester

MAX_ENTRIES = 5000  # a huge folder is not listed further


def complete_path(value: str) -> str | None:
    """``value`` completed as far as the entries of its folder agree, or None."""
    if not value:
        return None
    head, prefix = os.path.split(value)
    folder = os.path.expanduser(head) if head else "."
    names = []
    try:
        with os.scandir(folder) as entries:
            for i, entry in enumerate(entries):
                if i >= MAX_ENTRIES:
                    break
                if entry.name.startswith(prefix) and (prefix.startswith(".") or not entry.name.startswith(".")):
                    names.append(entry.name + ("/" if entry.is_dir() else ""))
    except OSError:
        return None
    if not names:
        return None
    common = os.path.commonprefix(names)
    if len(common) <= len(prefix):
        return None
    return os.path.join(head, common) if head else common


class PathSuggester(Suggester):
    def __init__(self) -> None:
        super().__init__(use_cache=False, case_sensitive=True)  # the disk changes; names are case-sensitive

    async def get_suggestion(self, value: str) -> str | None:
        return await asyncio.to_thread(complete_path, value)
