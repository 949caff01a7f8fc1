"""Pygments highlighting for files no bundled grammar covers.

Choosing a lexer: by file name from an index of Pygments' own name patterns (building it
reads Pygments' table without importing any lexer; the stock lookup compiles ~900 globs on
its first call, ~65 ms), then by the ``#!`` interpreter, then by content in the
background (``guess_lexer`` imports every lexer module: ~100 ms).

Keeping colours cheap per keystroke: Pygments cannot lex incrementally and lexing a large
file takes seconds (~30 µs a line), so the whole file is lexed on a background thread once
typing pauses (:attr:`PygmentsHighlighter.QUIET`). Meanwhile every edit drops the spans
of the lines it touched (other lines keep theirs, shifted with the edit), and visible
lines without spans are lexed on the UI thread on their own, from the lexer's initial
state (tens of µs a line). The trade-off: for a moment after an edit that opens or closes
a multi-line construct (a block comment, a long string), lines below keep their old
colours; the background lex corrects them.
"""

from __future__ import annotations

import fnmatch
import re
from functools import lru_cache
from itertools import accumulate, chain
from pathlib import PurePath

from nxedit.model.text.document import Change, Document
from nxedit.model.text.plain import strip_eol

from .base import PLAIN_TEXT, BackgroundHighlighter, Span

# lines longer than this are left to the background lex (lexing one costs too much per key)
LOCAL_LEX_MAX_CHARS = 10_000
SAMPLE_CHARS = 8192  # what lexer choice reads of a file


def content_sample(doc: Document) -> str:
    """The start of a document, for choosing a lexer."""
    return "".join(doc.lines[:400])[:SAMPLE_CHARS]

# Pygments lexer name -> (line comment, block comment), for the comment toggle
COMMENTS: dict[str, tuple[str | None, tuple[str, str] | None]] = {}
for _names, _tokens in (
    (("Lua", "Luau", "MoonScript"), ("--", ("--[[", "]]"))),
    (("SQL", "MySQL", "PostgreSQL SQL dialect", "PL/pgSQL", "SQLite3con", "Transact-SQL", "PL/SQL"), ("--", ("/*", "*/"))),
    (("Haskell", "Literate Haskell", "Elm", "PureScript", "Idris", "Agda", "Lean", "Lean4"), ("--", ("{-", "-}"))),
    (("Ada", "VHDL", "Eiffel", "AppleScript"), ("--", None)),
    (("Common Lisp", "Scheme", "Clojure", "ClojureScript", "EmacsLisp", "Racket", "Fennel", "Hy", "Janet"), (";", None)),
    (("NASM", "INI", "Ini", "Asymptote"), (";", None)),
    (("VimL",), ('"', None)),
    (("Erlang", "Elixir iex session", "TeX", "LaTeX", "Matlab", "Octave", "Prolog", "Logtalk", "BibTeX"), ("%", None)),
    (
        (
            "Makefile", "Base Makefile", "Docker", "Dockerfile", "R", "S", "Perl", "Perl6", "Raku", "Nim", "Nimrod",
            "CMake", "Nginx configuration file", "ApacheConf", "Tcl", "Awk", "Gawk", "Fish", "Properties",
            "Meson", "GDScript", "CoffeeScript", "Crystal", "Elixir", "GraphQL", "Nix", "Python 2.x",
            "Bash Session", "Zeek", "Puppet", "Singularity", "Cython", "Starlark", "Gnuplot", "Sed", "Tcsh",
            "Git config", "Hosts", "Desktop file", "Systemd", "Jinja", "Gitignore", "Diff",
        ),
        ("#", None),
    ),
    (("Julia",), ("#", ("#=", "=#"))),
    (("PowerShell",), ("#", ("<#", "#>"))),
    (("Terraform", "HCL"), ("#", ("/*", "*/"))),
    (
        (
            "Kotlin", "Swift", "Scala", "Dart", "C#", "PHP", "Objective-C", "Objective-C++", "Groovy", "D", "Zig",
            "Protocol Buffer", "GLSL", "HLSL", "Solidity", "verilog", "systemverilog", "Go", "F#", "V", "Odin",
            "Vala", "Haxe", "ActionScript", "ActionScript 3", "Ceylon", "Pony", "Thrift", "QML", "Processing",
            "CUDA", "OpenCL", "Arduino", "Rust", "Java", "JavaScript", "TypeScript", "Less", "SCSS", "Sass",
            "Stylus", "Smali", "Gleam", "Carbon", "Apex", "X10",
        ),
        ("//", ("/*", "*/")),
    ),
    (("Pascal", "Delphi", "Component Pascal"), ("//", ("{", "}"))),
    (("OCaml", "Standard ML", "Coq", "Isabelle", "Modula-2", "Mathematica"), (None, ("(*", "*)"))),
    (("XML", "XSLT", "SVG", "HTML+Jinja", "Genshi", "Vue", "Svelte", "Markdown", "reStructuredText"), (None, ("<!--", "-->"))),
    (("Fortran", "FortranFixed"), ("!", None)),
    (("Batchfile",), ("REM", None)),
    (("VB.net", "VBScript", "QBasic"), ("'", None)),
    (("Forth",), ("\\", ("(", ")"))),
    (("Racket",), (";", ("#|", "|#"))),
):
    for _name in _names:
        COMMENTS[_name] = _tokens


