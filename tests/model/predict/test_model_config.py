"""The [model] table, the lean-import promise, and ``nxedit doctor``."""

import subprocess
import sys

from nxedit.model.doctor import main as doctor
from nxedit.model.predict.model_config import ModelConfig, model_config_from, parse_model_table


def test_a_full_table_is_read():
    config, messages = parse_model_table({
        "backend": "openai", "model": "zeta", "prompt_format": "sweep", "base_url": "http://gpu-box:8000/v1",
        "api_key_env": "TEAM_KEY", "connect_timeout": 1, "read_timeout": 30.5, "max_tokens": 256,
        "ngram_draft": False, "max_seq_len": 8192, "cache": "q4", "device": "cuda:1",
    })
    assert messages == []
    assert config == ModelConfig("openai", "zeta", "sweep", "http://gpu-box:8000/v1", "TEAM_KEY", 1.0, 30.5, 256,
                                 False, 8192, "q4", "cuda:1")


def test_bad_values_are_one_line_each_and_the_defaults_apply():
    config, messages = parse_model_table({"backend": "llama", "max_seq_len": 1000, "read_timeout": -1, "colour": 3})
    assert config == ModelConfig()
    assert messages == [
        "[model] backend must be one of exllamav2, openai, transformers (got 'llama'); using None",
        "[model] max_seq_len must be a multiple of 256 from 256 to 131072 (got 1000); using 4096",
        "[model] read_timeout must be a number of seconds (0 to 600) (got -1); using 10.0",
        "[model] unknown setting 'colour' (ignored)",
    ]
    assert parse_model_table([1, 2])[1] == ["[model] must be a table; no model is used"]


def test_the_command_line_wins_over_the_table():
    config, messages = model_config_from({"backend": "openai", "model": "a"}, "exllamav2", "~/models/zeta")
    assert (config.backend, config.model) == ("exllamav2", "~/models/zeta")
    assert config.model_path.endswith("/models/zeta") and not config.model_path.startswith("~")
    assert messages == []
    _, messages = model_config_from({}, "exllamav2", None)
    assert messages == ["the exllamav2 backend needs a model folder: set [model] model or --model"]
    assert not model_config_from(None, None, None)[0].enabled


def test_the_model_side_never_imports_heavy_libraries_until_a_backend_loads():
    code = (
        "import sys\n"
        "import nxedit.model.predict.model_predictor, nxedit.model.doctor, nxedit.model.predict.prompts.zeta\n"
        "import nxedit.model.predict.prompts.instinct, nxedit.model.predict.prompts.sweep\n"
        "import nxedit.model.predict.backends.exllamav2, nxedit.model.predict.backends.openai, nxedit.model.predict.backends.transformers\n"
        "print(sorted(m for m in ('torch', 'transformers', 'exllamav2') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_doctor_checks_the_chosen_backend_in_depth_and_never_crashes(capsys, nxedit_home):
    config = nxedit_home / "doctor.toml"
    config.write_text('[model]\nbackend = "transformers"\nmodel = "/nonexistent/model"\n')
    assert doctor(["--config", str(config)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("ok  python 3.")
    assert out[1].startswith("ok  structural engine: answers a rename in")
    assert out[2].startswith("ok  grammars: 17 of 17 load") and "typescript" in out[2]
    assert any(line.startswith("    transformers (chosen)") for line in out)
    assert any(line.startswith(("ok  torch", "fix torch")) for line in out)
    assert not any("exllamav2" in line and line.startswith("fix") for line in out)  # not the chosen one
    assert "fix model: model folder not found: /nonexistent/model" in out
    assert all(len(line) < 300 for line in out)


def test_doctor_without_a_model_checks_what_everyone_uses_and_lists_backends_as_optional(capsys, tmp_path):
    assert doctor(["--config", str(tmp_path / "missing.toml")]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[1].startswith("ok  structural engine: ") and out[2].startswith("ok  grammars: 17 of 17 load")
    for backend in ("exllamav2", "openai", "transformers"):
        (line,) = [line for line in out if line.startswith(f"    {backend} (optional): ")]
        assert "needs" in line and "here: " in line
    assert not any(line.startswith("fix") for line in out)  # nothing to fix for backends nobody chose
    assert out[-1].endswith("the structural engine answers alone")


def test_doctor_says_fix_when_the_structural_engine_cannot_answer(capsys, tmp_path, monkeypatch):
    from nxedit.model.predict import structural

    monkeypatch.setattr(structural.StructuralPredictor, "predict", lambda self, request: None)
    assert doctor(["--config", str(tmp_path / "missing.toml")]) == 1
    assert capsys.readouterr().out.splitlines()[1].startswith("fix structural engine: no answer")


def test_grammar_is_auto_true_or_false():
    assert ModelConfig().grammar == "auto"
    for value in (True, False, "auto"):
        config, messages = parse_model_table({"grammar": value})
        assert config.grammar == value and not messages
    config, messages = parse_model_table({"grammar": "gbnf"})
    assert config.grammar == "auto" and messages == ["[model] grammar must be true, false or \"auto\" (got 'gbnf'); using 'auto'"]
