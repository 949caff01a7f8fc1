"""Next-edit suggestions in the editor: when to ask, what to show, what Tab does.

The flow, on the UI thread unless said otherwise:

* **An edit** of the shown buffer. Running and waiting requests are cancelled (they are
  stale). A suggestion on screen survives only if the edit typed exactly the start of its
  new text: the rest stays shown and nothing new is asked. Otherwise it ends as "ignored"
  and a timer restarts: the debounce (``[predict] debounce_ms``, four times longer right
  after or before a letter: the word is likely unfinished, typed or being deleted). Undo,
  redo, reload and an Esc never ask again by themselves, so a dismissed or undone
  suggestion does not come straight back.
* **The timer fires.** A request (:mod:`.prediction_jobs`: a window of lines around the
  cursor, never the whole of a big file, and the recent edits) goes to the structural
  worker and, when a model is configured and the file is not private, to the model worker.
  Each worker thread predicts, diffs the answer into pieces and prepares its record for
  the history.
* **An answer.** One computed for an older version of the buffer is carried over the
  edits made since only if each of them typed the start of its text; else it is dropped.
  The first answer shows; a later answer to the same request (the model's, usually) takes
  its place when it is more confident and the user has not started on the shown one, and
  waits as an alternative otherwise (Alt+] / Alt+[). An answer to a newer request replaces
  what is shown.
* **Tab** jumps to a suggestion away from the cursor, then applies it: one undo step,
  origin "suggestion", and the next suggestion is asked for at once (no debounce), so a
  rename ripples with Tab, Tab, Tab. Ctrl+Right and Ctrl+Down take a word or a line of a
  suggestion at the cursor; Esc dismisses it.

Every suggestion that became visible and what the user did with it go to the history
(not for private files).
"""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
from collections import deque
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Callable

from nxedit.model.text.changeset import ChangeSet
from nxedit.model.text.plain import is_word_char
from nxedit.model.predict.suggestion import Outcome, Suggestion
from nxedit.model.predict.suggestion_diff import Piece, Unit, changeset_of, follow_typing, shift_after, take

from nxedit.editor.buffer import Buffer, BufferEdit, Selection
from .ghost import GhostLayer
from .settings import MODES, PLAIN, PredictSettings
from .jobs import Answer, Job, answer, make_job
from .worker import PredictionWorker

if TYPE_CHECKING:
    from .recording import EditRecording
    from nxedit.editor.view.widget import EditorView

EDIT_LOG = 64  # edits kept to carry late answers over
NEAR_LINES = 1  # Tab applies a suggestion this close to the cursor's line without jumping first
QUIET_ORIGINS = ("undo", "redo", "reload", "restore")  # edits that do not ask for a new suggestion
MID_WORD_WAIT = 4  # times the debounce while the cursor touches a word being typed or deleted (likely unfinished)
CHAIN_WAIT = 0.6  # seconds a Tab right after an accept waits for the chain's next suggestion
CHAIN_TABS = 2  # Tabs kept while waiting: a jump and an accept, the Tab, Tab rhythm


@dataclass(eq=False)
class Option:
    """One suggestion on offer (the shown one, or an alternative)."""

    suggestion: Suggestion
    pieces: tuple[Piece, ...]
    record: dict | None
    job_id: int
    size: int = 0  # characters it changes, as first offered
    shown_at: float | None = None
    accepted: int = 0  # characters taken by partial accepts

    def __post_init__(self) -> None:
        self.size = sum(p.size for p in self.pieces)


@dataclass
class PredictorState:
    """What the status line says about prediction."""

    backend: str = "structural"  # the model backend's name when one is configured
    latency_ms: float | None = None  # of the backend's last answer
    refused: str | None = None  # why the model's last answer was not shown (None: it was, or none came)
    thinking: int = 0  # the request the model is working on (0: none)
    loading: str | None = None  # the model's progress while it loads
    errors: dict[str, str] = field(default_factory=dict)  # worker -> its last one-line failure


