"""The ExLlamaV2 backend on a machine without CUDA: every missing piece is one clear line,
and the job loop streams, maps end reasons and cancels (driven by a stand-in generator,
since the real one needs a GPU)."""

import sys
import threading
import time

import pytest

from requires import train_extra

from next_edit_cases import StubBackend, cancel_after, small_request
from nxedit.model.predict.backends import BackendError, CancelToken, Completion
from nxedit.model.predict.backends import exllamav2 as ex
from nxedit.model.predict.model_config import ModelConfig
from nxedit.model.predict.model_predictor import ModelPredictor

torch = train_extra("torch")


def model_dir(tmp_path, weights_bytes=1000):
    (tmp_path / "config.json").write_text(
        '{"num_attention_heads": 28, "num_key_value_heads": 4, "hidden_size": 3584, "num_hidden_layers": 28}'
    )
    with open(tmp_path / "model.safetensors", "wb") as f:
        f.truncate(weights_bytes)  # sparse: no real disk used
    return tmp_path


def backend(path, **kw):
    return ex.ExLlamaV2Backend(ModelConfig(backend="exllamav2", model=str(path), **kw))


@pytest.fixture
def fake_gpu(monkeypatch):
    """torch believes it has one GPU with 24 GiB free."""
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "mem_get_info", lambda *a: (24 << 30, 24 << 30))
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda *a: "Fake RTX")


def test_missing_or_incomplete_model_folders_are_named(tmp_path):
    with pytest.raises(BackendError, match="model folder not found"):
        backend(tmp_path / "nope").load()
    with pytest.raises(BackendError, match="no config.json"):
        backend(tmp_path).load()
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(BackendError, match="no .safetensors weights"):
        backend(tmp_path).load()


@pytest.mark.parametrize("build, expected", [(None, "CPU-only build"), ("13.2", "no CUDA GPU is visible")])
def test_torch_without_a_usable_gpu_is_reported_as_such(tmp_path, monkeypatch, build, expected):
    # whichever torch this machine has, pretend it is a CPU-only build, then a CUDA build
    # on a machine whose GPU is missing
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.version, "cuda", build)
    with pytest.raises(BackendError) as failed:
        backend(model_dir(tmp_path)).load()
    assert expected in str(failed.value) and "\n" not in str(failed.value)


def test_too_little_vram_is_reported_with_the_sizes(tmp_path, fake_gpu, monkeypatch):
    monkeypatch.setattr(torch.cuda, "mem_get_info", lambda *a: (4 << 30, 24 << 30))
    with pytest.raises(BackendError) as failed:
        backend(model_dir(tmp_path, weights_bytes=5 << 30)).load()
    message = str(failed.value)
    assert message.startswith("not enough VRAM: the model needs about 5.")
    assert "4.0 GiB free on Fake RTX" in message


def test_the_cache_counts_in_the_vram_estimate(tmp_path):
    path = model_dir(tmp_path)
    weights = [str(path / "model.safetensors")]
    fp16, q4 = ex.vram_needed(str(path), weights, 32768, False), ex.vram_needed(str(path), weights, 32768, True)
    # Qwen2.5-7B's shape: 28 layers x 4 KV heads x 128 channels x 2 (K, V) x 2 bytes = 57 KiB a token
    assert fp16 - q4 == 32768 * 57344 * 3 // 4


def test_exllamav2_not_installed_is_reported(tmp_path, fake_gpu, monkeypatch):
    monkeypatch.setattr(ex, "extension_state", lambda: "absent")
    with pytest.raises(BackendError, match=r"exllamav2 is not installed: pip install 'nxedit\[gpu\]'"):
        backend(model_dir(tmp_path)).load()


def test_a_failed_kernel_build_is_announced_then_explained(tmp_path, fake_gpu, monkeypatch):
    monkeypatch.setattr(ex, "extension_state", lambda: "unbuilt")
    monkeypatch.setitem(sys.modules, "exllamav2", None)  # importing it now fails like a broken build
    statuses = []
    with pytest.raises(BackendError, match="could not build or load its CUDA extension"):
        backend(model_dir(tmp_path)).load(statuses.append)
    assert statuses == ["compiling exllamav2's CUDA kernels (first run only: this takes several minutes)..."]


