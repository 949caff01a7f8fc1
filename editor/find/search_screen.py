"""Project search (``search.project``) and replace across files (``search.replace_project``).

Typing a query starts a search once typing pauses (:data:`DEBOUNCE`); a new query cancels
the running one. Matches stream into the list (file, line, the line with the match marked)
from a worker thread in batches, so the screen stays as quick to type in while ripgrep runs
as when it is idle. Enter opens the file at the match. With a replacement typed, every row
shows the line as it will read; Alt+A (or Enter in the replacement field) asks once, then
replaces in every listed file (see :mod:`project_replace`). Alt+R: regular expressions;
Alt+C: match case (off: smart case) -- the find bar's keys.
"""

from __future__ import annotations

import time
from pathlib import Path

from rich.style import Style
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.widgets import Input

from nxedit.editor.ui.field import Field

from .picker import PickerScreen
from .project_replace import ProjectReplace, replaced_line
from .project_files import project_root_for
from .project_search import LineMatch, ProjectSearch
from .search import Query, QueryError, Replacer

DEBOUNCE = 0.12  # seconds of no typing before a query is searched
BATCH_SECONDS = 0.05  # matches reach the list at most this often (the first one at once)

PATH = Style(color="cyan")
NUMBER = Style(dim=True)
MATCH = Style(bold=True, reverse=True)
OLD = Style(strike=True, color="red")
NEW = Style(bold=True, color="green")


