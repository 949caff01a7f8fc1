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
from bisect import bisect_right
from collections.abc import Callable
from itertools import accumulate

from nxedit.model.text.document import Change, Document

log = logging.getLogger(__name__)

Span = tuple[int, int, str]  # (start_col, end_col, scope), character columns of the line text

PLAIN_TEXT = "Plain text"
# the first whole-file parse or lex starts this long after the first window was asked for,
# so that the thread does not slow the app's first frame (the window is coloured already).
# 0.05 s was too short: the frame reaches the terminal later than the app asks for it, and a
# 100,000-line parse holding the GIL then made the first paint 1.4-1.6x a bare Textual app's
# (1.1x at 0.3 s; bench/editor_latency.py --skip-keys)
FIRST_RUN_DELAY = 0.3


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


class BackgroundHighlighter(Highlighter):
    """A highlighter that does its whole-file work on a :class:`BackgroundJob`.

    The UI thread keeps a chunked copy of the lines (:class:`LineChunks`) and leaves the
    thread a snapshot after each change. While the thread works on one, the subclass also
    logs each change in ``_replay``, so the result can be brought up to date when it lands.
    Subclasses implement :meth:`_begin` (under the lock, as the work starts),
    :meth:`_compute` (no lock) and :meth:`_land` (under the lock).
    """

    def __init__(
        self, doc: Document, name: str, quiet: float = 0.0, max_lag: float | None = None, duty: float = 0.0
    ) -> None:
        super().__init__()
        self.doc = doc
        self._lock = threading.Lock()
        self._lines: LineChunks | None = None
        self._snapshot: list[tuple[str, ...]] | None = None  # what the thread works on next
        self._busy = False  # the thread works on a snapshot: log changes in _replay
        self._replay: list = []
        self._seen_version = doc.version  # the document version the snapshot follows
        self._started = False
        self._kick = False  # the first run is due once the first window is drawn
        self._job = BackgroundJob(self._work, name, quiet, max_lag, duty)

    # -- UI thread ------------------------------------------------------------------

    def line_spans(self, first: int, last: int) -> list[list[Span]]:
        count = self.doc.line_count
        a, b = max(first, 0), min(last, count)
        inside = self._window(a, b) if a < b else []
        before = max(0, min(last, 0) - first)  # rows outside the document have no spans
        after = max(0, last - max(first, count))
        return [[] for _ in range(before)] + inside + [[] for _ in range(after)]

    def _window(self, first: int, last: int) -> list[list[Span]]:
        """Spans of rows ``[first, last)``, all inside the document."""
        raise NotImplementedError

    def _take_snapshot(self, changes: list[Change] | None = None) -> None:
        """Under the lock: the document after ``changes`` (or copied afresh) for the thread."""
        if changes is None or self._lines is None:
            self._lines = LineChunks(self.doc.lines)
        else:
            self._lines.apply(self.doc.lines, changes)
        self._snapshot = self._lines.snapshot()
        self._seen_version = self.doc.version

    def _start(self) -> None:
        if not self._started:
            self._started = True
            with self._lock:
                self._take_snapshot()
            self._kick = True

    def _kick_first_run(self, after: float = FIRST_RUN_DELAY) -> None:
        # after the first frame is drawn, not before: the thread would compete with it
        if self._kick:
            self._kick = False
            self._job.poke(now=True, after=after)

    def settle(self, timeout: float = 10.0) -> bool:
        self._start()
        self._kick_first_run(after=0.0)
        return self._job.wait_idle(timeout)

    def close(self) -> None:
        self.on_update = None  # a parse still running must not call into a closed view
        self._job.close()

    # -- the thread -----------------------------------------------------------------

    def _work(self) -> None:
        with self._lock:
            snapshot, self._snapshot = self._snapshot, None
            if snapshot is None:
                return
            state = self._begin()
            self._busy = True
            self._replay = []
        try:
            result = self._compute(snapshot, state)
        except BaseException:
            with self._lock:
                self._busy = False
                self._failed()
            raise
        with self._lock:
            self._land(result, self._replay)
            self._replay = []
            self._busy = False
            self.version += 1
        self._notify()

    def _begin(self):
        """Under the lock, as work on a snapshot starts: what :meth:`_compute` needs besides it."""

    def _compute(self, snapshot: list[tuple[str, ...]], state):
        raise NotImplementedError

    def _land(self, result, replay: list) -> None:
        """Under the lock: bring ``result`` up to date with ``replay`` and show it."""
        raise NotImplementedError

    def _failed(self) -> None:
        """Under the lock, after :meth:`_compute` raised."""


