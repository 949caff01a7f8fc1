"""Parsing and validating next-edit requests; the response shape."""

import pytest

from nxedit.model.text.edits import LineEdit, Position
from nxedit.model.predict.predictor import PREDICTORS, available, load_predictor
from nxedit.model.predict.request import RequestError, parse_request, response
from nxedit.model.predict.suggestion import Suggestion


def test_minimal_request_gets_defaults_and_language_from_path():
    req = parse_request({"current": "a\n", "cursor": {"line": 1, "column": 0}, "path": "x/y.rs", "more": 1})
    assert req.language == "rust" and req.history == () and req.files == {} and req.id is None
    assert req.cursor == Position(1, 0)  # the line after a final newline is a valid place


def test_history_hunks_are_kept_in_order():
    req = parse_request({
        "id": 5, "current": "b\n", "cursor": {"line": 0, "column": 1},
        "history": [{"start_line": 0, "old_text": "a\n", "new_text": "b\n"},
                    {"start_line": 0, "old_text": "b\n", "new_text": "b\n"}],
    })
    assert [h.old_text for h in req.history] == ["a\n", "b\n"] and req.id == 5


@pytest.mark.parametrize("obj, message", [
    ({"current": "a", "cursor": {"line": True, "column": 0}}, "cursor.line"),
    ({"current": "a", "cursor": [0, 0]}, "cursor must be an object"),
    ({"current": "a", "cursor": {"line": 0, "column": 0}, "history": {}}, "history must be an array"),
    ({"current": "a", "cursor": {"line": 0, "column": 0}, "history": [{"start_line": 0, "old_text": 1}]},
     "history[0].old_text"),
    ({"current": "a", "cursor": {"line": 0, "column": 0}, "language": 3}, "language must be a string"),
])
def test_wrong_types_are_one_line_errors_that_keep_the_id(obj, message):
    with pytest.raises(RequestError) as info:
        parse_request({"id": "q", **obj})
    assert message in str(info.value) and "\n" not in str(info.value)
    assert info.value.request_id == "q"


def test_response_shapes():
    s = Suggestion((LineEdit(1, 2, "x\n"),), "structural:rename", 0.91234)
    assert response("a", s, 1.23456) == {
        "id": "a", "edits": [{"start_line": 1, "end_line": 2, "new_text": "x\n"}],
        "source": "structural:rename", "confidence": 0.9123, "latency_ms": 1.235}
    assert response("a", None, 0.5)["edits"] == []


def test_predictors_are_found_by_name_and_new_ones_plug_in(monkeypatch):
    assert "structural" in available()
    assert load_predictor("structural").name == "structural"
    monkeypatch.setitem(PREDICTORS, "echo-test", "nxedit.model.predict.structural:StructuralPredictor")
    assert load_predictor("echo-test", min_confidence=0.9).min_confidence == 0.9
    with pytest.raises(LookupError):
        load_predictor("missing")


def test_diagnostics_are_kept_as_one_line_each_and_bounded():
    req = parse_request({"current": "a\nb\n", "cursor": {"line": 0, "column": 0}, "diagnostics": [
        {"line": 1, "severity": "warning", "message": "bad\n\x1b[31mthing\x07"}] * 9})
    assert len(req.diagnostics) == 5  # MAX_DIAGNOSTICS
    problem = req.diagnostics[0]
    assert (problem.line, problem.severity) == (1, "warning")
    assert problem.message == "bad \\x1b[31mthing\\x07"  # one line, the controls visible, not acted on


@pytest.mark.parametrize("diagnostics, message", [
    ({}, "diagnostics must be an array"),
    ([{"line": 7, "message": "x"}], "diagnostics[0].line 7 is outside"),
    ([{"line": 0, "severity": "fatal", "message": "x"}], "diagnostics[0].severity"),
    ([{"line": 0}], "diagnostics[0].message"),
])
def test_bad_diagnostics_are_one_line_errors(diagnostics, message):
    with pytest.raises(RequestError) as info:
        parse_request({"current": "a\n", "cursor": {"line": 0, "column": 0}, "diagnostics": diagnostics})
    assert message in str(info.value)
