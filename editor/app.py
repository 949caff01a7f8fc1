"""The nxedit application: open buffers, the editor view, status line, find bar, dialogs.

Keys come from the command table (:mod:`commands`) with the user's config applied;
every failure (open, save, config, theme) becomes a one-line message and the editor
keeps working — a failure never touches a buffer.
"""

from __future__ import annotations

import asyncio
import gc
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from textual import events, work
from textual.app import App, ComposeResult
from textual.binding import Binding

from .view import editing
from .buffer import Buffer, Selection
from .commands import BY_NAME, COMMANDS, key_label, resolve_keys
from .config import Config, load_config
from .files.care import FileCare
from .find.file_index import FileIndex
from .predictions.settings import parse_predict_table
from .ui.statusline import StatusLine
from .view.widget import EditorView
from nxedit.model.text.sanitise import sanitise

if TYPE_CHECKING:
    from .files.args import FileArg
    from .find.findbar import FindBar
    from .lsp.features import LanguageFeatures
    from .predictions.controller import Predictions
    from .predictions.recording import EditRecording
    from .ui.theme import Theme
    from .vcs.changes import GitChanges

RECORDER_TICK = 0.25  # seconds between checks for a paused edit (it closes the event)


class EditorApp(FileCare, App[None], inherit_bindings=False):
    """``nxedit FILE ...``: edits buffers; keys, palette and help come from one table."""

    TITLE = "nxedit"
    CSS = """
    Screen { layout: vertical; }
    """
    ENABLE_COMMAND_PALETTE = False

    def __init__(
        self,
        files: "Iterable[FileArg]" = (),
        config: Config | None = None,
        messages: Iterable[str] = (),
        backend: str | None = None,
        model: str | None = None,
    ) -> None:
        super().__init__()
        self.files = list(files)
        self.config = config or Config()
        self.keys, warnings = resolve_keys(self.config.keys)
        self.predict_settings, predict_warnings = parse_predict_table(self.config.sections.get("predict"))
        self.model_args = (backend, model)  # --backend, --model
        self.startup_messages = [*messages, *warnings, *predict_warnings]
        self.recording: EditRecording | None = None
        self.predictions: Predictions | None = None
        self.lsp: LanguageFeatures | None = None  # language servers, once their client is imported
        self.theme_obj = self._load_theme(self.config.theme)
        self.buffers: list[Buffer] = []
        self.replaced_files: dict = {}  # real path -> project_replace.Written: files a replace wrote unopened
        # per buffer: its highlighter and the listener feeding it the buffer's changes
        self.highlighters: dict[int, tuple[object, object]] = {}
        app_bindings, view_bindings = self._bindings_from_table()
        for binding in app_bindings:
            self._bindings.key_to_bindings.setdefault(binding.key, []).append(binding)
        self.view = EditorView(
            self.theme_obj,
            tab_width=self.config.tab_width,
            soft_wrap=self.config.soft_wrap,
            bindings=view_bindings,
            id="editor",
        )
        self.status = StatusLine(id="status")
        self.view.state_listeners.append(self._view_state_changed)
        self._apply_theme()  # now: set after start-up, a theme restyles every widget (~25 ms)
        self.findbar: FindBar | None = None
        self.find_origin = 0
        self._finder = None
        self.file_index = FileIndex()  # the picker's file lists and recent files
        self.git_changes: GitChanges | None = None  # gutter marks against HEAD, after the first paint

    def _bindings_from_table(self) -> tuple[list[Binding], list[Binding]]:
        app, view = [], []
        for command in COMMANDS:
            for key in self.keys.get(command.name, ()):
                binding = Binding(key, f"command({command.name!r})", command.title, show=False)
                (view if command.scope == "editor" else app).append(binding)
        return app, view

    # -- commands ---------------------------------------------------------------------

    def on_cursor_position(self, event: events.CursorPosition) -> None:
        """Shift+F3 arrives as a cursor position report (see :mod:`.ui.keys`): make it the key."""
        from .ui.keys import key_of_cursor_report

        key = key_of_cursor_report(event.x, event.y)
        if key is not None:
            self.post_message(events.Key(key, None))

    def action_command(self, name: str) -> None:
        self.run_command(name)

    def run_command(self, name: str) -> None:
        BY_NAME[name].run(self)

    def command_enabled(self, name: str) -> bool:
        command = BY_NAME.get(name)
        return command is not None and (command.when is None or bool(command.when(self)))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "command" and parameters:
            return self.command_enabled(str(parameters[0]))
        return True

    def palette_items(self, kind: str):
        """``(text, help, callback, also)`` for the palette: ``also`` is matched too."""
        if kind == "commands":
            for command in COMMANDS:
                if command.palette:
                    keys = ", ".join(key_label(k) for k in self.keys.get(command.name, ()))
                    help = " · ".join(part for part in (keys or command.description, command.name) if part)
                    yield command.title, help, (lambda n=command.name: self.run_command(n)), command.name
        elif kind == "themes":
            from .ui.theme import theme_names

            for name in theme_names():
                current = " (current)" if name == self.theme_obj.name else ""
                yield f"{name}{current}", "", (lambda n=name: self.set_theme_named(n)), ""
        elif kind == "buffers":
            from .ui.statusline import shorten_path

            cwd = os.getcwd()
            for buffer in self.buffers:  # one line each: the name, then the folder unless it is here
                marker = " ●" if buffer.is_modified else ""
                folder = buffer.path.parent if buffer.path else None
                where = f"  {shorten_path(folder, 60)}" if folder and os.path.abspath(folder) != cwd else ""
                yield f"{buffer.name}{marker}{where}", "", (lambda b=buffer: self.show_buffer(b)), ""

    def open_palette(self, kind: str = "commands", placeholder: str = "Run a command…") -> None:
        from textual.command import CommandPalette

        from .ui.palette import PROVIDERS

        self.push_screen(CommandPalette(providers=[PROVIDERS[kind]], placeholder=placeholder))

    def show_help(self) -> None:
        from .ui.help import HelpScreen

        self.push_screen(HelpScreen(self.keys, str(self.config.path or "config.toml")))

    # -- start-up ---------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield self.view
        yield self.status

    def on_mount(self) -> None:
        self.call_after_refresh(self._after_first_paint)
        self.call_after_refresh(self._start_predictions)  # its imports would delay the first paint
        self.call_after_refresh(self._start_language_servers)
        self.call_after_refresh(self._start_git_changes)
        self.start_file_care()
        for arg in self.files:
            self.open_path(arg.path, arg.line, arg.column)
        if not self.buffers:
            self.show_buffer(self._add_buffer(Buffer("", tab_width=self.config.tab_width)))
        self.show_buffer(self.buffers[0])
        for message in self.startup_messages:
            self.say(message, error=True)
        self.view.focus()

    def _start_predictions(self) -> None:
        """The edit history and the next-edit predictors, right after the first paint
        (workers; the engine and the model load in the background; nothing here touches the
        disk but the small history settings file)."""
        from nxedit.model.history.session import start_history

        from .predictions.controller import Predictions
        from .predictions.recording import EditRecording

        loop = asyncio.get_running_loop()
        ui_thread = threading.get_ident()

        def notify(message: str) -> None:  # from the history's writer thread, or this one
            if threading.get_ident() == ui_thread:
                self.say(message, error=True)
            else:
                try:
                    loop.call_soon_threadsafe(self.say, message, True)
                except RuntimeError:  # the app has closed
                    pass

        self.recording = EditRecording(start_history(self.config.path, notify=notify))
        predictions = self.predictions = Predictions(self.view, self.recording, self.predict_settings, self.say,
                                                     self._model_predictor())
        predictions.on_state = lambda: setattr(self.status, "predictor", predictions.status_text())
        predictions.layer.marks = self.no_color  # NO_COLOR: brackets tell deleted from inserted text
        predictions.start(loop)
        self.view.add_layer(predictions.layer)
        self.set_interval(RECORDER_TICK, self.recording.tick)
        for buffer in self.buffers:  # opened before this ran
            self.recording.watch(buffer)
            predictions.watch(buffer)
        self.recording.focus(self.buffer)
        predictions.on_state()

    def _start_language_servers(self) -> None:
        """The language-server client (editor/lsp), imported off the UI thread after the first
        paint; each server starts when the first file of its language needs it."""
        from .lsp import lsp_enabled

        if lsp_enabled(self.config.sections.get("lsp")):
            threading.Thread(target=self._import_language_servers, name="nxedit-lsp-import", daemon=True).start()

    def _import_language_servers(self) -> None:
        import nxedit.editor.lsp.features  # noqa: F401  (pygls, lsprotocol: ~0.1 s of imports)

        try:
            self.call_from_thread(self._language_servers_imported)
        except RuntimeError:  # the app closed meanwhile
            pass

    def _language_servers_imported(self) -> None:
        from .lsp.features import LanguageFeatures

        self.lsp = LanguageFeatures(self)
        self.view.add_layer(self.lsp.layer)
        for buffer in self.buffers:
            self.lsp.watch(buffer)

    def _start_git_changes(self) -> None:
        from .vcs.changes import GitChanges

        self.git_changes = GitChanges(self)
        self.git_changes.start()
        for buffer in self.buffers:
            self.git_changes.watch(buffer)

    def on_app_focus(self) -> None:
        if self.git_changes is not None:
            self.git_changes.check_head()  # a commit or checkout elsewhere moves HEAD

    def _model_predictor(self):
        """The model predictor when ``[model]`` or ``--backend`` names one (not loaded yet)."""
        table = self.config.sections.get("model")
        backend, model = self.model_args
        if backend == "structural":
            backend = None
        if not table and backend is None:
            return None  # the usual case: nothing of the model machinery is imported
        from nxedit.model.predict.model_config import model_config_from

        config, messages = model_config_from(table, backend, model)
        for message in messages:
            self.say(message, error=True)
        if not config.enabled:
            return None
        from nxedit.model.predict.model_predictor import ModelPredictor

        return ModelPredictor(config, on_status=lambda text: self.predictions.model_status(text),
                              exclude=self.recording.history.privacy.is_private, wait_for_load=False)

    def on_unmount(self) -> None:
        for highlighter, _ in self.highlighters.values():
            highlighter.close()  # each thread would wait for a parse that never comes (one per open file)
        self.close_file_care()
        self.file_index.save()
        if self.lsp is not None:
            self.lsp.close()
        if self.predictions is not None:
            self.predictions.close()
        if self.recording is not None:
            self.recording.close()

    def _load_theme(self, name: str) -> "Theme":
        """The theme called ``name``; on failure a message, and the default theme."""
        from .ui.theme import ThemeError, load_theme

        try:
            return load_theme(name)
        except ThemeError as exc:
            self.startup_messages.append(f"{exc}; using the dark theme")
            return load_theme("dark")

    def _after_first_paint(self) -> None:
        if not gc.isenabled():  # the command line turned it off for the start-up
            gc.freeze()  # what start-up made lives as long as the app: no need to scan it again
            gc.enable()

    def _apply_theme(self) -> None:
        """Colour the view, the status line and Textual's own widgets with the theme."""
        theme = self.theme_obj
        ui = theme.ui
        self.view.set_theme(theme)
        status = ui("status")
        self.status.set_styles(status, status + ui("status.accent"), status + ui("message.error"),
                               status + ui("message.warning"))
        textual_theme = theme.textual_theme()  # dialogs, palette and scrollbars in the same colours
        self.register_theme(textual_theme)
        self.theme = textual_theme.name

    def set_theme_named(self, name: str, persist: bool = True) -> None:
        """Switch to another theme (and keep it for the next start); an unknown or broken
        one is a message."""
        from .ui.theme import ThemeError, load_theme

        try:
            self.theme_obj = load_theme(name)
        except ThemeError as exc:
            self.say(str(exc), error=True)
            return
        self._apply_theme()
        self.say(f"Theme {name}")
        if persist:
            self._save_theme(name)

    @work(thread=True, group="config", description="save the theme in config.toml")
    def _save_theme(self, name: str) -> None:
        """The chosen theme goes to config.toml (the user's comments stay), for the next start."""
        from .config import save_setting

        try:
            save_setting(self.config.path, "theme", name)
        except (OSError, ValueError) as exc:
            self.call_from_thread(self.say, f"theme not saved: {exc}", True)

    # -- messages ---------------------------------------------------------------------

    def notify(self, message: str, *, title: str = "", **options) -> None:
        """Every toast goes through here: its text sanitised (a server's hover, a file name)."""
        super().notify(sanitise(message, newlines=True), title=sanitise(title), **options)

    def say(self, message: str, error: bool = False) -> None:
        """A one-line message in the status line (and a notification for errors)."""
        message = sanitise(message)  # file names, server answers: never raw to the terminal
        self.status.say(message, error)
        if error:
            self.notify(message, severity="error", timeout=6, markup=False)

    # -- buffers ----------------------------------------------------------------------

    @property
    def buffer(self) -> Buffer:
        return self.view.buffer

    def _add_buffer(self, buffer: Buffer) -> Buffer:
        self.buffers.append(buffer)
        if self.git_changes is not None:
            self.git_changes.watch(buffer)
        if self.recording is not None:
            self.recording.watch(buffer)
            self.predictions.watch(buffer)
        if self.lsp is not None:
            self.lsp.watch(buffer)
        return buffer

    def attach_highlighter(self, buffer: Buffer) -> None:
        """Give the buffer the highlighter for its file (again after a rename)."""
        from .syntax.highlighter import highlighter_for

        self.detach_highlighter(buffer)
        if buffer not in self.buffers:
            return  # closed before its highlighter was due
        if buffer.limits is not None and buffer.limits.no_colour:
            return  # a huge file: plain text (the status line says why)
        highlighter = highlighter_for(str(buffer.path) if buffer.path else None, buffer.document)

        def feed(event) -> None:
            highlighter.on_changes(event.changes)

        buffer.listeners.insert(0, feed)  # before anything redraws
        self.highlighters[id(buffer)] = (highlighter, feed)
        self.sync_language(buffer)
        if buffer is self.buffer:
            self.view.set_highlighter(highlighter)
            self.status.refresh()

    def detach_highlighter(self, buffer: Buffer) -> None:
        old = self.highlighters.pop(id(buffer), None)
        if old is not None:
            highlighter, feed = old
            buffer.listeners.remove(feed)
            highlighter.close()
            if buffer is self.buffer:
                self.view.set_highlighter(None)

    def highlighter_of(self, buffer: Buffer):
        entry = self.highlighters.get(id(buffer))
        return entry[0] if entry else None

    def sync_language(self, buffer: Buffer) -> None:
        """Language name and comment tokens from the highlighter (it may detect them late)."""
        highlighter = self.highlighter_of(buffer)
        if highlighter is not None:
            buffer.language = highlighter.language
            buffer.line_comment = highlighter.line_comment or buffer.line_comment
            buffer.block_comment = highlighter.block_comment or buffer.block_comment

    def _view_state_changed(self) -> None:
        if self.highlighters:
            self.sync_language(self.buffer)
        self.status.refresh()
        if self.recording is not None:
            self.recording.cursor_moved(self.buffer)
            self.predictions.cursor_moved()
        if self.lsp is not None:
            self.lsp.cursor_moved()

    def show_buffer(self, buffer: Buffer) -> None:
        self.file_index.touch(buffer.path)
        self.view.show(buffer, self.highlighter_of(buffer))
        self.status.show(buffer)
        self.sub_title = sanitise(buffer.name)
        if self.git_changes is not None:
            self.git_changes.refresh(buffer, head=True)
        if self.recording is not None:
            self.recording.focus(buffer)
            self.predictions.buffer_shown(buffer)
        if self.lsp is not None:
            self.lsp.buffer_shown()

    def cycle_buffer(self, step: int) -> None:
        if len(self.buffers) > 1:
            i = self.buffers.index(self.buffer)
            self.show_buffer(self.buffers[(i + step) % len(self.buffers)])

    def switch_buffer(self) -> None:
        self.open_palette("buffers", "Switch to buffer…")

    def close_buffer(self) -> None:
        buffer = self.buffer
        if buffer.is_modified:
            from .ui.dialogs import Choice

            def answered(answer: str | None) -> None:
                if answer == "save" and not self.save(buffer):
                    return
                if answer == "discard":
                    self.forget_unsaved(buffer)
                if answer in ("save", "discard"):
                    self._close(buffer)

            self.push_screen(
                Choice(f"{buffer.name} has unsaved changes.", [("save", "Save"), ("discard", "Discard"), ("cancel", "Cancel")]),
                answered,
            )
        else:
            self._close(buffer)

    def _close(self, buffer: Buffer) -> None:
        i = self.buffers.index(buffer)
        if self.recording is not None:
            self.recording.closed(buffer)
        self.buffers.remove(buffer)
        self.file_closed(buffer)
        if self.lsp is not None:
            self.lsp.closed(buffer)
        if self.git_changes is not None:
            self.git_changes.forget(buffer)
        self.view.forget(buffer)
        self.detach_highlighter(buffer)
        if not self.buffers:
            self._add_buffer(Buffer("", tab_width=self.config.tab_width))
        self.show_buffer(self.buffers[min(i, len(self.buffers) - 1)])

    def _saved(self, buffer: Buffer, stamp) -> None:
        super()._saved(buffer, stamp)
        if self.recording is not None:
            self.recording.saved(buffer)  # a save ends the edit being recorded
        if self.lsp is not None:
            self.lsp.saved(buffer)

    def ask_path(self, question: str, then, value: str = "") -> None:
        """Ask for a file path; ``then(path)`` runs only for one that can be a buffer."""
        from .files.args import CliError, check_openable
        from .ui.dialogs import Prompt

        def answered(answer: str | None) -> None:
            if not answer:
                return
            path = Path(answer).expanduser()
            try:
                check_openable(path)
            except CliError as exc:
                self.say(str(exc), error=True)
                return
            then(path)

        from .files.complete import PathSuggester

        self.push_screen(Prompt(question, value, "path/to/file (Tab completes)", PathSuggester()), answered)

    def ask_open(self) -> None:
        self.ask_path("Open file:", self.open_path)

    # -- quitting ---------------------------------------------------------------------

    def request_quit(self) -> None:
        """Quit, asking first when buffers have unsaved changes."""
        modified = [b for b in self.buffers if b.is_modified]
        if not modified:
            self.exit()
            return
        from .ui.dialogs import Choice

        names = ", ".join(b.name for b in modified[:3]) + (" …" if len(modified) > 3 else "")
        question = f"Unsaved changes in {names}. Save before quitting?"

        def answered(answer: str | None) -> None:
            if answer == "save":
                if all(self.save(b) for b in modified):
                    self.exit()
            elif answer == "discard":
                for buffer in modified:  # thrown away on purpose: no restore offer next time
                    self.forget_unsaved(buffer)
                self.exit()

        self.push_screen(Choice(question, [("save", "Save all"), ("discard", "Discard"), ("cancel", "Cancel")]), answered)

    # -- view commands ----------------------------------------------------------------

    def go_to(self, line: int, column: int = 0) -> None:
        doc = self.buffer.document
        line = max(0, min(line, doc.line_count - 1))
        self.view.select(Selection.cursor(doc.offset(line, column)), center=True)

    def ask_goto_line(self) -> None:
        from .ui.dialogs import Prompt

        count = self.buffer.document.line_count

        def answered(value: str | None) -> None:
            if not value:
                return
            parts = value.strip().split(":")
            try:
                line = int(parts[0])
                column = int(parts[1]) if len(parts) > 1 and parts[1] else 1
            except ValueError:
                self.say(f"not a line number: {value!r}", error=True)
                return
            self.go_to(line - 1, column - 1)

        self.push_screen(Prompt(f"Go to line (1–{count}, or LINE:COL):"), answered)

    def toggle_soft_wrap(self) -> None:
        self.view.set_soft_wrap(not self.view.soft_wrap)
        self.status.say(f"Soft wrap {'on' if self.view.soft_wrap else 'off'}")

    def choose_theme(self) -> None:
        self.open_palette("themes", "Theme…")

    # -- clipboard --------------------------------------------------------------------

    def copy(self) -> None:
        self._to_clipboard(editing.copy(self.buffer))

    def cut(self) -> None:
        self._to_clipboard(self.view.run_edit(editing.cut))

    def _to_clipboard(self, text: str) -> None:
        self.copy_to_clipboard(text)  # OSC 52: works over SSH
        self._copy_to_system(text)

    @work(thread=True, group="clipboard", description="copy to the system clipboard")  # no repr(text)
    def _copy_to_system(self, text: str) -> None:
        from .clipboard import copy_to_system

        copy_to_system(text)

    def paste(self) -> None:
        self._paste_from_system()

    @work(thread=True, group="clipboard")
    def _paste_from_system(self) -> None:
        from .clipboard import paste_from_system

        text = paste_from_system()
        self.call_from_thread(self._paste_text, text if text is not None else self.clipboard)

    def _paste_text(self, text: str) -> None:
        if text:
            self.view.run_edit(editing.paste, text)

    # -- find and replace -------------------------------------------------------------

    def _findbar(self) -> "FindBar":
        if self.findbar is None:
            from .find.findbar import FindBar

            self.findbar = FindBar(id="findbar")
            self.mount(self.findbar, before=self.status)
        return self.findbar

    def open_find(self, replace: bool = False) -> None:
        bar = self._findbar()
        sel = self.buffer.selection
        self.find_origin = sel.start
        query = editing.selected_text(self.buffer) if not sel.is_empty else None
        if query is not None and "\n" in query:
            query = None
        self.call_after_refresh(bar.open, replace, query)

    def _pattern(self):
        """The find bar's pattern (None when empty or invalid: the bar shows the error)."""
        from .find.search import QueryError, compile_query

        bar = self.findbar
        if bar is None:
            return None
        try:
            return compile_query(bar.search_text, bar.regex, bar.match_case)
        except QueryError as exc:
            bar.show_count(str(exc), error=True)
            return None

    def _finder_for(self):
        if self._finder is None:
            from .find.search import Finder

            self._finder = Finder()
        return self._finder

    def find_next(self, backwards: bool = False) -> None:
        pattern = self._pattern()
        if pattern is None:
            self.open_find()
            return
        sel = self.buffer.selection
        self._jump_to_match(pattern, sel.start if backwards else sel.end, backwards)

    def _jump_to_match(self, pattern, offset: int, backwards: bool = False) -> None:
        finder = self._finder_for()
        found = finder.find(self.buffer.document, pattern, offset, backwards)
        self.view.set_find(pattern, found)
        if found is None:
            self.findbar.show_count("no matches")
            return
        self.view.select(Selection(found[0], found[1]), center=True)
        n, total = finder.rank(self.buffer.document, pattern, found[0])
        self.findbar.show_count(f"{n} of {total}")

    def on_find_bar_changed(self, message) -> None:
        pattern = self._pattern()
        if pattern is None:
            self.view.set_find(None)
            if not self.findbar.search_text:
                self.findbar.show_count("")
            self.view.select(Selection.cursor(self.find_origin))
            return
        self._jump_to_match(pattern, self.find_origin)

    def on_find_bar_toggled(self, message) -> None:
        self.on_find_bar_changed(message)

    def toggle_find_option(self, option: str) -> None:
        """Alt+R / Alt+C: in project search when it is open, else in the find bar."""
        toggle = getattr(self.screen, "toggle_option", None)
        if toggle is not None:
            toggle(option)
            return
        bar = self._findbar()
        if bar.is_open:
            bar.toggle(option)
        else:
            self.open_find()
            self.call_after_refresh(bar.toggle, option)

    def on_find_bar_next(self, message) -> None:
        self.find_next(message.backwards)

    def on_find_bar_replace(self, message) -> None:
        from .find.search import QueryError, replace_all, replace_current

        pattern = self._pattern()
        if pattern is None:
            return
        regex = self.findbar.regex
        try:
            if message.all:
                n = replace_all(self.buffer, pattern, message.replacement, self._finder_for(), regex)
                self.view.scroll_to_cursor()
                self.say(f"Replaced {n} match{'es' if n != 1 else ''}")
                self.view.set_find(pattern)
                return
            replace_current(self.buffer, pattern, message.replacement, regex, self._finder_for())
        except QueryError as exc:
            self.findbar.show_count(str(exc), error=True)
            return
        self.find_next()

    def on_find_bar_closed(self, message) -> None:
        self.view.set_find(None)
        self.view.focus()

    # -- the project: find a file, search and replace across files -------------------

    def _project_base(self) -> Path:
        path = self.buffer.path
        return (path.parent if path is not None else Path.cwd()).absolute()

    def find_file(self) -> None:
        from .find.file_picker import FilePicker

        if not isinstance(self.screen, FilePicker):
            self.push_screen(FilePicker(self.file_index, self._project_base()),
                             lambda path: path is not None and self.open_path(path))

    def search_project(self, replace: bool = False) -> None:
        from .find.project_files import known_root
        from .find.search_screen import ProjectSearchScreen

        if isinstance(self.screen, ProjectSearchScreen):
            return
        sel = self.buffer.selection
        query = editing.selected_text(self.buffer) if not sel.is_empty else ""
        bar = self.findbar
        base = self._project_base()
        # the root needs git: unless a recent lookup knows it, the screen asks on a worker
        root = known_root(base)
        screen = ProjectSearchScreen(root or base, query if "\n" not in query else "", replace,
                                     bar.regex if bar else False, bar.match_case if bar else False,
                                     root_known=root is not None)
        self.push_screen(screen, self._project_search_done)

    def _project_search_done(self, result) -> None:
        if not result:
            return
        if result[0] == "open":
            _, path, line, column = result
            self.open_path(path, line, column)
            return
        plan = result[1]

        def open_by_realpath() -> dict[str, Buffer]:
            # one realpath per open buffer, then dictionary look-ups: _find_open per file
            # would be O(files x buffers) system calls (minutes for 3,000 files)
            return {os.path.realpath(b.path): b for b in self.buffers if b.path is not None}

        def apply() -> None:
            by_real = open_by_realpath()
            plan.apply(lambda rel: by_real.get(plan.real[rel]), lambda buffer: self.save(buffer, force=True))
            self.replaced_files.update(plan.written)
            self.view.refresh_layers()
            self.say(plan.summary(), error=bool(plan.skipped))

        open_reals = set(open_by_realpath())

        def write() -> None:
            plan.write_unopened(open_reals)
            self.call_from_thread(apply)

        self.say(f"Replacing in {len(plan.by_file):,} file{'s' if len(plan.by_file) != 1 else ''}…")
        self.run_worker(write, thread=True, group="replace", description="replace in the files nobody has open")

    def buffer_for_opening(self, loaded) -> Buffer:
        """A file a project replace wrote opens with the replacement as its undo step."""
        from .find.project_replace import reopen

        written = self.replaced_files.pop(os.path.realpath(loaded.path), None) if self.replaced_files else None
        return (written and reopen(written, loaded, self.buffer_for)) or self.buffer_for(loaded)


def run_app(files: "list[FileArg]", args) -> int:
    """Start the editor on ``files`` (the ``nxedit FILE ...`` entry point)."""
    config, messages = load_config(getattr(args, "config", None))
    if getattr(args, "theme", None):
        config.theme = args.theme
    app = EditorApp(files, config, messages, getattr(args, "backend", None), getattr(args, "model", None))
    app.run()
    return app.return_code or 0  # 1 when the app stopped on an error: never a crash that says "success"
