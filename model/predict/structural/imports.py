"""Automatic import: a name the user just started using, defined elsewhere -> its import line.

Where the name comes from: another open file (``files`` of the request) that defines it,
another file of the project (``exports.py``: the editor's index of them), or the standard
library (Python modules; well-known Go packages and Rust std types).
The import is written in the file's own style (quotes, semicolons, relative or absolute
paths) and put where its imports are (an existing ``from m import a`` line of the same
module gains the name; a Go import block gets the path in order).
"""

from __future__ import annotations

import posixpath
import re
import sys
from typing import NamedTuple

from nxedit.model.text.edits import LineEdit
from .candidates import Candidate
from .context import Context
from .lexer import IDENT, KEYWORDS, after_access, tokenize

SOURCE = "structural:import"
CONFIDENCE = 0.8

GO_STD = {name.rsplit("/", 1)[-1]: name for name in (
    "bufio bytes context crypto/sha256 encoding/base64 encoding/hex encoding/json errors flag fmt io "
    "io/fs log math math/rand net net/http net/url os os/exec os/signal path path/filepath reflect "
    "regexp runtime sort strconv strings sync sync/atomic testing text/template time unicode "
    "unicode/utf8"
).split()}
RUST_STD = {
    **{n: f"std::collections::{n}" for n in ("HashMap", "HashSet", "BTreeMap", "BTreeSet", "VecDeque", "BinaryHeap")},
    **{n: f"std::sync::{n}" for n in ("Arc", "Mutex", "RwLock", "Once")},
    "Rc": "std::rc::Rc", "RefCell": "std::cell::RefCell", "Cell": "std::cell::Cell",
    "PathBuf": "std::path::PathBuf", "Path": "std::path::Path", "Duration": "std::time::Duration",
    "Instant": "std::time::Instant", "Ordering": "std::cmp::Ordering",
}
# names a Python program takes from a standard module: `defaultdict(list)` -> `from collections import defaultdict`
PY_STD_NAMES = {
    **{n: "collections" for n in ("defaultdict", "OrderedDict", "Counter", "deque", "namedtuple", "ChainMap")},
    **{n: "dataclasses" for n in ("dataclass", "field", "asdict", "replace")},
    **{n: "functools" for n in ("partial", "lru_cache", "wraps", "cached_property", "reduce", "total_ordering")},
    **{n: "itertools" for n in ("chain", "groupby", "islice", "product", "permutations", "combinations")},
    **{n: "typing" for n in ("Any", "Optional", "Union", "Callable", "Iterable", "Iterator", "Sequence",
                             "Mapping", "TypeVar", "Generic", "Protocol", "NamedTuple", "TYPE_CHECKING")},
    **{n: "contextlib" for n in ("contextmanager", "suppress", "ExitStack")},
    "Path": "pathlib", "PurePath": "pathlib", "datetime": "datetime", "timedelta": "datetime", "Enum": "enum",
    "IntEnum": "enum", "deepcopy": "copy", "dedent": "textwrap", "ABC": "abc", "abstractmethod": "abc",
    "Decimal": "decimal", "Fraction": "fractions", "UUID": "uuid", "uuid4": "uuid",
}
_PY_DEF = r"^(?:async\s+def|def|class)\s+{n}\b|^{n}\s*(?::[^=\n]*)?="
_RS_DEF = r"^\s*pub(?:\([^)]*\))?\s+(?:async\s+)?(?:fn|struct|enum|trait|type|const|static|mod)\s+{n}\b"
_TS_DEF = (r"^export\s+(?:default\s+)?(?:declare\s+)?(?:async\s+)?(?:abstract\s+)?"
           r"(?:function\*?|const|let|var|class|interface|type|enum)\s+{n}\b")
_EXTENSIONS = {
    "python": (".py", ".pyi"), "rust": (".rs",), "go": (".go",),
    "typescript": (".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs"),
}
_EXTENSIONS["tsx"] = _EXTENSIONS["javascript"] = _EXTENSIONS["typescript"]


class _Written(NamedTuple):
    """Lines the user added (no old lines to diff against): seen like an example's new side."""

    old_tokens: tuple
    new_tokens: tuple
    new: str


