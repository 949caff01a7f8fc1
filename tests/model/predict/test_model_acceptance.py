"""The acceptance model for a model's candidates: its features, its use in the predictor
(``nxedit predict`` and the editor share it), and its offline fit on replayed answers."""

import json

import pytest

from next_edit_cases import StubBackend, inventory_request
from nxedit.model.predict import model_acceptance
from nxedit.model.predict.backends.base import Completion
from nxedit.model.predict.context import build_context
from nxedit.model.predict.model_config import ModelConfig, parse_model_table
from nxedit.model.predict.model_predictor import ModelPredictor
from nxedit.model.predict.prompts import get_format
from nxedit.model.predict.request import parse_request
from nxedit.model.predict.structural.ranker import Ranker
from nxedit.training import model_ranker
from nxedit.training.metrics import find_bench

SWEEP = get_format("sweep")
RIGHT = ("apply_discount(total, discount)", "apply_discount(total, rebate)")  # what the engine proposes too
WRONG = ("apply_discount(total, discount)", "apply_discount(total, discount * 2)")


class Answering(StubBackend):
    """Answers every prompt with the region rewritten by ``change`` (a sweep answer)."""

    name = "openai"

    def __init__(self, change, text=None):
        self.change, self.text = change, text

    def complete(self, prompt, max_tokens, stop=(), cancel=None, on_text=None, ban=()):
        region = build_context(inventory_request(), SWEEP.REGION).region_text
        return Completion(self.text if self.text is not None else region.replace(*self.change) + "\n", "stop")


def predictor(change, weights=None, **config):
    cfg = ModelConfig(backend="openai", base_url="http://127.0.0.1:9", prompt_format="sweep",
                      acceptance_weights=str(weights) if weights else None, **config)
    return ModelPredictor(cfg, backend=Answering(change))


def test_the_shipped_weights_load_and_say_what_they_were_fitted_on():
    model = model_acceptance.load()
    assert model is not None and 0 < model.threshold < 1
    assert "model" in model.meta and "candidates" in model.meta and "prior" in model.meta
    assert not any("heldout" in r for r in model.meta.get("repositories", []))


def test_features_say_whether_the_structural_engine_proposes_the_same_edit():
    right = predictor(RIGHT, min_confidence=0.0).predict(inventory_request())
    wrong = predictor(WRONG, min_confidence=0.0).predict(inventory_request())
    f_right, f_wrong = dict(right.features), dict(wrong.features)
    assert f_right["agree_same"] == 1.0 and 0 < f_right["agree_same_p"] < 1
    assert "agree_same" not in f_wrong and f_wrong.get("agree_overlap") == 1.0  # the rename is on that line
    for f in (f_right, f_wrong):
        assert f["log_deleted"] > 0 and f["log_inserted"] > 0 and 0.9 < f["copy_ratio"] < 1
        assert f["log_distance"] == 0.0  # the edit is on the cursor's line
    assert f_right["history_words"] == 1.0  # 'rebate' is a name the last edit wrote
    assert f_wrong["no_new_words"] == 1.0  # '* 2' writes no name


def test_a_candidate_is_shown_only_when_its_probability_passes_the_threshold(tmp_path):
    weights = tmp_path / "agree.json"  # trusts a candidate the engine agrees with, and nothing else
    weights.write_text(Ranker({"agree_same": 6.0}, -3.0, 0.65, {}).to_json())
    shown = predictor(RIGHT, weights).predict(inventory_request())
    assert shown is not None and abs(shown.confidence - 0.9526) < 1e-3  # the probability is the confidence
    p = predictor(WRONG, weights)
    assert p.predict(inventory_request()) is None
    assert "acceptance model" in p.last_rejection and "0.05" in p.last_rejection
    assert predictor(WRONG, weights, min_confidence=0.04).predict(inventory_request()) is not None


def test_the_shipped_model_refuses_a_guess_the_structural_engine_does_not_make():
    p = predictor(WRONG)
    assert p.predict(inventory_request()) is None and "acceptance model" in p.last_rejection


def test_the_gate_flags_are_features():
    region = build_context(inventory_request(), SWEEP.REGION).region_text
    fenced = "Here is the code:\n```python\n" + region.replace(*RIGHT) + "\n```\n"
    p = ModelPredictor(ModelConfig(backend="openai", prompt_format="sweep", min_confidence=0.0),
                       backend=Answering(RIGHT, fenced))
    assert dict(p.predict(inventory_request()).features)["flag:fence"] == 1.0


def test_the_config_checks_its_settings(tmp_path):
    config, messages = parse_model_table({"min_confidence": 1.5, "acceptance_weights": str(tmp_path / "none.json")})
    assert config.min_confidence is None and config.acceptance_weights is None and len(messages) == 2


def case_of(request, expected_new):
    edit_line = request.current.split("\n").index("    total = apply_discount(total, discount)")
    return {"id": "c1", "repo": "someone/shop", "path": request.path, "language": request.language,
            "current": request.current, "cursor": {"line": request.cursor.line, "column": request.cursor.column},
            "history": [h.to_dict() for h in request.history],
            "expected": [{"start_line": edit_line, "end_line": edit_line + 1, "new_text": expected_new}]}


def test_the_fit_replays_recorded_answers_labels_them_and_stays_near_its_prior(tmp_path, monkeypatch):
    bench = find_bench()
    if bench is None:  # a clone on its own (CI's): the scorer lives in ../shared/bench
        pytest.skip("shared/bench (score.py labels the answers) is not beside this checkout")
    monkeypatch.syspath_prepend(str(bench))
    import score  # shared/bench/score.py, as the fit uses it

    request = inventory_request()
    case = case_of(request, "    total = apply_discount(total, rebate)\n")
    ctx = build_context(parse_request({k: case[k] for k in model_ranker.REQUEST_FIELDS}), SWEEP.REGION)
    region, prompt = ctx.region_text, model_ranker.prompt_hash(SWEEP.render(ctx))
    answers = []
    for i, change in enumerate((RIGHT, WRONG)):
        text = region.replace(*change) + "\n"
        c = dict(case, id=f"c{i}", repo=f"someone/shop{i}")
        answers.append({"case": c["id"], "repo": c["repo"], "format": "sweep", "text": text, "finish_reason": "stop",
                        "mean_logprob": None, "prompt": prompt})
    cases = {f"c{i}": dict(case, id=f"c{i}", repo=f"someone/shop{i}") for i in range(2)}
    rows, counts = model_ranker.replay_rows(cases, answers, score)
    assert counts["candidates"] == 2 and counts["hits"] == 1, counts
    assert [h for r in sorted(rows) for _, h in rows[r]] == [True, False]

    cases_file = tmp_path / "train" / "shop.jsonl"
    cases_file.parent.mkdir()
    cases_file.write_text("".join(json.dumps(c) + "\n" for c in cases.values()))
    answers_file = tmp_path / "answers.jsonl"
    answers_file.write_text("".join(json.dumps(a) + "\n" for a in answers))
    out = tmp_path / "weights.json"
    assert model_ranker.main(["--cases", str(cases_file), "--answers", str(answers_file), "--out", str(out)]) == 0
    fitted = model_acceptance.load(out)
    assert fitted.meta["candidates"] == 2 and fitted.meta["hits"] == 1
    # two rows move it little: the weights stay near the prior's
    assert abs(fitted.weights["agree_same_p"] - model_ranker.PRIOR.weights["agree_same_p"]) < 1.5
    assert model_ranker.main(["--cases", str(tmp_path / "heldout" / "x.jsonl"), "--answers", str(answers_file),
                              "--out", str(out)]) == 2  # never the held-out split
