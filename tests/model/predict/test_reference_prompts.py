"""Our prompts against the ones the references build (Zed for Zeta-1 and Sweep v1, Continue
for Instinct), byte for byte; reference-style answers parsed for every format; and each
format through the real ``nxedit predict --backend openai`` against a server that answers
with the window unchanged: never an edit.

The fixtures in golden/prompts/reference/ were rendered by hand from the reference code
named (with its commit) in their ``#!`` header lines, not by this code.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from fake_openai_server import FakeServer, sse_answer
from next_edit_cases import inventory_request, small_request
from nxedit.model.predict.context import build_context
from nxedit.model.predict.prompts import FORMATS, get_format
from nxedit.model.predict.prompts.base import ChatPrompt, Parsed, Rejected

REFERENCE = Path(__file__).parent / "golden" / "prompts" / "reference"


def fixture(name: str) -> str:
    text = (REFERENCE / name).read_text(encoding="utf-8")
    return text.split("#!---\n", 1)[1]


@pytest.mark.parametrize("fmt_name, file", [("zeta", "zeta-geometry.txt"), ("sweep", "sweep-geometry.txt"),
                                            ("instinct", "instinct-geometry.txt")])
def test_our_prompt_is_the_reference_prompt(fmt_name, file):
    fmt = get_format(fmt_name)
    prompt = fmt.render(build_context(small_request(), fmt.REGION))
    if isinstance(prompt, ChatPrompt):  # the user message; the file ends with a line break, it does not
        assert prompt.messages[1][1] == fixture(file).removesuffix("\n")
    else:
        assert prompt == fixture(file)


def reference_answer(fmt_name: str, ctx, rewrite: str) -> str:
    """What the model writes for ``rewrite`` as the backend hands it over (stop string cut)."""
    fmt = get_format(fmt_name)
    target = fmt.render_target(ctx, rewrite)
    for stop in fmt.STOP:
        target = target.split(stop, 1)[0]
    return target


REQUESTS = {"mid-file": inventory_request, "end of file": small_request}


@pytest.mark.parametrize("where", REQUESTS)
@pytest.mark.parametrize("fmt_name", sorted(FORMATS))
def test_reference_style_answers_parse(fmt_name, where):
    fmt = get_format(fmt_name)
    ctx = build_context(REQUESTS[where](), fmt.REGION)
    unchanged = reference_answer(fmt_name, ctx, ctx.region_text)
    assert fmt.parse(unchanged, ctx) == Parsed(ctx.region_text, ())  # the file's last line break stays
    first = ctx.region_text.split("\n", 1)[0]
    changed = ctx.region_text.replace(first, first + "  # changed", 1)
    result = fmt.parse(reference_answer(fmt_name, ctx, changed), ctx)
    assert isinstance(result, Parsed) and len(result.edits) == 1
    assert result.edits[0].new_text == first + "  # changed\n"
    truncated = fmt.parse(unchanged[: len(unchanged) // 2], ctx, truncated=True)
    # cut off halfway: placed by the lines it copied (no edit: nothing deleted), or refused
    assert isinstance(truncated, Rejected) or (truncated.edits == () and "cut" in truncated.flags)


def unchanged_window(body: dict) -> str:
    """The answer a model gives that leaves the prompt's window as it is (any format)."""
    if "messages" in body:  # instinct
        text = body["messages"][-1]["content"]
        region = text.split("<|editable_region_start|>\n", 1)[1].split("\n<|editable_region_end|>", 1)[0]
        return region.replace("<|user_cursor_is_here|>", "")
    prompt = body["prompt"]
    if "<|editable_region_start|>" in prompt:  # zeta: the answer starts with the start marker
        region = prompt.split("<|editable_region_start|>\n", 1)[1].split("\n<|editable_region_end|>", 1)[0]
        return "<|editable_region_start|>\n" + region.replace("<|user_cursor_is_here|>", "") + "\n"
    window = prompt.split("<|file_sep|>current/", 1)[1].split("\n", 1)[1].split("<|file_sep|>updated/", 1)[0]
    return window.replace("<|cursor|>", "")  # sweep: the window and its line break, then <|file_sep|>


@pytest.mark.slow
@pytest.mark.parametrize("fmt_name", ["instinct", "sweep", "sweep-v2", "zeta", "zeta-cache"])  # completion-style formats
def test_an_unchanged_window_through_nxedit_predict_is_an_abstention(fmt_name, tmp_path):
    with FakeServer(lambda body: sse_answer(unchanged_window(body))) as server:
        for name, make in REQUESTS.items():
            req = make()
            wire = {"id": name, "path": req.path, "current": req.current,
                    "cursor": {"line": req.cursor.line, "column": req.cursor.column},
                    "history": [h.to_dict() for h in req.history]}
            proc = subprocess.run(
                [sys.executable, "-m", "nxedit.editor.cli", "predict", "--backend", "openai", "--base-url",
                 server.url, "--prompt-format", fmt_name],
                input=json.dumps(wire).encode(), capture_output=True, timeout=60,
                env={**os.environ, "XDG_CONFIG_HOME": str(tmp_path)},  # no user config file
            )
            if proc.returncode == 2:
                pytest.fail(proc.stderr.decode())
            answer = json.loads(proc.stdout)
            assert proc.returncode == 0 and answer["id"] == name, answer
            assert answer["edits"] == [], (fmt_name, name, answer)
    assert len(server.completions()) == len(REQUESTS)
