"""The status line: file, modified marker, language, cursor, encoding, line ending,
the predictor's state, and the last one-line message."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from rich.segment import Segment
from rich.style import Style
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget

from nxedit.editor.buffer import Buffer
from nxedit.model.text.sanitise import sanitise

MESSAGE_SECONDS = 6.0  # a message goes after this long (an error after twice as long)


class StatusLine(Widget):
    DEFAULT_CSS = """
    StatusLine {
        height: 1;
        width: 1fr;
    }
    """

    # the next-edit predictor's state ("structural", "model loading…", "Tab ⇥ 2 edits"): issue 5 sets it
    predictor: reactive[str] = reactive("")
    message: reactive[str] = reactive("")
    branch: reactive[str] = reactive("")  # git's branch of the file shown (editor/vcs)

    def __init__(self, id: str | None = None) -> None:
        super().__init__(id=id)
        self.buffer: Buffer | None = None
        self.normal = Style()
        self.accent = Style(bold=True)
        self.error = Style(bold=True)
        self.warning = Style()
        self.message_is_error = False
        self.diagnostic = ""  # the language server's word on the cursor's line (wins over the message)
        self.diagnostic_is_error = False
        self._diagnostic_first = False  # a newer message shows until the cursor's line has another problem
        self._expiry = None  # the timer that clears the message

    def set_styles(self, normal: Style, accent: Style, error: Style, warning: Style) -> None:
        self.normal, self.accent, self.error, self.warning = normal, accent, error, warning
        self.refresh()

    def show(self, buffer: Buffer) -> None:
        if self.buffer is not None and buffer is not self.buffer:
            self.clear_message()  # "Saved a.py" says nothing about the buffer shown next (but a
            # message said before the first buffer shows -- a file that could not be opened -- stays)
        self.buffer = buffer
        self.refresh()

    def say(self, message: str, error: bool = False) -> None:
        """A one-line message; it goes after a few seconds, or with the next one."""
        self.message_is_error = error
        self._diagnostic_first = False
        self.message = sanitise(message)  # outside text (server answers, file names) never reaches the terminal raw
        if self._expiry is not None:
            self._expiry.stop()
        self._expiry = self.set_timer(MESSAGE_SECONDS * (2 if error else 1), self.clear_message) if self.is_mounted \
            else None
        self.refresh()

    def clear_message(self) -> None:
        if self._expiry is not None:
            self._expiry.stop()
            self._expiry = None
        self.message = ""
        self.message_is_error = False
        self.refresh()

    def show_diagnostic(self, text: str, error: bool) -> None:
        """The problem on the cursor's line ("" when there is none)."""
        text = sanitise(text)  # a language server's words: outside text
        if (text, error) != (self.diagnostic, self.diagnostic_is_error):
            self.diagnostic, self.diagnostic_is_error = text, error
            self._diagnostic_first = bool(text)
            self.refresh()

    def right_side(self) -> str:
        buf = self.buffer
        if buf is None:
            return ""
        line, col = buf.cursor
        eol = "CRLF" if buf.eol == "\r\n" else "LF"
        encoding = buf.file.encoding.upper() + (" BOM" if buf.file.bom else "")
        branch = f"  ⎇ {sanitise(self.branch)}" if self.branch else ""
        limits = f"  {buf.limits.note}" if buf.limits is not None and buf.limits.note else ""  # a huge file
        right = f"{limits}{branch}  {buf.language}  Ln {line + 1}, Col {col + 1}  {encoding}  {eol} "
        return f"  {sanitise(self.predictor)} │" + right if self.predictor else right

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        buf = self.buffer
        if y or buf is None:
            return Strip.blank(width, self.normal)
        right = self.right_side()
        marker = " ●" if buf.is_modified else ""
        use_diagnostic = bool(self.diagnostic) and (self._diagnostic_first or not self.message)
        shown = self.diagnostic if use_diagnostic else self.message
        message = f"  {shown}" if shown else ""
        # the message gets room first; the path shrinks, down to the file name
        room = max(0, width - len(right) - len(marker) - len(message) - 1)
        name = shorten_path(buf.path, room) if buf.path else "untitled"
        left = [Segment(f" {name}{marker}", self.accent)]
        if message:
            is_error = self.diagnostic_is_error if use_diagnostic else self.message_is_error
            left.append(Segment(message, self.error if is_error else self.warning))
        strip = Strip(left).crop_extend(0, max(0, width - len(right)), self.normal)
        return Strip([*strip, Segment(right, self.normal)]).crop_extend(0, width, self.normal)


@lru_cache(maxsize=64)
def shorten_path(path: Path, room: int) -> str:
    """The path as the user would write it (relative to the working directory, or with
    ``~``), cut from the left to ``room`` cells so the file name always shows."""
    text = os.path.abspath(path)  # no symlink resolving: no file system calls per repaint
    cwd = os.getcwd()
    home = os.path.expanduser("~")
    if text.startswith(cwd + os.sep):
        text = text[len(cwd) + 1 :]
    elif text.startswith(home + os.sep):
        text = "~" + text[len(home) :]
    text = sanitise(text)  # a file name may hold escape sequences
    if len(text) > room:
        text = "…" + text[len(text) - max(room - 1, len(sanitise(path.name))) :]
    return text