class ProjectSearchScreen(PickerScreen):
    placeholder = "Search in project (Alt+R regex, Alt+C match case; Enter opens, Esc closes)"

    DEFAULT_CSS = """
    ProjectSearchScreen #replace { display: none; }
    ProjectSearchScreen.-replace #replace { display: block; }
    """

    def __init__(self, root: Path, query: str = "", replace: bool = False, regex: bool = False,
                 match_case: bool = False, root_known: bool = True) -> None:
        """``root`` is the folder searched; with ``root_known`` false it is where to look
        for the project's root (git), which a worker finds before the first search."""
        super().__init__(query)
        self.root = root
        self.root_known = root_known
        self.replace_mode = replace
        self.regex = regex
        self.match_case = match_case
        self.search: ProjectSearch | None = None
        self.matches: list[LineMatch] = []
        self.files: set[str] = set()
        self.finished = False
        self._timer = None
        self._replacer: Replacer | None = None
        self._replacer_key: tuple[str, bool] | None = None
        # for bench/find_speed.py
        self.started_at: float | None = None
        self.first_result_at: float | None = None

    def compose_fields(self) -> ComposeResult:
        yield Field(placeholder="Replace with ($1 or \\1 for groups; Enter or Alt+A replaces in all files)",
                    id="replace")

    def on_mount(self) -> None:  # after PickerScreen.on_mount (Textual calls each class's handler)
        self.set_class(self.replace_mode, "-replace")
        if not self.root_known:
            self.run_worker(self._find_root, thread=True, group="project-root", description="find the project root")
        elif self.initial_query:
            self._search_now()
        else:
            self._show_info()

    def on_unmount(self) -> None:
        if self.search is not None:
            self.search.cancel()

    def _find_root(self) -> None:
        """Worker thread: git says where the project is (a process start: not on the UI thread)."""
        root = project_root_for(self.root)
        try:
            self.app.call_from_thread(self._root_found, root)
        except RuntimeError:  # the app has closed
            pass

    def _root_found(self, root: Path) -> None:
        self.root, self.root_known = root, True
        if self.query_text:
            self._search_now()
        else:
            self._show_info()

    # -- options ------------------------------------------------------------------------

    def toggle_option(self, option: str) -> None:
        """Alt+R / Alt+C (the app's find.toggle_* commands land here while this is open)."""
        setattr(self, option, not getattr(self, option))
        self._search_now()
        self.results.redraw()

    def _query(self) -> Query:
        return Query(self.query_text, self.regex, self.match_case)

    # -- searching ----------------------------------------------------------------------

    def query_changed(self, text: str) -> None:
        if self.search is not None:
            self.search.cancel()  # stale already: stop reading its results
        self.finished = False  # the results shown are for another query until the new search ends
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(DEBOUNCE, self._search_now)

    def _search_now(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if self.search is not None:
            self.search.cancel()
        self.search = None
        self.matches = []
        self.files = set()
        self.finished = False
        self.results.set_items(self.matches)
        if not self.query_text or not self.root_known:  # without a root, _root_found searches
            self._show_info()
            return
        try:
            search = ProjectSearch(self.root, self._query())
        except QueryError as exc:
            self.info(str(exc), error=True)
            return
        self.search = search
        self.started_at = time.perf_counter()
        self.first_result_at = None
        self._show_info()
        self.run_worker(lambda: self._run(search), thread=True, group="project-search",
                        description="search the project")

    def _run(self, search: ProjectSearch) -> None:
        """Worker thread: hand matches to the UI in batches."""
        batch: list[LineMatch] = []
        sent = 0.0
        try:
            for match in search.run():
                batch.append(match)
                now = time.monotonic()
                if not sent or now - sent >= BATCH_SECONDS:
                    self.app.call_from_thread(self._arrived, search, batch)
                    batch, sent = [], now
            self.app.call_from_thread(self._arrived, search, batch, True)
        except RuntimeError:  # the app has closed
            search.cancel()

    def _arrived(self, search: ProjectSearch, batch: list[LineMatch], done: bool = False) -> None:
        # A search cancelled by typing still ends in its worker: its end is not this query's.
        if search is not self.search or search.cancelled:
            return
        if batch:
            if self.first_result_at is None:
                self.call_after_refresh(self._first_shown, search)
            self.files.update(m.path for m in batch)
            self.results.extend(batch)  # self.matches is the list's own item list
        self.finished = done
        self._show_info()

    def _first_shown(self, search: ProjectSearch) -> None:
        if search is self.search and self.first_result_at is None:
            self.first_result_at = time.perf_counter()

    def _show_info(self) -> None:
        flags = f"regex {'on' if self.regex else 'off'} · match case {'on' if self.match_case else 'smart'}"
        search = self.search
        if search is None:
            self.info(f"{flags} · in {self.root}")
            return
        n = len(self.matches)
        state = "" if self.finished else " (searching…)"
        note = f" · {search.note}" if search.note else ""
        self.info(f"{n:,} match{'es' if n != 1 else ''} in {len(self.files):,} file{'s' if len(self.files) != 1 else ''}"
                  f"{state} · {flags} · {search.engine}{note}")

    # -- rows ---------------------------------------------------------------------------

    def describe(self, match: LineMatch) -> Text:
        text = Text()
        text.append(match.path, PATH)
        text.append(f":{match.line + 1}: ", NUMBER)
        line = match.text.lstrip()
        shift = len(match.text) - len(line)
        replacer = self._current_replacer()
        if replacer is None or self.search is None or self.search.pattern is None:
            body = Text(line)
            for a, b in match.spans:
                body.stylize(MATCH, max(0, a - shift), max(0, b - shift))
        else:
            body = self._preview(line, replacer)
        text.append_text(body)
        return text

    def _preview(self, line: str, replacer: Replacer) -> Text:
        """The line with each match struck out and its replacement after it."""
        pattern = self.search.pattern
        body = Text()
        last = 0
        try:
            for m in pattern.finditer(line):
                if m.end() == m.start():
                    continue
                body.append(line[last : m.start()])
                body.append(m.group(), OLD)
                body.append(replacer(m), NEW)
                last = m.end()
        except QueryError as exc:
            return Text(str(exc), style="italic")
        body.append(line[last:])
        return body

    def preview_of(self, match: LineMatch | None):
        if match is None:
            return None, 0, ()
        return self.root / match.path, match.line, match.spans

    def choose(self, match: LineMatch) -> None:
        self.dismiss(("open", self.root / match.path, match.line, match.spans[0][0] if match.spans else 0))

    # -- replacing ----------------------------------------------------------------------

    def _current_replacer(self) -> Replacer | None:
        if not self.replace_mode:
            return None
        key = (self.query_one("#replace", Input).value, self.regex)
        if key != self._replacer_key:
            self._replacer, self._replacer_key = Replacer(*key), key
        return self._replacer

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "replace":
            event.stop()
            event.prevent_default()  # not a query change
            self.results.redraw()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "replace":
            event.stop()
            event.prevent_default()
            self.replace_all()

    def on_key(self, event: events.Key) -> None:
        if event.key == "alt+a" and self.replace_mode:
            event.stop()
            event.prevent_default()
            self.replace_all()
            return
        # a modal screen hides the app's bindings: the find bar's toggles, by their (user's) keys
        keys = getattr(self.app, "keys", {})
        for option, command in (("regex", "find.toggle_regex"), ("match_case", "find.toggle_case")):
            if event.key in keys.get(command, ()):
                event.stop()
                event.prevent_default()
                self.toggle_option(option)

    def replace_all(self) -> None:
        """Ask once, then hand the replacement to the app (it owns the buffers)."""
        search = self.search
        if search is None or not self.matches or search.pattern is None:
            self.info("nothing to replace", error=True)
            return
        if not self.finished:
            self.info("the search is still running: wait for it to finish", error=True)
            return
        replacement = self.query_one("#replace", Input).value
        replacer = self._current_replacer()
        try:
            for m in self.matches[:1]:
                replaced_line(m.text, search.pattern, replacer)
        except QueryError as exc:
            self.info(str(exc), error=True)
            return
        from nxedit.editor.ui.dialogs import Choice

        n, files = len(self.matches), len(self.files)
        question = (f"Replace {n:,} match{'es' if n != 1 else ''} in {files:,} file{'s' if files != 1 else ''} "
                    f"with {replacement!r}? Each file is saved; Ctrl+Z in its buffer undoes it.")
        plan = ProjectReplace(str(self.root), list(self.matches), dict(search.stamps), search.pattern, replacer)

        def answered(answer: str | None) -> None:
            if answer == "replace":
                self.dismiss(("replace", plan))

        self.app.push_screen(Choice(question, [("replace", "Replace"), ("cancel", "Cancel")]), answered)
