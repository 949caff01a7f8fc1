"""``nxedit predict``: next-edit suggestions for scripts and other editors, one JSON line each.

    nxedit predict < request.json            one request (JSON) on stdin, one response line
    nxedit predict --request request.json     the same from a file
    nxedit predict --jsonl < requests.jsonl   one request per line, one response per line,
                                              in order, flushed as each is answered

A bad request gets ``{"id": ..., "error": "..."}`` (its id when it can be read) and the
stream goes on: nothing in the input ends it or makes it hang. So does a request the model
backend failed to answer (down, timed out, HTTP 500): an error, never an abstention
(``"edits": []``), so a client can tell "model down" from "no suggestion". The exit status
is 1 when every request failed.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from typing import Any, BinaryIO, TextIO

from nxedit.model.text.sanitise import json_line, print_safely

MAX_LINE_BYTES = 64 * 1024 * 1024  # a longer request line is answered with an error, not read whole
_ID_RE = re.compile(rb'"id"\s*:\s*("(?:[^"\\\n]|\\.){0,200}"|-?\d{1,18})')


HELP = """Predict the next edit of a file from its text, the cursor and the last edits.

  nxedit predict < request.json             one request on stdin, one answer line
  nxedit predict --request request.json     the same, from a file
  nxedit predict --jsonl < requests.jsonl   one request per line, one answer per line"""

EPILOG = """a request (JSON):
  {"id": 1, "path": "shop.py", "language": "python",
   "current": "<the whole text now>", "cursor": {"line": 1, "column": 12},
   "history": [{"start_line": 1, "old_text": "    total = 0\\n", "new_text": "    subtotal = 0\\n"}]}
  lines and columns count from 0; history holds the last edits, oldest first.

