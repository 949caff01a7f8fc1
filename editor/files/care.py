"""Files and nothing lost: open, save, reload, the crash journal and the disk watch.

A mixin of the app. The rules:

* open: a file that cannot be shown (binary, undecodable, unreadable, a directory) is a
  one-line message and no buffer; unsaved text journaled by a crashed session is offered
  back ("restore" makes it a modified buffer, "discard" forgets it);
* save: atomic (:func:`fileio.save_file`); a file changed on disk since we read it is
  never overwritten without asking; a failure is a message and the buffer stays modified;
* journal: modified buffers are written to the journal from a worker thread, on idle and
  at most a few seconds behind typing; the entry goes when the buffer is saved or clean;
* watch: every few seconds a worker stats the open files; a change on disk reloads a buffer
  without unsaved edits (undoable) and asks "reload or keep" for one with them; a deletion
  is reported.
"""

from __future__ import annotations

import os
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from textual import work

from nxedit.model.languages import spec_for_path

from nxedit.editor.buffer import Buffer, FileInfo
from nxedit.editor.view.limits import limits_of, may_change

if TYPE_CHECKING:
    from .fileio import DiskStamp, LoadedFile
    from .journal import Journal

JOURNAL_IDLE = 0.5  # seconds without an edit before a modified buffer is journaled
JOURNAL_MAX_LAG = 3.0  # ...or at most this long after it changed, even while typing
WATCH_INTERVAL = 2.0  # seconds between checks of the open files on disk
_JOURNAL_MADE = threading.Lock()


class _FileState:
    """Bookkeeping per buffer that the journal and the watch need."""

    __slots__ = ("journaled_version", "journal_pending", "last_edit", "changed_since", "asked_about", "untitled_id")

    def __init__(self) -> None:
        self.journaled_version = -1  # the version last written to the journal
        self.journal_pending = False  # an entry may exist on disk
        self.last_edit = 0.0
        self.changed_since = 0.0  # when the unjournaled changes began
        self.asked_about: tuple[int, int] | None = None  # disk (mtime, size) already asked about
        self.untitled_id: str | None = None  # names the journal entry while the buffer has no file


