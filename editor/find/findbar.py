"""The find bar: incremental find with next/previous, and replace / replace all.

Typing in it jumps to the first match from where the search started and highlights the
matches on screen; Enter or Down goes to the next match, Up to the previous; Esc closes
the bar and leaves the cursor on the match. In the replace field Enter replaces the
current match and moves on; Alt+A (or the "All" button) replaces every match.
Alt+R turns regular expressions on and off, Alt+C "match case" (off: smart case); the
``.*`` and ``Aa`` buttons show them and toggle them too. A bad pattern shows its one-line
error in place of the match count.
"""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Input, Label

from nxedit.editor.ui.field import Field


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
    FindBar #count.-error { color: $error; }
    FindBar Button { height: 1; min-width: 14; }
    FindBar .toggle { min-width: 4; width: 4; }
    FindBar .toggle.-on { background: $accent; color: $text; text-style: bold; }
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

    class Toggled(Message):
        """``regex`` or ``match_case`` changed."""

    regex = False
    match_case = False

    def on_mount(self) -> None:
        for field in self.query(Input):
            field.cursor_blink = False  # steady, like the editor's own cursor (and no timer)

    def compose(self) -> ComposeResult:
        with Horizontal(id="find-row"):
            yield Field(placeholder="Find (Enter/↓ next, ↑ previous, Esc close)", id="find")
            yield Button(".*", id="toggle-regex", classes="toggle", compact=True, tooltip="Regular expressions (Alt+R)")
            yield Button("Aa", id="toggle-case", classes="toggle", compact=True, tooltip="Match case (Alt+C)")
            yield Label("", id="count")
        with Horizontal(id="replace-row"):
            yield Field(placeholder="Replace with (Enter replace, Alt+A all)", id="replace")
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

    def show_count(self, text: str, error: bool = False) -> None:
        label = self.query_one("#count", Label)
        label.update(text)
        label.set_class(error, "-error")

    def toggle(self, option: str) -> None:
        """Flip ``regex`` or ``match_case``; the search runs again."""
        setattr(self, option, not getattr(self, option))
        self.query_one("#toggle-regex", Button).set_class(self.regex, "-on")
        self.query_one("#toggle-case", Button).set_class(self.match_case, "-on")
        self.post_message(self.Toggled())

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
        if event.button.id == "toggle-regex":
            self.toggle("regex")
        elif event.button.id == "toggle-case":
            self.toggle("match_case")
        else:
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