@pytest.mark.parametrize("error, advice", [
    (RuntimeError("Ninja is required to load C++ extensions"), "pip install ninja"),
    (OSError("CUDA_HOME environment variable is not set. Please set it to your CUDA install root."), "CUDA toolkit"),
    (ImportError("exllamav2_ext.so: undefined symbol: _ZN3c10"), "does not match this torch"),
])
def test_build_failures_become_advice(error, advice):
    assert advice in ex.build_failure(error)


def test_extension_state_does_not_import_exllamav2():
    state = ex.extension_state()
    assert state in ("absent", "prebuilt", "built", "unbuilt")
    assert "exllamav2" not in sys.modules or sys.modules["exllamav2"] is None


class FakeProbs:
    def __init__(self, values):
        self.values = values

    def flatten(self):
        return self

    def tolist(self):
        return list(self.values)


class FakeGenerator:
    """Streams ``pieces`` one per iterate() for the enqueued job, like the dynamic generator."""

    def __init__(self, pieces, eos_reason="stop_string", fail_at=None):
        self.pieces, self.eos_reason, self.fail_at = pieces, eos_reason, fail_at
        self.jobs, self.cancelled, self.steps = [], [], 0

    def enqueue(self, job):
        self.jobs.append(job)

    def cancel(self, job):
        self.cancelled.append(job)
        self.jobs.remove(job)

    def iterate(self):
        self.steps += 1
        if self.fail_at == self.steps:
            raise RuntimeError("CUDA error: an illegal memory access was encountered")
        job = self.jobs[0]
        i = self.steps - 1
        if i >= len(self.pieces):
            return [{"job": job, "stage": "streaming", "eos": True, "eos_reason": self.eos_reason, "new_tokens": i}]
        return [{"job": object(), "stage": "streaming", "text": "other job"},
                {"job": job, "stage": "prefill"},
                {"job": job, "stage": "streaming", "eos": False, "text": self.pieces[i], "token_probs": FakeProbs([0.5])}]


def wired(generator):
    b = backend("unused")
    b.generator = generator
    return b


def test_the_job_loop_streams_and_maps_end_reasons():
    pieces = []
    done = wired(FakeGenerator(["a", "b", "c"])).\
        _run("job", None, pieces.append)
    assert done == Completion("abc", "stop", 3, None, pytest.approx(-0.6931, abs=1e-3))
    assert pieces == ["a", "b", "c"]
    assert wired(FakeGenerator(["a"], eos_reason="max_new_tokens"))._run("job", None, None).finish_reason == "length"


def test_a_cancelled_job_is_removed_from_the_generator_within_a_step():
    generator = FakeGenerator(list("abcdefghij"))
    cancel = CancelToken()
    done = wired(generator)._run("job", cancel, cancel_after(3, cancel))
    assert done.finish_reason == "cancelled" and done.text == "abc"
    assert generator.cancelled == ["job"] and generator.steps == 3


def test_a_crash_inside_the_generator_is_one_line_and_frees_the_job():
    generator = FakeGenerator(list("abc"), fail_at=2)
    with pytest.raises(BackendError, match="exllamav2 generation failed: CUDA error: an illegal memory access"):
        wired(generator)._run("job", None, None)
    assert generator.cancelled == ["job"]


class BlockingBackend(StubBackend):
    """Generates nothing until cancelled (or 5 s): stands in for a slow model."""

    name = "blocking"

    def __init__(self):
        self.started = threading.Event()

    def complete(self, prompt, max_tokens, stop=(), cancel=None, on_text=None, ban=()):
        self.started.set()
        deadline = time.monotonic() + 5
        while not cancel.cancelled and time.monotonic() < deadline:
            time.sleep(0.01)
        return Completion("", "cancelled" if cancel.cancelled else "stop")


def test_a_newer_request_cancels_the_stale_one():
    fake = BlockingBackend()
    predictor = ModelPredictor(ModelConfig(backend="exllamav2", model="unused"), backend=fake)
    results = {}
    older = threading.Thread(target=lambda: results.update(old=predictor.predict(small_request())))
    older.start()
    assert fake.started.wait(5)
    t0 = time.monotonic()
    newer = threading.Thread(target=lambda: results.update(new=predictor.predict(small_request())))
    newer.start()
    older.join(5)
    assert not older.is_alive() and time.monotonic() - t0 < 1 and results["old"] is None
    predictor.cancel()  # the editor's buffer changed again: nothing left running
    newer.join(5)
    assert not newer.is_alive() and results["new"] is None


