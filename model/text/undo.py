"""Linear undo/redo over change sets, with typing bursts grouped into one step."""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Any

from .changeset import ChangeSet


@dataclass(frozen=True, slots=True)
class Revision:
    """One undo step: the change, its inverse, and the selections around it.

    Selections are opaque to the model (the editor stores its cursor state there).
    ``kind`` groups bursts: consecutive ``"insert"`` (or ``"delete"``) revisions close
    in time merge; anything else (``"paste"``, ``"suggestion"``, ``"other"``...) stands alone.
    """

    changes: ChangeSet
    inverse: ChangeSet
    selection_before: Any
    selection_after: Any
    kind: str
    time: float


MERGEABLE = ("insert", "delete")


class UndoHistory:
    def __init__(self, group_timeout: float = 1.0) -> None:
        self.group_timeout = group_timeout
        self._done: list[Revision] = []
        self._undone: list[Revision] = []
        self._sealed = True
        # the number of steps in _done when the buffer was last saved; None = unreachable
        self._saved_at: int | None = 0

    def record(
        self,
        changes: ChangeSet,
        inverse: ChangeSet,
        selection_before: Any = None,
        selection_after: Any = None,
        kind: str = "other",
        now: float | None = None,
    ) -> None:
        """Push a change made by the user; clears the redo stack."""
        if changes.is_identity:
            return
        now = time.monotonic() if now is None else now
        if self._undone:
            self._undone.clear()
            if self._saved_at is not None and self._saved_at > len(self._done):
                self._saved_at = None  # the saved state can no longer be reached by redo
        last = self._done[-1] if self._done else None
        if (
            last is not None
            and not self._sealed
            and kind in MERGEABLE
            and kind == last.kind
            and now - last.time <= self.group_timeout
            and self._saved_at != len(self._done)
        ):
            self._done[-1] = replace(
                last,
                changes=last.changes.compose(changes),
                inverse=inverse.compose(last.inverse),
                selection_after=selection_after,
                time=now,
            )
        else:
            self._done.append(Revision(changes, inverse, selection_before, selection_after, kind, now))
        self._sealed = kind not in MERGEABLE

    def seal(self) -> None:
        """Close the current group: the next change starts a new undo step
        (the editor calls this on cursor jumps, saves and mode changes)."""
        self._sealed = True

    @property
    def can_undo(self) -> bool:
        return bool(self._done)

    @property
    def can_redo(self) -> bool:
        return bool(self._undone)

    @property
    def last(self) -> Revision | None:
        """The step :meth:`undo` would take back."""
        return self._done[-1] if self._done else None

    @property
    def next(self) -> Revision | None:
        """The step :meth:`redo` would apply."""
        return self._undone[-1] if self._undone else None

    def undo(self) -> Revision | None:
        """The step to undo: apply its ``inverse`` and restore ``selection_before``."""
        if not self._done:
            return None
        rev = self._done.pop()
        self._undone.append(rev)
        self._sealed = True
        return rev

    def redo(self) -> Revision | None:
        """The step to redo: apply its ``changes`` and restore ``selection_after``."""
        if not self._undone:
            return None
        rev = self._undone.pop()
        self._done.append(rev)
        self._sealed = True
        return rev

    def mark_saved(self) -> None:
        self._saved_at = len(self._done)
        self._sealed = True

    @property
    def is_modified(self) -> bool:
        return self._saved_at != len(self._done)
