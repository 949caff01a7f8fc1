"""The bundled tour (README's first command opens it) promises three next edits; the
structural engine must make each of them, from the one edit the tour asks for."""

from __future__ import annotations

from pathlib import Path

import pytest

from nxedit.model.text.edits import Position
from nxedit.editor.predictions.settings import PredictSettings
from nxedit.model.predict.structural import StructuralPredictor
from nxedit.model.predict.request import HistoryHunk, PredictionRequest

TOUR = Path(__file__).resolve().parents[2] / "editor" / "samples" / "tour.py"


def after_suggestion(text: str, line: int, old: str, new: str) -> str:
    """The tour after the user's edit on ``line`` (old -> new) and the suggestion it gets."""
    lines = text.splitlines(keepends=True)
    before = lines[line]
    lines[line] = before.replace(old, new, 1)
    assert lines[line] != before
    current = "".join(lines)
    request = PredictionRequest(current=current, cursor=Position(line, lines[line].index(new) + len(new)),
                                history=(HistoryHunk(line, before, lines[line]),), path=str(TOUR), language="python")
    # as the editor asks (editor/predictions/controller.py): the shipped acceptance model at
    # the [predict] threshold (by default the model's own, as `nxedit predict` uses it)
    suggestion = StructuralPredictor(PredictSettings().min_confidence).predict(request)
    assert suggestion is not None, "the tour's edit got no suggestion"
    for edit in sorted(suggestion.edits, key=lambda e: e.start_line, reverse=True):
        lines[edit.start_line : edit.end_line] = edit.new_text.splitlines(keepends=True)
    return "".join(lines)


def line_of(text: str, marker: str) -> int:
    return next(i for i, line in enumerate(text.splitlines()) if marker in line)


@pytest.fixture
def tour() -> str:
    return TOUR.read_text()


def test_step_1_the_rename_ripples_to_the_other_uses_but_not_to_the_string(tour):
    done = after_suggestion(tour, line_of(tour, "# (1)"), "total", "subtotal")
    body = done[done.index("def cart_total") : done.index("def receipt")]
    assert body.count("subtotal") == 5 and " total" not in body
    assert "{'total':<12}" in done  # the word in a string is not the variable


def test_step_2_a_new_parameter_goes_to_the_call_sites(tour):
    done = after_suggestion(tour, line_of(tour, "# (2)"), "value)", "value, currency)")
    assert done.count(", currency)") == 4  # the definition and the three calls in receipt


def test_step_3_the_same_argument_is_offered_for_the_other_items(tour):
    done = after_suggestion(tour, line_of(tour, "# (3)"), "6)", "6, taxed=True)")
    assert done.count("taxed=True)") == 3

