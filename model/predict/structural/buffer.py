"""The buffer a prediction is made for: lines, offsets and tokens, computed lazily."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator
from itertools import accumulate

from nxedit.model.text.plain import split_lines, strip_eol
from .lexer import DOLLAR_LANGUAGES, Token, tokenize, word_regex
from .syntax import Syntax, grammar_for


class Buffer:
    """``current`` of a request, seen as lines. Tokens are made per line on demand."""

    def __init__(self, text: str, language: str, path: str = ""):
        self.text = text
        self.language = language
        self.path = path
        self.lines = split_lines(text)
        self.grammar = grammar_for(language, path)
        self.dollar = (self.grammar or language) in DOLLAR_LANGUAGES
        self._starts: list[int] | None = None
        self._tokens: dict[int, list[Token]] = {}
        self._syntax: Syntax | None = None
        self._containing: dict[str, list[int]] = {}

    def __len__(self) -> int:
        return len(self.lines)

    def line_text(self, i: int) -> str:
        return strip_eol(self.lines[i]) if 0 <= i < len(self.lines) else ""

    def line_start(self, i: int) -> int:
        """Character offset of line ``i`` (``len(text)`` past the end)."""
        if self._starts is None:
            self._starts = [0, *accumulate(map(len, self.lines))]
        return self._starts[min(i, len(self.lines))]

    def tokens(self, i: int) -> list[Token]:
        """Tokens of line ``i`` with columns as offsets."""
        if i not in self._tokens:
            self._tokens[i] = tokenize(self.line_text(i), self.dollar)
        return self._tokens[i]

    def line_of(self, offset: int) -> int:
        """The line holding character ``offset``."""
        self.line_start(0)
        return max(0, bisect_right(self._starts, offset) - 1)

    def lines_containing(self, needle: str) -> list[int]:
        """Sorted lines whose text contains ``needle`` (one C-speed scan of the text, cached)."""
        if needle not in self._containing:
            found, text, at = [], self.text, self.text.find(needle)
            while at != -1:
                line = self.line_of(at)
                found.append(line)
                at = text.find(needle, self.line_start(line + 1))
            self._containing[needle] = found
        return self._containing[needle]

    def occurrences(self, name: str) -> Iterator[tuple[int, int, int]]:
        """(line, start, end) of every whole-word ``name``, top down, found lazily."""
        regex = word_regex(name, self.dollar)  # (compiled once for all the lines)
        for line in self.lines_containing(name):
            for m in regex.finditer(self.line_text(line)):
                yield line, m.start(), m.end()

    def occurrences_on(self, line: int, name: str) -> Iterator[tuple[int, int]]:
        """(start, end) of every whole-word ``name`` on ``line``."""
        for m in word_regex(name, self.dollar).finditer(self.line_text(line)):
            yield m.start(), m.end()

    def definition_lines(self, name: str) -> Iterator[int]:
        """Lines where ``name`` is the name of a definition (function, class, type, field,
        import; not a local variable), top down, found lazily. None without a grammar."""
        syntax = self.syntax
        if syntax is None:
            return
        last = None
        for line, start, end in self.occurrences(name):
            if line != last and syntax.is_definition(syntax.declaration_kind(syntax.node_at(line, start, end))):
                last = line
                yield line

    @property
    def syntax(self) -> Syntax | None:
        """The parse tree helper, or None for languages without a grammar."""
        if self._syntax is None and self.grammar is not None:
            self._syntax = Syntax(self.text, self.lines, self.grammar)
        return self._syntax
