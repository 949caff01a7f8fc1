"""Everything a behaviour may look at for one request (per request: safe across threads)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from nxedit.model.text.edits import Position
from .buffer import Buffer
from .candidates import MERGE_GAP
from .exports import ProjectExports
from .history import Hunk
from .lexer import squash
from .rewrite import Example, make_example

RECENT = 5  # how many of the latest hunks the behaviours learn from


@dataclass
class Context:
    buf: Buffer
    hunks: list[Hunk]  # oldest first, placed in the current text
    cursor: Position
    files: dict[str, str] = field(default_factory=dict)
    exports: ProjectExports | None = None  # the project's top-level names (the editor's index)

    @property
    def last(self) -> Hunk | None:
        return self.hunks[-1] if self.hunks else None

    @cached_property
    def examples(self) -> list[Example | None]:
        """The recent hunks (newest first) as diffed examples; None for whitespace-only ones."""
        out = []
        for hunk in reversed(self.hunks[-RECENT:]):
            old, new, _ = hunk.core()
            out.append(make_example(old, new, self.buf.dollar) if old and new else None)
        return out

    @cached_property
    def recent_block(self) -> Example | None:
        """The last one-line rewrites, each right below the one before (fewer than ``MERGE_GAP``
        lines apart), as one example of all their lines: the editor records a header and its body
        edited in turn as two edits, where git (and the benchmark's cases) sees one hunk."""
        run: list[Hunk] = []
        for hunk in reversed(self.hunks[-RECENT:]):
            if not hunk.intact or len(hunk.old_lines) != 1 or len(hunk.new_lines) != 1:
                break
            if run and not 0 <= run[-1].start - hunk.end < MERGE_GAP:
                break
            run.append(hunk)
        if len(run) < 2:
            return None
        start, end = run[-1].start, run[0].end
        new = self.buf.lines[start:end]
        old = list(new)
        for hunk in run:
            old[hunk.start - start] = hunk.old_lines[0]
        return make_example(old, new, self.buf.dollar)

    def made_before(self, old: list[str], new: list[str]) -> list[Hunk]:
        """The recent hunks before the last that made the same edit ``old`` -> ``new`` (their
        changed lines, spacing aside): a second example of it."""
        key = ([squash(x) for x in old], [squash(x) for x in new])
        out = []
        for hunk in self.hunks[-RECENT:-1]:
            gone, put, _ = hunk.core()
            if ([squash(x) for x in gone], [squash(x) for x in put]) == key:
                out.append(hunk)
        return out

    def recent_hunk(self, age: int) -> Hunk:
        """The hunk ``examples[age]`` was made from (0: the last)."""
        return self.hunks[-1 - age]

    def in_history(self, line: int) -> bool:
        """Whether a line of the current text is part of an edit the user made (and kept):
        any edit of the request, not only the ones the behaviours learn from (a rename's
        declaration stays the user's own after the ripple's first accepts)."""
        return any(h.intact and h.start <= line < h.end for h in self.hunks)
