"""Search every file of a project: ripgrep when it is there, else Python's ``re``.

ripgrep comes with the ``ripgrep`` package (its ``rg`` sits next to the Python interpreter);
it honours ``.gitignore`` and searches in parallel. Without it, or for a pattern ripgrep's
regex engine rejects (look-around, back-references), the same search runs in Python over
:func:`project_files.list_files`, in a child process (:mod:`python_search`) that prints
ripgrep's JSON, so both are read, limited and cancelled the same way. Both report matches line by line, with the same case
rules as the find bar (:class:`search.Query`); lines are numbered from 0 and columns are
characters. No Textual here: the project search screen runs :meth:`ProjectSearch.run` on a
worker thread and calls :meth:`ProjectSearch.cancel` from the UI thread.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from typing import Iterator, NamedTuple

from .project_files import list_files
from .search import Query

MAX_RESULTS = 10_000  # then the search stops and says so
MAX_LINE = 400  # characters of a matching line kept for the list
MAX_FILE_BYTES = 8 << 20  # the Python search skips bigger files (ripgrep does not)


class LineMatch(NamedTuple):
    path: str  # relative to the root, "/"-separated
    line: int  # 0-based
    text: str  # the line without its ending, cut to MAX_LINE characters
    spans: tuple[tuple[int, int], ...]  # character columns of the matches in ``text``


def ripgrep_binary() -> str | None:
    """The ``rg`` of the ``ripgrep`` package (beside this interpreter), else one on PATH."""
    here = Path(sys.executable).parent / ("rg.exe" if os.name == "nt" else "rg")
    if here.is_file() and os.access(here, os.X_OK):
        return str(here)
    return shutil.which("rg")


class ProjectSearch:
    """One search of ``root`` for ``query``; iterate :meth:`run` on a worker thread."""

    def __init__(self, root: str | os.PathLike, query: Query, rg: str | None = None, limit: int = MAX_RESULTS) -> None:
        self.root = os.fspath(root)
        self.query = query
        self.pattern = query.compile()  # raises QueryError: checked before anything starts
        self.rg = rg if rg is not None else ripgrep_binary()
        self.limit = limit
        self.engine = "ripgrep" if self.rg else "python"
        self.note = ""  # one line for the user: why Python searched, or that results were cut
        self.count = 0
        self.stamps: dict[str, tuple[int, int]] = {}  # path -> (mtime_ns, size) when first matched
        self._cancel = threading.Event()
        self._proc: subprocess.Popen | None = None

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def cancel(self) -> None:
        """Stop now (from any thread): ripgrep is killed, the Python search stops at the next file."""
        self._cancel.set()
        proc = self._proc
        if proc is not None and proc.poll() is None:
            try:
                proc.kill()
            except OSError:
                pass

    def run(self) -> Iterator[LineMatch]:
        if self.pattern is None:
            return
        if self.rg:
            rejected = yield from self._stream(self.rg_args())
            if not rejected:
                return
            self.engine = "python"
            self.note = f"ripgrep: {rejected}; searched with Python"
        failed = yield from self._stream(self.python_args())
        if failed:
            self.note = f"Python search: {failed}"

    def _stamp(self, path: str) -> None:
        if path not in self.stamps:
            try:
                st = os.stat(os.path.join(self.root, path))
                self.stamps[path] = (st.st_mtime_ns, st.st_size)
            except OSError:
                self.stamps[path] = (0, -1)

    def _found(self, match: LineMatch) -> bool:
        """Count a match; False once the limit is reached."""
        self._stamp(match.path)
        self.count += 1
        if self.count >= self.limit:
            self.note = f"stopped at the first {self.limit:,} matches"
            self.cancel()
            return False
        return True

    # -- ripgrep ------------------------------------------------------------------------

    def rg_args(self) -> list[str]:
        q = self.query
        args = [self.rg or "rg", "--json", "--no-messages", "--hidden", "--glob", "!.git/", "--no-config"]
        args.append("--ignore-case" if q.ignores_case() else "--case-sensitive")
        if not q.regex:
            args.append("--fixed-strings")
        args += ["--regexp", q.text, "--", "."]
        return args

    def python_args(self) -> list[str]:
        """The Python search in a child process: in a thread it would hold the GIL the UI
        thread needs for every event (typing would wait most of a second per key)."""
        q = self.query
        return [sys.executable, "-m", "nxedit.editor.find.python_search", "--regex" if q.regex else "--literal",
                "--case" if not q.ignores_case() else "--ignore-case", "--", q.text]

    def _stream(self, args: list[str]):
        """Stream the matches of ``rg --json`` (or the Python search, which speaks the same);
        returns the complaint when it rejected the pattern or could not start."""
        try:
            proc = self._proc = subprocess.Popen(
                args, cwd=self.root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL
            )
        except OSError as exc:
            return f"cannot start ({exc.strerror or exc})"
        if self._cancel.is_set():
            proc.kill()
        try:
            for raw in proc.stdout:
                if self._cancel.is_set():
                    break
                match = _parse_rg_line(raw)
                if match is None:
                    continue
                yield match
                if not self._found(match):
                    break
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.stdout.close()
            err = proc.stderr.read().decode("utf-8", "replace")
            proc.stderr.close()
            proc.wait()
        if proc.returncode == 2 and self.count == 0 and not self._cancel.is_set() and "regex" in err:
            return _last_error_line(err)
        return None



def search_files(root: str, pattern: re.Pattern[str], cancel: threading.Event | None = None) -> Iterator[LineMatch]:
    """The pure-Python search (run by :mod:`python_search` in a child process): the
    project's files (:func:`list_files`), line by line, binary and huge files skipped."""
    for batch in list_files(root, cancel):
        for path in batch:
            if cancel is not None and cancel.is_set():
                return
            text = _read_text(os.path.join(root, path))
            if text is None or not pattern.search(text):
                continue
            for number, line in enumerate(text.split("\n")):
                line = line.removesuffix("\r")
                spans = tuple(m.span() for m in pattern.finditer(line) if m.end() > m.start())
                if spans:
                    yield LineMatch(path, number, line, spans)