class FileCare:
    """File handling for :class:`EditorApp` (which provides ``say``, ``view``, ``buffers``...)."""

    _journal: "Journal | None" = None
    _journal_trouble: int | None = None  # the errno the journal last failed with, until it works again

    # -- set-up -----------------------------------------------------------------------

    def start_file_care(self) -> None:
        self._file_states: dict[int, _FileState] = {}
        self.set_interval(JOURNAL_IDLE, self._journal_tick)
        self.set_interval(WATCH_INTERVAL, self._watch_disk)
        self.call_after_refresh(self._check_untitled)

    @property
    def journal(self) -> "Journal":
        # made on first use, by whichever worker comes first: one per process (a second one
        # would be a second owner, its claims dropped with it)
        with _JOURNAL_MADE:
            if self._journal is None:
                from .journal import Journal

                self._journal = Journal()
        return self._journal

    def _state(self, buffer: Buffer) -> _FileState:
        state = self._file_states.get(id(buffer))
        if state is None:
            state = self._file_states[id(buffer)] = _FileState()
            buffer.listeners.append(lambda event: self._edited(state))
            buffer.listeners.append(lambda event: self._check_limits(buffer, event))
            buffer.on_refused = self._refused
        return state

    def _check_limits(self, buffer: Buffer, event) -> None:
        """A big paste (or a reload) may move a buffer past a limit, or back."""
        if not any(may_change(c.inserted) or may_change(c.deleted) for c in event.changes):
            return
        limits = limits_of(buffer.document)
        if limits == buffer.limits:
            return
        old, buffer.limits = buffer.limits, limits
        if (old.no_colour if old else None) != limits.no_colour:
            self.call_after_refresh(self.attach_highlighter, buffer)
        if buffer is self.buffer:
            self.view.limits_changed()
            self.status.refresh()

    def _refused(self, buffer: Buffer) -> None:
        now = time.monotonic()
        if now - getattr(self, "_refused_at", -10.0) < 3.0:  # once, not per key typed
            return
        self._refused_at = now
        self.say(f"{buffer.name} is read-only here: another nxedit has it open (Save as… keeps a copy)",
                 error=True)

    @staticmethod
    def _edited(state: _FileState) -> None:
        now = time.monotonic()
        if not state.changed_since:  # the first change since the journal was written
            state.changed_since = now
        state.last_edit = now

    # -- opening ----------------------------------------------------------------------

    def open_path(self, path: Path, line: int | None = None, column: int | None = None) -> Buffer | None:
        """Open ``path`` in a buffer (or switch to it) and go to ``line``/``column``."""
        buffer = self._find_open(path)
        if buffer is None:
            from .fileio import FileError, load_file

            try:
                loaded = load_file(path)
            except FileError as exc:
                self.say(str(exc), error=True)
                return None
            buffer = self.buffer_for_opening(loaded)
            self._add_buffer(buffer)
            self.call_after_refresh(self._check_journal, buffer)  # after the first paint
        self.show_buffer(buffer)
        if line is not None:
            self.go_to(line, column or 0)
        return buffer

    def buffer_for_opening(self, loaded: "LoadedFile") -> Buffer:
        """The buffer for a file the user opens (the app may give it an undo history)."""
        return self.buffer_for(loaded)

    def buffer_for(self, loaded: "LoadedFile") -> Buffer:
        info = FileInfo(loaded.path, loaded.encoding, loaded.bom, loaded.exists, loaded.stamp, loaded.mode)
        buffer = Buffer(loaded.text, info, tab_width=self.config.tab_width)
        buffer.limits = limits_of(buffer.document)
        buffer.mark_saved()
        self.setup_language(buffer)
        self._state(buffer)
        return buffer

    def setup_language(self, buffer: Buffer) -> None:
        """Language facts (name, comment tokens, highlighter) for the buffer's file."""
        first_line = buffer.document.line_text(0)
        spec = spec_for_path(buffer.path, first_line) if buffer.path else None
        buffer.language_id = spec.name if spec else None
        buffer.language = spec.name.capitalize() if spec else "Plain text"
        buffer.line_comment = spec.line_comment if spec else None
        buffer.block_comment = spec.block_comment if spec else None
        # after the next paint: the text shows at once, its colours a frame later (start-up)
        self.call_after_refresh(self.attach_highlighter, buffer)

    def _find_open(self, path: Path) -> Buffer | None:
        # os.path.realpath, not Path.resolve: that raises on a symlink loop (``ln -s loop loop``)
        target = os.path.realpath(path)
        for buffer in self.buffers:
            if buffer.path is not None and os.path.realpath(buffer.path) == target:
                return buffer
        return None

    # -- crash recovery and other editors --------------------------------------------

    @work(thread=True, group="journal-check")
    def _check_journal(self, buffer: Buffer) -> None:
        """Off the UI thread (it reads the file again): is the file open in another live
        nxedit (vim's swap-file warning), is there unsaved text from a crash, or a temp
        file of an interrupted save?"""
        from .fileio import leftover_temps

        path = buffer.path
        if path is None:
            return
        try:
            others = self.journal.claim(path)
            live = self.journal.pending(path, live=True) if others else None
            crashed = self.journal.pending(path, live=False)
            temps = leftover_temps(path)
        except OSError:
            return
        if live is not None and live.owner == self.journal.owner:
            live = None
        # dialogs stack: the one pushed last shows first -- the warning, then what a crash left
        if crashed is not None:
            self.call_from_thread(self._offer_restore, buffer, crashed)
        if others:
            self.call_from_thread(self._offer_shared, buffer, others, live)
        for temp in temps:
            self.call_from_thread(self._offer_leftover, buffer, temp)

    def _offer_restore(self, buffer: Buffer, entry) -> None:
        from nxedit.editor.ui.dialogs import Choice

        when = datetime.fromtimestamp(entry.saved_at).strftime("%Y-%m-%d %H:%M:%S")
        question = f"Unsaved changes to {buffer.name} from {when} survived a crash. Restore them?"
        if entry.disk_changed:
            question += " (The file on disk has changed since.)"

        def answered(answer: str | None) -> None:
            if answer == "restore":
                buffer.set_text(entry.text, origin="restore")
                self._adopt(buffer, entry)
                if buffer is self.buffer:
                    self.view.scroll_to_cursor()
                self.status.refresh()
            elif answer == "discard":
                self.journal.discard_entry(entry)

        self.push_screen(Choice(question, [("restore", "Restore"), ("discard", "Discard"), ("later", "Later")]), answered)

    def _adopt(self, buffer: Buffer, entry) -> None:
        """A crashed session's entry restored into ``buffer``: it becomes this process's, so
        it stays on disk until the buffer is saved (a second crash loses nothing either)."""
        state = self._state(buffer)
        self.journal.adopt(entry, untitled=None if buffer.path is not None else self._untitled_id(state))
        state.journal_pending = True
        state.journaled_version = buffer.version

    def _offer_shared(self, buffer: Buffer, others, entry) -> None:
        """Another live nxedit has this file open: say so before anyone types (as vim does)."""
        from nxedit.editor.ui.dialogs import Choice

        pids = ", ".join(str(c.pid) for c in others if c.pid) or "?"
        question = (f"ATTENTION: {buffer.name} is already open in another nxedit (process {pids}). "
                    "Two editors saving one file overwrite each other's changes.")
        answers = [("edit", "Edit anyway"), ("open", "Open read-only")]
        if entry is not None:
            when = datetime.fromtimestamp(entry.saved_at).strftime("%H:%M:%S")
            question += f" It has unsaved changes (journaled at {when}): Recover takes them into this buffer."
            answers.insert(0, ("recover", "Recover its changes"))

        def answered(answer: str | None) -> None:
            if answer == "recover" and entry is not None:
                buffer.set_text(entry.text, origin="restore")
                if buffer is self.buffer:
                    self.view.scroll_to_cursor()
                self.say(f"Took the unsaved changes of process {entry.pid} into {buffer.name}")
            elif answer == "open":  # Esc: the safe one
                buffer.read_only = True
                self.say(f"{buffer.name} is open read-only: another nxedit has it")
            self.status.refresh()

        self.push_screen(Choice(question, answers), answered)

    def _offer_leftover(self, buffer: Buffer, temp: Path) -> None:
        """A save that was killed mid-way left its temp file next to the file: the file
        itself is whole (the rename never happened); the temp may hold newer text."""
        from nxedit.editor.ui.dialogs import Choice

        question = (f"A save of {buffer.name} was interrupted and left {temp.name} next to it "
                    f"({temp.stat().st_size if temp.exists() else 0} bytes; the file itself is whole).")

        def answered(answer: str | None) -> None:
            if answer == "delete":
                temp.unlink(missing_ok=True)
                self.say(f"Deleted {temp.name}")
            elif answer == "open":
                self.open_path(temp)

        self.push_screen(Choice(question, [("delete", "Delete it"), ("open", "Open it to compare"),
                                           ("keep", "Keep it for now")]), answered)

    def _check_untitled(self) -> None:
        """At start: untitled buffers of crashed sessions are offered back, one by one."""
        self._find_untitled()

    @work(thread=True, group="journal-check")
    def _find_untitled(self) -> None:
        try:
            orphans = self.journal.untitled_orphans()
        except OSError:
            return
        if orphans:
            self.call_from_thread(self._offer_untitled, orphans)

    def _offer_untitled(self, orphans: list) -> None:
        from nxedit.editor.ui.dialogs import Choice

        entry, rest = orphans[0], orphans[1:]
        when = datetime.fromtimestamp(entry.saved_at).strftime("%Y-%m-%d %H:%M:%S")
        lines = entry.text.count("\n") + 1
        question = f"An untitled buffer ({lines} lines) from {when} survived a crash. Restore it?"

        def answered(answer: str | None) -> None:
            if answer == "restore":
                buffer = self._add_buffer(Buffer("", tab_width=self.config.tab_width))
                self.setup_language(buffer)
                buffer.set_text(entry.text, origin="restore")
                self._adopt(buffer, entry)
                self.show_buffer(buffer)
            elif answer == "discard":
                self.journal.discard_entry(entry)
            if rest:
                self._offer_untitled(rest)

        self.push_screen(Choice(question, [("restore", "Restore"), ("discard", "Discard"), ("later", "Later")]), answered)

    @staticmethod
    def _untitled_id(state: _FileState) -> str:
        if state.untitled_id is None:
            import secrets

            state.untitled_id = secrets.token_hex(4)
        return state.untitled_id

    def _journal_tick(self) -> None:
        now = time.monotonic()
        for buffer in self.buffers:
            state = self._state(buffer)
            untitled = self._untitled_id(state) if buffer.path is None else None
            if not buffer.is_modified:
                if state.journal_pending:
                    state.journal_pending = False
                    state.journaled_version = -1
                    self._discard_journal(buffer.path, untitled)
                continue
            if state.journaled_version == buffer.version:
                continue
            if now - state.last_edit >= JOURNAL_IDLE or now - state.changed_since >= JOURNAL_MAX_LAG:
                state.journaled_version = buffer.version
                state.journal_pending = True
                state.changed_since = 0.0
                base = buffer.file.stamp.digest if buffer.file.stamp else None
                self._write_journal(buffer.path, buffer.text, base, untitled)

    # a description, or Textual builds one from repr() of the arguments: the whole text, on the UI thread
    @work(thread=True, group="journal", description="journal unsaved text")
    def _write_journal(self, path: Path | None, text: str, base_digest: str | None, untitled: str | None) -> None:
        from .fileio import FileError

        try:
            self.journal.save(path, text, base_digest, untitled=untitled)
        except FileError as exc:
            self.call_from_thread(self._journal_failed, exc)
        else:
            if self._journal_trouble is not None:
                self.call_from_thread(self._journal_works)

    def _journal_failed(self, exc) -> None:
        # one message per condition (a full disk), not one per attempt and buffer
        if self._journal_trouble != exc.condition:
            self._journal_trouble = exc.condition
            self.say(str(exc), error=True)

    def _journal_works(self) -> None:
        if self._journal_trouble is not None:
            self._journal_trouble = None
            self.say("The crash journal works again")

    @work(thread=True, group="journal")
    def _discard_journal(self, path: Path | None, untitled: str | None = None) -> None:
        if path is not None:
            self.journal.discard(path)
        if untitled is not None:
            self.journal.discard(None, untitled=untitled)

    def forget_unsaved(self, buffer: Buffer) -> None:
        """The user threw the buffer's changes away (close or quit: "discard")."""
        state = self._state(buffer)
        self.journal.discard(buffer.path, untitled=state.untitled_id)
        state.journal_pending = False

    def file_closed(self, buffer: Buffer) -> None:
        """The buffer is gone: other editors may open its file without a warning now."""
        if buffer.path is not None:
            self.journal.release(buffer.path)
        self._file_states.pop(id(buffer), None)

    def close_file_care(self) -> None:
        """The editor quits: its claims and its lock go (its entries stay if unsaved). When
        it stops on an error, the last seconds of typing are journaled first, here and now:
        a crash of anything else never costs the user text."""
        if self.return_code:
            self._journal_all_now()
        if self._journal is not None:
            self._journal.close()

    def _journal_all_now(self) -> None:
        from .fileio import FileError

        for buffer in self.buffers:
            state = self._state(buffer)
            if buffer.is_modified and state.journaled_version != buffer.version:
                base = buffer.file.stamp.digest if buffer.file.stamp else None
                untitled = self._untitled_id(state) if buffer.path is None else None
                try:
                    self.journal.save(buffer.path, buffer.text, base, untitled=untitled)
                except FileError:
                    pass  # nothing left to tell it to: the app is going

    # -- saving -----------------------------------------------------------------------

    def save(self, buffer: Buffer | None = None, force: bool = False) -> bool:
        """Save a buffer; on failure say why and leave it as it is. A file changed on disk
        since it was read is only overwritten after asking (``force`` skips the question)."""
        from .fileio import FileError, disk_state, save_file

        buffer = buffer or self.buffer
        if buffer.path is None:
            self.save_as()
            return False
        if buffer.read_only:
            self.say(f"{buffer.name} is open read-only (another nxedit has it): not saved", error=True)
            return False
        if not force and buffer.file.exists and disk_state(buffer.path, buffer.file.stamp) == "changed":
            self._ask_overwrite(buffer)
            return False
        try:
            stamp = save_file(buffer.path, buffer.text, buffer.file.encoding, buffer.file.bom, buffer.file.mode)
        except FileError as exc:
            self.say(str(exc), error=True)
            return False
        self._saved(buffer, stamp)
        return True

    def _saved(self, buffer: Buffer, stamp: "DiskStamp") -> None:
        buffer.file.stamp = stamp
        buffer.file.exists = True
        buffer.mark_saved()
        state = self._state(buffer)
        state.asked_about = None
        if state.journal_pending or state.journaled_version >= 0:
            state.journal_pending = False
            state.journaled_version = -1
            self._discard_journal(buffer.path, state.untitled_id)  # an untitled buffer's entry too
            state.untitled_id = None
        self.say(f"Saved {buffer.name}")
        self.status.refresh()

    def _ask_overwrite(self, buffer: Buffer) -> None:
        from nxedit.editor.ui.dialogs import Choice

        def answered(answer: str | None) -> None:
            if answer == "overwrite":
                self.save(buffer, force=True)
            elif answer == "reload":
                self.reload(buffer)

        self.push_screen(
            Choice(
                f"{buffer.name} changed on disk since it was opened. Overwrite it with your version?",
                [("overwrite", "Overwrite"), ("reload", "Reload (lose mine)"), ("cancel", "Cancel")],
            ),
            answered,
        )

    def save_as(self) -> None:
        buffer = self.buffer

        def save_to(path: Path) -> None:
            old = buffer.file
            buffer.file = FileInfo(path, old.encoding, old.bom, path.exists(), None, old.mode)
            if path.exists():  # saving over another file: compare with what is there now
                from .fileio import FileError, load_file

                try:
                    buffer.file.stamp = load_file(path).stamp
                except FileError:
                    pass
            self.setup_language(buffer)
            read_only, buffer.read_only = buffer.read_only, False  # a copy elsewhere is the way out
            if not self.save(buffer, force=True):
                buffer.file, buffer.read_only = old, read_only
            elif old.path != path:
                if old.path is not None:
                    self.journal.release(old.path)
                self.journal.claim(path)
            self.show_buffer(buffer)

        self.ask_path("Save as:", save_to, str(buffer.path or ""))

    # -- reloading and watching -------------------------------------------------------

    def ask_reload(self) -> None:
        """The "Reload from disk" command: asks first when the buffer has unsaved changes."""
        buffer = self.buffer
        if not buffer.is_modified:
            self.reload(buffer)
            return
        from nxedit.editor.ui.dialogs import Choice

        def answered(answer: str | None) -> None:
            if answer == "reload" and buffer in self.buffers:
                self.reload(buffer)

        self.push_screen(Choice(f"{buffer.name} has unsaved changes. Reload it from disk and lose them?",
                                [("reload", "Reload"), ("keep", "Keep my changes")]), answered)

    def reload(self, buffer: Buffer | None = None) -> bool:
        """Replace the buffer's text with the file on disk (undoable); False on failure."""
        from .fileio import FileError, load_file

        buffer = buffer or self.buffer
        if buffer.path is None:
            return False
        try:
            loaded = load_file(buffer.path)
        except FileError as exc:
            self.say(str(exc), error=True)
            return False
        buffer.set_text(loaded.text, origin="reload")
        old = buffer.file
        buffer.file = FileInfo(old.path, loaded.encoding, loaded.bom, loaded.exists, loaded.stamp, loaded.mode)
        buffer.mark_saved()
        self._state(buffer).asked_about = None
        if buffer is self.buffer:
            self.view.scroll_to_cursor()
        self.say(f"Reloaded {buffer.name} from disk")
        self.status.refresh()
        return True

    def _watch_disk(self) -> None:
        files = [(b, b.path, b.file.stamp) for b in self.buffers if b.path is not None and b.file.exists]
        if files and not isinstance(self.screen, _modal_types()):
            self._check_disk(files)

    @work(thread=True, exclusive=True, group="watch")
    def _check_disk(self, files) -> None:
        import os

        from .fileio import disk_state

        for buffer, path, stamp in files:
            state = disk_state(path, stamp)
            if state == "same":
                continue
            try:
                st = os.stat(path)
                key = (st.st_mtime_ns, st.st_size)
            except OSError:
                key = (0, -1)
            self.call_from_thread(self._disk_changed, buffer, state, key, stamp)

    def _disk_changed(self, buffer: Buffer, state: str, key: tuple[int, int], stamp) -> None:
        info = self._state(buffer)
        if buffer not in self.buffers or buffer.file.stamp is not stamp or info.asked_about == key:
            return  # closed, saved or reloaded meanwhile, or already asked about this version
        info.asked_about = key
        if state == "deleted":
            self.say(f"{buffer.name} was deleted on disk; saving will create it again", error=True)
            return
        if not buffer.is_modified:
            # nothing of the user's to lose (and Ctrl+Z undoes the reload): follow the disk
            # without a question, as a formatter or `git checkout` run elsewhere expects
            self.reload(buffer)
            return
        from nxedit.editor.ui.dialogs import Choice

        question = f"{buffer.name} changed on disk. Reload it (replacing your unsaved changes) or keep what you have?"

        def answered(answer: str | None) -> None:
            if answer == "reload":
                self.reload(buffer)
            else:
                self.say(f"Kept your version of {buffer.name}; saving will ask before overwriting")

        self.push_screen(Choice(question, [("reload", "Reload"), ("keep", "Keep mine")]), answered)


def _modal_types() -> tuple[type, ...]:
    from textual.screen import ModalScreen

    return (ModalScreen,)
