"""A next-edit request and its response, exactly as ``nxedit predict`` speaks them (DESIGN.md).

Request (extra fields ignored)::

    {"id": "...", "path": "src/app.py", "language": "python", "current": "...",
     "cursor": {"line": 41, "column": 8},
     "history": [{"start_line": 40, "old_text": "...", "new_text": "..."}],
     "files": {"src/util.py": "..."},
     "diagnostics": [{"line": 41, "severity": "error", "message": "\"x\" is not defined"}]}

``history`` is oldest first, each hunk against the text as it was when it was applied.
``diagnostics`` (optional): a language server's problems nearest the cursor, lines of
``current``; the chat prompt shows them (:data:`MAX_DIAGNOSTICS` at most, one line each).
Response: ``{"id", "edits": [...], "source", "confidence", "latency_ms"}``, ``edits``
empty when the predictor abstains; or ``{"id", "error": "..."}`` for a bad request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from nxedit.model.text.edits import Position
from nxedit.model.languages import spec_for_path
from .suggestion import Suggestion
from nxedit.model.text.plain import split_editor_lines
from nxedit.model.text.sanitise import sanitise


class RequestError(ValueError):
    """A request that cannot be answered; the message is one line for the client."""

    def __init__(self, message: str, request_id: Any = None):
        super().__init__(message)
        self.request_id = request_id


@dataclass(frozen=True, slots=True)
class HistoryHunk:
    start_line: int  # 0-based, in the text as it was when this hunk was applied
    old_text: str
    new_text: str

    def to_dict(self) -> dict:
        return {"start_line": self.start_line, "old_text": self.old_text, "new_text": self.new_text}


SEVERITIES = ("error", "warning", "info", "hint")
MAX_DIAGNOSTICS = 5
MESSAGE_WIDTH = 160


@dataclass(frozen=True, slots=True)
class Problem:
    """A diagnostic as a prompt shows it (a language server's, near the cursor)."""

    line: int  # 0-based, in ``current``
    severity: str  # one of SEVERITIES
    message: str  # one line

    def to_dict(self) -> dict:
        return {"line": self.line, "severity": self.severity, "message": self.message}


def one_line(text: str, width: int = MESSAGE_WIDTH) -> str:
    """A server's message as one line of safe text (controls escaped), at most ``width``
    characters: it goes into a prompt, and with the request into a terminal or a log."""
    text = " ".join(sanitise(text).split())
    return text if len(text) <= width else text[: width - 1] + "…"


@dataclass(frozen=True, slots=True)
class PredictionRequest:
    current: str
    cursor: Position
    history: tuple[HistoryHunk, ...] = ()
    path: str = ""
    language: str = ""
    files: dict[str, str] = field(default_factory=dict)
    id: Any = None
    diagnostics: tuple[Problem, ...] = ()  # nearest the cursor first


def _int(value: Any, what: str, rid: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise RequestError(f"{what} must be a non-negative integer, not {json_type(value)}", rid)
    return value


def _str(value: Any, what: str, rid: Any) -> str:
    if not isinstance(value, str):
        raise RequestError(f"{what} must be a string, not {json_type(value)}", rid)
    return value


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return repr(value) if isinstance(value, int) and abs(value) < 10**9 else "a number"
    return {str: "a string", list: "an array", dict: "an object"}.get(type(value), type(value).__name__)


def request_id_of(obj: Any) -> Any:
    """The request's id if it has a usable one (string, number or null), else None."""
    if isinstance(obj, dict):
        rid = obj.get("id")
        if rid is None or isinstance(rid, (str, int, float)) and not isinstance(rid, bool):
            return rid
    return None


def parse_request(obj: Any) -> PredictionRequest:
    """Validate a decoded JSON request; raises :class:`RequestError` with a one-line reason."""
    if not isinstance(obj, dict):
        raise RequestError(f"a request must be a JSON object, not {json_type(obj)}")
    rid = request_id_of(obj)
    if "id" in obj and rid is None and obj["id"] is not None:
        raise RequestError(f"id must be a string or a number, not {json_type(obj['id'])}")
    if "current" not in obj:
        raise RequestError("current (the whole buffer text) is missing", rid)
    current = _str(obj["current"], "current", rid)
    path = _str(obj.get("path", ""), "path", rid)
    language = obj.get("language")
    if language is None:
        spec = spec_for_path(path) if path else None
        language = spec.name if spec else ""
    language = _str(language, "language", rid)
    cursor = obj.get("cursor")
    if not isinstance(cursor, dict):
        raise RequestError(f"cursor must be an object {{line, column}}, not {json_type(cursor)}", rid)
    line = _int(cursor.get("line"), "cursor.line", rid)
    column = _int(cursor.get("column"), "cursor.column", rid)
    rows = split_editor_lines(current)
    if line >= len(rows):
        raise RequestError(f"cursor line {line} is outside the buffer ({len(rows)} lines)", rid)
    if column > len(rows[line].rstrip("\r\n")):
        raise RequestError(f"cursor column {column} is past the end of line {line}", rid)
    raw_history = obj.get("history", [])
    if not isinstance(raw_history, list):
        raise RequestError(f"history must be an array of hunks, not {json_type(raw_history)}", rid)
    history = []
    for i, h in enumerate(raw_history):
        if not isinstance(h, dict):
            raise RequestError(f"history[{i}] must be an object, not {json_type(h)}", rid)
        history.append(HistoryHunk(
            _int(h.get("start_line"), f"history[{i}].start_line", rid),
            _str(h.get("old_text"), f"history[{i}].old_text", rid),
            _str(h.get("new_text"), f"history[{i}].new_text", rid),
        ))
    files = obj.get("files", {})
    if files is None:
        files = {}
    if not isinstance(files, dict) or not all(isinstance(v, str) for v in files.values()):
        raise RequestError("files must be an object mapping paths to file texts", rid)
    problems = _problems(obj.get("diagnostics"), len(rows), rid)
    return PredictionRequest(current, Position(line, column), tuple(history), path, language, dict(files), rid,
                             problems)


def _problems(raw: Any, line_count: int, rid: Any) -> tuple[Problem, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise RequestError(f"diagnostics must be an array, not {json_type(raw)}", rid)
    out = []
    for i, d in enumerate(raw[:MAX_DIAGNOSTICS]):
        if not isinstance(d, dict):
            raise RequestError(f"diagnostics[{i}] must be an object, not {json_type(d)}", rid)
        line = _int(d.get("line"), f"diagnostics[{i}].line", rid)
        if line >= line_count:
            raise RequestError(f"diagnostics[{i}].line {line} is outside the buffer ({line_count} lines)", rid)
        severity = d.get("severity", "error")
        if severity not in SEVERITIES:
            raise RequestError(f"diagnostics[{i}].severity must be one of {', '.join(SEVERITIES)}", rid)
        out.append(Problem(line, severity, one_line(_str(d.get("message"), f"diagnostics[{i}].message", rid))))
    return tuple(out)


def response(request_id: Any, suggestion: Suggestion | None, latency_ms: float) -> dict:
    """The wire response for a request; an abstention when ``suggestion`` is None."""
    if suggestion is None:
        return {"id": request_id, "edits": [], "source": None, "confidence": 0.0, "latency_ms": round(latency_ms, 3)}
    wire = suggestion.to_wire()
    wire["latency_ms"] = round(latency_ms, 3)
    return {"id": request_id, **wire}


def error_response(request_id: Any, message: str) -> dict:
    return {"id": request_id, "error": message}
