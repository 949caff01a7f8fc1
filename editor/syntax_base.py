"""What every highlighter offers the view, and the background thread they parse on.

The view calls :meth:`Highlighter.on_changes` right after each ``doc.apply`` and
:meth:`Highlighter.line_spans` for the rows it draws, both on the UI thread; both cost
time proportional to the change or the window. Parsing and lexing the whole file happen
on a :class:`BackgroundJob`, which calls ``on_update`` when new colours are ready.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from nxedit.model.document import Change

log = logging.getLogger(__name__)

Span = tuple[int, int, str]  # (start_col, end_col, scope), character columns of the line text

PLAIN_TEXT = "Plain text"


class Highlighter:
    """Colours for a document's lines: scopes ("keyword", "function.method", ...) per span.

    ``version`` grows whenever the spans a line would return may have changed; the view
    keys its cache on it. ``on_update`` (set by the view) is called from a worker thread
    when background work produced new spans. ``language`` may change once, when content
    detection finishes in the background (``on_update`` is called then too).
    """

    language: str = PLAIN_TEXT
    line_comment: str | None = None
    block_comment: tuple[str, str] | None = None

    def __init__(self) -> None:
        self.version = 0
        self.on_update: Callable[[], None] | None = None

    def on_changes(self, changes: list[Change]) -> None:
        """The document was just changed by ``changes`` (as ``Document.apply`` returns them)."""

    def line_spans(self, first: int, last: int) -> list[list[Span]]:
        """For each line in ``[first, last)``: sorted, non-overlapping spans."""
        return [[] for _ in range(max(0, last - first))]

    def settle(self, timeout: float = 10.0) -> bool:
        """Wait until background work has caught up with the document (tests, benchmarks;
        never on the UI thread while typing). True if it did within ``timeout``."""
        return True

    def close(self) -> None:
        """Stop background work; the highlighter must not be used afterwards."""

    def _notify(self) -> None:
        callback = self.on_update
        if callback is not None:
            try:
                callback()
            except Exception:  # a view bug must not kill the parser thread
                log.exception("on_update callback failed")


class PlainHighlighter(Highlighter):
    """No colours: for files of no known language."""


class BackgroundJob:
    """Runs ``work()`` on a daemon thread each time it is poked; never two at once.

    Pokes that arrive while ``work`` runs are coalesced into one more run after it. With
    ``quiet`` > 0 a run starts only once no poke came for that many seconds (debounce).
    """

    def __init__(self, work: Callable[[], None], name: str, quiet: float = 0.0) -> None:
        self._work = work
        self._name = name
        self.quiet = quiet
        self._cond = threading.Condition()
        self._poked = False
        self._running = False
        self._closed = False
        self._last_poke = 0.0
        self._thread: threading.Thread | None = None

    def poke(self, *, now: bool = False) -> None:
        """Ask for a run (soon; at once with ``now``, skipping the quiet period)."""
        with self._cond:
            if self._closed:
                return
            self._poked = True
            self._last_poke = 0.0 if now else time.monotonic()
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name=self._name, daemon=True)
                self._thread.start()
            self._cond.notify_all()

    @property
    def idle(self) -> bool:
        with self._cond:
            return not (self._poked or self._running)

    def wait_idle(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._poked or self._running:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
            return True

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._poked = False
            self._cond.notify_all()

    def _loop(self) -> None:
        cond = self._cond
        while True:
            with cond:
                while not self._closed:
                    if self._poked:
                        wait = self._last_poke + self.quiet - time.monotonic()
                        if wait <= 0:
                            break
                        cond.wait(wait)
                    else:
                        cond.wait()
                if self._closed:
                    return
                self._poked = False
                self._running = True
            try:
                self._work()
            except Exception:
                log.exception("%s failed", self._name)
            finally:
                with cond:
                    self._running = False
                    cond.notify_all()
