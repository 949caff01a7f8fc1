"""Cold-start examples synthesized from the user's own code with tree-sitter.

Before there is any history, the code itself shows what edits look like. Each file of a
known language is parsed, and three kinds of multi-hunk edits are made up from what is
there, then cut into cases exactly like a git commit (:func:`~.git_history.cut_case`):

* **rename**: a name declared in the file (a function, class, parameter or local) gets a
  new name; the declaration is renamed first, then its uses follow (locals only inside
  their function; strings, comments and member names are left alone);
* **parameter**: a function gains a parameter, then its calls in the file gain the
  argument;
* **import**: the user writes a line using an imported name, then adds the import (the
  file with that import and that line taken out is the starting point).

Each kind gives at most a few cases per file, chosen with a seeded random generator, so
a large file does not flood the dataset.
"""

from __future__ import annotations

import os
import random
import re
from pathlib import Path
from typing import Iterator

from nxedit.model.languages import new_parser, spec_for_path
from nxedit.model.privacy import PrivacyRules
from nxedit.model.predict.structural.syntax import Syntax
from nxedit.model.text.plain import split_lines

from .examples import Example
from .git_history import MAX_LINES, SKIPPED, Hunk, cut_case, line_hunks, usable_hunks

LANGUAGES = ("python", "rust", "go", "javascript", "typescript", "tsx")
PER_KIND = 2  # cases of each kind per file
SKIP_DIRS = {
    ".git",
    ".hg",
    ".svn",
    "node_modules",
    "vendor",
    "third_party",
    "dist",
    "build",
    "target",
    ".venv",
    "venv",
    "__pycache__",
    ".mypy_cache",
    ".tox",
}
DEFINITIONS = frozenset(
    {
        "function_definition",
        "function_item",
        "function_declaration",
        "method_declaration",
        "method_definition",
    }
)
CALLS = frozenset({"call", "call_expression"})
MEMBER_ACCESS = frozenset(
    {"attribute", "member_expression", "field_expression", "selector_expression", "scoped_identifier"}
)
NEW_PARAMS = ("timeout", "verbose", "context", "options", "retries", "strict")
# how a new parameter reads in a definition and at a call site, per language
PARAM_SYNTAX = {
    "python": ("{p}=None", "{p}={p}"),
    "rust": ("{p}: usize", "{p}"),
    "go": ("{p} int", "{p}"),
    "javascript": ("{p}", "{p}"),
    "typescript": ("{p}: number", "{p}"),
    "tsx": ("{p}: number", "{p}"),
}
_SUFFIXES = ("count", "value", "items", "result", "info", "data")
CAMEL_CASE = frozenset({"go", "javascript", "typescript", "tsx"})


def code_files(roots: list[Path], privacy: PrivacyRules) -> Iterator[tuple[Path, str]]:
    """``(path, language)`` of the source files under ``roots`` worth synthesizing from."""
    for root in roots:
        paths = [root] if root.is_file() else _walk(root)
        for path in paths:
            spec = spec_for_path(path)
            rel = str(path)
            if spec is None or spec.name not in LANGUAGES or SKIPPED.search(rel) or privacy.is_private(path):
                continue
            yield path, spec.name


def _walk(root: Path) -> Iterator[Path]:
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith("."))
        for name in sorted(files):
            yield Path(folder) / name