def _scopes():
    from pygments import token as t

    return {
        t.Keyword: "keyword",
        t.Keyword.Constant: "constant.builtin",
        t.Keyword.Type: "type.builtin",
        t.Name.Builtin: "function.builtin",
        t.Name.Builtin.Pseudo: "variable.builtin",
        t.Name.Function: "function",
        t.Name.Class: "type",
        t.Name.Exception: "type",
        t.Name.Namespace: "type",
        t.Name.Decorator: "attribute",
        t.Name.Constant: "constant",
        t.Name.Variable: "variable",
        t.Name.Variable.Magic: "variable.builtin",
        t.Name.Attribute: "attribute",
        t.Name.Property: "property",
        t.Name.Tag: "tag",
        t.Name.Label: "label",
        t.Name.Entity: "constant",
        t.Name: None,
        t.Literal: "constant",
        t.String: "string",
        t.String.Escape: "escape",
        t.String.Interpol: "punctuation.special",
        t.String.Regex: "string.special.regex",
        t.String.Symbol: "string.special.symbol",
        t.Number: "number",
        t.Operator: "operator",
        t.Operator.Word: "keyword.operator",
        t.Punctuation: "punctuation",
        t.Comment: "comment",
        t.Comment.Preproc: "keyword.directive",
        t.Comment.PreprocFile: "string",
        t.Generic.Heading: "text.title",
        t.Generic.Subheading: "text.title",
        t.Generic.Emph: "text.emphasis",
        t.Generic.Strong: "text.strong",
        t.Generic.Inserted: "diff.plus",
        t.Generic.Deleted: "diff.minus",
        t.Generic.Error: "error",
        t.Generic.Traceback: "error",
        t.Generic.Prompt: "keyword",
        t.Error: "error",
        t.Token: None,
    }


_SCOPES: dict | None = None


def scope_for(ttype) -> str | None:
    """The scope name a Pygments token type is coloured as (its nearest mapped ancestor)."""
    global _SCOPES
    if _SCOPES is None:
        _SCOPES = _scopes()
    scopes = _SCOPES
    found = scopes.get(ttype, ...)
    if found is ...:
        walk = ttype
        while walk not in scopes:
            walk = walk.parent
        found = scopes[ttype] = scopes[walk]
    return found


# -- choosing a lexer -------------------------------------------------------------------


@lru_cache(maxsize=1)
def _filename_index():
    """Pygments' file name patterns: exact names, "*.ext" suffixes, and the few other globs."""
    from pygments.lexers import get_all_lexers

    names: dict[str, list[str]] = {}
    suffixes: dict[str, list[str]] = {}
    globs: list[tuple[str, str]] = []
    for name, _aliases, patterns, _mimes in get_all_lexers(plugins=False):
        for pattern in patterns:
            if not re.search(r"[*?\[\]]", pattern):
                names.setdefault(pattern, []).append(name)
            elif re.fullmatch(r"\*\.[^*?\[\]]+", pattern):
                suffixes.setdefault(pattern[1:], []).append(name)
            else:
                globs.append((pattern, name))
    return names, suffixes, globs


def _candidates(filename: str) -> list[str]:
    names, suffixes, globs = _filename_index()
    if filename in names:
        return names[filename]
    parts = filename.split(".")
    for i in range(1, len(parts)):  # longest suffix first: ".tar.gz" before ".gz"
        suffix = "." + ".".join(parts[i:])
        found = suffixes.get(suffix) or suffixes.get(suffix.lower())
        if found:
            return found
    return [name for pattern, name in globs if fnmatch.fnmatchcase(filename, pattern)]


def lexer_for(path: str | None, sample: str):
    """A Pygments lexer for the file, from its name or ``#!`` line; None when neither says
    (plain text files included)."""
    from pygments.lexers import find_lexer_class, get_lexer_by_name
    from pygments.util import ClassNotFound

    if path:
        found = [c for c in map(find_lexer_class, _candidates(PurePath(path).name)) if c is not None]
        if len(found) > 1:  # the content's score, the lexer's priority, then the plainest name
            found.sort(key=lambda cls: (-(cls.analyse_text(sample) if sample else 0.0), -cls.priority, len(cls.name)))
        if found:
            return None if found[0].name == "Text only" else found[0]()
    if sample.startswith("#!"):
        words = sample[2:].split("\n", 1)[0].split()
        if words:
            prog = words[0].rsplit("/", 1)[-1]
            if prog == "env" and len(words) > 1:
                prog = words[1] if not words[1].startswith("-") else words[-1]
            for name in (prog, prog.rstrip("0123456789.")):
                try:
                    return get_lexer_by_name(name)
                except ClassNotFound:
                    continue
    return None


