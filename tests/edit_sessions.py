"""Build next-edit requests from a buffer and the edits a user made to it (test helper)."""

from __future__ import annotations

from nxedit.model.text.edits import Position
from nxedit.model.predict.request import HistoryHunk, PredictionRequest
from nxedit.model.predict.structural import MIN_CONFIDENCE, StructuralPredictor
from nxedit.model.text.plain import apply_line_edits, split_lines

PATHS = {"python": "app/main.py", "rust": "src/main.rs", "go": "main.go", "typescript": "src/app.ts"}


def session(before: str, *steps: tuple[str, str], language: str = "python", path: str | None = None,
            files: dict[str, str] | None = None) -> PredictionRequest:
    """The request after the user replaced, in order, each ``old`` chunk of whole lines by ``new``.

    Each ``old`` must occur in the text as it is at that step (its first occurrence is
    edited); the cursor ends where the last edit ends, as the benchmark puts it.
    """
    text = before
    history = []
    cursor = Position(0, 0)
    for old, new in steps:
        at = text.index(old)
        assert at == 0 or text[at - 1] == "\n", f"{old!r} must start a line"
        start = text.count("\n", 0, at)
        text = text[:at] + new + text[at + len(old):]
        history.append(HistoryHunk(start, old, new))
        new_lines = split_lines(new)
        if new_lines:
            cursor = Position(start + len(new_lines) - 1, len(new_lines[-1].rstrip("\r\n")))
        else:
            cursor = Position(start, 0)
    return PredictionRequest(text, cursor, tuple(history), path or PATHS.get(language, "file.txt"), language,
                             dict(files or {}), "test")


def predict(request: PredictionRequest, min_confidence: float = MIN_CONFIDENCE, ranker=None):
    """The engine's suggestion at its default threshold (behaviour errors raise instead of being skipped).

    Without the acceptance model by default: these tests pin the behaviours' own rules and
    confidences; the model's effect is tested on its own (test_structural_ranker.py)."""
    return StructuralPredictor(min_confidence=min_confidence, strict=True, ranker=ranker).predict(request)


def candidates(request: PredictionRequest, source: str | None = None) -> list:
    """Every candidate of the structural engine for the request (of one behaviour's ``source``),
    before the acceptance model or any threshold (behaviour errors raise)."""
    from nxedit.model.predict.structural import engine

    ctx = engine.make_context(request.current, request.cursor, [h.to_dict() for h in request.history],
                              request.language, request.path)
    return [c for c in engine.candidates(ctx, strict=True) if source is None or c.source == source]


def applied(request: PredictionRequest, suggestion) -> str:
    return apply_line_edits(request.current, [e.to_dict() for e in suggestion.edits])


def changed_lines(request: PredictionRequest, suggestion) -> tuple[list[str], str]:
    """(the current lines the suggestion replaces, what it puts there)."""
    (edit,) = suggestion.edits
    return split_lines(request.current)[edit.start_line : edit.end_line], edit.new_text


# a function and two call sites: the signature-change sample (structural tests and the editor's)
AREA_CALLS = """\
def area(w, h):
    return w * h


def big(a, b):
    scale = 2
    return area(a, b)


def small(a, b):
    return area(a, b)
"""
