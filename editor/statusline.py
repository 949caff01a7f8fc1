"""The status line: file, modified marker, language, cursor, encoding, line ending,
the predictor's state, and the last one-line message."""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from .buffer import Buffer


class StatusLine(Widget):
    DEFAULT_CSS = """
    StatusLine {
        height: 1;
        width: 1fr;
    }
    """

    # the next-edit predictor's state ("structural", "model loading…", "⇥ 2 edits"): issue 5 sets it
    predictor: reactive[str] = reactive("")
    message: reactive[str] = reactive("")

    def __init__(self, id: str | None = None) -> None:
        super().__init__(id=id)
        self.buffer: Buffer | None = None
        self.style_normal = Style()
        self.style_accent = Style(bold=True)
        self.style_error = Style(bold=True)
        self.style_warning = Style()
        self.message_is_error = False

    def set_styles(self, normal: Style, accent: Style, error: Style, warning: Style) -> None:
        self.style_normal, self.style_accent = normal, accent
        self.style_error, self.style_warning = error, warning
        self.refresh()

    def show(self, buffer: Buffer) -> None:
        self.buffer = buffer
        self.refresh()

    def say(self, message: str, error: bool = False) -> None:
        """A one-line message, kept until the next one (or :meth:`clear_message`)."""
        self.message_is_error = error
        self.message = message

    def clear_message(self) -> None:
        self.message = ""

    def render(self) -> Text:
        width = self.size.width
        buf = self.buffer
        line = Text(style=self.style_normal, no_wrap=True, overflow="ellipsis", end="")
        if buf is None:
            return line
        path = str(buf.path) if buf.path else "untitled"
        line.append(f" {path}", self.style_accent)
        if buf.is_modified:
            line.append(" ●", self.style_accent)
        if self.message:
            line.append("  ")
            line.append(self.message, self.style_error if self.message_is_error else self.style_warning)
        row, col = buf.cursor
        doc = buf.document
        eol = "CRLF" if doc.eol == "\r\n" else "LF"
        encoding = buf.file.encoding.upper() + (" BOM" if buf.file.bom else "")
        right = f"  {buf.language}  Ln {row + 1}, Col {col + 1}  {encoding}  {eol} "
        if self.predictor:
            right = f"  {self.predictor} │" + right
        room = width - len(right)
        if line.cell_len > room:
            line.truncate(max(room, 0), overflow="ellipsis")
        line.pad_right(max(room - line.cell_len, 0))
        line.append(right)
        return line
