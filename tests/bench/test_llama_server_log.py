"""bench/llama_server.py reads what llama-cpp-python's server logs for each completion."""

import importlib.util
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench"

LOG = """\
INFO:     127.0.0.1:40000 - "GET /v1/models HTTP/1.1" 200 OK
llama_perf_context_print: prompt eval time =   38707.90 ms /  1098 tokens (   35.25 ms per token,    28.37 tokens per second)
llama_perf_context_print:        eval time =       0.00 ms /     1 runs   (    0.00 ms per token,      inf tokens per second)
Llama.generate: 415 prefix-match hit, remaining 685 prompt tokens to eval
llama_perf_context_print: prompt eval time =   11503.70 ms /   685 tokens (   16.79 ms per token,    59.55 tokens per second)
llama_perf_context_print:        eval time =    2868.66 ms /    95 runs   (   30.20 ms per token,    33.12 tokens per second)
Llama.generate: full prompt already cached, skipping reset
llama_perf_context_print:        eval time =     100.00 ms /     4 runs   (   25.00 ms per token,    40.00 tokens per second)
Llama.generate: 1100 prefix-match hit, remaining 2 prompt tokens to eval
"""


def load():
    spec = importlib.util.spec_from_file_location("llama_server", BENCH / "llama_server.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["llama_server"] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_each_completion_reports_its_reused_and_evaluated_prompt_tokens():
    reports = load().parse_reports(LOG)
    assert [(r.reused, r.evaluated) for r in reports] == [(0, 1098), (415, 685), (0, 0), (1100, 2)]
    first, second = reports[:2]
    assert first.total == 1098 and second.total == 1100
    assert second.prompt_ms == 11503.70 and second.decode_runs == 95 and second.decode_ms == 2868.66
    assert reports[3].prompt_ms is None  # its timings were not printed yet


def test_llama_servers_own_report_comes_with_the_answer():
    """llama.cpp's llama-server logs no cache hits: its report is the one it sends with the
    answer, which the openai backend keeps on the Completion."""
    from nxedit.model.predict.backends import Completion

    module = load()
    sent = Completion("x", "stop", 5, prompt_tokens=925, cached_tokens=373, prompt_ms=1927.0, decode_ms=98.0, decoded=5)
    report = module.report_of(sent)
    assert (report.reused, report.evaluated, report.total, report.decode_runs) == (373, 552, 925, 5)
    assert module.report_of(Completion("x", "stop", 5)) is None  # llama-cpp-python's: read its log
    assert module.report_of(None) is None
