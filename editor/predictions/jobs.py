"""One request to the predictors and its answer.

:func:`make_job` runs on the UI thread when the debounce fires: it takes a window of lines
around the cursor (never the whole of a big file), the recent edits moved into that
window, and what the worker needs to put the answer back into the buffer. :func:`answer`
runs in a worker thread: the predictor's suggestion in buffer lines, diffed into pieces
(what the ghost diff shows), and the request as the edit history keeps it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from nxedit.model.text.document import Document
from nxedit.model.text.edits import Position
from nxedit.model.predict.request import HistoryHunk, PredictionRequest, Problem
from nxedit.model.predict.window import RADIUS, RequestWindow
from nxedit.model.predict.suggestion import Suggestion
from nxedit.model.predict.suggestion_diff import Piece, suggestion_pieces

from nxedit.editor.buffer import Buffer

if TYPE_CHECKING:
    from .recording import EditRecording

# recent edits sent with a request: the engines learn from the last five; the older ones
# keep a long ripple's first edit (the renamed declaration) known as the user's own
HISTORY_EVENTS = 12


@dataclass(eq=False)
class Job:
    """One request, as the workers get it."""

    id: int
    buffer: Buffer
    version: int
    window: RequestWindow
    base: int  # buffer offset of the window's first line
    line_count: int  # the buffer's lines (as the history counts them)
    request: PredictionRequest
    private: bool  # never for a model


@dataclass(eq=False)
class Answer:
    suggestion: Suggestion | None
    pieces: tuple[Piece, ...] = ()
    record: dict | None = None  # the request as the history stores it
    error: str | None = None  # a backend's one-line failure
    refused: str | None = None  # why the model's answer was not shown (the answer gate's reason)
    ms: float | None = None  # how long the predictor took


def make_job(buffer: Buffer, recording: "EditRecording", job_id: int, problems: tuple[Problem, ...] = ()) -> Job:
    """The request for the buffer as it is now: bounded work, whatever its size.
    ``problems``: a language server's diagnostics nearest the cursor (buffer lines); those
    in the window go with the request, never for a private file."""
    doc = buffer.document
    line, column = buffer.cursor
    window = RequestWindow.around(line, doc.line_count, RADIUS)
    lines = doc.lines
    text = "".join(lines[window.first : window.stop])
    hunks = window.history(recording.recent_hunks(buffer, HISTORY_EVENTS))
    private = recording.is_private(buffer)
    problems = () if private else tuple(Problem(p.line - window.first, p.severity, p.message) for p in problems
                                         if window.first <= p.line < window.stop)
    request = PredictionRequest(
        text, Position(line - window.first, column),
        tuple(HistoryHunk(h["start_line"], h["old_text"], h["new_text"]) for h in hunks),
        recording.path_of(buffer) or "", buffer.language_id or "", {}, job_id, problems,
    )
    line_count = doc.line_count - (0 if lines[-1] else 1)  # as split_lines counts: no empty last line
    return Job(job_id, buffer, buffer.version, window, doc.offset(window.first, 0), line_count, request, private)


def answer(predictor, job: Job) -> Answer:
    """In a worker thread: the predictor's answer as pieces of the buffer, and its record."""
    status = getattr(predictor, "status", None)
    t0 = time.perf_counter()
    try:
        suggestion = predictor.predict(job.request)
    except Exception as exc:  # a predictor bug costs this prediction only
        return Answer(None, error=f"{type(exc).__name__}: {exc}")
    if suggestion is None:  # an abstention, a refused answer, or a failure the model predictor put in its status
        now = getattr(predictor, "status", None)
        failed = now and now != status and "cancel" not in now
        return Answer(None, error=now.removeprefix("model: ") if failed else None,
                      refused=None if failed else getattr(predictor, "last_rejection", None),
                      ms=(time.perf_counter() - t0) * 1000)
    pieces = suggestion_pieces(Document(job.request.current), suggestion.edits, job.base)
    suggestion = replace(suggestion, edits=job.window.to_buffer(suggestion.edits), version=job.version)
    return Answer(suggestion, pieces, history_record(job, suggestion))


def history_record(job: Job, suggestion: Suggestion) -> dict:
    """The request as the history keeps it, in buffer lines: excerpts around the cursor
    and the edits instead of the text (the store's own format, made here in the worker
    from the window, so the UI thread never joins a big buffer)."""
    from nxedit.model.history.store import training_request  # the worker's import, not the UI thread's

    req, first = job.request, job.window.first
    edits = [{**e.to_dict(), "start_line": e.start_line - first, "end_line": e.end_line - first}
             for e in suggestion.edits]
    wire = {
        "id": req.id, "path": req.path, "language": req.language, "current": req.current,
        "cursor": {"line": req.cursor.line, "column": req.cursor.column},
        "history": [h.to_dict() for h in req.history],
    }
    stored = training_request(wire, edits)
    stored["cursor"]["line"] += first
    for item in (*stored["history"], *stored.get("excerpts", ())):
        item["start_line"] += first
    stored["line_count"] = job.line_count
    if suggestion.features:  # what the acceptance model saw: `nxedit train ranker` refits from it
        stored["ranker_features"] = dict(suggestion.features)
    return stored
