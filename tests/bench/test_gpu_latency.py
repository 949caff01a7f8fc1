"""bench/gpu_latency.py's measuring pieces, run on the CPU through the transformers backend
with a tiny random model (the script itself needs an NVIDIA GPU and exllamav2)."""

import importlib.util
from pathlib import Path

import pytest

from tiny_models import make_model

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "gpu_latency.py"


def load_script():
    spec = importlib.util.spec_from_file_location("gpu_latency", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def backend(tmp_path_factory):
    pytest.importorskip("transformers")
    from nxedit.model.predict.backends.transformers import TransformersBackend
    from nxedit.model.predict.model_config import ModelConfig

    script = load_script()
    folder = tmp_path_factory.mktemp("tiny")
    make_model(folder, [script.CODE * 3], init_range=0.5)
    b = TransformersBackend(ModelConfig(backend="transformers", model=str(folder)))
    b.load()
    return b


def test_requests_are_timed_to_the_first_token_and_in_all(backend, capsys):
    script = load_script()
    texts = script.prompts(backend, 3, target_tokens=60)
    assert len(set(texts)) == 3 and all(backend.count_tokens(t) >= 60 for t in texts)
    # every prompt shares its beginning with the others: only its end changes, as while typing
    assert all(t.startswith(texts[0][: len(texts[0]) - 30]) for t in texts)
    runs = script.time_requests(backend, texts, 6)
    assert len(runs) == 3
    for first, total, tokens in runs:
        assert 0 < first <= total and tokens == 6
    rate = script.report("tiny (random)", runs)
    out = capsys.readouterr().out
    assert "first token p50" in out and "tok/s" in out and rate > 0
    assert script.cold_prefill_ms(backend, texts[0]) > 0