the answer (one line):
  {"id": 1, "edits": [{"start_line": 2, "end_line": 4, "new_text": "..."}],
   "source": "structural:rename", "confidence": 0.7, "latency_ms": 3.1}
  edits is the single best next edit (lines start_line..end_line-1 become new_text),
  empty when unsure. A bad request gets {"id": 1, "error": "..."} and a stream goes on."""


def build_parser() -> argparse.ArgumentParser:
    from .model_config import FORMAT_NAMES
    from .predictor import available

    p = argparse.ArgumentParser(prog="nxedit predict", description=HELP, epilog=EPILOG,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--request", metavar="FILE", help="read one request from FILE instead of stdin")
    p.add_argument("--jsonl", action="store_true", help="stream: one request per input line")
    p.add_argument("--predictor", default="structural", help=f"which predictor answers ({', '.join(available())})")
    p.add_argument("--min-confidence", type=float, default=None, metavar="X",
                   help="abstain below this confidence (default: the predictor's own: its acceptance model's "
                        "threshold); "
                        "lower values also show guesses: 0.5 prose edits seen once, 0.2 call sites "
                        "with a <placeholder> argument")
    p.add_argument("--backend", choices=("exllamav2", "openai", "transformers"),
                   help="answer with a next-edit model on this backend (implies --predictor model)")
    p.add_argument("--model", metavar="PATH_OR_NAME", help="the model folder, or the server's model name")
    p.add_argument("--prompt-format", choices=FORMAT_NAMES, help="the model's prompt format")
    p.add_argument("--base-url", metavar="URL", help="the OpenAI-compatible server (openai backend)")
    p.add_argument("--read-timeout", type=float, metavar="SECONDS",
                   help="seconds to wait for the server's next bytes (a CPU server may need 60 before the first)")
    p.add_argument("--config", metavar="PATH",
                   help="the config file whose [model] table applies to the model predictor (default: the user's)")
    return p


def model_table(path: str | None) -> dict:
    """The ``[model]`` table of the config file (``path``, else the user's); {} when none.

    ValueError with one line when the file cannot be read or is not TOML.
    """
    import tomllib
    from pathlib import Path

    from nxedit.model.paths import config_dir

    file = Path(path) if path else config_dir() / "config.toml"
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        if path:
            raise ValueError(f"{file}: config file not found") from None
        return {}
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"{file}: {exc}") from None
    table = data.get("model", {})
    if not isinstance(table, dict):
        raise ValueError(f"{file}: [model] must be a table")
    return table


def recover_id(raw: bytes) -> Any:
    """The id of a request that could not be parsed, when it can still be read; else None."""
    m = _ID_RE.search(raw[:1_000_000])
    if not m:
        return None
    try:
        return json.loads(m.group(1))
    except ValueError:
        return None


class Answerer:
    """Turns raw request bytes into response dicts with one predictor."""

    def __init__(self, predictor):
        self.predictor = predictor

    def answer_bytes(self, raw: bytes) -> dict:
        from .request import error_response

        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            return error_response(recover_id(raw), f"request is not valid UTF-8 (byte {exc.start})")
        try:
            obj = json.loads(text)
        except RecursionError:
            return error_response(recover_id(raw), "request JSON is nested too deeply")
        except ValueError as exc:
            return error_response(recover_id(raw), f"request is not valid JSON: {exc}")
        return self.answer(obj)

    def answer(self, obj: Any) -> dict:
        from .request import RequestError, error_response, parse_request, request_id_of, response

        try:
            request = parse_request(obj)
        except RequestError as exc:
            return error_response(exc.request_id, str(exc))
        from .backends.base import BackendError

        t0 = time.perf_counter()
        try:
            suggestion = self.predictor.predict(request)
        except BackendError as exc:  # "model down" is an error, never an abstention
            return error_response(request_id_of(obj), f"model backend failed: {exc}")
        except Exception as exc:  # a predictor bug answers this request only
            return error_response(request_id_of(obj), f"internal error: {type(exc).__name__}: {exc}")
        return response(request.id, suggestion, (time.perf_counter() - t0) * 1000)


def read_lines(stream: BinaryIO, limit: int = MAX_LINE_BYTES):
    """Lines of a byte stream; a line longer than ``limit`` is yielded as None (and skipped)."""
    while True:
        line = stream.readline(limit + 1)
        if not line:
            return
        if len(line) > limit and not line.endswith(b"\n"):
            while True:  # drop the rest of the over-long line without holding it
                chunk = stream.readline(1 << 20)
                if not chunk or chunk.endswith(b"\n"):
                    break
            yield None
            continue
        yield line


def write(out: TextIO, obj: dict) -> None:
    out.write(json_line(obj) + "\n")  # a request may hold "\ud800": still strict UTF-8 out
    out.flush()


def serve_jsonl(answerer: Answerer, stream: BinaryIO, out: TextIO, limit: int = MAX_LINE_BYTES) -> tuple[int, int]:
    """Answer every request line in order; returns (requests, errors)."""
    answered = failed = 0
    for raw in read_lines(stream, limit):
        if raw is None:
            result = {"id": None, "error": f"request line longer than {limit} bytes"}
        elif not raw.strip():
            continue
        else:
            try:
                result = answerer.answer_bytes(raw)
            except Exception as exc:  # noqa: BLE001 -- no request may end the stream
                result = {"id": None, "error": f"internal error: {type(exc).__name__}: {exc}"}
        answered += 1
        failed += "error" in result
        write(out, result)
    return answered, failed


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from .predictor import load_predictor

    options = {} if args.min_confidence is None else {"min_confidence": args.min_confidence}
    name = args.predictor
    try:
        if args.backend or name == "model":  # the model predictor: the [model] table, then the options here
            name = "model"
            options = dict(model_table(args.config))
            options.update({k: v for k, v in (("prompt_format", args.prompt_format), ("base_url", args.base_url),
                                              ("read_timeout", args.read_timeout),
                                              ("min_confidence", args.min_confidence)) if v is not None})
            options.update(backend=args.backend or options.pop("backend", None),
                           model=args.model or options.pop("model", None))
        predictor = load_predictor(name, **options)
    except (LookupError, TypeError, ImportError, ValueError, RuntimeError) as exc:
        print_safely(f"nxedit predict: {exc}", sys.stderr)
        return 2
    answerer = Answerer(predictor)
    try:
        if args.jsonl:
            stream = open(args.request, "rb") if args.request else sys.stdin.buffer
            with stream:
                answered, failed = serve_jsonl(answerer, stream, sys.stdout)
            return 1 if answered and failed == answered else 0  # every request failed: say so
        if args.request:
            try:
                with open(args.request, "rb") as f:
                    raw = f.read(MAX_LINE_BYTES + 1)
            except OSError as exc:
                print_safely(f"nxedit predict: {exc.filename}: {exc.strerror}", sys.stderr)
                return 2
        else:
            raw = sys.stdin.buffer.read(MAX_LINE_BYTES + 1)
        if len(raw) > MAX_LINE_BYTES:
            result = {"id": None, "error": f"request longer than {MAX_LINE_BYTES} bytes"}
        else:
            result = answerer.answer_bytes(raw)
        write(sys.stdout, result)
        return 1 if "error" in result else 0
    except BrokenPipeError:  # the client went away: nothing left to answer
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        return 130
