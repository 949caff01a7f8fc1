"""End to end with the transformers backend: a tiny Qwen2, built from a config and trained
here for a few seconds to answer one next-edit prompt, goes through the whole pipeline
(request -> context -> prompt -> generate -> parse -> Suggestion). Nothing is downloaded."""

import pytest

from requires import train_extra

torch = train_extra("torch")
transformers = train_extra("transformers")
tokenizers = train_extra("tokenizers")

from next_edit_cases import cancel_after, small_request  # noqa: E402
from tiny_models import make_model, teach  # noqa: E402
from nxedit.model.predict.backends import CancelToken  # noqa: E402
from nxedit.model.predict.backends.transformers import TransformersBackend  # noqa: E402
from nxedit.model.predict.context import build_context  # noqa: E402
from nxedit.model.text.edits import LineEdit  # noqa: E402
from nxedit.model.predict.model_config import ModelConfig  # noqa: E402
from nxedit.model.predict.model_predictor import ModelPredictor  # noqa: E402
from nxedit.model.predict.prompts import zeta  # noqa: E402

the_request = small_request  # the user renamed w to width in the signature; next: its use below


def expected_rewrite(ctx):
    return ctx.region_text.replace("return w * h", "return width * h")


@pytest.fixture(scope="module")
def tiny_model_dir(tmp_path_factory):
    """A 2-layer Qwen2 with a byte-level BPE tokenizer made from the prompt, taught one answer."""
    torch.set_num_threads(2)
    ctx = build_context(the_request(), zeta.REGION)
    prompt = zeta.render(ctx)
    target = zeta.render_target(ctx, expected_rewrite(ctx))
    folder = tmp_path_factory.mktemp("tiny-qwen2")
    model, tok = make_model(folder, [prompt + target])
    teach(model, tok, [(prompt, target)])
    model.save_pretrained(folder)
    return folder


def test_a_trained_tiny_model_predicts_the_edit_through_the_whole_pipeline(tiny_model_dir):
    statuses = []
    # min_confidence 0: the pipeline is tested, not the acceptance model (fitted on another model)
    config = ModelConfig(backend="transformers", model=str(tiny_model_dir), prompt_format="zeta", min_confidence=0.0)
    predictor = ModelPredictor(config, on_status=statuses.append)
    suggestion = predictor.predict(the_request())
    assert predictor.last_rejection is None
    assert suggestion is not None, predictor.status
    assert suggestion.edits == (LineEdit(1, 2, "    return width * h\n"),)
    assert suggestion.source == "model:transformers"
    # the tokens' probabilities (a memorized answer) are a feature of the acceptance model,
    # whose probability is the suggestion's confidence
    assert 0.5 < dict(suggestion.features)["confidence"] <= 1.0
    assert 0.0 < suggestion.confidence <= 1.0
    assert any(s.startswith("model: ready") for s in statuses)


def test_generation_streams_stops_at_the_stop_string_and_can_be_cancelled(tiny_model_dir):
    backend = TransformersBackend(ModelConfig(backend="transformers", model=str(tiny_model_dir)))
    backend.load()
    ctx = build_context(the_request(), zeta.REGION, backend.count_tokens)
    prompt = zeta.render(ctx)
    pieces = []
    done = backend.complete(prompt, 200, zeta.STOP, on_text=pieces.append)
    assert done.finish_reason == "stop" and "".join(pieces) == done.text
    learnt = zeta.render_target(ctx, expected_rewrite(ctx))  # the cursor marker kept where the prompt shows it
    assert "<|user_cursor_is_here|>" in learnt
    assert done.text == learnt.split(zeta.END)[0]  # cut before <|editable_region_end|>
    short = backend.complete(prompt, 3, zeta.STOP)
    assert short.finish_reason == "length" and short.new_tokens == 3

    cancel = CancelToken()
    stopped = backend.complete(prompt, 200, zeta.STOP, cancel=cancel, on_text=cancel_after(2, cancel))
    assert stopped.finish_reason == "cancelled"
    assert stopped.new_tokens < done.new_tokens


def test_a_missing_model_folder_is_one_status_line_and_no_suggestion(tmp_path):
    config = ModelConfig(backend="transformers", model=str(tmp_path / "nope"))
    predictor = ModelPredictor(config)
    assert predictor.predict(the_request()) is None
    # one line: the reason, then when the predictor tries again (a missing folder may yet appear)
    assert predictor.status == f"model: model folder not found: {tmp_path / 'nope'} (trying again in 5 s)"


def test_nxedit_predict_answers_with_the_model(tiny_model_dir, tmp_path, capsys):
    import json

    from nxedit.model.predict.cli import main

    req = the_request()
    wire = {"id": "q1", "path": req.path, "current": req.current,
            "cursor": {"line": req.cursor.line, "column": req.cursor.column},
            "history": [h.to_dict() for h in req.history]}
    path = tmp_path / "request.json"
    path.write_text(json.dumps(wire))
    assert main(["--backend", "transformers", "--model", str(tiny_model_dir), "--request", str(path),
                 "--min-confidence", "0"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["id"] == "q1" and answer["source"] == "model:transformers"
    assert answer["edits"] == [{"start_line": 1, "end_line": 2, "new_text": "    return width * h\n"}]


def test_a_prompt_gets_the_start_token_its_tokenizer_puts_before_a_text_once(tmp_path):
    """Gemma's tokenizer puts <bos> first, as llama.cpp feeds it: the backend and training
    send the same ids (once, also after a chat template that writes <bos> itself); a
    tokenizer without one (Qwen's) gets the text's ids alone."""
    from tokenizers import processors
    from transformers import AutoTokenizer, PreTrainedTokenizerFast

    from nxedit.model.predict.backends.transformers import prompt_ids
    from nxedit.training.hf import sft_features

    _, plain_tok = make_model(tmp_path / "qwen", ["def area(w, h):\n    return w * h\n"])
    fast = AutoTokenizer.from_pretrained(tmp_path / "qwen").backend_tokenizer  # a copy to give a <bos>
    fast.add_special_tokens(["<bos>"])
    bos = fast.token_to_id("<bos>")
    fast.post_processor = processors.TemplateProcessing(single="<bos> $A", special_tokens=[("<bos>", bos)])
    gemma_like = PreTrainedTokenizerFast(tokenizer_object=fast, bos_token="<bos>", eos_token="<|endoftext|>")
    text = "def area(w, h):"
    ids = plain_tok(text, add_special_tokens=False).input_ids
    assert prompt_ids(plain_tok, text) == ids
    assert prompt_ids(gemma_like, text) == [bos, *ids]
    assert prompt_ids(gemma_like, "<bos>" + text) == [bos, *ids]
    row = {"prompt": text, "completion": " w", "messages": None}
    (feature,), _ = sft_features(gemma_like, [row], 100)
    assert feature["input_ids"][: len(ids) + 1] == [bos, *ids] and feature["labels"][: len(ids) + 1] == [-100] * (len(ids) + 1)
