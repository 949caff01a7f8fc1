"""Where a line sits (which function) and whether a name can be seen there.

Two questions the behaviours and the ranker ask of a target before they replay an edit:
is it in the function the user is editing (an edit seen once belongs to its own function;
look-alike code in another function or test is usually left alone), and does every name
the replayed text writes exist at the target (a parameter of the example's function is
not defined in another function: the result would not compile).
"""

from __future__ import annotations

import re

from .context import Context
from .lexer import DEFINITION, IDENT, KEYWORDS, after_access, tokenize, word_regex

# names every program may use without defining them in the file (builtins, preludes)
BUILTINS = frozenset("""
print len range str int float bool dict list set tuple type isinstance issubclass super object Exception
ValueError TypeError KeyError IndexError RuntimeError NotImplementedError StopIteration AttributeError
OSError getattr setattr hasattr sorted reversed enumerate zip map filter min max sum any all abs open iter
next repr id hash callable staticmethod classmethod property format vars bytes bytearray frozenset
Some Ok Err Vec String Box Option Result format println eprintln vec assert assert_eq assert_ne panic
write writeln matches unreachable todo Default Clone Debug Copy PartialEq Eq Hash Into From usize isize
u8 u16 u32 u64 i8 i16 i32 i64 f32 f64 str char
make append cap copy delete error string byte rune uint uint8 int64 int32 float64 nil recover
undefined console Promise Array Object Number Boolean Error Map Set JSON Math Date Symbol RegExp
""".split())


def _outer_function(ctx: Context, line: int):
    syntax = ctx.buf.syntax
    if syntax is None or not 0 <= line < len(ctx.buf.lines):
        return None
    text = ctx.buf.line_text(line)
    col = len(text) - len(text.lstrip())
    functions = syntax.functions_around(syntax.node_at(line, col, max(col + 1, len(text))))
    return functions[-1] if functions else None


def function_span(ctx: Context, line: int) -> tuple[int, int] | None:
    """The (first, last) line of the outermost function around ``line``; None outside any
    function or without a grammar."""
    outer = _outer_function(ctx, line)
    return None if outer is None else (outer.start_point[0], outer.end_point[0])


def same_function(ctx: Context, a: int, b: int) -> bool | None:
    """Whether lines ``a`` and ``b`` are in the same outermost function (None: neither is in one)."""
    fa, fb = function_span(ctx, a), function_span(ctx, b)
    if fa is None and fb is None:
        return None
    return fa == fb


def unresolved_names(ctx: Context, old_text: str, new_text: str, target: int, skip: range = range(0)) -> list[str]:
    """Names ``new_text`` writes at line ``target`` (that ``old_text`` did not have) which
    are a parameter or local of another function and not visible at the target (used in
    its function or at the top level). A name the file never declares (a global from
    elsewhere, a keyword argument's name) is not judged; neither are members (``x.name``)."""
    if ctx.buf.syntax is None:
        return []
    dollar = ctx.buf.dollar
    before = {t.text for t in tokenize(old_text, dollar) if t.kind == IDENT}
    tokens = tokenize(new_text, dollar)
    out = []
    here = function_span(ctx, target)
    declared = _declared(new_text)
    for i, t in enumerate(tokens):
        name = t.text
        if t.kind != IDENT or name in before or name in KEYWORDS or name in BUILTINS or name in out:
            continue
        if name in declared:
            continue  # the text declares it itself (a parameter): nothing to see at the target
        if i > 0 and tokens[i - 1].text in (".", ">") and tokens[i - 1].end == t.start:
            continue  # a member: its object knows it
        if string_prefix(tokens, i):
            continue  # `b'...'`, `r"..."`: part of a literal, not a name
        if _local_elsewhere(ctx, name, here, skip):
            out.append(name)
    return out


# a parameter (or field) in a list, one a line: `name: T = v,` / `name: T,`; a local assigned
# inside the text is not exempt (a block that declares locals is a refactor of its own function)
_PARAMETER = re.compile(r"^\s*([^\W\d][\w$]*)\s*:(?!:).*,\s*$")


_FUNCTIONS = frozenset(("def", "fn", "func", "function"))  # headers whose parentheses hold parameters
_PREFIXES = frozenset("b r u f br rb fr rf".split())  # Python's and Rust's string prefixes


def _declared(text: str) -> set[str]:
    """Names the lines of ``text`` declare: parameters or fields of a list, and the parameters
    of a function header it holds (``func padRight(..., r rune) ... { pad(..., r)``)."""
    out = set()
    for line in text.splitlines():
        if m := _PARAMETER.match(line):
            out.add(m.group(1))
        if (m := DEFINITION.match(line)) and m["kind"] in _FUNCTIONS:  # (and a Go receiver)
            for params in re.findall(r"\(([^()]*)\)", line):
                out.update(t.text for t in tokenize(params) if t.kind == IDENT)
    return out


def string_prefix(tokens, i: int) -> bool:
    """Whether token ``i`` is a string literal's prefix: a short letter run right before its quote."""
    t = tokens[i]
    nxt = tokens[i + 1] if i + 1 < len(tokens) else None
    return (t.text.lower() in _PREFIXES and nxt is not None and nxt.start == t.end
            and nxt.text[:1] in ("'", '"'))


def _local_elsewhere(ctx: Context, name: str, here: tuple[int, int] | None, skip: range) -> bool:
    """Whether ``name`` is only seen inside functions other than ``here``, one of which declares it."""
    buf, syntax = ctx.buf, ctx.buf.syntax
    regex = word_regex(name, buf.dollar)
    others = {}
    for line in buf.lines_containing(name):
        if line in skip:
            continue
        text = buf.line_text(line)
        for m in regex.finditer(text):
            if after_access(text[: m.start()]):
                continue  # `x.name` does not define `name`
            outer = _outer_function(ctx, line)
            if outer is None or (outer.start_point[0], outer.end_point[0]) == here:
                return False
            others[outer.start_byte] = outer
    return any(syntax.declaring_lines(f, name) for f in others.values())