class BackgroundJob:
    """Runs ``work()`` on a daemon thread each time it is poked; never two at once.

    Pokes that arrive while ``work`` runs are coalesced into one more run after it. With
    ``quiet`` > 0 a run starts only once no poke came for that many seconds (debounce).
    With ``max_lag`` set, pokes that keep coming (continuous typing) still get a run that
    many seconds after the first of them, but with ``duty`` > 0 no sooner than ``duty``
    times the last run's CPU time after it ended, so that the thread uses at most about
    1/duty of a core while they keep coming; the quiet period is then also at least the
    last run's CPU time (an expensive run waits for a real pause).
    """

    def __init__(
        self, work: Callable[[], None], name: str, quiet: float = 0.0, max_lag: float | None = None,
        duty: float = 0.0,
    ) -> None:
        self._work = work
        self._name = name
        self.quiet = quiet
        self.max_lag = max_lag
        self.duty = duty
        self.last_cost = 0.0  # CPU seconds of the last run
        self._last_end = 0.0
        self._cond = threading.Condition()
        self._poked = False
        self._running = False
        self._closed = False
        self._urgent = False  # a poke asked for a run without the quiet period
        self._first_poke = self._last_poke = self._not_before = 0.0
        self._thread: threading.Thread | None = None

    def poke(self, *, now: bool = False, after: float = 0.0) -> None:
        """Ask for a run: after the quiet period (at once with ``now``), and not sooner than
        ``after`` seconds from now."""
        with self._cond:
            if self._closed:
                return
            t = time.monotonic()
            wake = not self._poked or now or after > 0  # otherwise the thread's wait only grows
            if not self._poked:
                self._poked, self._urgent, self._first_poke = True, False, t
            self._urgent = self._urgent or now
            self._last_poke = t
            self._not_before = t + after
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name=self._name, daemon=True)
                self._thread.start()
            if wake:
                self._cond.notify_all()

    def _due(self) -> float:
        """When the asked-for run may start (under the condition's lock)."""
        if self._urgent:
            return self._not_before
        cost = self.last_cost if self.duty else 0.0
        due = self._last_poke + max(self.quiet, cost)
        if self.max_lag is not None:
            due = min(due, max(self._first_poke + self.max_lag, self._last_end + self.duty * cost))
        return max(due, self._not_before)

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
                        wait = self._due() - time.monotonic()
                        if wait <= 0:
                            break
                        cond.wait(wait)
                    else:
                        cond.wait()
                if self._closed:
                    return
                self._poked = False
                self._running = True
            start = time.thread_time()
            try:
                self._work()
            except Exception:
                log.exception("%s failed", self._name)
            finally:
                with cond:
                    self.last_cost = time.thread_time() - start
                    self._last_end = time.monotonic()
                    self._running = False
                    cond.notify_all()


class LineChunks:
    """A copy of the document's lines that is cheap to snapshot: tuples of a few hundred lines.

    Parsers read the document on another thread while the UI thread edits it, so they get
    a snapshot. Copying a 100,000-line list per keystroke costs ~0.8 ms (every line's
    reference count is touched); here an edit rebuilds the one chunk it touched and a
    snapshot copies the short list of chunks. Unchanged chunks stay the same objects from
    snapshot to snapshot, so a parser can reuse what it derived from them.
    """

    SIZE = 256

    def __init__(self, lines: list[str]) -> None:
        size = self.SIZE
        self.chunks: list[tuple[str, ...]] = [tuple(lines[i : i + size]) for i in range(0, len(lines), size)]
        self._starts: list[int] | None = None

    def starts(self) -> list[int]:
        """First row of each chunk, and the row count at the end."""
        if self._starts is None:
            self._starts = list(accumulate(map(len, self.chunks), initial=0))
        return self._starts

    def splice(self, first: int, last: int, lines: list[str]) -> None:
        """Replace rows ``first..last`` (inclusive) by ``lines``."""
        starts = self.starts()
        a = max(0, min(bisect_right(starts, first) - 1, len(self.chunks) - 1))
        b = max(a, min(bisect_right(starts, last) - 1, len(self.chunks) - 1))
        if not self.chunks:
            merged = tuple(lines)
        else:
            merged = self.chunks[a][: first - starts[a]] + tuple(lines) + self.chunks[b][last + 1 - starts[b] :]
        size = self.SIZE
        pieces = [merged] if len(merged) <= 2 * size else [merged[i : i + size] for i in range(0, len(merged), size)]
        self.chunks[a : b + 1] = [p for p in pieces if p]
        self._starts = None

    def apply(self, lines: list[str], changes: list[Change]) -> None:
        """Follow ``Document.apply``'s ``changes``; ``lines`` are the document's lines after them."""
        # Changes come last first, their rows in the old text. Changes on shared rows form one
        # cluster; each cluster's old rows are replaced by its rows in ``lines``, last cluster
        # first so the rows of those before it stay put.
        shift = sum(c.inserted.count("\n") - c.deleted.count("\n") for c in changes)
        i = 0
        while i < len(changes):
            high = changes[i].start_line + changes[i].deleted.count("\n")
            delta = 0
            while True:
                c = changes[i]
                delta += c.inserted.count("\n") - c.deleted.count("\n")
                i += 1
                if i == len(changes) or changes[i].start_line + changes[i].deleted.count("\n") < c.start_line:
                    break
            low = c.start_line
            shift -= delta  # rows added by the changes before this cluster
            self.splice(low, high, lines[low + shift : high + shift + delta + 1])

    def snapshot(self) -> list[tuple[str, ...]]:
        return list(self.chunks)

    def __len__(self) -> int:
        return self.starts()[-1]
