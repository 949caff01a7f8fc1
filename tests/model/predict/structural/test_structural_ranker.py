"""The acceptance model: features of a candidate, the shipped weights, fitting, and its use."""

import json

import pytest

from edit_sessions import session

from nxedit.model.predict.structural import StructuralPredictor
from nxedit.model.predict.structural.engine import candidates, make_context
from nxedit.model.predict.structural.ranker import WEIGHTS, Ranker, features, load

PY = "def f(items):\n    total = 0\n    for x in items:\n        total += x\n    return total\n"


def _ctx(req):
    return make_context(req.current, req.cursor, [h.to_dict() for h in req.history], req.language, req.path)


def test_the_shipped_weights_load_and_say_where_they_came_from():
    ranker = load()
    assert ranker is not None and 0.3 <= ranker.threshold <= 0.95
    meta = json.loads(WEIGHTS.read_text())["meta"]
    assert len(meta["repositories"]) >= 20 and meta["cases"] > 1000
    reserved = {"psf/black", "Textualize/rich", "BurntSushi/ripgrep", "sharkdp/bat", "vuejs/core",
                "colinhacks/zod", "junegunn/fzf", "spf13/cobra"}
    assert not reserved & set(meta["repositories"])


def test_features_describe_the_candidate():
    req = session(PY, ("    total = 0\n", "    count = 0\n"))
    ctx = _ctx(req)
    found = candidates(ctx, strict=True)
    (c,) = found
    f = features(ctx, c, found)
    assert f["src:rename"] == 1.0 and f["rule:scoped"] == 1.0 and f["same_function"] == 1.0
    assert f["above"] == 0.0 and f["unresolved"] == 0.0 and f["heuristic"] == c.confidence


def test_the_engine_reports_the_models_probability_and_abstains_below_its_threshold():
    req = session(PY, ("    total = 0\n", "    count = 0\n"))
    ctx = _ctx(req)
    (c,) = candidates(ctx, strict=True)
    p = load().probability(features(ctx, c, [c]))
    s = StructuralPredictor(min_confidence=0.0, strict=True).predict(req)
    assert s is not None and s.confidence == round(p, 3)
    always = Ranker({}, 5.0, 0.5, {})  # a model that is sure of everything
    never = Ranker({}, -5.0, 0.5, {})
    assert StructuralPredictor(strict=True, ranker=always).predict(req).confidence > 0.99
    assert StructuralPredictor(strict=True, ranker=never).predict(req) is None
    assert StructuralPredictor(min_confidence=0.0, strict=True, ranker=never).predict(req) is not None


def test_a_missing_or_broken_weights_file_means_no_model(tmp_path):
    assert load(str(tmp_path / "missing.json")) is None
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    assert load(str(bad)) is None


def test_fitting_learns_which_feature_separates_hits_from_misses():
    pytest.importorskip("numpy")
    from nxedit.training.ranker import choose_threshold, fit

    rows = [({"good": 1.0, "noise": float(i % 2)}, i % 10 != 0) for i in range(60)]
    rows += [({"good": 0.0, "noise": float(i % 2)}, i % 10 == 0) for i in range(60)]
    model = fit(rows, l2=1.0)
    assert model.weights["good"] > 2.0 and abs(model.weights["noise"]) < 0.5
    assert model.probability({"good": 1.0}) > 0.8 > 0.2 > model.probability({"good": 0.0})
    picked = [(model.probability(f), hit) for f, hit in rows]
    assert 0.3 <= choose_threshold(picked, 0.85) <= 0.9
    assert Ranker.from_json(model.to_json()).weights == model.weights
