"""Changes since the last commit: marks in the gutter for added, changed and deleted lines
against git's HEAD, next/previous change, and the branch for the status line.

Everything that asks git or diffs runs on a worker thread. The UI thread only copies the
list of line references (no text is joined) when typing pauses, and draws the marks of the
lines on screen. HEAD is asked again when a buffer is shown or saved, when the app gets
the focus back, and every :data:`HEAD_INTERVAL` seconds (a commit made in another terminal).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from nxedit.model.text.plain import strip_eol
from nxedit.model.vcs import git
from nxedit.model.vcs.line_diff import Hunk, line_changes

from nxedit.editor.buffer import Buffer
from nxedit.editor.view.layers import Annotation

if TYPE_CHECKING:
    from nxedit.editor.app import EditorApp

DIFF_DELAY = 0.3  # seconds without an edit before the marks are brought up to date
HEAD_INTERVAL = 5.0  # seconds between checks of HEAD for the buffer on screen

SIGNS = {"added": ("▎", "vcs.added"), "changed": ("▎", "vcs.changed")}


class _State:
    """Per buffer: where git keeps it, its text at HEAD and its hunks."""

    __slots__ = ("root", "head", "hunks", "running", "again", "need_head", "timer")

    def __init__(self) -> None:
        self.root: Path | None = None
        self.head: list[str] | None = None  # lines at HEAD; None: untracked or outside git
        self.hunks: list[Hunk] = []
        self.running = False
        self.again = False
        self.need_head = True
        self.timer = None


class ChangeMarks:
    """The view layer: a sign in the gutter beside each added, changed or deleted line."""

    def __init__(self, changes: "GitChanges") -> None:
        self.changes = changes
        self.version = 0

    def annotations(self, first_line: int, last_line: int) -> Iterable[Annotation]:
        for hunk in self.changes.hunks_of(self.changes.app.buffer):
            if hunk.kind == "deleted":
                # under the line above the removed ones (over the first line when they were at the top)
                line, text = (hunk.start - 1, "▁") if hunk.start > 0 else (0, "▔")
                if first_line <= line < last_line:
                    yield Annotation("gutter", line, -1, text=text, style="vcs.deleted")
                continue
            text, style = SIGNS[hunk.kind]
            for line in range(max(hunk.start, first_line), min(hunk.end, last_line)):
                yield Annotation("gutter", line, -1, text=text, style=style)


class GitChanges:
    """Keeps each open buffer's hunks against HEAD (see the module doc)."""

    def __init__(self, app: "EditorApp") -> None:
        self.app = app
        self.layer = ChangeMarks(self)
        self.states: dict[int, _State] = {}
        self.branch = ""

    def start(self) -> None:
        self.app.view.add_layer(self.layer)
        self.app.set_interval(HEAD_INTERVAL, self.check_head)

    # -- what the app tells us ----------------------------------------------------------

    def watch(self, buffer: Buffer) -> None:
        if id(buffer) not in self.states:
            self.states[id(buffer)] = _State()
            buffer.listeners.append(lambda event: self._edited(buffer))
        self.refresh(buffer, head=True)

    def forget(self, buffer: Buffer) -> None:
        state = self.states.pop(id(buffer), None)
        if state is not None and state.timer is not None:
            state.timer.stop()

    def check_head(self) -> None:
        """HEAD may have moved (a commit, a checkout): ask again for the buffer on screen."""
        self.refresh(self.app.buffer, head=True)

    def hunks_of(self, buffer: Buffer) -> list[Hunk]:
        state = self.states.get(id(buffer))
        return state.hunks if state is not None else []

    def _edited(self, buffer: Buffer) -> None:
        state = self.states.get(id(buffer))
        if state is None or (state.head is None and not state.need_head):
            return  # not tracked by git: nothing to mark
        if state.timer is not None:
            state.timer.stop()
        state.timer = self.app.set_timer(DIFF_DELAY, lambda: self.refresh(buffer))

    # -- refreshing (a worker at a time per buffer) -------------------------------------

    def refresh(self, buffer: Buffer, head: bool = False) -> None:
        state = self.states.get(id(buffer))
        if state is None:
            return
        state.need_head = state.need_head or head
        if state.running:
            state.again = True
            return
        state.running = True
        state.again = False
        need_head = state.need_head
        state.need_head = False
        path = buffer.path
        folder = path.parent if path is not None else Path.cwd()
        lines = list(buffer.document.lines)  # references only: the worker strips them
        encoding = buffer.file.encoding
        self.app.run_worker(lambda: self._work(buffer, state, folder, path, lines, encoding, need_head),
                            thread=True, group="git-changes", description="compare with git's HEAD")

    def _work(self, buffer: Buffer, state: _State, folder: Path, path: Path | None, lines: list[str],
              encoding: str, need_head: bool) -> None:
        """Worker thread: the branch and HEAD's text when asked, then the hunks."""
        branch = None
        head = state.head
        root = state.root
        if need_head:
            root = git.git_root(folder) if folder.is_dir() else None
            branch = git.branch(root) if root is not None else ""
            data = git.head_text(root, path) if root is not None and path is not None else None
            head = _lines_of(data, encoding) if data is not None else None
        hunks = line_changes(head, [strip_eol(line) for line in lines]) if head is not None else []
        try:
            self.app.call_from_thread(self._landed, buffer, state, root, head, hunks, branch, need_head)
        except RuntimeError:  # the app has closed
            pass

    def _landed(self, buffer: Buffer, state: _State, root, head, hunks, branch, had_head: bool) -> None:
        state.running = False
        if had_head:
            state.root, state.head = root, head
        state.hunks = hunks
        if buffer is self.app.buffer:
            if branch is not None and branch != self.branch:
                self.branch = branch
                self.app.status.branch = branch
            self.layer.version += 1
            self.app.view.refresh_layers()
        if state.again and id(buffer) in self.states:
            self.refresh(buffer)

    # -- moving between changes ---------------------------------------------------------

    def go(self, step: int) -> None:
        """Move the cursor to the next (``step`` 1) or previous (-1) change, wrapping around."""
        app = self.app
        hunks = self.hunks_of(app.buffer)
        if not hunks:
            state = self.states.get(id(app.buffer))
            tracked = state is not None and state.head is not None
            app.say("No changes since the last commit" if tracked else "Not a file git tracks: no changes to show")
            return
        line = app.buffer.cursor[0]
        starts = sorted({h.start for h in hunks})
        if step > 0:
            target = next((s for s in starts if s > line), starts[0])
        else:
            target = next((s for s in reversed(starts) if s < line), starts[-1])
        app.go_to(min(target, app.buffer.document.line_count - 1))
        n = starts.index(target) + 1
        app.say(f"Change {n} of {len(starts)}")


def _lines_of(data: bytes, encoding: str) -> list[str]:
    """HEAD's bytes as lines without endings, decoded as the buffer was."""
    try:
        text = data.decode(encoding or "utf-8", "replace")
    except LookupError:
        text = data.decode("utf-8", "replace")
    text = text.removeprefix("\ufeff")
    lines = text.split("\n")
    return [line.removesuffix("\r") for line in lines]

