"""The command table: every command once, with its name, title, default keys and handler.

It drives the key bindings (editor commands bind on the editor view, so they act only
when it has focus; app commands bind on the app), the command palette and the help
screen. Users rebind keys in the ``[keys]`` table of their config file: command name ->
key or list of keys (an empty list unbinds). Key names are Textual's ("ctrl+s",
"alt+up", "shift+f3", "ctrl+pagedown").

A command with ``when`` runs only while that predicate holds; otherwise the key falls
through to the next command bound to it, in table order: Tab accepts a suggestion while
one is shown and indents otherwise; Esc, Ctrl+Right and Ctrl+Down likewise.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Iterable, Literal, Mapping, NamedTuple

from .view import editing, motion

if TYPE_CHECKING:
    from .app import EditorApp

Handler = Callable[["EditorApp"], Any]


class Command(NamedTuple):
    name: str
    title: str
    keys: tuple[str, ...]
    run: Handler
    scope: Literal["editor", "app"] = "editor"
    description: str = ""
    palette: bool = True  # cursor motions stay out of the palette
    when: Callable[["EditorApp"], bool] | None = None


def _move(fn, extend: bool = False) -> Handler:
    return lambda app: app.view.move(fn, extend)


def _vertical(rows: int, extend: bool = False) -> Handler:
    return lambda app: app.view.move_vertical(rows, extend)


def _page(direction: int, extend: bool = False) -> Handler:
    return lambda app: app.view.page(direction, extend)


def _edit(fn, *args) -> Handler:
    return lambda app: app.view.run_edit(fn, *args)


def _motions() -> list[Command]:
    """Cursor motions, each with its Shift twin that extends the selection."""
    table = [
        ("left", "Left", _move, motion.char_left, ("left",)),
        ("right", "Right", _move, motion.char_right, ("right",)),
        ("word_left", "Word left", _move, motion.word_left, ("ctrl+left",)),
        ("word_right", "Word right", _move, motion.word_right, ("ctrl+right",)),
        ("line_start", "Start of line", _move, motion.line_start, ("home",)),
        ("line_end", "End of line", _move, motion.line_end, ("end",)),
        ("file_start", "Start of file", _move, motion.doc_start, ("ctrl+home",)),
        ("file_end", "End of file", _move, motion.doc_end, ("ctrl+end",)),
        ("up", "Up", _vertical, -1, ("up",)),
        ("down", "Down", _vertical, 1, ("down",)),
        ("page_up", "Page up", _page, -1, ("pageup",)),
        ("page_down", "Page down", _page, 1, ("pagedown",)),
    ]
    out = []
    for name, title, make, arg, keys in table:
        shifted = tuple(k.replace("ctrl+", "ctrl+shift+") if k.startswith("ctrl+") else f"shift+{k}" for k in keys)
        out.append(Command(f"cursor.{name}", f"Cursor: {title.lower()}", keys, make(arg), palette=False))
        out.append(Command(f"select.{name}", f"Select: {title.lower()}", shifted, make(arg, True), palette=False))
    return out


def _has_selection(app: "EditorApp") -> bool:
    return not app.view.buffer.selection.is_empty


def _indent(app: "EditorApp") -> None:
    if not app.view.run_edit(editing.indent):
        app.say("Tab: nothing to accept; it indents at a line's start")


def _predict(method: str, *args) -> Handler:
    return lambda app: app.predictions is not None and getattr(app.predictions, method)(*args)


def _ask_debounce(app: "EditorApp") -> None:
    from .ui.dialogs import Prompt

    def answered(value: str | None) -> None:
        if value is None or not value.strip():
            return
        try:
            ms = int(value.strip().removesuffix("ms").strip())
        except ValueError:
            ms = -1
        if not 0 <= ms <= 2000:
            app.say(f"not a debounce in milliseconds (0 to 2000): {value!r}", error=True)
            return
        app.predictions.set_debounce(ms)

    current = app.predictions.settings.debounce_ms if app.predictions else 75
    app.push_screen(Prompt(f"Prediction debounce in ms (now {current}):"), answered)


# next-edit suggestions first: their keys fall through to the commands below when none shows
_PREDICT = (
    Command("predict.accept", "Accept next edit", ("tab",), _predict("accept"), palette=False,
            description="jumps to a suggestion away from the cursor first", when=_predict("wants_tab")),
    Command("predict.dismiss", "Dismiss next edit", ("escape",), _predict("dismiss"), palette=False,
            when=_predict("can_dismiss")),
    Command("predict.accept_word", "Accept next word of the edit", ("ctrl+right",), _predict("accept_word"),
            palette=False, when=_predict("at_cursor")),
    Command("predict.accept_line", "Accept next line of the edit", ("ctrl+down",), _predict("accept_line"),
            palette=False, when=_predict("at_cursor")),
    # legacy terminals send Alt+] and Alt+[ as a plain ] and [ (only the kitty keyboard protocol
    # tells them apart); Alt+N and Alt+P arrive everywhere
    Command("predict.next", "Next suggestion", ("alt+right_square_bracket", "alt+n"), _predict("cycle", 1),
            palette=False, description="Alt+N where Alt+] does not arrive", when=_predict("has_alternatives")),
    Command("predict.previous", "Previous suggestion", ("alt+left_square_bracket", "alt+p"),
            _predict("cycle", -1), palette=False, description="Alt+P where Alt+[ does not arrive",
            when=_predict("has_alternatives")),
    Command("predict.show", "Suggest next edit now", ("ctrl+space", "ctrl+@"), _predict("request_now"),
            description="shows the diff in subtle mode; legacy terminals send Ctrl+Space as Ctrl+@"),
    Command("predict.eager", "Predictions: eager", (), _predict("set_mode", "eager"), "app",
            description="show the ghost diff"),
    Command("predict.subtle", "Predictions: subtle", (), _predict("set_mode", "subtle"), "app",
            description="only a gutter marker; Ctrl+Space shows the diff"),
    Command("predict.off", "Predictions: off", (), _predict("set_mode", "off"), "app"),
    Command("predict.language", "Predictions: on/off for this language", (), _predict("toggle_language"), "app"),
    Command("predict.debounce", "Predictions: debounce…", (), _ask_debounce, "app"),
    Command("predict.why", "Predictions: why the model's last answer was not shown", (), _predict("why_refused"), "app"),
    Command("predict.reconnect", "Predictions: reconnect to the model", (), lambda app: app.predictions and app.predictions.reconnect(),
            "app", description="try the model backend again now (it is retried on its own, with backoff)"),
)



# -- language servers (editor/lsp): the menu's keys and the multi-file undo come before the
# commands their keys fall through to; Tab is never the completion menu's (it stays next-edit's)
def _lsp(module: str, name: str, *args) -> Handler:
    def run(app: "EditorApp") -> Any:
        if app.lsp is None:
            app.say("language servers are not started yet")
            return None
        import importlib

        return getattr(importlib.import_module(f"nxedit.editor.lsp.{module}"), name)(app.lsp, *args)

    return run


def _menu(method: str, *args) -> Handler:
    return lambda app: app.lsp is not None and getattr(app.lsp.completion, method)(*args)


def _menu_shown(app: "EditorApp") -> bool:
    return app.lsp is not None and app.lsp.completion.visible


def _group_on_top(redo: bool) -> Callable[["EditorApp"], bool]:
    def when(app: "EditorApp") -> bool:
        if app.lsp is None or not app.lsp.undo_groups:
            return False
        from .lsp.workspace_edit import group_on_top

        return group_on_top(app.lsp, app.buffer, redo) is not None

    return when


_LSP_FIRST = (
    Command("lsp.complete_accept", "Accept completion", ("enter", "ctrl+y"), _menu("accept"), palette=False,
            when=_menu_shown),
    Command("lsp.complete_close", "Close completion", ("escape",), _menu("close"), palette=False, when=_menu_shown),
    Command("lsp.popup_close", "Close hover or signature", ("escape",),
            lambda app: app.lsp is not None and app.lsp.popup.close(), palette=False,
            when=lambda app: app.lsp is not None and app.lsp.popup.visible),
    Command("lsp.complete_down", "Next completion", ("down",), _menu("move", 1), palette=False, when=_menu_shown),
    Command("lsp.complete_up", "Previous completion", ("up",), _menu("move", -1), palette=False, when=_menu_shown),
    Command("lsp.complete_page_down", "Completion page down", ("pagedown",), _menu("move", 9), palette=False,
            when=_menu_shown),
    Command("lsp.complete_page_up", "Completion page up", ("pageup",), _menu("move", -9), palette=False,
            when=_menu_shown),
    Command("lsp.undo_edit", "Undo a multi-file edit", ("ctrl+z",), _lsp("workspace_edit", "undo_group"),
            palette=False, when=_group_on_top(False)),
    Command("lsp.redo_edit", "Redo a multi-file edit", ("ctrl+y", "ctrl+shift+z"),
            _lsp("workspace_edit", "undo_group", True), palette=False, when=_group_on_top(True)),
)
_LSP = (
    Command("lsp.complete", "Complete", ("ctrl+n",), _menu("request"),
            description="the language server's completions; Enter or Ctrl+Y accepts (Tab stays next-edit's)"),
    Command("lsp.definition", "Go to definition", ("f12",), _lsp("navigation", "definition")),
    Command("lsp.back", "Go back", ("alt+left",), _lsp("navigation", "go_back"),
            description="to where the last jump to a definition or reference started"),
    Command("lsp.references", "Find references", ("shift+f12",), _lsp("navigation", "references")),
    Command("lsp.hover", "Hover: type and docs", ("alt+h",), _lsp("navigation", "hover")),
    Command("lsp.rename", "Rename symbol…", ("f2",), _lsp("refactor", "rename"),
            description="across files, with a preview; one undo step"),
    Command("lsp.code_actions", "Code actions…", ("alt+enter", "alt+a"), _lsp("refactor", "code_actions"),
            description="quick fixes (add an import, ...) for the cursor's line"),
    Command("lsp.next_diagnostic", "Next problem", ("f8",), _lsp("navigation", "next_diagnostic", 1)),
    Command("lsp.previous_diagnostic", "Previous problem", ("shift+f8",), _lsp("navigation", "next_diagnostic", -1)),
    Command("lsp.diagnostics", "List problems…", ("alt+m",), _lsp("navigation", "list_diagnostics")),
)

COMMANDS: tuple[Command, ...] = (
    *_LSP_FIRST,
    *_PREDICT,
    *_LSP,
    *_motions(),
    Command("select.all", "Select all", ("ctrl+a",), lambda app: app.view.select_all()),
    Command("select.line", "Select line", ("ctrl+l",), lambda app: app.view.select_line()),
    Command("select.collapse", "Clear selection", ("escape",), lambda app: app.view.collapse_selection(),
            palette=False, when=_has_selection),
    Command("edit.newline", "New line", ("enter",), _edit(editing.newline), palette=False,
            description="keeps the indentation; one level more after a block opener"),
    Command("edit.backspace", "Delete left", ("backspace",), _edit(editing.backspace), palette=False),
    Command("edit.delete", "Delete right", ("delete",), _edit(editing.delete_forward), palette=False),
    Command("edit.delete_word_left", "Delete word left", ("ctrl+backspace", "ctrl+w"),
            _edit(editing.delete_word_left), palette=False, description="Alt+Backspace in most terminals"),
    Command("edit.delete_word_right", "Delete word right", ("ctrl+delete",), _edit(editing.delete_word_right),
            palette=False),
    Command("edit.indent", "Indent", ("tab",), _indent,
            description="the selected lines, or at the start of a line; never inside a line's text"),
    Command("edit.outdent", "Outdent", ("shift+tab",), _edit(editing.outdent)),
    Command("edit.undo", "Undo", ("ctrl+z",), lambda app: app.view.undo()),
    Command("edit.redo", "Redo", ("ctrl+y", "ctrl+shift+z"), lambda app: app.view.redo()),
    Command("edit.copy", "Copy", ("ctrl+c",), lambda app: app.copy(), description="the line when nothing is selected"),
    Command("edit.cut", "Cut", ("ctrl+x",), lambda app: app.cut(), description="the line when nothing is selected"),
    Command("edit.paste", "Paste", ("ctrl+v",), lambda app: app.paste(),
            description="from the system clipboard when a clipboard tool exists; the terminal's paste works too"),
    Command("edit.duplicate_line", "Duplicate line", ("ctrl+d",), _edit(editing.duplicate_lines)),
    Command("edit.delete_line", "Delete line", ("ctrl+shift+k", "ctrl+k"), _edit(editing.delete_lines)),
    Command("edit.move_line_up", "Move line up", ("alt+up",), _edit(editing.move_lines, -1)),
    Command("edit.move_line_down", "Move line down", ("alt+down",), _edit(editing.move_lines, 1)),
    Command("edit.toggle_comment", "Toggle comment", ("ctrl+slash", "ctrl+underscore"), _edit(editing.toggle_comment),
            description="Ctrl+/ (terminals send Ctrl+_)"),
    Command("file.save", "Save", ("ctrl+s",), lambda app: app.save(), "app"),
    Command("file.save_as", "Save as…", (), lambda app: app.save_as(), "app", description="Tab completes paths"),
    Command("file.open", "Open file…", ("ctrl+o",), lambda app: app.ask_open(), "app",
            description="Tab completes paths"),
    Command("file.close", "Close buffer", ("ctrl+f4",), lambda app: app.close_buffer(), "app"),
    Command("file.reload", "Reload from disk", (), lambda app: app.ask_reload(), "app",
            description="asks first when there are unsaved changes"),
    Command("buffer.next", "Next buffer", ("ctrl+pagedown",), lambda app: app.cycle_buffer(1), "app"),
    Command("buffer.previous", "Previous buffer", ("ctrl+pageup",), lambda app: app.cycle_buffer(-1), "app"),
    Command("buffer.switch", "Switch buffer…", ("ctrl+e",), lambda app: app.switch_buffer(), "app"),
    Command("find.open", "Find…", ("ctrl+f",), lambda app: app.open_find(), "app"),
    Command("find.next", "Find next", ("f3",), lambda app: app.find_next(), "app"),
    Command("find.previous", "Find previous", ("shift+f3",), lambda app: app.find_next(backwards=True), "app"),
    Command("find.replace", "Replace…", ("ctrl+r", "ctrl+h"), lambda app: app.open_find(replace=True), "app",
            description="Ctrl+H is Backspace in most terminals"),
    Command("find.toggle_regex", "Find: regular expressions on/off", ("alt+r",),
            lambda app: app.toggle_find_option("regex"), "app", description="in the find bar and project search"),
    Command("find.toggle_case", "Find: match case on/off", ("alt+c",),
            lambda app: app.toggle_find_option("match_case"), "app", description="off: smart case"),
    Command("file.find", "Find file…", ("ctrl+t",), lambda app: app.find_file(), "app",
            description="fuzzy, recent files first, with a preview"),
    Command("search.project", "Search in project…", ("ctrl+shift+f", "alt+shift+f"),
            lambda app: app.search_project(), "app", description="Alt+Shift+F where Ctrl+Shift+F does not arrive"),
    Command("search.replace_project", "Replace in project…", ("ctrl+shift+h", "alt+shift+h"),
            lambda app: app.search_project(replace=True), "app",
            description="previews every change; Alt+Shift+H where Ctrl+Shift+H does not arrive"),
    Command("vcs.next_change", "Next change since the last commit", ("alt+f5", "alt+g"),
            lambda app: app.git_changes is not None and app.git_changes.go(1), "app",
            description="Alt+G where Alt+F5 does not arrive"),
    Command("vcs.previous_change", "Previous change since the last commit", ("alt+shift+f5", "alt+shift+g"),
            lambda app: app.git_changes is not None and app.git_changes.go(-1), "app",
            description="Alt+Shift+G where Alt+Shift+F5 does not arrive"),
    Command("goto.line", "Go to line…", ("ctrl+g",), lambda app: app.ask_goto_line(), "app"),
    Command("view.soft_wrap", "Toggle soft wrap", ("alt+z",), lambda app: app.toggle_soft_wrap(), "app"),
    Command("view.theme", "Choose theme…", (), lambda app: app.choose_theme(), "app"),
    Command("app.palette", "Command palette", ("ctrl+p",), lambda app: app.open_palette(), "app", palette=False),
    Command("app.help", "Help: key bindings", ("f1",), lambda app: app.show_help(), "app"),
    Command("app.quit", "Quit", ("ctrl+q",), lambda app: app.request_quit(), "app"),
)

BY_NAME: dict[str, Command] = {c.name: c for c in COMMANDS}


def resolve_keys(user: Mapping[str, Iterable[str]] | None = None) -> tuple[dict[str, tuple[str, ...]], list[str]]:
    """Keys per command: the defaults with the user's ``[keys]`` applied.

    A key the user gives to one command is taken away from any other command that had it
    by default. Returns the key map and one-line warnings (unknown command names).
    """
    keys = {c.name: c.keys for c in COMMANDS}
    warnings = []
    taken: set[str] = set()
    for name, wanted in (user or {}).items():
        if name not in keys:
            warnings.append(f"[keys]: unknown command {name!r} (see the help screen, F1, for names)")
            continue
        keys[name] = tuple(wanted)
        taken.update(wanted)
    if taken:
        for name, bound in keys.items():
            if name not in (user or {}):
                keys[name] = tuple(k for k in bound if k not in taken)
    return keys, warnings


_KEY_NAMES = {
    "ctrl": "Ctrl", "shift": "Shift", "alt": "Alt",
    "pageup": "PgUp", "pagedown": "PgDn", "slash": "/", "underscore": "_", "escape": "Esc",
    "backspace": "Backspace", "delete": "Del", "enter": "Enter", "tab": "Tab", "home": "Home", "end": "End",
    "up": "↑", "down": "↓", "left": "←", "right": "→", "space": "Space",
    "right_square_bracket": "]", "left_square_bracket": "[",
}


def key_label(key: str) -> str:
    """``"ctrl+shift+k"`` -> ``"Ctrl+Shift+K"`` for the help screen and palette."""
    parts = key.split("+")
    return "+".join(_KEY_NAMES.get(p, p.upper() if len(p) <= 3 else p.capitalize()) for p in parts)
