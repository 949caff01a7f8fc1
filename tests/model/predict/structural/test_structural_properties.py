"""Properties of every suggestion, on random buffers and random edits in several languages."""

import threading

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nxedit.model.text.edits import Position
from nxedit.model.predict.request import HistoryHunk, PredictionRequest
from nxedit.model.predict.structural import StructuralPredictor
from nxedit.model.text.plain import apply_line_edits, split_lines

NAMES = ["alpha", "beta", "total", "self", "err", "value", "x", "Item", "load", "parse"]
TEMPLATES = {
    "python": ["{a} = {f}({b}, {c})", "def {f}({a}, {b}):", "    return {a}.{b}", "# {a} and {b}",
               "import {a}", "", "    if {a}:", "        {f}({a}, key={b})", 'x = "{a} {b}"'],
    "rust": ["let {a} = {f}({b}).unwrap();", "fn {f}({a}: i32) -> {c} {{", "}}", "    {a}.{b}({c})?;",
             "use std::{a}::{c};", "", "// {a} {b}", "    Ok({a})"],
    "go": ["package main", "func {f}({a} int) error {{", "}}", "\t{a} := {f}({b})", "\tif err != nil {{",
           "\treturn {a}", "import \"{a}\"", "", "\t// {b}"],
    "typescript": ["const {a} = {f}({b}, {c});", "function {f}({a}: {c}) {{", "}}", "  return {a}.{b};",
                   "import {{ {a} }} from './{b}';", "", "  // {a}", "  {a}({b}) => {c}"],
    "lua": ["local {a} = {f}({b})", "end", "print({a}.{b})", ""],
}
PATHS = {"python": "m.py", "rust": "lib.rs", "go": "m.go", "typescript": "m.ts", "lua": "m.lua"}


@st.composite
def lines_of(draw, language):
    n = draw(st.integers(1, 30))
    out = []
    for _ in range(n):
        template = draw(st.sampled_from(TEMPLATES[language]))
        out.append(template.format(a=draw(st.sampled_from(NAMES)), b=draw(st.sampled_from(NAMES)),
                                   c=draw(st.sampled_from(NAMES)), f=draw(st.sampled_from(NAMES))) + "\n")
    return out


@st.composite
def sessions(draw):
    language = draw(st.sampled_from(sorted(TEMPLATES)))
    lines = draw(lines_of(language))
    if draw(st.booleans()):  # some repetition, so that patterns have places to go
        lines = lines + lines[: draw(st.integers(0, len(lines)))]
    history = []
    cursor = Position(0, 0)
    for _ in range(draw(st.integers(1, 3))):
        start = draw(st.integers(0, len(lines)))
        n_old = draw(st.integers(0, min(2, len(lines) - start)))
        old = lines[start : start + n_old]
        kind = draw(st.sampled_from(["rename", "replace", "insert", "delete"]))
        if kind == "rename" and old:
            a, b = draw(st.sampled_from(NAMES)), draw(st.sampled_from(NAMES))
            new = [ln.replace(a, b) for ln in old]
        elif kind == "delete":
            new = []
        else:
            new = draw(lines_of(language))[: draw(st.integers(1, 2))]
        lines[start : start + n_old] = new
        history.append(HistoryHunk(start, "".join(old), "".join(new)))
        cursor = Position(start + len(new) - 1, len(new[-1].rstrip("\n"))) if new else Position(start, 0)
    return PredictionRequest("".join(lines), cursor, tuple(history), PATHS[language], language)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sessions())
def test_every_suggestion_applies_cleanly_and_changes_the_buffer(request):
    s = StructuralPredictor(min_confidence=0.0, strict=True).predict(request)
    if s is None:
        return
    assert len(s.edits) == 1 and s.source.startswith("structural:") and 0.0 <= s.confidence <= 1.0
    result = apply_line_edits(request.current, [e.to_dict() for e in s.edits])
    assert result != request.current
    (edit,) = s.edits
    assert edit.end_line <= len(split_lines(request.current))


def test_predictions_from_many_threads_match_one_thread():
    before = "".join(f"    result = compute(a{i}, beta)\n" for i in range(40))
    current = before.replace("compute(a0, beta)", "compute(a0, beta, strict=True)", 1)
    req = PredictionRequest(current, Position(0, 40), (HistoryHunk(0, "    result = compute(a0, beta)\n",
                                                                   "    result = compute(a0, beta, strict=True)\n"),),
                            "m.py", "python")
    predictor = StructuralPredictor(min_confidence=0.0, strict=True)  # the shipped ranker in the loop
    expected = predictor.predict(req).edits
    results = []

    def work():
        for _ in range(20):
            results.append(predictor.predict(req).edits)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [expected] * 80
