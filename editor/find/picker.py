"""The picker: one component for the file picker and project search (as Helix's).

A query field, a list of results that the screen fills as they arrive (from a worker),
and a preview of the highlighted result. The list draws only its visible rows (Line API),
so a list of 10,000 results costs what 30 do. Keys: ↑/↓, PgUp/PgDn move in the list while
the query keeps the focus, Enter chooses, Esc closes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Input

from nxedit.editor.ui.field import Field

from nxedit.model.text.sanitise import sanitise

PREVIEW_BYTES = 256 << 10  # the preview reads at most this much of a file


class ResultList(Widget, can_focus=False):
    """Rows of results; the screen supplies how an item looks (``describe``)."""

    DEFAULT_CSS = """
    ResultList { width: 1fr; height: 1fr; }
    """

    class Highlighted(Message):
        def __init__(self, item: Any) -> None:
            super().__init__()
            self.item = item

    class Chosen(Message):
        def __init__(self, item: Any) -> None:
            super().__init__()
            self.item = item

    def __init__(self, describe: Callable[[Any], Text], id: str | None = None) -> None:
        super().__init__(id=id)
        self.describe = describe
        self.items: list[Any] = []
        self.cursor = 0
        self.top = 0
        self._strips: dict[tuple[int, bool, int], Strip] = {}
        self.selected_style = Style(reverse=True)

    @property
    def highlighted(self) -> Any | None:
        return self.items[self.cursor] if 0 <= self.cursor < len(self.items) else None

    def set_items(self, items: list[Any]) -> None:
        """Replace the rows; the first is highlighted."""
        self.items = items
        self.cursor = 0
        self.top = 0
        self.redraw()
        self.post_message(self.Highlighted(self.highlighted))

    def extend(self, items: list[Any]) -> None:
        """More rows at the end (streamed results); the highlight stays."""
        was_empty = not self.items
        self.items.extend(items)
        if was_empty:
            self.post_message(self.Highlighted(self.highlighted))
        self.refresh()

    def redraw(self) -> None:
        self._strips.clear()
        self.refresh()

    def move(self, step: int) -> None:
        if not self.items:
            return
        self.cursor = max(0, min(len(self.items) - 1, self.cursor + step))
        height = max(1, self.size.height)
        if self.cursor < self.top:
            self.top = self.cursor
        elif self.cursor >= self.top + height:
            self.top = self.cursor - height + 1
        self.refresh()
        self.post_message(self.Highlighted(self.highlighted))

    def page(self, direction: int) -> None:
        self.move(direction * max(1, self.size.height - 1))

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        index = self.top + y
        if index >= len(self.items):
            return Strip.blank(width)
        selected = index == self.cursor
        key = (index, selected, width)
        strip = self._strips.get(key)
        if strip is None:
            text = self.describe(self.items[index])
            text.no_wrap = True
            text.truncate(width, overflow="ellipsis")
            strip = Strip(safe_segments(text.render(self.app.console))).crop_extend(0, width, None)
            if selected:
                strip = strip.apply_style(self.selected_style)
            if len(self._strips) > 2000:
                self._strips.clear()
            self._strips[key] = strip
        return strip

    def on_click(self, event: events.Click) -> None:
        index = self.top + event.y
        if index < len(self.items):
            if index == self.cursor and event.chain > 1:
                self.post_message(self.Chosen(self.highlighted))
            self.move(index - self.cursor)

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        self.top = min(max(0, len(self.items) - 1), self.top + 3)
        self.refresh()

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        self.top = max(0, self.top - 3)
        self.refresh()


class InfoLine(Widget, can_focus=False):
    """One line of state (counts, errors). Unlike a Label its update needs no new layout:
    results stream in many times a second and each one changes the count."""

    DEFAULT_CSS = """
    InfoLine { height: 1; width: 1fr; color: $text-muted; }
    InfoLine.-error { color: $error; }
    """

    text = ""

    def show(self, text: str, error: bool = False) -> None:
        if text != self.text:
            self.text = text
            self.refresh()
        self.set_class(error, "-error")

    def render(self) -> Text:
        return Text(self.text, no_wrap=True, overflow="ellipsis")


class Preview(Widget, can_focus=False):
    """A file's lines around one line, coloured like the editor (theme, Pygments scopes),
    read and lexed on a worker thread."""

    DEFAULT_CSS = """
    Preview { width: 1fr; height: 1fr; border-left: vkey $foreground 20%; padding: 0 1; }
    """

    def __init__(self, id: str | None = None) -> None:
        super().__init__(id=id)
        self.lines: list[Text] = []
        self.wanted: tuple | None = None

    def show(self, path: Path | None, line: int = 0, spans: tuple[tuple[int, int], ...] = ()) -> None:
        key = (path, line, spans)
        if key == self.wanted:
            return
        self.wanted = key
        if path is None:
            self.lines = []
            self.refresh()
            return
        theme = getattr(self.app, "theme_obj", None)
        height = max(10, self.size.height or 30)
        self.run_worker(lambda: self._load(key, theme, height), thread=True, exclusive=True, group="preview",
                        description="preview a file")

    def _load(self, key: tuple, theme, height: int) -> None:
        path, line, spans = key
        first = max(0, line - height // 3)
        lines = preview_lines(path, first, height, line if spans else None, spans, theme)
        self.app.call_from_thread(self._loaded, key, lines)

    def _loaded(self, key: tuple, lines: list[Text]) -> None:
        if key == self.wanted:
            self.lines = lines
            self.refresh()

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if y >= len(self.lines):
            return Strip.blank(width)
        text = self.lines[y]
        return Strip(safe_segments(text.render(self.app.console))).crop_extend(0, width, None)


def safe_segments(segments) -> list[Segment]:
    """File names and file lines as the terminal may get them: escape sequences in them are
    shown, not run (the one sanitiser, :mod:`nxedit.model.text.sanitise`)."""
    return [s if s.control else Segment(sanitise(s.text), s.style) for s in segments]


def preview_lines(path: Path, first: int, count: int, match_line: int | None, spans, theme) -> list[Text]:
    """Lines ``[first, first + count)`` of a file with line numbers, syntax colours and the
    matches of ``match_line`` marked; one line of explanation for what cannot be shown."""
    try:
        with open(path, "rb") as f:
            data = f.read(PREVIEW_BYTES)
    except OSError as exc:
        return [Text(f"cannot read: {exc.strerror or exc}", style="italic")]
    if b"\0" in data[:8192]:
        return [Text("binary file", style="italic")]
    text = data.decode("utf-8", "replace")
    all_lines = text.split("\n")
    if len(data) == PREVIEW_BYTES:
        all_lines.pop()  # cut mid-line
    lines = [line.removesuffix("\r") + "\n" for line in all_lines[first : first + count]]
    spans_by_line = _colours(path, lines) if theme is not None else [[] for _ in lines]
    width = len(str(first + len(lines)))
    out = []
    match_style = theme.ui("find.current") if theme is not None else Style(reverse=True)
    number_style = theme.ui("gutter") if theme is not None else Style(dim=True)
    for i, line in enumerate(lines):
        number = first + i
        row = Text(f"{number + 1:>{width}} ", style=number_style)
        body = Text(line.rstrip("\n"))
        for a, b, scope in spans_by_line[i]:
            body.stylize(theme.syntax(scope), a, b)
        if number == match_line:
            for a, b in spans:
                body.stylize(match_style, a, b)
        body.expand_tabs(4)  # after colouring: the spans are in characters of the raw line
        row.append_text(body)
        out.append(row)
    return out


def _colours(path: Path, lines: list[str]) -> list[list[tuple[int, int, str]]]:
    """Pygments scopes for the lines (the editor's own lexer choice and scope names)."""
    from nxedit.editor.syntax.pygments_highlight import lex_lines, lexer_for

    try:
        lexer = lexer_for(str(path), "".join(lines[:50]))
        return lex_lines(lexer, lines) if lexer is not None else [[] for _ in lines]
    except Exception:  # a lexer bug costs the colours, never the preview
        return [[] for _ in lines]


class PickerScreen(ModalScreen[Any]):
    """Query, results, preview; subclasses say what a query finds and what choosing does."""

    DEFAULT_CSS = """
    PickerScreen { align: center middle; background: $background; }  /* opaque: a see-through one redraws the editor under it, tinted, every frame */
    PickerScreen > Vertical {
        width: 90%; height: 85%; border: round $accent; background: $surface; padding: 0 1;
    }
    PickerScreen Input, PickerScreen Input:focus { border: none; height: 1; padding: 0 1; }
    PickerScreen #body { height: 1fr; }
    """

    placeholder = ""

    def __init__(self, query: str = "") -> None:
        super().__init__()
        self.initial_query = query

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Field(self.initial_query, placeholder=self.placeholder, id="query")
            yield from self.compose_fields()
            yield InfoLine(id="info")
            with Horizontal(id="body"):
                yield ResultList(self.describe, id="results")
                yield Preview(id="preview")

    def compose_fields(self) -> ComposeResult:
        """Extra fields under the query (project search's replacement)."""
        return iter(())

    @property
    def results(self) -> ResultList:
        return self.query_one("#results", ResultList)

    @property
    def query_text(self) -> str:
        return self.query_one("#query", Input).value

    def on_mount(self) -> None:
        for field in self.query(Input):
            field.cursor_blink = False
        self.query_one("#query", Input).focus()

    def info(self, text: str, error: bool = False) -> None:
        self.query_one("#info", InfoLine).show(text, error)

    def describe(self, item: Any) -> Text:
        return Text(str(item))

    def preview_of(self, item: Any) -> tuple[Path | None, int, tuple]:
        return None, 0, ()

    def query_changed(self, text: str) -> None: ...

    def choose(self, item: Any) -> None: ...

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "query":
            event.stop()
            self.query_changed(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "query" and self.results.highlighted is not None:
            self.choose(self.results.highlighted)

    def on_result_list_highlighted(self, message: ResultList.Highlighted) -> None:
        self.query_one("#preview", Preview).show(*self.preview_of(message.item))

    def on_result_list_chosen(self, message: ResultList.Chosen) -> None:
        self.choose(message.item)

    def on_key(self, event: events.Key) -> None:
        moves = {"down": 1, "up": -1}
        if event.key in moves:
            event.stop()
            event.prevent_default()
            self.results.move(moves[event.key])
        elif event.key in ("pagedown", "pageup"):
            event.stop()
            event.prevent_default()
            self.results.page(1 if event.key == "pagedown" else -1)
        elif event.key == "escape":
            event.stop()
            self.close()

    def close(self) -> None:
        self.dismiss(None)
