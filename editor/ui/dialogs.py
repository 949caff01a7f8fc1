"""Small modal screens: a question with a few answers, and a one-line prompt."""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label

from nxedit.model.text.sanitise import sanitise

DIALOG_CSS = """
    align: center middle;
    & > Vertical {
        width: 72;
        height: auto;
        border: round $accent;
        background: $surface;
        padding: 1 2;
    }
    Label { width: 100%; }
    .hint { color: $text-muted; margin-top: 1; }
    Horizontal { height: auto; margin-top: 1; }
    Button { margin-right: 2; min-width: 10; }
"""


class Choice(ModalScreen[str]):
    """A question with answers; each answer has a key (its first letter, underlined in
    the label) and Esc picks the last one (the safe one: cancel / keep)."""

    DEFAULT_CSS = "Choice {" + DIALOG_CSS + "}"

    def __init__(self, question: str, answers: list[tuple[str, str]]) -> None:
        super().__init__()
        self.question = sanitise(question)  # it quotes file names and server answers
        self.answers = [(value, sanitise(label)) for value, label in answers]  # the label's first letter is its key
        self.answered = False

    def compose(self) -> ComposeResult:
        keys = ", ".join(label[0] for _, label in self.answers)
        with Vertical():
            yield Label(self.question, id="question", markup=False)
            with Horizontal():
                for value, label in self.answers:
                    yield Button(label, id=f"answer-{value}", compact=True)
            yield Label(f"Keys: {keys} (Esc: {self.answers[-1][1]})", classes="hint", markup=False)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self._answer(event.button.id.removeprefix("answer-"))

    def on_key(self, event: events.Key) -> None:
        if event.key == "escape":
            event.stop()
            self._answer(self.answers[-1][0])
            return
        for value, label in self.answers:
            if event.key == label[0].lower():
                event.stop()
                self._answer(value)
                return

    def _answer(self, value: str) -> None:
        """Once: keys typed fast (a paste, a user typing on) reach the dialog again before
        it has gone, and a second dismiss would pop the editor's own screen."""
        if not self.answered:
            self.answered = True
            self.dismiss(value)


class Prompt(ModalScreen["str | None"]):
    """A one-line question; Enter answers, Esc gives None. With a ``suggester`` (path
    completion) Tab takes the suggested rest of the answer."""

    DEFAULT_CSS = "Prompt {" + DIALOG_CSS + "}"

    def __init__(self, question: str, value: str = "", placeholder: str = "", suggester=None) -> None:
        super().__init__()
        self.question = sanitise(question)
        self.value = value
        self.placeholder = placeholder
        self.suggester = suggester

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.question, markup=False)
            yield Input(self.value, placeholder=self.placeholder, id="answer", suggester=self.suggester)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value)

    def on_key(self, event: events.Key) -> None:
        if event.key == "escape":
            event.stop()
            self.dismiss(None)
        elif event.key == "tab" and self.suggester is not None:
            event.stop()
            event.prevent_default()
            field = self.query_one("#answer", Input)
            field.cursor_position = len(field.value)
            field.action_cursor_right()  # at the end: takes the suggestion