def predict(ctx: Context) -> list[Candidate]:
    last = ctx.last
    if last is None or not last.intact or not ctx.examples:
        return []
    ex = ctx.examples[0]
    if ex is None:  # a new line (or lines) typed: every name on it is new
        old, new, _ = last.core()
        if old or not new:
            return []
        ex = _Written((), tuple(tokenize("".join(new), ctx.buf.dollar)), "".join(new))
    language = ctx.buf.grammar or ctx.buf.language
    old_names = {t.text for t in ex.old_tokens}
    top = last.core()[2]
    seen = set()
    for i, t in enumerate(ex.new_tokens):
        if t.kind != IDENT or t.text in old_names or t.text in KEYWORDS or t.text in seen:
            continue
        seen.add(t.text)
        if after_access(ex.new[: t.start], (".", "::")):
            continue  # `typing.Iterator`, `std::fmt::Debug`: a member or a path, its owner is what is imported
        line = last.start + top + ex.new.count("\n", 0, t.start)
        column = t.start - (ex.new.rfind("\n", 0, t.start) + 1)
        if _known_in_file(ctx, t.text) or not _used_in_code(ctx, line, column, len(t.text)):
            continue
        member = i + 1 < len(ex.new_tokens) and ex.new_tokens[i + 1].text in (".", "::")
        edit = _import_edit(ctx, language, t.text, member, ex)
        if edit is not None:
            return [Candidate(edit, SOURCE, CONFIDENCE, language)]
    return []


def _used_in_code(ctx: Context, line: int, column: int, length: int) -> bool:
    """The token is code (not a string, comment, or an import being written)."""
    text = ctx.buf.line_text(line)
    if re.match(r"\s*(?:import|from|use|export)\b", text):
        return False
    syntax = ctx.buf.syntax
    if syntax is None:
        return not re.search(r"//|#|/\*|[\"'`]", text[:column])
    node = syntax.node_at(line, column, column + length)
    if syntax.in_string_or_comment(node):
        return False
    while node is not None:
        if "import" in node.type or node.type == "use_declaration":
            return False
        node = node.parent
    return True


def _known_in_file(ctx: Context, name: str) -> bool:
    """The name is already defined, imported or used outside the user's last edit, in code
    (``:param resource: Path to ...`` in a docstring is no ``Path`` of the program's)."""
    last, syntax = ctx.last, ctx.buf.syntax
    return any(not last.start <= line < last.end
               and (syntax is None or not syntax.in_string_or_comment(syntax.node_at(line, start, end)))
               for line, start, end in ctx.buf.occurrences(name))


def _only_member_uses(ex, name: str) -> bool:
    """Every use of ``name`` in the new text is ``name.something`` (a module, not a variable)."""
    toks = ex.new_tokens
    uses = [i for i, t in enumerate(toks) if t.text == name]
    return all(i + 1 < len(toks) and toks[i + 1].text == "." for i in uses)


def _import_edit(ctx: Context, language: str, name: str, member: bool, ex) -> LineEdit | None:
    if language == "python":
        module, here = _defining_file(ctx, name, _PY_DEF, "python")
        if module is not None:
            return _python_from_import(ctx, _python_module(ctx, module, here), name)
        if member and name in sys.stdlib_module_names and not name.startswith("_") and _only_member_uses(ex, name):
            return _python_import(ctx, name)
        if not member and name in PY_STD_NAMES:
            return _python_from_import(ctx, PY_STD_NAMES[name], name)
    elif language == "rust":
        module, _ = _defining_file(ctx, name, _RS_DEF, "rust")
        path = f"{_rust_module(module)}::{name}" if module is not None else RUST_STD.get(name)
        if path is not None:
            return _after_last(ctx, r"^use\s", f"use {path};\n", r"^(?://!|#!\[)")
    elif language in ("typescript", "tsx", "javascript"):
        module, here = _defining_file(ctx, name, _TS_DEF, "typescript")
        if module is not None:
            return _ts_import(ctx, _ts_specifier(here, module), name)
    elif language == "go" and member and name in GO_STD and _only_member_uses(ex, name):
        return _go_import(ctx, GO_STD[name])
    return None