class Predictions:
    """Owns the suggestion on screen, the workers and the debounce (see the module doc)."""

    def __init__(self, view: "EditorView", recording: "EditRecording", settings: PredictSettings,
                 say=None, model=None) -> None:
        self.view = view
        self.recording = recording
        self.settings = settings
        self.say = say or (lambda message, error=False: None)
        self.layer = GhostLayer()
        self.model = model  # a ModelPredictor (not loaded yet), or None
        # vet(buffer, option, done): a rename ripple goes here before it shows (the language
        # server's check, editor/lsp/ripple.py); done(buffer, option, version) shows what it kept
        self.vet = None
        # edits elsewhere offered after the shown ones (a rename's sites in other files, from the
        # language server): (label, go); Tab runs ``go`` once nothing else is on screen
        self.further: list[tuple[str, Callable[[], None]]] = []
        # problems(buffer) -> a language server's diagnostics nearest the cursor, for the model's
        # prompt (editor/lsp/features.py); None: no server
        self.problems: Callable[[Buffer], tuple] | None = None
        self.state = PredictorState(backend=model.config.backend if model else "structural")
        self.on_state = None  # called when the status text may have changed
        self.options: list[Option] = []
        self.index = 0
        self.owner: Buffer | None = None  # the buffer the options belong to
        self.touched = False  # the user jumped to or took part of the shown option
        self.revealed = False  # subtle mode: the diff was asked for
        self._edits: deque[tuple[int, ChangeSet, str]] = deque(maxlen=EDIT_LOG)  # (version, change, origin)
        self._jobs = itertools.count(1)
        self._quiet_until = -1  # answers for versions up to this one are not shown (Esc, undo)
        self._applying = False
        self._chain_until = 0.0  # after an accept, Tab waits until then for the next suggestion
        self._chain_job = 0  # the request asked right after the accept
        self._tabs_waiting = 0  # Tabs pressed while waiting for it (run when it shows)
        self._timer: asyncio.TimerHandle | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._workers: list[PredictionWorker] = []
        self._structural_worker: PredictionWorker | None = None
        self._model_worker: PredictionWorker | None = None
        self._reload_timer: asyncio.TimerHandle | None = None
        self._closed = False

    # -- life ---------------------------------------------------------------------------

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        """Start the workers (and the model's loading, in the background)."""
        self._loop = loop
        self._structural_worker = self._worker("structural", prepare=self._structural_engine)
        self._workers = [self._structural_worker]
        if self.model is not None:
            self.state.loading = "loading…"
            self._model_worker = self._worker("model", predictor=self.model)
            self._workers.append(self._model_worker)
            threading.Thread(target=self._load_model, name="nxedit-model-load", daemon=True).start()

    def _structural_engine(self):
        """In the structural worker's thread, before its first job: the engine (its
        imports take tens of milliseconds that the UI thread never waits for)."""
        from nxedit.model.predict.structural import StructuralPredictor
        from .project_exports import ProjectExportsCache

        # the acceptance model `nxedit predict` uses (the user's own once `nxedit train
        # ranker` refitted it on enough outcomes), at its threshold unless the config sets
        # one; the project's files' top-level names for imports, indexed in the background
        return StructuralPredictor(self.settings.min_confidence, exports=ProjectExportsCache())

    def _worker(self, name: str, predictor=None, prepare=None) -> PredictionWorker:
        """A worker thread for ``predictor`` (or the one ``prepare`` makes in that thread)."""
        return PredictionWorker(name, answer, lambda job, result: self._post(self._delivered, job, result, name),
                                predictor, prepare)

    def _load_model(self) -> None:
        """In a thread: load the model; its progress and its failure go to the status line."""
        ready = self.model.load()
        self._post(self._model_loaded, ready, self.model.last_error or self.model.status)

    def _start_loading(self) -> None:
        self._reload_timer = None
        if not self._closed:
            threading.Thread(target=self._load_model, name="nxedit-model-load", daemon=True).start()

    def reconnect(self) -> None:
        """The user's "reconnect" command: try the model backend again now."""
        if self.model is None:
            self.say("no model backend is configured ([model] backend, or --backend)", True)
            return
        if self._reload_timer is not None:
            self._reload_timer.cancel()
        self.model.reconnect()
        self.state.errors.pop("model", None)
        self.state.loading = "reconnecting…"
        self._state_changed()
        self._start_loading()

    def close(self) -> None:
        """The editor is closing: record the shown suggestion's fate, stop the workers."""
        self._closed = True
        self._resolve("ignored", redraw=False)
        for timer in (self._timer, self._reload_timer):
            if timer is not None:
                timer.cancel()
        if self.model is not None:
            self.model.cancel()
        for worker in self._workers:
            worker.close()
        if self.model is not None:
            self.model.close()

    def _post(self, fn, *args) -> None:
        """Run ``fn`` on the UI thread (from any thread; nothing once the app is gone)."""
        if self._loop is not None:
            try:
                self._loop.call_soon_threadsafe(fn, *args)
            except RuntimeError:
                pass

    def model_status(self, text: str) -> None:
        """The model predictor's status callback (any thread): progress while it loads."""
        self._post(self._model_progress, text.removeprefix("model: "))

    def _model_progress(self, text: str) -> None:
        if self.state.loading is not None:
            self.state.loading = text
            self._state_changed()

    def _model_loaded(self, ready: bool, status: str) -> None:
        self.state.loading = None
        if ready:
            self.state.errors.pop("model", None)
        else:
            self._failed("model", status.removeprefix("model: "))  # the same failure again: no new message
            delay = self.model.retry_delay
            if delay is not None and self._loop is not None and not self._closed:  # backoff: the model
                self._reload_timer = self._loop.call_later(delay + 0.05, self._start_loading)  # may come up
        self._state_changed()

    def _failed(self, worker: str, error: str) -> None:
        """A predictor failed: the whole line once as a message, a short one in the status."""
        if self.state.errors.get(worker) != error:
            name = self.state.backend if worker == "model" else worker
            self.say(f"{name}: {error}; the structural engine keeps working" if worker == "model"
                     else f"{name}: {error}", True)
        self.state.errors[worker] = error

    # -- what the editor reports ----------------------------------------------------------

    def watch(self, buffer: Buffer) -> None:
        buffer.listeners.append(self._edited)

    def _enabled(self, buffer: Buffer) -> bool:
        if buffer.limits is not None and buffer.limits.no_predict:  # a huge file (view/limits.py)
            return False
        return self.settings.enabled_for(buffer.language_id)

    def _edited(self, event: BufferEdit) -> None:
        buffer = event.buffer
        if buffer is not self.view.buffer:
            if buffer is self.owner:
                self._resolve("ignored")
            return
        self._edits.append((event.version, event.changeset, event.origin))
        self._cancel_requests()
        if self._applying:
            return  # an accept: the caller decides what shows next
        if self.further and event.origin != "suggestion":
            self.further = []  # the user went on with something else
        if self.options and self.owner is buffer and self._follow(event):
            return  # typing through the suggestion: it stays, nothing new is asked
        self.revealed = False  # a Ctrl+Space was for the text as it was
        if event.origin in QUIET_ORIGINS:
            self._quiet_until = event.version
            return
        if self._enabled(buffer):
            delay = self.settings.debounce_ms / 1000
            if event.origin == "typed" and _in_word(buffer):
                delay *= MID_WORD_WAIT
            self._schedule(delay)

    def _follow(self, event: BufferEdit) -> bool:
        """Carry the options over the user's edit (True), or end them."""
        if event.origin != "typed":
            self._resolve("ignored")
            return False
        shown = self.options[self.index]
        followed = {id(o): follow_typing(o.pieces, event.changeset) for o in self.options}
        if not followed[id(shown)]:
            self._resolve("ignored")  # typed past it, or typed all of it
            return False
        for option in self.options:
            if followed[id(option)]:
                option.pieces = followed[id(option)]
            else:
                self._outcome(option, "ignored")
        self.options = [o for o in self.options if followed[id(o)]]
        self.index = self.options.index(shown)
        self._display()
        return True

    def cursor_moved(self) -> None:
        """After any cursor or text change: the jump marker follows the cursor."""
        if self.options and not self._applying and self.layer.jump != self._away():
            self._display()
        elif self.further and not self.options and self.layer.further_line != self.view.buffer.cursor[0]:
            self._display()  # the label stays on the cursor's line

    def buffer_shown(self, buffer: Buffer) -> None:
        if buffer is not self.owner:
            self._resolve("ignored")
        self._edits.clear()
        self._cancel_requests()
        self._state_changed()

    # -- asking ---------------------------------------------------------------------------

    def _cancel_requests(self) -> None:
        self._end_chain()
        for worker in self._workers:
            worker.drop_pending()
        if self.state.thinking:  # the model's answer would be stale
            self.model.cancel()
            self.state.thinking = 0
            self._state_changed()
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _schedule(self, delay: float) -> None:
        if self._loop is None:
            return
        if self._timer is not None:
            self._timer.cancel()
        self._timer = self._loop.call_later(delay, self.request)

    def request(self) -> int:
        """Ask the predictors about the shown buffer now; the request's id (0: none)."""
        self._timer = None
        if self._structural_worker is None:
            return 0
        buffer = self.view.buffer
        wants = self._model_worker is not None and self.problems is not None and self.model.ready
        job = make_job(buffer, self.recording, next(self._jobs), self.problems(buffer) if wants else ())
        self._structural_worker.submit(job)
        if self._model_worker is not None and not job.private and self.model.ready:
            self._model_worker.submit(job)
            self.state.thinking = job.id
            self._state_changed()
        return job.id

    def request_now(self) -> None:
        """Ctrl+Space: show the diff of a subtle suggestion, or ask at once."""
        if self.options and not self.revealed and self.settings.mode != "eager":
            self.revealed = True
            self._display()
            return
        self.revealed = True
        self._quiet_until = -1
        self.request()

    def _delivered(self, job: Job, answer: Answer | None, worker: str) -> None:
        answer = answer or Answer(None)
        state = self.state
        if answer.error:
            self._failed(worker, answer.error)
        else:
            state.errors.pop(worker, None)  # it works again
        if worker == "model" and job.id >= state.thinking:
            state.thinking = 0
        if answer.suggestion is not None and (worker == "model") == (self.model is not None):
            state.latency_ms = answer.suggestion.latency_ms
        if worker == "model" and not answer.error:
            # the model answered and the gate refused it: the status says so (and how long it
            # took), not the latency of an older answer that was shown
            state.refused = answer.refused
            if answer.refused:
                state.latency_ms = answer.ms
        self._state_changed()
        self._offer_answer(job, answer)
        if worker == "structural" and self._chain_job and job.id >= self._chain_job:
            self._chain_answered()

    def _offer_answer(self, job: Job, answer: Answer) -> None:
        buffer = self.view.buffer
        if answer.suggestion is None or job.buffer is not buffer or not self._enabled(buffer):
            return
        if job.version <= self._quiet_until:
            return
        pieces = self._carry(answer.pieces, job.version)
        if not pieces:
            return
        option = Option(answer.suggestion, pieces, answer.record, job.id)
        if self.vet is not None and answer.suggestion.source.startswith("structural:"):
            self.vet(self.view.buffer, option, self._vetted)  # the language server checks it first
            return
        self._offer(option)

    def _vetted(self, buffer: Buffer, option: Option | None, version: int) -> None:
        """A structural suggestion back from :attr:`vet`: its pieces cut to what the server
        confirmed, or None (dropped; a rename's sites elsewhere may still be in :attr:`further`)."""
        if buffer is not self.view.buffer or buffer.version != version:
            return
        if option is not None and option.pieces:
            self._offer(option)
        elif self.further and not self.options:
            self._display()

    def offer_further(self, label: str, go: Callable[[], None]) -> None:
        """Queue an edit elsewhere (another file): shown as ``label`` at the cursor when no
        suggestion is on screen; Tab runs ``go`` (which opens the file and offers its edit)."""
        if all(label != queued for queued, _ in self.further):
            self.further.append((label, go))
        if not self.options:
            self._display()

    def further_shown(self) -> bool:
        return bool(self.further) and not self.options and self._diff_visible()

    def _carry(self, pieces: tuple[Piece, ...], version: int) -> tuple[Piece, ...] | None:
        """Pieces for ``version`` carried over the typing since (None if not all typed them)."""
        later = [(v, changes, origin) for v, changes, origin in self._edits if v > version]
        if later and later[0][0] != version + 1 or version + len(later) != self.view.buffer.version:
            return None  # the log does not reach back that far
        for _, changes, origin in later:
            if origin != "typed":
                return None
            pieces = follow_typing(pieces, changes)
            if not pieces:
                return None
        return pieces

    def offer_fix(self, suggestion: Suggestion, pieces: tuple[Piece, ...]) -> bool:
        """Show a suggestion made outside the predictors (a language server's quick fix, such
        as the import of a name just typed) for the shown buffer as it is now, unless another
        suggestion is on screen; Tab takes it like any other."""
        buffer = self.view.buffer
        if self.options or suggestion.version != buffer.version or not self._enabled(buffer):
            return False
        self._offer(Option(suggestion, pieces, None, next(self._jobs)))
        return True

    def _offer(self, option: Option) -> None:
        if self.options and self.owner is self.view.buffer:
            shown = self.options[self.index]
            if any(o.pieces == option.pieces for o in self.options):
                return
            if option.job_id < shown.job_id:
                return  # an answer to an older request
            if option.job_id == shown.job_id:
                better = option.suggestion.confidence > shown.suggestion.confidence
                if better and not self.touched:
                    self.options.insert(0, option)
                    self.index = 0
                else:
                    self.options.append(option)
                self._display()
                return
            self._resolve("ignored")  # a newer request's answer
        self.options, self.index, self.owner = [option], 0, self.view.buffer
        self.touched = False
        self._display()

    # -- showing ----------------------------------------------------------------------------

    @property
    def shown(self) -> Option | None:
        return self.options[self.index] if self.options else None

    def _diff_visible(self) -> bool:
        return self.settings.mode == "eager" or self.revealed

    def _away(self) -> bool:
        """Is the shown suggestion away from the cursor (Tab jumps there first)?"""
        option = self.shown
        if option is None:
            return False
        doc = self.view.buffer.document
        line = self.view.buffer.cursor[0]
        first = doc.position(option.pieces[0].start)[0]
        last = doc.position(option.pieces[-1].end)[0]
        return not first - NEAR_LINES <= line <= last + NEAR_LINES

    def _display(self) -> None:
        option = self.shown
        if option is None:
            self.layer.clear()
            if self.further and self._diff_visible():
                self.layer.show_further(self.view.buffer.document, self.view.buffer.cursor[0], self.further[0][0])
        else:
            self.layer.show(self.view.buffer.document, option.pieces, self._diff_visible(), self._away())
            if self._diff_visible() and option.shown_at is None:
                option.shown_at = time.time()
                if not self.recording.is_private(self.view.buffer) and option.record is not None:
                    history = self.recording.history
                    history.suggestion_shown(option.suggestion, option.record, option.shown_at,
                                             self.recording.path_of(self.view.buffer))
        self.view.refresh_layers()
        self._state_changed()

    def _resolve(self, kind: str, redraw: bool = True) -> None:
        """The options are done with: record each shown one's outcome, clear the screen."""
        if not self.options:
            return
        for i, option in enumerate(self.options):
            self._outcome(option, kind if i == self.index else ("rejected" if kind in ("accepted", "rejected")
                                                                 else "ignored"))
        self.options, self.index, self.owner = [], 0, None
        self.touched = self.revealed = False
        if redraw:
            self._display()

    def _outcome(self, option: Option, kind: str) -> None:
        """Record what became of a shown option (nothing for private files)."""
        if option.shown_at is None or self.owner is None or self.recording.is_private(self.owner):
            return
        if option.record is None:
            return  # an offer from outside the predictors (a language server's fix): not in the history
        if kind != "accepted" and option.accepted:
            kind = "partial"
        self.recording.history.outcome(
            Outcome(option.suggestion.id, kind, option.shown_at, time.time(), option.accepted, option.size))

    # -- what the keys do -------------------------------------------------------------------

    def visible(self) -> bool:
        """A ghost diff is on screen (Tab, Esc act on it)."""
        return bool(self.options) and self.owner is self.view.buffer and self._diff_visible()

    def at_cursor(self) -> bool:
        """The shown suggestion starts at the cursor (a word or line of it can be taken)."""
        sel = self.view.buffer.selection
        return self.visible() and sel.is_empty and self.options[self.index].pieces[0].start == sel.head

    def can_dismiss(self) -> bool:
        return self.visible() or self.further_shown()

    def can_accept(self) -> bool:
        return self.visible() and self.view.buffer.selection.is_empty

    def wants_tab(self) -> bool:
        """Tab is this module's: a suggestion to accept, or one being asked for right after
        an accept (the chain's next: Tab waits for it instead of indenting)."""
        return self.can_accept() or self.further_shown() or self._chaining()

    def _chaining(self) -> bool:
        return self._chain_job > 0 and time.monotonic() < self._chain_until

    def _end_chain(self) -> None:
        self._chain_job, self._chain_until, self._tabs_waiting = 0, 0.0, 0

    def _chain_answered(self) -> None:
        """The structural engine answered the chain's request: the Tabs pressed meanwhile
        act on what it suggested, or on nothing (never as indentation)."""
        tabs = self._tabs_waiting if self._chaining() else 0
        self._end_chain()
        for _ in range(tabs):
            if not self.can_accept():
                break
            self.accept()

    def has_alternatives(self) -> bool:
        return self.visible() and len(self.options) > 1

    def accept(self) -> None:
        """Tab: jump to the suggestion when it is away from the cursor, else apply it."""
        option = self.shown
        if option is None and self.further_shown():
            _, go = self.further.pop(0)
            self._display()
            go()
            return
        if option is None or not self.visible():
            if self._chaining():
                self._tabs_waiting = min(self._tabs_waiting + 1, CHAIN_TABS)
            return
        if self._away():
            self.touched = True
            self.view.select(Selection.cursor(option.pieces[0].start), center=True)
            return
        self._take("all")

    def accept_word(self) -> None:
        self._take("word")

    def accept_line(self) -> None:
        self._take("line")

    def _take(self, unit: Unit) -> None:
        option = self.shown
        if option is None:
            return
        if unit == "all":
            applied, rest = list(option.pieces), []
        else:
            first, remainder = take(option.pieces[0], unit)
            applied = [first]
            rest = ([remainder] if remainder else []) + list(shift_after(option.pieces[1:], first))
        buffer = self.view.buffer
        # after a part, the cursor waits where the rest starts (the next part is taken there)
        cursor = rest[0].start if rest else _cursor_after(applied)
        self.touched = True
        self._applying = True
        self.recording.suggestion_id = option.suggestion.id
        try:
            self.view.run_edit(
                lambda buf: buf.edit(changeset_of(applied, len(buf.document)), Selection.cursor(cursor),
                                     origin="suggestion", undo_kind="suggestion"))
        finally:
            self._applying = False
            self.recording.suggestion_id = None
        option.accepted += sum(p.size for p in applied)
        if rest:
            for other in self.options:
                if other is not option:
                    self._outcome(other, "rejected")  # the user chose this one; the others no longer fit
            option.pieces = tuple(rest)
            self.options, self.index = [option], 0
            self._display()
            return
        self._resolve("accepted")
        if self._enabled(buffer):
            self._chain_job = self.request()  # the next edit of a chain, at once
            self._chain_until = time.monotonic() + CHAIN_WAIT

    def dismiss(self) -> None:
        """Esc: reject the suggestion; nothing new shows until the next edit."""
        self._quiet_until = self.view.buffer.version
        self._cancel_requests()
        self.further = []
        self._resolve("rejected")

    def cycle(self, step: int) -> None:
        if len(self.options) > 1:
            self.index = (self.index + step) % len(self.options)
            self._display()

    # -- settings -------------------------------------------------------------------------

    def set_mode(self, mode: str) -> None:
        assert mode in MODES
        self.settings = replace(self.settings, mode=mode)
        if mode == "off":
            self._cancel_requests()
            self._resolve("ignored")
        self._display()
        self.say(f"Predictions: {mode}")

    def toggle_language(self) -> None:
        language = self.view.buffer.language_id or PLAIN
        disabled = set(self.settings.disabled_languages) ^ {language}
        self.settings = replace(self.settings, disabled_languages=frozenset(disabled))
        on = language not in disabled
        if not on:
            self._cancel_requests()
            self._resolve("ignored")
        self._state_changed()
        self.say(f"Predictions {'on' if on else 'off'} for {language}")

    def set_debounce(self, ms: int) -> None:
        self.settings = replace(self.settings, debounce_ms=ms)
        self.say(f"Prediction debounce: {ms} ms")

    # -- status -----------------------------------------------------------------------------

    def status_text(self) -> str:
        """The predictor's state for the status line: mode, backend, thinking or the last
        latency, or a backend's one-line error."""
        s = self.settings
        if s.mode == "off":
            return "predict off"
        language = self.view.buffer.language_id or PLAIN
        if not s.enabled_for(language):
            return f"predict off ({language})"
        state = self.state
        if state.errors:
            worker, error = next(iter(state.errors.items()))
            text = f"{state.backend if worker == 'model' else worker}: {error}"
            return text if len(text) <= 48 else text[:47] + "…"
        if state.loading:
            text = f"{state.backend} {state.loading}"
            return text if len(text) <= 48 else text[:47] + "…"
        if state.thinking:
            text = f"{state.backend} thinking…"
        elif state.latency_ms is not None:
            text = f"{state.backend} {state.latency_ms:.0f} ms" + (" · answer refused" if state.refused else "")
        else:
            text = f"{state.backend} idle"
        if len(self.options) > 1:
            text += f" [{self.index + 1}/{len(self.options)}]"
        return ("subtle · " if s.mode == "subtle" else "") + text

    def refusal(self) -> str:
        """The palette's "why": the whole reason the model's last answer was not shown (a
        notification shows it: the status line has no room for a sentence)."""
        state = self.state
        if self.model is None:
            return "no model backend is configured ([model] backend, or --backend)"
        if state.refused:
            return f"{state.backend}'s last answer ({state.latency_ms or 0:.0f} ms) was not shown: {state.refused}"
        return f"{state.backend}: no answer refused since its last suggestion"

    def _state_changed(self) -> None:
        if self.on_state is not None:
            self.on_state()


def _in_word(buffer: Buffer) -> bool:
    """Does the cursor sit right after or right before a letter, digit or underscore? (A name
    retyped with Delete from its start passes `ndent`, `dent`, ...: none is a rename to show.)"""
    line, column = buffer.cursor
    text = buffer.document.line(line)
    return any(0 <= i < len(text) and is_word_char(text[i]) for i in (column - 1, column))


def _cursor_after(applied: list[Piece]) -> int:
    """Where the cursor goes once ``applied`` (sorted, same text) is in: after the last new
    text (before its final line break when it added whole lines)."""
    delta = sum(len(p.text) - (p.end - p.start) for p in applied[:-1])
    last = applied[-1]
    end = last.start + delta + len(last.text)
    if last.text.endswith("\n") and len(last.text) > 1:
        end -= 2 if last.text.endswith("\r\n") else 1
    return end
