"""Secret files never reach a model: not as the file being edited, not as related context."""

from dataclasses import replace

from nxedit.model.predict.backends.base import Completion
from nxedit.model.predict.model_config import ModelConfig
from nxedit.model.predict.model_predictor import ModelPredictor

from next_edit_cases import StubBackend, small_request


class RecordingBackend(StubBackend):
    """Answers nothing useful, but remembers every prompt it was sent."""

    name = "recording"

    def __init__(self):
        self.prompts = []

    def complete(self, prompt, max_tokens, stop=(), cancel=None, on_text=None, ban=()):
        self.prompts.append(str(prompt))
        return Completion("", "stop")


def predictor(backend, prompt_format="zeta", **kwargs):
    config = ModelConfig(backend="openai", model="m", base_url="http://127.0.0.1:9", prompt_format=prompt_format)
    return ModelPredictor(config, backend=backend, **kwargs)


def test_a_secret_file_being_edited_is_never_sent():
    backend = RecordingBackend()
    for path in (".env", "config/.env.production", "deploy/server.pem", "secrets.toml"):
        assert predictor(backend).predict(replace(small_request(), path=path)) is None
    assert backend.prompts == []


def test_secret_related_files_are_left_out_of_the_prompt():
    backend = RecordingBackend()
    # both related files share names with the edit, so both would be ranked into the prompt
    files = {"keys.pem": "area width h = hunter2\n", "shapes.py": "def area_of(width, h): return width * h\n"}
    predictor(backend, "instinct").predict(replace(small_request(), files=files))  # it shows context files
    assert len(backend.prompts) == 1
    assert "hunter2" not in backend.prompts[0]
    assert "area_of" in backend.prompts[0]  # the ordinary related file is still used


def test_the_editor_can_pass_its_own_rules():
    backend = RecordingBackend()
    p = predictor(backend, exclude=lambda path: path.endswith("geometry.py"))
    assert p.predict(small_request()) is None and backend.prompts == []