def _defining_file(ctx: Context, name: str, pattern: str, language: str) -> tuple[str | None, str]:
    """(the file that defines ``name``, this file's path beside it): one of the request's
    files, else one of the project's (both paths then relative to the project's root)."""
    regex = re.compile(pattern.format(n=re.escape(name)), re.M)
    for path, text in sorted(ctx.files.items()):
        if path != ctx.buf.path and path.endswith(_EXTENSIONS[language]) and regex.search(text):
            return path, ctx.buf.path
    exports = ctx.exports
    here = exports.relative(ctx.buf.path) if exports is not None and ctx.buf.path else None
    if here is None:
        return None, ctx.buf.path
    return exports.defining(name, language, exclude=here), here


def _top_lines(ctx: Context, pattern: str) -> list[int]:
    regex = re.compile(pattern)
    return [i for i, ln in enumerate(ctx.buf.lines) if regex.match(ln)]


def _after_last(ctx: Context, pattern: str, text: str, preamble: str) -> LineEdit:
    """Insert after the last top-level line matching ``pattern``, else after the preamble."""
    found = _top_lines(ctx, pattern)
    if found:
        lines = ctx.buf.lines
        at = found[-1] + 1
        depth = lines[found[-1]].count("(") + lines[found[-1]].count("{") - lines[found[-1]].count(")") - lines[found[-1]].count("}")
        while depth > 0 and at < len(lines) and at - found[-1] < 30:
            depth += lines[at].count("(") + lines[at].count("{") - lines[at].count(")") - lines[at].count("}")
            at += 1  # a statement spread over several lines (`from m import (`) ends later
        return LineEdit(at, at, text)
    at = 0
    regex = re.compile(preamble)
    while at < len(ctx.buf.lines) and (regex.match(ctx.buf.lines[at]) or not ctx.buf.lines[at].strip()):
        at += 1
    return LineEdit(at, at, text + ("\n" if at < len(ctx.buf.lines) else ""))


# --- Python -----------------------------------------------------------------------------

def _python_module(ctx: Context, other: str, path: str) -> str:
    here = posixpath.dirname(path)
    parts = posixpath.splitext(other)[0].split("/")
    if parts[-1] == "__init__":
        parts.pop()
    relative = any(ln.startswith("from .") for ln in ctx.buf.lines)
    if relative and posixpath.dirname(other) == here:
        return "." + parts[-1]
    while parts and parts[0] in ("src", "lib", ""):
        parts.pop(0)
    return ".".join(parts)


def _python_from_import(ctx: Context, module: str, name: str) -> LineEdit:
    regex = re.compile(rf"^from\s+{re.escape(module)}\s+import\s+([^()\\#\n]+?)\s*(#.*)?$")
    for i, line in enumerate(ctx.buf.lines):
        m = regex.match(line.rstrip("\r\n"))
        if m:  # the module is imported from already: the name joins that line
            end = len(line.rstrip("\r\n")) if m.group(2) is None else m.start(2)
            body = line[:end].rstrip()
            return LineEdit(i, i + 1, f"{body}, {name}{line[len(body):]}")
    text = f"from {module} import {name}\n"
    if module.split(".")[0] in sys.stdlib_module_names:
        at = _in_standard_block(ctx, module)
        if at is not None:
            return LineEdit(at, at, text)
    return _after_last(ctx, r"^(?:import|from)\s", text, r'^(?:#|"""|\'\'\'|\s)')


def _in_standard_block(ctx: Context, module: str) -> int | None:
    """Where ``from module import x`` goes among the file's standard-library imports: in
    order among their ``from`` lines (after the plain ``import`` lines, as isort and
    reorder-python-imports write them), or None when the file imports nothing standard."""
    lines, block = ctx.buf.lines, []
    for i, line in enumerate(lines):
        m = re.match(r"(?:from|import)\s+([\w.]+)", line)
        if m is None:
            if block and line.strip() and not line.startswith(("#", " ", "\t", ")")):
                break  # the imports are over (code, not a continuation or comment)
            continue
        top = m.group(1).split(".")[0]
        if top != "__future__" and top in sys.stdlib_module_names:
            block.append((i, line.startswith("from"), m.group(1)))
        elif block:
            break  # the next group (third-party, the project's) begins
    if not block:
        return None
    for i, is_from, name in block:
        if is_from and name > module:
            return i
    return block[-1][0] + 1


