"""nxedit train export writes a LoRA GGUF for llama.cpp's server with llama.cpp's own
converter (a tiny Qwen2 and a peft adapter on it, CPU, seconds), or says in one line that
the converter is not at hand. The converter comes from a llama.cpp checkout named by
$LLAMA_CPP_DIR (llama-cpp-python's sdist carries one in vendor/llama.cpp; .ci/run sets it);
without it the conversion is skipped here, and fails in CI."""

import json
import os
from pathlib import Path

import pytest

from requires import train_extra

torch = train_extra("torch")
train_extra("peft")

from nxedit.training.cli import main as train  # noqa: E402
from nxedit.training.hf import RUN_INFO  # noqa: E402
from tiny_models import make_model  # noqa: E402


@pytest.fixture
def adapter(tmp_path):
    from peft import LoraConfig, get_peft_model

    base = tmp_path / "base"
    model, tok = make_model(base, ["def area(w, h):\n    return w * h\n"])
    tuned = get_peft_model(model, LoraConfig(r=4, lora_alpha=8, target_modules="all-linear", task_type="CAUSAL_LM"))
    with torch.no_grad():  # a trained adapter's B is not zero
        for name, p in tuned.named_parameters():
            if "lora_B" in name:
                p.normal_(0, 0.02)
    folder = tmp_path / "sft" / "final"
    tuned.save_pretrained(folder)
    tok.save_pretrained(folder)
    (folder / RUN_INFO).write_text(json.dumps({"step": "sft", "method": "lora", "base": str(base), "adapter": True,
                                               "prompt_format": "sweep"}))
    return folder


