"""``nxedit predict``: answer next-edit requests in the wire format of DESIGN.md.

    nxedit predict < request.json            one request (JSON) on stdin, one response line
    nxedit predict --request request.json     the same from a file
    nxedit predict --jsonl < requests.jsonl   one request per line, one response per line,
                                              in order, flushed as each is answered

A bad request gets ``{"id": ..., "error": "..."}`` (its id when it can be read) and the
stream goes on: nothing in the input ends it or makes it hang. A model backend that fails
(server down, an error mid-answer) answers ``{"id": ..., "error": "model backend: ..."}``,
never an abstention; one request answered with an error exits with status 1.

The model predictor (``--backend NAME`` or ``--predictor model``) takes the ``[model]``
table of the config file (``--config PATH``, else the user's ``config.toml``); the options
here override its values.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from typing import Any, BinaryIO, TextIO

MAX_LINE_BYTES = 64 * 1024 * 1024  # a longer request line is answered with an error, not read whole
_ID_RE = re.compile(rb'"id"\s*:\s*("(?:[^"\\\n]|\\.){0,200}"|-?\d{1,18})')


def build_parser() -> argparse.ArgumentParser:
    from .model_config import FORMAT_NAMES
    from .predictor import available

    p = argparse.ArgumentParser(prog="nxedit predict", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--request", metavar="FILE", help="read one request from FILE instead of stdin")
    p.add_argument("--jsonl", action="store_true", help="stream: one request per input line")
    p.add_argument("--predictor", default="structural", help=f"which predictor answers ({', '.join(available())})")
    p.add_argument("--min-confidence", type=float, default=None, metavar="X",
                   help="abstain below this confidence (default: the predictor's own, 0.6 for structural); "
                        "lower values also show guesses: 0.5 prose edits seen once, 0.2 call sites "
                        "with a <placeholder> argument")
    p.add_argument("--backend", choices=("exllamav2", "openai", "transformers"),
                   help="answer with a next-edit model on this backend (implies --predictor model)")
    p.add_argument("--model", metavar="PATH_OR_NAME", help="the model folder, or the server's model name")
    p.add_argument("--prompt-format", choices=FORMAT_NAMES, help="the model's prompt format")
    p.add_argument("--base-url", metavar="URL", help="the OpenAI-compatible server (openai backend)")
    p.add_argument("--read-timeout", type=float, metavar="SECONDS",
                   help="seconds to wait for the server's next bytes (a CPU server may need 60 before the first)")
    p.add_argument("--config", metavar="PATH", help="the config file whose [model] table applies (default: the user's)")
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
        t0 = time.perf_counter()
        try:
            suggestion = self.predictor.predict(request)
        except Exception as exc:  # a predictor bug answers this request only
            return error_response(request_id_of(obj), f"internal error: {type(exc).__name__}: {exc}")
        failure = getattr(self.predictor, "last_error", None)  # a model backend that failed
        if failure:
            return error_response(request.id, f"model backend: {failure}")
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
    out.write(json.dumps(obj, ensure_ascii=False) + "\n")
    out.flush()


def serve_jsonl(answerer: Answerer, stream: BinaryIO, out: TextIO, limit: int = MAX_LINE_BYTES) -> None:
    for raw in read_lines(stream, limit):
        if raw is None:
            write(out, {"id": None, "error": f"request line longer than {limit} bytes"})
            continue
        if not raw.strip():
            continue
        write(out, answerer.answer_bytes(raw))


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
                                              ("read_timeout", args.read_timeout)) if v is not None})
            options.update(backend=args.backend or options.pop("backend", None),
                           model=args.model or options.pop("model", None))
        predictor = load_predictor(name, **options)
    except (LookupError, TypeError, ImportError, ValueError, RuntimeError) as exc:
        print(f"nxedit predict: {exc}", file=sys.stderr)
        return 2
    answerer = Answerer(predictor)
    try:
        if args.jsonl:
            stream = open(args.request, "rb") if args.request else sys.stdin.buffer
            with stream:
                serve_jsonl(answerer, stream, sys.stdout)
            return 0
        if args.request:
            try:
                with open(args.request, "rb") as f:
                    raw = f.read(MAX_LINE_BYTES + 1)
            except OSError as exc:
                print(f"nxedit predict: {exc.filename}: {exc.strerror}", file=sys.stderr)
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