def _read_text(path: str) -> str | None:
    """A file's text for searching; None for binary, unreadable or very large files."""
    try:
        if os.path.getsize(path) > MAX_FILE_BYTES:
            return None
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return None
    if b"\0" in data[:8192]:
        return None
    return data.decode("utf-8", "replace")


def _cut(match: LineMatch) -> LineMatch:
    if len(match.text) <= MAX_LINE:
        return match
    spans = tuple((a, min(b, MAX_LINE)) for a, b in match.spans if a < MAX_LINE)
    return match._replace(text=match.text[:MAX_LINE], spans=spans)


def _parse_rg_line(raw: bytes) -> LineMatch | None:
    """A ``match`` message of ``rg --json`` as a LineMatch (byte offsets become columns)."""
    if not raw.startswith(b'{"type":"match"'):
        return None
    try:
        data = json.loads(raw)["data"]
        path = _rg_text(data["path"])
        line_bytes = _rg_bytes(data["lines"])
        number = data["line_number"] - 1
        byte_spans = [(s["start"], s["end"]) for s in data["submatches"] if s["end"] > s["start"]]
    except (ValueError, KeyError, TypeError):
        return None
    if not byte_spans:
        return None
    text = line_bytes.decode("utf-8", "replace").rstrip("\r\n")
    if line_bytes.isascii():
        spans = tuple(byte_spans)
    else:
        spans = tuple((len(line_bytes[:a].decode("utf-8", "replace")), len(line_bytes[:b].decode("utf-8", "replace")))
                      for a, b in byte_spans)
    if path.startswith("./"):
        path = path[2:]
    return _cut(LineMatch(path.replace(os.sep, "/"), number, text, spans))


def _rg_text(field: dict) -> str:
    if "text" in field:
        return field["text"]
    return os.fsdecode(base64.b64decode(field["bytes"]))


def _rg_bytes(field: dict) -> bytes:
    if "text" in field:
        return field["text"].encode("utf-8")
    return base64.b64decode(field["bytes"])


def _last_error_line(err: str) -> str:
    """ripgrep's reason, one line: its last non-empty line ("error: look-around ... not supported")."""
    lines = [line.strip() for line in err.splitlines() if line.strip()]
    reason = lines[-1] if lines else "rejected the pattern"
    return re.sub(r"^error:\s*", "", reason)
