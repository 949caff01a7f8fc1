"""bench/llama_server.py serves a LoRA adapter GGUF on the model (``--lora``, what
model_quality.py measures a fine-tune with): a real llama-cpp-python server with the Gemma
3 270M GGUF, once plain and once with an adapter written here (gguf-py, random weights on
every layer's feed-forward output), answers the same greedy request differently."""

import importlib.util
import json
import os
import urllib.request

import numpy as np
import pytest

from test_llama_server_log import load

pytestmark = pytest.mark.slow
LAYERS, HIDDEN, FFN, RANK = 18, 640, 2048, 4  # Gemma 3 270M


def greedy(server, prompt: str) -> str:
    body = json.dumps({"prompt": prompt, "max_tokens": 8, "temperature": 0}).encode()
    request = urllib.request.Request(server.url + "/completions", body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=120) as answer:
        return json.load(answer)["choices"][0]["text"]


def lora_gguf(path):
    """A LoRA adapter GGUF as llama.cpp's convert_lora_to_gguf.py writes one (numpy shapes
    are the GGUF ones reversed)."""
    import gguf

    writer = gguf.GGUFWriter(str(path), "gemma3")
    writer.add_string("general.type", "adapter")
    writer.add_string("adapter.type", "lora")
    writer.add_float32("adapter.lora.alpha", float(RANK))
    rng = np.random.default_rng(0)
    for i in range(LAYERS):
        writer.add_tensor(f"blk.{i}.ffn_down.weight.lora_a", rng.normal(0, 1, (RANK, FFN)).astype(np.float32))
        writer.add_tensor(f"blk.{i}.ffn_down.weight.lora_b", rng.normal(0, 1, (HIDDEN, RANK)).astype(np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


def test_a_lora_adapter_is_served_on_the_model(tmp_path):
    llama_server = load()
    needed = [*llama_server.missing(), *(["gguf"] if importlib.util.find_spec("gguf") is None else [])]
    if needed:
        reason = f"needs {', '.join(needed)} (.ci/run installs the server and the model; gguf: the train extra)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    prompt = "def fibonacci(n):\n"
    with llama_server.LlamaServer(tmp_path, threads=2, n_ctx=512) as server:
        plain = greedy(server, prompt)
    adapter = lora_gguf(tmp_path / "lora.gguf")
    with llama_server.LlamaServer(tmp_path, threads=2, n_ctx=512, lora=adapter) as server:
        assert "--lora_path" in server.args
        tuned = greedy(server, prompt)
    assert plain and tuned != plain


def test_llama_server_adds_several_adapters_and_llama_cpp_python_refuses_them(tmp_path):
    # a run trained on another run's merged model is served as the base and both adapters
    llama_server = load()
    first, second = tmp_path / "run2.gguf", tmp_path / "run3.gguf"
    server = llama_server.LlamaServer(tmp_path, binary=tmp_path / "llama-server", lora=[first, second])
    args = list(server.args)
    assert args[args.index("--lora") :][:2] == ["--lora", f"{first},{second}"] and args.count("--lora") == 1
    with pytest.raises(ValueError, match="one LoRA adapter"):
        llama_server.LlamaServer(tmp_path, lora=[first, second])
