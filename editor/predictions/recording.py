"""The editor's side of the edit history: every change to an open buffer goes to the
recorder, with the cursor, the wall-clock time and why it happened.

The editor's edit origins map onto the recorder's:

* ``typed``, ``paste``, ``undo``, ``redo``, ``suggestion`` (with the suggestion's id),
  ``reload`` -- as they are;
* ``command`` (indent, duplicate or move lines, toggle comment, cut, replace) -- ``typed``:
  the user made the edit, with a key instead of letters, and the next edit follows from it;
* ``restore`` (unsaved text brought back from the crash journal) -- ``reload``: the text
  changed under the user without them editing it now, like a reload from disk.

Private files (secret globs, the user's globs, ``.nxedit-private``) go to a second
recorder that has no sink: their recent edits live in memory for the session, so the
structural engine (in-process, it sends nothing anywhere) still predicts there, but they
are never written to the history nor sent to a model.
"""

from __future__ import annotations

import os
import time

from nxedit.model.history.session import EditHistory
from nxedit.model.privacy import PathInfo
from nxedit.model.history.recorder import Recorder

from nxedit.editor.buffer import Buffer, BufferEdit

RECORDER_ORIGIN = {
    "typed": "typed",
    "paste": "paste",
    "command": "typed",
    "undo": "undo",
    "redo": "redo",
    "suggestion": "suggestion",
    "reload": "reload",
    "restore": "reload",
}


def _in_memory(path: str) -> PathInfo:
    return PathInfo(os.path.abspath(path), "", False)


class EditRecording:
    """Feeds one :class:`EditHistory` from the editor's buffers (UI thread only)."""

    def __init__(self, history: EditHistory) -> None:
        self.history = history
        self.recorder = history.recorder
        self.private = Recorder(classify=_in_memory)  # no sink: memory only
        self.suggestion_id: int | None = None  # set while an accepted suggestion is applied

    @staticmethod
    def path_of(buffer: Buffer) -> str | None:
        return str(buffer.path) if buffer.path is not None else None

    def is_private(self, buffer: Buffer) -> bool:
        path = self.path_of(buffer)
        return path is not None and self.history.privacy.is_private(path)

    def _recorder(self, path: str | None) -> Recorder:
        return self.private if path is not None and self.history.privacy.is_private(path) else self.recorder

    def watch(self, buffer: Buffer) -> None:
        buffer.listeners.append(self._edited)

    def _edited(self, event: BufferEdit) -> None:
        buffer = event.buffer
        path = self.path_of(buffer)
        if buffer.limits is not None and buffer.limits.no_predict:  # a huge file: its lines are
            self._recorder(path).saved(path)  # no training example; the open event ends here
            return
        origin = RECORDER_ORIGIN[event.origin]
        sid = self.suggestion_id if origin == "suggestion" else None
        self._recorder(path).record_change(
            path, buffer.document, event.changes, buffer.cursor, time.time(), origin, sid
        )

    def cursor_moved(self, buffer: Buffer) -> None:
        path = self.path_of(buffer)
        self._recorder(path).cursor_moved(path, buffer.cursor, time.time())

    def saved(self, buffer: Buffer) -> None:
        self._recorder(self.path_of(buffer)).saved(self.path_of(buffer))

    def focus(self, buffer: Buffer) -> None:
        path = self.path_of(buffer)
        self.recorder.focus(path)
        self.private.focus(path)

    def closed(self, buffer: Buffer) -> None:
        self._recorder(self.path_of(buffer)).end(self.path_of(buffer))

    def tick(self) -> None:
        now = time.time()
        self.recorder.tick(now)
        self.private.tick(now)

    def recent_hunks(self, buffer: Buffer, n: int = 5) -> list[dict]:
        """The buffer's last ``n`` edits (the open one included) as history hunks."""
        path = self.path_of(buffer)
        return self._recorder(path).recent_hunks(path, n)

    def close(self) -> None:
        """Close open events and write what is queued (waits at most a few seconds)."""
        self.private.close_all()
        self.history.close(timeout=3.0)