def guess_lexer_for(sample: str):
    """Pygments' content guess, or None when it finds nothing better than plain text."""
    from pygments.lexers import guess_lexer
    from pygments.util import ClassNotFound

    if not sample.strip():
        return None
    try:
        lexer = guess_lexer(sample)
    except ClassNotFound:
        return None
    return None if lexer.name == "Text only" else lexer


# -- lexing ---------------------------------------------------------------------------


def lex_lines(lexer, lines: list[str]) -> list[list[Span]]:
    """Spans for each of ``lines`` (with endings), lexed as one text from the initial state."""
    out: list[list[Span]] = [[] for _ in lines]
    if not lines:
        return out
    starts = list(accumulate(map(len, lines), initial=0))
    sizes = [len(strip_eol(line)) for line in lines]
    row = 0
    last = len(lines) - 1
    for index, ttype, value in lexer.get_tokens_unprocessed("".join(lines)):
        scope = scope_for(ttype)
        end = index + len(value)
        while row < last and starts[row + 1] <= index:
            row += 1
        if scope is None:
            continue
        r = row
        while True:
            base = starts[r]
            a, b = max(index, base) - base, min(end, base + sizes[r]) - base
            if a < b:
                spans = out[r]
                if spans and spans[-1][1] == a and spans[-1][2] == scope:
                    spans[-1] = (spans[-1][0], b, scope)
                else:
                    spans.append((a, b, scope))
            if r == last or starts[r + 1] >= end:
                break
            r += 1
    return out


class PygmentsHighlighter(BackgroundHighlighter):
    """Highlights with a Pygments lexer; without one, it first guesses one from
    ``guess_sample`` on its background thread (plain text if that finds nothing)."""

    QUIET = 0.3  # seconds of no typing before the whole file is lexed again

    def __init__(self, doc: Document, lexer=None, *, guess_sample: str | None = None) -> None:
        super().__init__(doc, "nxedit-lex", quiet=self.QUIET)
        self._lexer = None
        self._set_lexer(lexer)
        self._guess_sample = guess_sample if lexer is None else None
        self._spans: list[list[Span] | None] = [None] * doc.line_count

    def _set_lexer(self, lexer) -> None:
        self._lexer = lexer
        if lexer is None:
            self.language, self.line_comment, self.block_comment = PLAIN_TEXT, None, None
        else:
            self.language = lexer.name
            self.line_comment, self.block_comment = COMMENTS.get(lexer.name, (None, None))

    # -- UI thread ------------------------------------------------------------------

    def on_changes(self, changes: list[Change]) -> None:
        if not changes:
            return
        with self._lock:
            self.version += 1
            for c in changes:  # last first, each in the coordinates just before it
                splice = (c.start_line, c.deleted.count("\n"), c.inserted.count("\n"))
                _splice(self._spans, splice)
                if self._busy:
                    self._replay.append(splice)
            if self._started:
                self._take_snapshot(changes)
            self._seen_version = self.doc.version
        if self._started:
            self._job.poke()

    def _window(self, first: int, last: int) -> list[list[Span]]:
        doc = self.doc
        self._start()
        if doc.version != self._seen_version:  # changed without on_changes: start over
            with self._lock:
                self._spans = [None] * doc.line_count
                self._take_snapshot()
                self.version += 1
            self._job.poke(now=True)
        with self._lock:
            spans, lexer = self._spans, self._lexer
        if lexer is not None:
            row = first
            while row < last:  # lex runs of visible lines that have no spans yet
                if spans[row] is not None:
                    row += 1
                    continue
                stop = row + 1
                while stop < last and spans[stop] is None:
                    stop += 1
                lines = doc.lines[row:stop]
                if max(map(len, lines)) <= LOCAL_LEX_MAX_CHARS:
                    spans[row:stop] = lex_lines(lexer, lines)
                row = stop
        self._kick_first_run()
        return [spans[row] or [] for row in range(first, last)]

    # -- lexer thread ---------------------------------------------------------------

    def _compute(self, snapshot, _state):
        lexer = self._lexer
        if self._guess_sample is not None:
            lexer = guess_lexer_for(self._guess_sample)
            self._guess_sample = None
        lines = list(chain.from_iterable(snapshot))
        return lexer, (lex_lines(lexer, lines) if lexer is not None else [None] * len(lines))

    def _land(self, result, replay) -> None:
        lexer, spans = result
        if lexer is not self._lexer:
            self._set_lexer(lexer)
        for splice in replay:
            _splice(spans, splice)
        self._spans = spans


def _splice(spans: list, splice: tuple[int, int, int]) -> None:
    # the lines a change touched lose their spans; lines after it move with it
    line, removed, added = splice
    spans[line : line + removed + 1] = [None] * (added + 1)
