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

# A definition's header line: its modifiers, the keyword of its kind, and the name it defines
# where one follows (`pub(crate) async fn load`, `export default function* gen`, `func (s *Server)
# Run`; `impl<T> Trait for X` names none). The behaviours that look for definitions all read this
# one pattern, each keeping the kinds it knows.
DEFINITION = re.compile(
    r"^\s*(?:(?:pub(?:\([^)]*\))?|export|default|async|static|public|private|protected|abstract|unsafe|const|"
    r"extern(?:\s+\"[^\"]*\")?)\s+)*"
    r"(?P<kind>def|class|fn|func|function|struct|enum|trait|interface|type|impl)\b"
    r"(?:(?<=func)\s*\([^)]*\))?(?:(?<=function)\s*\*)?(?:\s+(?P<name>[^\W\d][\w$]*))?")

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


def after_access(before: str, accessors: tuple[str, ...] = (".", "?.")) -> bool:
    """Whether the text ``before`` a name ends in a member access or a path (``obj.``; C's ``p->``
    where the caller asks), not in a spread or rest (``...args``) or a Rust range (``0..len``):
    those name variables; nor after ``->``, which opens a Python or Rust return type."""
    before = before.rstrip()
    return before.endswith(accessors) and not before.endswith("..")


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

# Each language's own reserved words (and self-names): what is a keyword in one language is an
# everyday name in another (`mod`, `type`, `match`, `ref`, `use` are Rust's words and Python
# variables), so a rename decides with the file's own language; other steps use the union.
_JS = """break case catch class const continue debugger default delete do else export extends false finally
for function if import in instanceof new null return super switch this throw true try typeof var void while
with yield let static await async of from"""
_LANGUAGE_KEYWORDS = {
    "python": frozenset("""False None True and as assert async await break class continue def del elif else
        except finally for from global if import in is lambda nonlocal not or pass raise return try while with
        yield self""".split()),
    "rust": frozenset("""as async await break const continue crate dyn else enum extern false fn for if impl in
        let loop match mod move mut pub ref return self Self static struct super trait true type unsafe use
        where while""".split()),
    "go": frozenset("""break case chan const continue default defer else fallthrough for func go goto if import
        interface map package range return select struct switch type var nil true false""".split()),
    "javascript": frozenset(_JS.split()),
    "typescript": frozenset((_JS + " enum implements interface private protected public type as").split()),
}
_LANGUAGE_KEYWORDS["tsx"] = _LANGUAGE_KEYWORDS["typescript"]


# Each language's built-in type names. One swapped at a declaration (`statusCode: number` ->
# `statusCode: StatusCode`, `threshold: u64` -> `i64`, `list[str]` -> `Collection[str]`) changes
# that declaration's type: it is not a name being renamed, and rippled like one it would rewrite
# every other use of the built-in type (train cases of got, rand and starlette: wrong each time)
_BUILTIN_TYPES = {
    "python": frozenset("int float complex str bytes bytearray bool dict list set frozenset tuple object".split()),
    "rust": frozenset("""u8 u16 u32 u64 u128 usize i8 i16 i32 i64 i128 isize f32 f64 bool char str String""".split()),
    "go": frozenset("""bool string int int8 int16 int32 int64 uint uint8 uint16 uint32 uint64 uintptr byte rune
        float32 float64 complex64 complex128 error any""".split()),
    "typescript": frozenset("number string boolean bigint symbol object any unknown never undefined void".split()),
}
_BUILTIN_TYPES["tsx"] = _BUILTIN_TYPES["typescript"]


def builtin_types_of(language: str) -> frozenset[str]:
    """``language``'s built-in type names (none for a language not listed)."""
    return _BUILTIN_TYPES.get(language, frozenset())


def squash(text: str) -> str:
    """``text`` without its white space: lines compared with their spacing aside."""
    return "".join(text.split())


def token_shape(tokens: list[Token]) -> tuple[str, ...]:
    """The tokens with every name, number and string one mark (``\\0``); punctuation and
    keywords as they are: the construct a line is, whatever it names."""
    return tuple(t.text if t.kind == PUNCT or t.text in KEYWORDS else "\0" for t in tokens)


def keywords_of(language: str) -> frozenset[str]:
    """``language``'s keywords; for a language not listed, those of all of them."""
    return _LANGUAGE_KEYWORDS.get(language, KEYWORDS)
