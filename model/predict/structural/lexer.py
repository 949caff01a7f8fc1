"""Lexical tokens: identifiers, numbers and single non-space characters, with offsets.

This is the token stream edits are diffed and matched on. It is the same lexical view the
benchmark uses to judge "the same edit" (whitespace ignored, strings and comments split
into words), it works for any language, and it costs one regex scan of the text it is
given. Tree-sitter (``syntax.py``) adds what this cannot know: which tokens are code,
which are inside strings or comments, and which scope a name belongs to.
"""

from __future__ import annotations

import re
from typing import NamedTuple

IDENT, NUMBER, PUNCT = "ident", "number", "punct"

_NUMBER = r"(?P<number>\d\w*(?:\.\d\w*)*)"  # 42, 0x1F, 1.36, 1e9 (not the `..` of a range)
_PLAIN = re.compile(rf"(?P<ident>[^\W\d]\w*)|{_NUMBER}|(?P<punct>\S)")
_DOLLAR = re.compile(rf"(?P<ident>(?:[^\W\d]|\$)[\w$]*)|{_NUMBER}|(?P<punct>\S)")
_WORD = {False: re.compile(r"[^\W\d]\w*"), True: re.compile(r"(?:[^\W\d]|\$)[\w$]*")}

DOLLAR_LANGUAGES = frozenset({"javascript", "typescript", "tsx"})  # `$` is a letter there


class Token(NamedTuple):
    text: str
    kind: str  # IDENT, NUMBER or PUNCT
    start: int  # character offsets in the text that was tokenized
    end: int


def tokenize(text: str, dollar: bool = False, offset: int = 0) -> list[Token]:
    """All tokens of ``text``; offsets are shifted by ``offset``."""
    regex = _DOLLAR if dollar else _PLAIN
    return [Token(m.group(), m.lastgroup, m.start() + offset, m.end() + offset) for m in regex.finditer(text)]


def is_word(text: str, dollar: bool = False) -> bool:
    return _WORD[dollar].fullmatch(text) is not None


def word_regex(word: str, dollar: bool = False) -> re.Pattern:
    """A regex finding ``word`` as a whole token (not inside a longer identifier)."""
    letters = r"\w$" if dollar else r"\w"
    return re.compile(rf"(?<![{letters}]){re.escape(word)}(?![{letters}])")


# Keywords of the languages with special handling: they are structure, never a hole.
KEYWORDS = frozenset("""
and as assert async await break case catch class const continue crate def default defer del dyn elif else
enum except export extends false False finally fn for from func function go goto if impl import in
interface is lambda let loop match mod move mut new nil None nonlocal not null or package pass pub raise
range ref return select self Self static struct super switch this throw trait true True try type typeof
unsafe use var void where while with yield
""".split())