def synthesize(path: Path, language: str, root: Path, rng: random.Random) -> list[Example]:
    """The synthesized examples of one file (none when it cannot be read or parsed)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return []
    if not text or "\0" in text or len(split_lines(text)) >= MAX_LINES:
        return []
    tree = new_parser(language).parse(text.encode("utf-8"))
    if tree.root_node.has_error:
        return []
    source = _Source(text, language, tree)
    rel = os.path.relpath(path, root) if path != root else path.name
    try:
        mtime = path.stat().st_mtime
    except OSError:
        mtime = 0.0
    examples = []
    for kind, making in (("rename", _renames), ("parameter", _parameters), ("import", _imports)):
        for made, (before, hunks, order) in enumerate(making(source, rng), 1):
            for k in range(1, min(3, len(hunks))):
                case = cut_case(before, hunks, k, order)
                request = {
                    "path": rel,
                    "language": language,
                    "current": case["current"],
                    "cursor": case["cursor"],
                    "history": case["history"],
                    "files": {},
                }
                meta = {"kind": kind, "k": k, "category": case["category"]}
                examples.append(Example("synthetic", f"{root}:{rel}", mtime, request, case["expected"], meta))
            if made >= PER_KIND:
                break
    return examples


class _Source:
    """One parsed file: its text, lines and tree, and byte/character conversions."""

    def __init__(self, text: str, language: str, tree):
        self.text = text
        self.data = text.encode("utf-8")
        self.language = language
        self.tree = tree
        self.lines = split_lines(text)

    def node_text(self, node) -> str:
        return self.data[node.start_byte : node.end_byte].decode("utf-8")

    def char(self, byte: int) -> int:
        return len(self.data[:byte].decode("utf-8"))

    def walk(self, node=None):
        stack = [node or self.tree.root_node]
        while stack:
            n = stack.pop()
            yield n
            stack.extend(reversed(n.children))

    def replaced(self, spans: list[tuple[int, int, str]]) -> str:
        """The text with byte spans ``(start, end, new text)`` replaced."""
        out, at = [], 0
        for start, end, new in sorted(spans):
            out += [self.data[at:start].decode("utf-8"), new]
            at = end
        out.append(self.data[at:].decode("utf-8"))
        return "".join(out)


def _ordered_hunks(before: str, after: str, first_line: int) -> tuple[list[Hunk], list[int]] | None:
    """The hunks from ``before`` to ``after`` (benchmark rules), the one touching
    ``first_line`` made first and the others in file order."""
    hunks = usable_hunks(before, after, line_hunks(before, after))
    if hunks is None:
        return None
    lead = [i for i, h in enumerate(hunks) if h.old_start <= first_line < h.old_start + max(h.old_count, 1)]
    if not lead:
        return None
    return hunks, lead[:1] + [i for i in range(len(hunks)) if i != lead[0]]


# -- rename ---------------------------------------------------------------------------


def new_name(name: str, language: str, taken: set[str], rng: random.Random) -> str | None:
    """A plausible new name for ``name`` in the language's casing, not yet used in the file."""
    camel = (
        "_" not in name and (language in CAMEL_CASE or any(c.isupper() for c in name)) and not name.isupper()
    )
    for suffix in rng.sample(_SUFFIXES, len(_SUFFIXES)):
        if name.lower().endswith(suffix):
            continue
        if name.isupper():
            candidate = f"{name}_{suffix.upper()}"
        else:
            candidate = name + suffix.capitalize() if camel else f"{name}_{suffix}"
        if candidate not in taken:
            return candidate
    return None


def _is_code_name(node) -> bool:
    parent = node.parent
    if parent is not None and parent.type in MEMBER_ACCESS and parent.children and parent.children[0] != node:
        return False  # obj.name: a member, not the variable
    return not Syntax.in_string_or_comment(node)


def _renames(src: _Source, rng: random.Random):
    names: dict[str, list] = {}
    for node in src.walk():
        if node.type == "identifier" and _is_code_name(node):
            names.setdefault(src.node_text(node), []).append(node)
    taken = set(names)
    candidates = [(name, nodes) for name, nodes in names.items() if len(nodes) >= 3 and len(name) > 1]
    rng.shuffle(candidates)
    for name, nodes in candidates:
        declared = [n for n in nodes if Syntax.declaration_kind(n)]
        if not declared:
            continue
        decl = declared[0]
        scope = None
        if Syntax.declaration_kind(decl) == "local":
            around = Syntax.functions_around(decl)
            scope = around[0] if around else None
        uses = [n for n in nodes if scope is None or scope.start_byte <= n.start_byte < scope.end_byte]
        renamed = new_name(name, src.language, taken, rng)
        if renamed is None or len(uses) < 3:
            continue
        after = src.replaced([(n.start_byte, n.end_byte, renamed) for n in uses])
        found = _ordered_hunks(src.text, after, decl.start_point.row)
        if found:
            yield src.text, *found


# -- a parameter added, then the calls ------------------------------------------------


def _callee(src: _Source, call) -> str | None:
    fn = call.child_by_field_name("function")
    if fn is None:
        return None
    if fn.type == "identifier":
        return src.node_text(fn)
    last = fn.children[-1] if fn.children else None
    return src.node_text(last) if last is not None and "identifier" in last.type else None


def _append_inside(src: _Source, parens, text: str) -> tuple[int, int, str] | None:
    """A span inserting ``text`` as the last item of a parenthesised list node."""
    inner = src.node_text(parens)
    if not inner.endswith(")"):
        return None
    body = inner[1:-1].strip()
    close = parens.end_byte - 1
    if not body:
        return (close, close, text)
    if body.endswith(","):  # a trailing comma: the new item goes after it
        return (close, close, f" {text}") if "\n" not in inner else None
    return (close, close, f", {text}") if "\n" not in inner else None