def _python_import(ctx: Context, module: str) -> LineEdit:
    plain = _top_lines(ctx, r"^import\s+\w")
    for i in plain:  # keep a block of "import x" lines in order
        if ctx.buf.lines[i].split()[1].split(".")[0] > module:
            return LineEdit(i, i, f"import {module}\n")
    if plain:
        return LineEdit(plain[-1] + 1, plain[-1] + 1, f"import {module}\n")
    froms = _top_lines(ctx, r"^from\s")
    if froms:
        at = froms[1] if ctx.buf.lines[froms[0]].startswith("from __future__") and len(froms) > 1 else froms[0]
        return LineEdit(at, at, f"import {module}\n")
    return LineEdit(_after_docstring(ctx), _after_docstring(ctx), f"import {module}\n")


def _after_docstring(ctx: Context) -> int:
    lines = ctx.buf.lines
    at = 0
    while at < len(lines) and (lines[at].startswith("#") or not lines[at].strip()):
        at += 1
    if at < len(lines) and lines[at].lstrip().startswith(('"""', "'''")):
        quote = lines[at].lstrip()[:3]
        if lines[at].count(quote) >= 2:
            return at + 1
        at += 1
        while at < len(lines) and quote not in lines[at]:
            at += 1
        return min(at + 1, len(lines))
    return at


# --- Rust --------------------------------------------------------------------------------

def _rust_module(path: str) -> str:
    parts = posixpath.splitext(path)[0].split("/")
    if "src" in parts:
        parts = parts[parts.index("src") + 1 :]
    if parts and parts[-1] in ("mod", "lib", "main"):
        parts.pop()
    return "::".join(["crate", *parts])


# --- TypeScript / JavaScript -------------------------------------------------------------

def _ts_specifier(here: str, other: str) -> str:
    rel = posixpath.relpath(posixpath.splitext(other)[0], posixpath.dirname(here) or ".")
    if rel.endswith("/index"):
        rel = rel[: -len("/index")]
    return rel if rel.startswith(".") else "./" + rel


def _ts_import(ctx: Context, specifier: str, name: str) -> LineEdit:
    lines = ctx.buf.lines
    existing = _top_lines(ctx, r"^import\s")
    sample = lines[existing[0]] if existing else ""
    quote = "'" if "'" in sample or not sample else '"'
    semi = ";" if sample.rstrip().endswith(";") or not sample else ""
    same = re.compile(rf"^import\s+(?:type\s+)?\{{([^}}]*)\}}\s+from\s+['\"]{re.escape(specifier)}['\"]")
    for i in existing:
        m = same.match(lines[i])
        if m:  # already importing from that module: the name joins the braces
            inner = m.group(1).rstrip()
            spaced = " " if m.group(1).endswith(" ") else ""
            new_line = lines[i][: m.start(1)] + inner + f", {name}{spaced}" + lines[i][m.end(1):]
            return LineEdit(i, i + 1, new_line)
    text = f"import {{ {name} }} from {quote}{specifier}{quote}{semi}\n"
    return _after_last(ctx, r"^import\s", text, r"^(?://|/\*|\s*\*|['\"]use )")


# --- Go ------------------------------------------------------------------------------------

def _go_import(ctx: Context, path: str) -> LineEdit | None:
    lines = ctx.buf.lines
    quoted = f'"{path}"'
    if any(quoted in ln for ln in lines):
        return None
    for i, line in enumerate(lines):
        if line.startswith("import ("):
            j = i + 1
            while j < len(lines) and not lines[j].startswith(")"):
                entry = lines[j].strip()
                if not entry or "." in entry.split("/")[0] or entry.strip('"') > path:
                    break  # the standard-library group ends, or this is where the path sorts
                j += 1
            return LineEdit(j, j, f"\t{quoted}\n")
        if line.startswith("import "):
            return LineEdit(i + 1, i + 1, f"import {quoted}\n")
    for i, line in enumerate(lines):
        if line.startswith("package "):
            return LineEdit(i + 1, i + 1, f"\nimport {quoted}\n")
    return None