def test_without_llama_cpp_the_export_says_so_in_one_line(adapter, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("LLAMA_CPP_DIR", raising=False)
    assert train(["export", "--model", str(adapter), "--out", str(tmp_path / "out"), "--no-quantize"]) == 0
    printed = capsys.readouterr().out
    assert "no GGUF for llama.cpp: its converter was not found (no --llama-cpp DIR" in printed
    assert not (tmp_path / "out" / "lora.gguf").exists() and (tmp_path / "out" / "hf" / "config.json").is_file()


def llama_cpp_checkout() -> Path:
    llama_cpp = Path(os.environ.get("LLAMA_CPP_DIR", "/nonexistent"))
    if not (llama_cpp / "convert_lora_to_gguf.py").is_file():
        reason = "no llama.cpp checkout in $LLAMA_CPP_DIR (.ci/run unpacks llama-cpp-python's sdist)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return llama_cpp


def second_adapter(first: Path, folder: Path, seed: int) -> Path:
    """An adapter trained on ``first``'s merged model, as `nxedit train sft --base FIRST` makes it."""
    from peft import LoraConfig, get_peft_model

    from nxedit.training.hf import load_model, load_tokenizer

    torch.manual_seed(seed)
    second = get_peft_model(load_model(str(first)),
                            LoraConfig(r=4, lora_alpha=8, target_modules="all-linear", task_type="CAUSAL_LM"))
    with torch.no_grad():
        for name, p in second.named_parameters():
            if "lora_B" in name:
                p.normal_(0, 0.02)
    second.save_pretrained(folder)
    load_tokenizer(str(first)).save_pretrained(folder)
    (folder / RUN_INFO).write_text(json.dumps({"step": "sft", "method": "lora", "base": str(first), "adapter": True,
                                               "prompt_format": "sweep"}))
    return folder


def test_a_lora_adapter_becomes_a_lora_gguf_for_llama_server(adapter, tmp_path, capsys):
    llama_cpp = llama_cpp_checkout()
    gguf = pytest.importorskip("gguf")
    out = tmp_path / "out"
    assert train(["export", "--model", str(adapter), "--out", str(out), "--no-quantize",
                  "--llama-cpp", str(llama_cpp)]) == 0
    assert f"GGUF: llama-server -m BASE.gguf --lora {out / 'lora.gguf'}" in capsys.readouterr().out
    reader = gguf.GGUFReader(str(out / "lora.gguf"))
    assert reader.fields["general.type"].contents() == "adapter"
    assert reader.fields["adapter.lora.alpha"].contents() == 8.0
    names = {t.name for t in reader.tensors}
    assert {"blk.0.attn_q.weight.lora_a", "blk.1.ffn_down.weight.lora_b"} <= names


def test_an_adapter_trained_on_an_adapter_stacks_on_that_runs_export(adapter, tmp_path, capsys):
    # run 2 (sft --base RUN1/final) as a LoRA GGUF on run 1's merged folder, served on top of
    # run 1's LoRA GGUF; run 3 on run 2 lists all three, in training order
    llama_cpp = llama_cpp_checkout()
    gguf = pytest.importorskip("gguf")
    from safetensors.torch import load_file

    runs = [adapter]
    for n in (2, 3):
        runs.append(second_adapter(runs[-1], tmp_path / f"sft{n}" / "final", seed=n))
    outs = [tmp_path / f"export{n}" for n in (1, 2, 3)]
    for n, (run, out) in enumerate(zip(runs, outs)):
        stack = ["--stack-on", str(outs[n - 1])] if n else []
        assert train(["export", "--model", str(run), "--out", str(out), "--no-quantize",
                      "--llama-cpp", str(llama_cpp), *stack]) == 0
    served = next(x for x in capsys.readouterr().out.splitlines()[::-1] if x.startswith("GGUF: "))
    loras = ",".join(str(out / "lora.gguf") for out in outs)
    assert served.startswith(f"GGUF: llama-server -m BASE.gguf --lora {loras}  (")
    reader = gguf.GGUFReader(str(outs[2] / "lora.gguf"))
    assert reader.fields["general.type"].contents() == "adapter"
    # the third run's own low-rank factors, not the merged model's weights
    trained = load_file(str(runs[2] / "adapter_model.safetensors"))
    lora_a = next(v for k, v in trained.items() if "layers.0.self_attn.q_proj.lora_A" in k)
    tensor = next(t for t in reader.tensors if t.name == "blk.0.attn_q.weight.lora_a")
    assert torch.allclose(torch.tensor(tensor.data).float().reshape(lora_a.shape), lora_a.float(), atol=1e-2)


def test_stacking_on_another_runs_export_is_refused_in_one_line(adapter, tmp_path, capsys):
    llama_cpp = tmp_path / "llama.cpp"
    llama_cpp.mkdir()
    for name in ("convert_lora_to_gguf.py", "convert_hf_to_gguf.py"):
        (llama_cpp / name).write_text("")
    second = second_adapter(adapter, tmp_path / "sft2" / "final", seed=2)
    other = tmp_path / "other"  # an export of a different run
    (other / "hf").mkdir(parents=True)
    (other / "hf" / RUN_INFO).write_text(json.dumps({"merged_from": str(tmp_path / "elsewhere")}))
    args = ["export", "--out", str(tmp_path / "out"), "--no-quantize", "--llama-cpp", str(llama_cpp), "--dry-run"]
    assert train([*args, "--model", str(second), "--stack-on", str(other)]) == 1
    err = capsys.readouterr().err
    assert f"{other} holds no merged model of {adapter}, the adapter {second} was trained on" in err
    assert train([*args, "--model", str(adapter), "--stack-on", str(other)]) == 1
    assert "--stack-on is for an adapter trained on another run's adapter" in capsys.readouterr().err


def test_an_adapter_trained_on_an_adapter_becomes_a_whole_gguf(adapter, tmp_path, capsys):
    # `nxedit train sft --base RUN/final` trains on that run's merged model: no GGUF of it
    # exists for a LoRA GGUF to apply to, so the export merges both and converts the whole
    # (printed as a plan: llama.cpp's whole-model converter does not know the tiny model's
    # tokenizer; issue 17's Gemma 3 270M run 3 went through it)
    from peft import LoraConfig, get_peft_model

    from nxedit.training.hf import load_model

    llama_cpp = tmp_path / "llama.cpp"
    llama_cpp.mkdir()
    for name in ("convert_lora_to_gguf.py", "convert_hf_to_gguf.py"):
        (llama_cpp / name).write_text("")
    second = get_peft_model(load_model(str(adapter)),
                            LoraConfig(r=4, lora_alpha=8, target_modules="all-linear", task_type="CAUSAL_LM"))
    folder = tmp_path / "sft2" / "final"
    second.save_pretrained(folder)
    (folder / RUN_INFO).write_text(json.dumps({"step": "sft", "method": "lora", "base": str(adapter), "adapter": True,
                                               "prompt_format": "sweep"}))
    out = tmp_path / "out"
    assert train(["export", "--model", str(folder), "--out", str(out), "--no-quantize",
                  "--llama-cpp", str(llama_cpp), "--dry-run"]) == 0
    step = next(x for x in capsys.readouterr().out.splitlines() if "GGUF for llama.cpp" in x)
    assert "convert_hf_to_gguf.py --outtype f16" in step and f"{out / 'model-f16.gguf'} {out / 'hf'}" in step
    assert train(["export", "--model", str(adapter), "--out", str(out), "--no-quantize",
                  "--llama-cpp", str(llama_cpp), "--dry-run"]) == 0  # the first run's adapter: a LoRA GGUF
    step = next(x for x in capsys.readouterr().out.splitlines() if "GGUF for llama.cpp" in x)
    assert "convert_lora_to_gguf.py --base" in step and str(out / "lora.gguf") in step
