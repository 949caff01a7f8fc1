"""The find bar: incremental find with next/previous, and replace / replace all.

Typing in it jumps to the first match from where the search started and highlights the
matches on screen; Enter or Down goes to the next match, Up to the previous; Esc closes
the bar and leaves the cursor on the match. In the replace field Enter replaces the
current match and moves on; Alt+A (or the "All" button) replaces every match.
"""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Input, Label


class FindBar(Vertical):
    # a priority binding: terminals send Alt+A as ESC a, which the focused field would
    # otherwise take as a typed "a"
    BINDINGS = [Binding("alt+a", "replace_all", "Replace all", show=False, priority=True)]
    DEFAULT_CSS = """
    FindBar { height: auto; display: none; }
    FindBar.-open { display: block; }
    FindBar Horizontal { height: 1; }
    FindBar Input, FindBar Input:focus { border: none; height: 1; padding: 0 1; width: 1fr; }
    FindBar #replace-row { display: none; }
    FindBar.-replace #replace-row { display: block; }
    FindBar Label { width: auto; min-width: 14; padding: 0 1; }
    FindBar Button { height: 1; min-width: 14; }
    """

    class Changed(Message):
        def __init__(self, query: str) -> None:
            super().__init__()
            self.query = query

    class Next(Message):
        def __init__(self, backwards: bool) -> None:
            super().__init__()
            self.backwards = backwards

    class Replace(Message):
        def __init__(self, replacement: str, all: bool) -> None:
            super().__init__()
            self.replacement = replacement
            self.all = all

    class Closed(Message):
        pass

    def on_mount(self) -> None:
        for field in self.query(Input):
            field.cursor_blink = False  # steady, like the editor's own cursor (and no timer)

    def compose(self) -> ComposeResult:
        with Horizontal(id="find-row"):
            yield Input(placeholder="Find (Enter/↓ next, ↑ previous, Esc close)", id="find")
            yield Label("", id="count")
        with Horizontal(id="replace-row"):
            yield Input(placeholder="Replace with (Enter replace, Alt+A all)", id="replace")
            yield Button("Replace all", id="replace-all", compact=True)

    @property
    def search_text(self) -> str:
        return self.query_one("#find", Input).value

    @property
    def replacement(self) -> str:
        return self.query_one("#replace", Input).value

    def open(self, replace: bool, query: str | None = None) -> None:
        self.add_class("-open")
        self.set_class(replace, "-replace")
        find = self.query_one("#find", Input)
        if query is not None and query != find.value:
            find.value = query
        if replace and find.value:
            self.query_one("#replace", Input).focus()
        else:
            find.focus()
            find.select_all()

    def close(self) -> None:
        self.remove_class("-open")
        self.post_message(self.Closed())

    @property
    def is_open(self) -> bool:
        return self.has_class("-open")

    def show_count(self, text: str) -> None:
        self.query_one("#count", Label).update(text)

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        if event.input.id == "find":
            self.post_message(self.Changed(event.value))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "find":
            self.post_message(self.Next(backwards=False))
        else:
            self.post_message(self.Replace(event.value, all=False))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.post_message(self.Replace(self.replacement, all=True))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.has_class("-replace") if action == "replace_all" else True

    def action_replace_all(self) -> None:
        self.post_message(self.Replace(self.replacement, all=True))

    def on_key(self, event: events.Key) -> None:
        if event.key == "escape":
            event.stop()
            self.close()
        elif event.key in ("down", "up") and isinstance(self.screen.focused, Input):
            event.stop()
            self.post_message(self.Next(backwards=event.key == "up"))