def _parameters(src: _Source, rng: random.Random):
    defs = [
        n for n in src.walk() if n.type in DEFINITIONS and n.child_by_field_name("parameters") is not None
    ]
    calls: dict[str, list] = {}
    for node in src.walk():
        if node.type in CALLS and node.child_by_field_name("arguments") is not None:
            name = _callee(src, node)
            if name:
                calls.setdefault(name, []).append(node)
    rng.shuffle(defs)
    in_def, at_call = PARAM_SYNTAX[src.language]
    words = set(re.findall(r"\w+", src.text))
    for d in defs:
        name_node = d.child_by_field_name("name")
        sites = calls.get(src.node_text(name_node), []) if name_node is not None else []
        if not sites:
            continue
        param = next((p for p in rng.sample(NEW_PARAMS, len(NEW_PARAMS)) if p not in words), None)
        if param is None:
            continue
        spans = [_append_inside(src, d.child_by_field_name("parameters"), in_def.format(p=param))]
        spans += [
            _append_inside(src, c.child_by_field_name("arguments"), at_call.format(p=param)) for c in sites
        ]
        if any(s is None for s in spans):
            continue
        found = _ordered_hunks(src.text, src.replaced(spans), d.start_point.row)
        if found:
            yield src.text, *found


# -- a line using a name, then its import ----------------------------------------------


def _imported_name(src: _Source, node) -> str | None:
    """The one name an import statement binds, or None (several names, or not an import)."""
    kind = node.type
    if kind in ("import_statement", "import_from_statement") and src.language == "python":
        names = node.children_by_field_name("name")
        if len(names) != 1:
            return None
        n = names[0]
        if n.type == "aliased_import":
            return src.node_text(n.child_by_field_name("alias"))
        parts = src.node_text(n).split(".")
        return parts[0] if kind == "import_statement" else parts[-1]
    if kind == "import_statement":  # javascript, typescript
        clause = next((c for c in node.children if c.type == "import_clause"), None)
        if clause is None:
            return None
        specs = [n for n in src.walk(clause) if n.type == "import_specifier"]
        default = [c for c in clause.children if c.type == "identifier"]
        spaces = [c for c in clause.children if c.type == "namespace_import"]
        if len(specs) + len(default) + len(spaces) != 1:
            return None
        if specs:
            bound = specs[0].child_by_field_name("alias") or specs[0].child_by_field_name("name")
        elif spaces:
            bound = next((c for c in spaces[0].children if c.type == "identifier"), None)
        else:
            bound = default[0]
        return src.node_text(bound) if bound is not None else None
    if kind == "import_spec":  # go
        name = node.child_by_field_name("name")
        if name is not None:
            return src.node_text(name)
        return src.node_text(node.child_by_field_name("path")).strip('"`').rsplit("/", 1)[-1]
    if kind == "use_declaration":  # rust
        arg = node.child_by_field_name("argument")
        if arg is None:
            return None
        if arg.type == "use_as_clause":
            return src.node_text(arg.child_by_field_name("alias"))
        if arg.type == "scoped_identifier":
            return src.node_text(arg.child_by_field_name("name"))
        return src.node_text(arg) if arg.type == "identifier" else None
    return None


def _whole_lines(src: _Source, node) -> tuple[int, int] | None:
    """Lines ``[first, end)`` if ``node`` fills them alone (indentation aside), else None."""
    first, last = node.start_point.row, node.end_point.row
    head = src.lines[first]
    tail = src.lines[last].rstrip("\r\n")
    if src.data[node.start_byte - node.start_point.column : node.start_byte].strip():
        return None
    if len(tail.encode("utf-8")) != node.end_point.column or not head.strip():
        return None
    return first, last + 1


def _statement_line(src: _Source, node) -> int | None:
    """The line of the one-line statement ``node`` is in, if there is one."""
    while node is not None and node.parent is not None:
        parent = node.parent
        if node.start_point.row != node.end_point.row:
            return None
        if parent.start_point.row != parent.end_point.row or parent.parent is None:
            span = _whole_lines(src, node)
            return span[0] if span else None
        node = parent
    return None


def _imports(src: _Source, rng: random.Random):
    imports = [
        n
        for n in src.walk()
        if n.type in ("import_statement", "import_from_statement", "import_spec", "use_declaration")
    ]
    rng.shuffle(imports)
    for imp in imports:
        name = _imported_name(src, imp)
        span = _whole_lines(src, imp)
        if not name or span is None:
            continue
        uses = [
            n
            for n in src.walk()
            if n.type in ("identifier", "package_identifier", "type_identifier")
            and src.node_text(n) == name
            and not (imp.start_byte <= n.start_byte < imp.end_byte)
        ]
        rows = [r for r in (_statement_line(src, n) for n in uses) if r is not None and r >= span[1]]
        if not rows:
            continue
        use_row = rows[0]
        before = "".join(
            line for i, line in enumerate(src.lines) if not (span[0] <= i < span[1] or i == use_row)
        )
        hunks = usable_hunks(before, src.text, line_hunks(before, src.text))
        if hunks is None or len(hunks) != 2:
            continue
        yield before, hunks, [1, 0]  # the line using the name first, then the import above it