def test_a_backend_that_raises_only_costs_a_status_line():
    class Exploding(BlockingBackend):
        def complete(self, *args, **kwargs):
            raise ZeroDivisionError("boom")

    statuses = []
    predictor = ModelPredictor(ModelConfig(backend="exllamav2", model="unused"), backend=Exploding(),
                               on_status=statuses.append)
    assert predictor.predict(small_request()) is None
    assert statuses[-1] == "model: blocking failed: boom"


# -- fidelity to exllamav2 0.3.2's dynamic generator (issue 19)


class FakeTokenizer:
    """Encodes the Qwen control tokens as one id each, anything else as one id a character."""

    SPECIAL = {"<|im_end|>": 151645, "<|endoftext|>": 151643, "<|fim_middle|>": 151660}
    eos_token_id = 151643

    def encode(self, text, add_bos=False, encode_special_tokens=True):
        ids = [self.SPECIAL[text]] if text in self.SPECIAL else [ord(c) for c in text]
        return torch.tensor([ids])


def test_one_token_stops_and_control_tokens_are_token_ids():
    b = wired(FakeGenerator([]))
    b.tokenizer = FakeTokenizer()
    conditions = b.stop_conditions(("<|im_end|>", "<|endoftext|>", "\n\n\n"), ban=("<|fim_middle|>",))
    # the strings stay (harmless), the special tokens become ids the generator can see
    assert conditions == ["<|im_end|>", "<|endoftext|>", "\n\n\n", 151645, 151643, 151660]


def test_text_held_back_at_a_stop_token_is_kept():
    result = {"eos": True, "eos_reason": "stop_token", "eos_triggering_token_str": "<|im_end|>",
              "held": {"text": "    return x\n<"}}
    assert ex.held_text(result) == "    return x\n<"  # a '<' that might have begun a stop string
    result["held"]["text"] = "done\n\n\n"
    result["eos_triggering_token_str"] = "\n\n\n"  # a plain token as the stop: its text is not the answer's
    assert ex.held_text(result) == "done"
    assert ex.held_text({"eos_reason": "stop_string", "held": {"text": "x"}}) == ""


def test_the_job_loop_streams_the_held_text_at_a_stop_token():
    class Held(FakeGenerator):
        def iterate(self):
            out = super().iterate()
            if out[-1].get("eos"):
                out[-1].update(eos_reason="stop_token", eos_triggering_token_str="<|im_end|>",
                               held={"text": "d"})
            return out

    pieces = []
    done = wired(Held(["a", "b", "c"]))._run("job", None, pieces.append)
    assert done.text == "abcd" and pieces == ["a", "b", "c", "d"] and done.finish_reason == "stop"


def test_drafting_does_not_shorten_the_answer():
    class Generator:
        num_draft_tokens = 6

    assert ex.job_max_new_tokens(100, Generator()) == 106  # the generator stops at max - drafts
    Generator.num_draft_tokens = 0
    assert ex.job_max_new_tokens(100, Generator()) == 100


@pytest.mark.parametrize("paged_attn, no_flash, major, expected", [
    (True, False, 8, True),  # flash-attn >= 2.5.7 on Ampere: paged
    (False, False, 8, False),  # flash-attn 2.2.1-2.5.6 (has_flash_attn only) or EXLLAMA_NO_FLASH_ATTN
    (True, True, 9, False),  # the architecture's overrides switched flash-attn off
    (True, False, 7, False),  # a pre-Ampere GPU
])
def test_paged_mode_needs_paged_flash_attn_after_the_overrides(paged_attn, no_flash, major, expected, monkeypatch):
    attn = type("Attn", (), {"has_flash_attn": True, "has_flash_attn_with_paged": paged_attn})
    config = type("Config", (), {"no_flash_attn": no_flash})
    monkeypatch.setattr(torch.cuda, "get_device_capability", lambda *a: (major, 0))
    assert ex.can_page(attn, config, torch) is expected
