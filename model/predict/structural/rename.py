"""Rename ripple: the user renamed an identifier -> its next remaining occurrence.

Scope-aware where the grammar allows: a name declared inside the function of the edit (a
parameter or local) is renamed only inside that function, only where it is the binding the
user renamed (a loop's or a block's own variable of the same name is another one:
:mod:`.bindings`), and never where it follows a ``.`` (that is a member of something
else); any other name is renamed across the file,
except inside functions that declare a local of the same name (they shadow it) and at
another declaration of the same kind (a same-named field of another struct is another
field). Occurrences in strings and comments follow only when the name is distinctive or
the user renamed one there. Renaming *to* a name that already existed is a change of
meaning, not a rename: it needs two examples before the engine believes it.

What a rename must look like before it ripples:

* Pure: every recent edit that swapped the two names swapped only names (spacing may be
  realigned). An edit that also changed a type, restructured the code or added lines is a
  refactor; its other sites need more than the new name, so such a pair is trusted little.
* No collision: an occurrence is not renamed to a name that is already another binding
  where it sits (``mockWriter := &fakeWriter{}`` does not become ``mockWriter :=
  &mockWriter{}``), and nothing is renamed while the old and the new name are both defined
  (the user added a second thing, not a new name for the first). The ripple stops there.
* Same role: a name qualified by a module path (``de::Visitor``) is that module's item, not
  the renamed one, unless the user's edit was qualified the same way; a keyword is not a
  binding (``Self::Success`` -> ``ExitCode::Success``), so it is replaced only where it is
  used as in the examples (``Self::`` paths, not the ``Self`` type).

Several renames may be under way at once: the nearest remaining site of any of them is
suggested. A *dangling reference* is a rename too: when the last edit replaced the
definition of a local ``x`` by the definition of a new local ``y`` and ``x`` is still used
further down in that function, its next use becomes ``y``.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field, replace

from . import bindings, parameters
from .candidates import Candidate, Site, cluster_all, in_scan_order, scan_distance
from .context import RECENT, Context
from .lexer import IDENT, NUMBER, PUNCT, after_access, builtin_types_of, keywords_of, tokenize, word_regex
from .rewrite import Example, make_example
from .syntax import FUNCTION_KINDS, field_of, own_type_parameters, type_parameter_owner, type_parameter_scope

SOURCE = "structural:rename"
MEMBER_PREFIXES = (".", "?.")
ARROW_MEMBERS = frozenset({"c", "cpp"})  # `p->x`; in Python and Rust `->` opens a return type (`-> cl:`)
# node kinds that name a member (a field, property or method of something), never a variable
MEMBER_KINDS = frozenset({"field_identifier", "property_identifier", "private_property_identifier"})
SHORTHAND_KINDS = frozenset({"shorthand_property_identifier", "shorthand_field_initializer",
                             "shorthand_property_identifier_pattern"})
# the shorthands that read a variable (object and struct literals), not patterns that bind one
SHORTHAND_VALUE_KINDS = SHORTHAND_KINDS - {"shorthand_property_identifier_pattern"}
# TypeScript declarations that merge with another of their name (a class and an interface)
MERGING = frozenset({"class_declaration", "abstract_class_declaration", "interface_declaration"})
# Confidences are the measured chance of an exact hit (bench/predict_quality.py, dev and held-out
# cases): a rename seen once hits about 7 times in 10, seen twice (or to a name that existed,
# seen twice) more often; a local's rename is no surer than a file-wide one.
RENAME_CONFIDENCE = 0.7
CONFIRMED_BONUS = 0.05
REFACTOR_PENALTY = 0.3  # the names were swapped by an edit that changed more: a refactor, not a rename
DANGLING_CONFIDENCE = 0.45  # measured: as often wrong as right (the old use is often rewritten, not renamed)
PATH_ROOTS = frozenset({"self", "Self", "crate", "super"})  # paths that lead back into this file
# pytest's own fixtures: a test gets one by naming it as a parameter, so a test whose parameter
# `tmpdir` becomes `tmp_path` asks for another object (a py.path becomes a pathlib.Path), and its
# uses need that object's API, not the new name (train cases: structlog, anyio)
PYTEST_FIXTURES = frozenset({
    "cache", "capfd", "capfdbinary", "caplog", "capsys", "capsysbinary", "capteesys", "doctest_namespace",
    "monkeypatch", "pytestconfig", "pytester", "record_property", "record_testsuite_property",
    "record_xml_attribute", "recwarn", "request", "testdir", "tmp_path", "tmp_path_factory", "tmpdir",
    "tmpdir_factory"})
_TEST_HEADER = re.compile(r"^\s*(?:async\s+)?def\s+test", re.M)
_IMPORT_LINE = re.compile(r"^\s*import\s", re.M)
_QUALIFIER = re.compile(r"([^\W\d]\w*)\s*::\s*$")  # `module::` right before a name
# English function words: changed in prose, they are grammar (`a` -> `an`, `to` -> `past`), not a name
_FUNCTION_WORDS = frozenset({"a", "an", "the", "to", "of", "in", "on", "at", "by", "for", "from", "with", "as", "is",
                            "are", "was", "be", "it", "its", "we", "our", "this", "that", "these", "and", "or",
                            "not", "no", "if"})
_SENTENCE_START = re.compile(r"""(?:^\s*(?:#+|//[/!]?|/?\*+|\"{3}|'{3}|--)?|[.!?:]|\"|')\s*$""")
_WORD = re.compile(r"[^\W\d]\w*")
# a local's definition on a line: `x =`, `x :=`, `let mut x =`, `const x: T =`, ...
_DEFINED = re.compile(r"^\s*(?:(?:let|const|var)\s+(?:mut\s+)?)?([^\W\d][\w$]*)\s*(?::=|=(?!=)|:[^=\n]*=(?!=))")


def rename_ops(ex: Example | None) -> list[tuple[str, str]] | None:
    """The (old, new) name of every change if the edit only swaps single names, else None.

    Version-like numbers count too (``1.31 -> 1.36``: the same value elsewhere follows), but
    only when every change is one: a name and a value changed together are a new argument."""
    if ex is None:
        return None
    ops = [_swap(ex, op) for op in ex.opcodes]
    if not ops or None in ops:
        return None
    numbers = [a[:1].isdigit() for a, _ in ops]
    if len({a for a, _ in ops}) != len(set(ops)):
        return None  # one name became several: that is not a rename of it
    if {a for a, _ in ops} == {b for _, b in ops}:
        return None  # the same names in another order (`['aa', 'a']` -> `['a', 'aa']`): a reorder, no rename
    return ops if all(numbers) or not any(numbers) else None


def _swap(ex: Example, op) -> tuple[str, str] | None:
    i1, i2, j1, j2 = op
    if i2 - i1 != 1 or j2 - j1 != 1:
        return None
    a, b = ex.old_tokens[i1], ex.new_tokens[j1]
    if a.kind == b.kind == IDENT or (a.kind == b.kind == NUMBER and "." in a.text):
        return (a.text, b.text)
    return None


def distinctive(name: str) -> bool:
    """Names unlikely to be an ordinary word in prose: snake_case, camelCase, digits, or long."""
    return "_" in name.strip("_") or any(c.isdigit() for c in name) or (
        name[:1].islower() and any(c.isupper() for c in name)) or len(name) >= 12


@dataclass
class _Pair:
    """One renamed name and what is known about the place the user renamed it."""

    old: str
    new: str
    existed: bool = False  # `new` was already used outside the user's edits
    scope: object = None  # the function the name is local to (None: the file)
    site_kind: str | None = None  # what the renamed occurrence declares, if anything
    site_in_text: bool = False  # the user renamed it inside a string or comment
    site_member: bool = False  # the renamed occurrence names a member (after ".", a field key, ...)
    site_node: object = None  # its syntax node
    qualifier: str | None = None  # the module path written before the renamed occurrence
    receiver: str | None = None  # the imported module before the renamed member (`valve.Context`)
    roles: frozenset = field(default_factory=frozenset)  # for a keyword: the token after it in the examples
    role_before: bool = False  # and the token before it (a name swapped for a keyword)
    callee: tuple | None = None  # Python: (name, is a method, class) of the function whose parameter was renamed
    keyword_call: tuple | None = None  # renamed as a keyword argument: the call's (name, receiver), :func:`parameters.keyword_to`
    property_of: object = None  # TypeScript: the class whose member the renamed parameter also is (`public value`)
    shadows: tuple | None = None  # the spans of the other bindings of `old` in `scope` (bindings.spans)
    prose: tuple | None = None  # a word of prose changed only in some places (:func:`_prose`)


def predict(ctx: Context) -> list[Candidate]:
    """The nearest remaining site of any rename the recent edits are making."""
    found, done, newer = [], set(), set()
    for age in range(len(ctx.examples)):
        pairs = frozenset(rename_ops(ctx.examples[age]) or ())
        if pairs and pairs in done:
            continue  # the same rename seen in a newer edit: its ripple is this one's, surer
        if pairs and pairs in newer and not ctx.recent_hunk(age).intact:
            # its lines were edited again (a declaration's line finished by the ripple): with no
            # site to tell a local from a file-wide name, it would ripple file-wide (golang-lru's
            # type parameter `K` renamed every `K` of the file); the newer edits know it
            continue
        newer.add(pairs)
        if pairs and _in_text(ctx, age, pairs) and any(
                frozenset(rename_ops(ctx.examples[a]) or ()) == pairs and not _in_text(ctx, a, pairs)
                for a in range(age + 1, len(ctx.examples))):
            # the ripple's own edit of a comment: the user's edit of code says what is renamed
            # (taken as a rename of prose, it renamed markdown-it's `options["maxNesting"]`)
            continue
        got = _from_example(ctx, age)
        if got and pairs:
            done.add(pairs)
        found += got
    if not found and ctx.examples:
        pairs = frozenset(rename_ops(ctx.examples[0]) or ())
        found += [c for c in [_sibling(ctx, pairs)] if c is not None]
    found += _from_dangling(ctx)
    if not found:
        return []
    n = len(ctx.buf.lines)
    return [min(found, key=lambda c: (scan_distance(c.edit.start_line, ctx.cursor.line, n), -c.confidence))]


def _in_text(ctx: Context, age: int, pairs: frozenset[tuple[str, str]]) -> bool:
    """Whether an edit renamed its names in a string or comment only (no sighting in code)."""
    hunk, syntax = ctx.recent_hunk(age), ctx.buf.syntax
    if syntax is None or not hunk.intact:
        return False
    for _, new in pairs:
        site = _site(ctx, hunk, new)
        if site is None:
            return False
        node = syntax.node_at(*site)
        if not syntax.in_string_or_comment(node) or syntax.in_import(node):
            return False
    return True


def _declared_swaps(ctx: Context, age: int) -> list[tuple[str, str]]:
    """Names swapped at a declaration inside a larger edit (``type A = {`` -> ``export type B = {``)."""
    ex, hunk, syntax = ctx.examples[age], ctx.recent_hunk(age), ctx.buf.syntax
    if ex is None or syntax is None or not hunk.intact:
        return []
    out = []
    for op in ex.opcodes:
        pair = _swap(ex, op)
        if pair is None or ex.new_tokens[op[2]].kind != IDENT:
            continue
        site = _site(ctx, hunk, pair[1])
        if site is None:
            continue
        node = syntax.node_at(*site)
        # a name swapped inside an import that changed more is another name imported, not a rename;
        # a parameter swapped in a rewritten header is renamed (go-chi's `handler` -> `endpoint`)
        kind = syntax.declaration_kind(node)
        if (kind not in (None, "local") and not syntax.in_import(node)) or (
                kind == "local" and parameters.is_parameter(node)
                and parameters.only_renamed(node, *pair, hunk.old_text)):
            out.append(pair)
    return out


def _from_example(ctx: Context, age: int) -> list[Candidate]:
    ops = rename_ops(ctx.examples[age])
    rule = "scoped"
    if ops is None and age == 0:
        ops, rule = _declared_swaps(ctx, age), "declared"
    pairs = set(ops or ())
    if not pairs or len(pairs) > 4 or _outside_names_swapped(ctx, age, pairs):
        return []
    # seen twice (in this edit or an earlier one): the user is renaming, not changing one use
    earlier = [op for ex in ctx.examples[age + 1 :] for op in rename_ops(ex) or ()]
    confirmed = len(ops) > len(pairs) or bool(pairs & set(earlier))
    # the other renames under way ride along on the lines this one rewrites
    others = {op for a, ex in enumerate(ctx.examples) if a != age for op in rename_ops(ex) or ()} - pairs
    others = {op for op in others if op[0] not in {o for o, _ in pairs}}
    candidate = _ripple(ctx, ctx.recent_hunk(age), pairs, confirmed, rule, others)
    if candidate is None:
        return []
    if any(_refactored(ctx, old, new) for old, new in pairs):
        candidate = _lower(candidate, REFACTOR_PENALTY, "-refactor")
    elif len(pairs) > 1 and not confirmed and _in_import(ctx, age, pairs):
        # one import naming another package (`muesli/termenv` -> `charmbracelet/lipgloss`)
        # swaps a library, not a name: its call sites need the new library's API
        candidate = _lower(candidate, REFACTOR_PENALTY, "-library")
    if age:
        candidate = _lower(candidate, 0.1, "-earlier")
    return [candidate]


def _outside_names_swapped(ctx: Context, age: int, pairs: set[tuple[str, str]]) -> bool:
    """Python names fixed from outside swapped for others: a test's parameter naming one of
    pytest's fixtures (another fixture), or `import sys` -> `import re` (another standard
    module: `sys.version_info` does not become `re.version_info`; anyio's train case)."""
    if ctx.buf.language != "python":
        return False
    new = ctx.examples[age].new
    if any(old in PYTEST_FIXTURES for old, _ in pairs) and _TEST_HEADER.search(new):
        return True
    std = sys.stdlib_module_names
    return bool(_IMPORT_LINE.search(new)) and all(old in std and to in std for old, to in pairs)


def _hunk_renaming(ctx: Context, old: str, new: str):
    """The recent hunk whose edit renamed ``old`` to ``new``, if any."""
    for age, ex in enumerate(ctx.examples):
        if (old, new) in set(rename_ops(ex) or ()):
            return ctx.recent_hunk(age)
    return None


def _fixed_names(language: str) -> frozenset[str]:
    """Names no program renames: the language's keywords and built-in types. One swapped at a
    site is a change of that site (`self` -> `ExitCode`, `number` -> `StatusCode`); seen
    twice it ripples, only where the name plays the examples' role."""
    return keywords_of(language) | builtin_types_of(language)


def _lower(c: Candidate, by: float, tag: str) -> Candidate:
    return Candidate(c.edit, c.source, c.confidence - by, c.rule + tag)


def _ripple(ctx: Context, hunk, pairs: set[tuple[str, str]], confirmed: bool, rule: str,
            others: set[tuple[str, str]] = frozenset()) -> Candidate | None:
    """The next site of the renamed names, clustered into one hunk, with its confidence.

    ``others``: renames of other recent edits; they are made too on a line this rename
    rewrites (two renames on one line become one suggestion, not two half-done lines), and
    on a line right above or below one (`check_a(..)?;` and `check_b(..)?;` renamed in one
    edit before: the next such pair of lines is one hunk again, not one line and then its
    neighbour)."""
    keywords = _fixed_names(ctx.buf.language)  # renamed only when seen twice, and in their role
    # a keyword-like name (TypeScript's `type`, `object`) declared as a local is a variable like any
    infos = [info for info in (_study(ctx, hunk, old, new) for old, new in sorted(pairs))
             if not (info.old in keywords and not confirmed and info.site_kind != "local")]
    if not infos or any(_both_defined(ctx, i) for i in infos):
        return None
    infos += [other for info in infos for other in _merged(ctx, info)]
    found = _found(ctx, infos)
    riders: dict[int, list[tuple[int, int, _Pair]]] = {}
    for old, new in sorted(others):
        if old in keywords:
            continue
        info = None
        for line, start, end in _occurrences(ctx, old):
            if line in found or line - 1 in found or line + 1 in found:
                info = info or _study(ctx, _hunk_renaming(ctx, old, new) or hunk, old, new)
                riders.setdefault(line, []).append((start, end, info))
    return _ripple_sites(ctx, infos, found, riders, confirmed, rule)


def _found(ctx: Context, infos: list[_Pair]) -> dict[int, list[tuple[int, int, _Pair]]]:
    """line -> the occurrences of the old names on it (each judged later, by :func:`_where`)."""
    found: dict[int, list[tuple[int, int, _Pair]]] = {}
    for info in infos:
        for line, start, end in (*_occurrences(ctx, info.old), *_inline_uses(ctx, info)):
            found.setdefault(line, []).append((start, end, info))
    return found


def _ripple_sites(ctx: Context, infos: list[_Pair], found: dict, riders: dict, confirmed: bool,
                  rule: str, pattern: bool = False) -> Candidate | None:
    """``pattern``: a local renamed alike in other functions, carried to another (:func:`_sibling`)."""
    buf = ctx.buf
    prose_lines = set()  # lines where a code rename would also rewrite a comment or string

    def rider_spans(line: int) -> list[tuple[int, int, str]]:  # the other renames' changes on a line
        return [(start, end, info.new) for start, end, info in riders.get(line, ())
                if _where(ctx, info, line, start, end) == "code" and not _collides(ctx, info, line, start, end)]

    beside = set()  # rider-only lines already yielded (one between two sites is beside both)

    def rider_site(line: int) -> Site | None:  # a line only the other renames rewrite
        spans = rider_spans(line) if line not in found and line not in beside else []
        beside.add(line)
        return _rewritten(buf.lines[line], line, spans) if spans else None

    def sites():  # occurrences are judged lazily: only as far as the hunk reaches
        for line in in_scan_order(sorted(found), ctx.cursor.line):
            spans = []
            for start, end, info in sorted(found[line], key=lambda o: o[0]):
                where = _where(ctx, info, line, start, end)
                if where in ("code", "key") and _collides(ctx, info, line, start, end):
                    return  # the new name is taken here: the user has to decide, the ripple stops
                if where == "key":  # `{ theme }` keeps its key and reads the renamed variable
                    spans.append((start, end, f"{info.old}: {info.new}"))
                elif where is not None:
                    spans.append((start, end, info.new))
                    if where == "text" and not info.site_in_text:
                        prose_lines.add(line)
            if spans:
                if (above := rider_site(line - 1)) is not None:
                    yield above
                yield _rewritten(buf.lines[line], line, spans + rider_spans(line))
                if (below := rider_site(line + 1)) is not None:
                    yield below

    edit, complete = cluster_all(sites(), buf.lines)
    if edit is None:
        return None
    scoped = all(i.scope is not None for i in infos)
    confidence = RENAME_CONFIDENCE + (CONFIRMED_BONUS if confirmed else 0.0)
    if any(i.existed for i in infos):  # a change of meaning until a second example says otherwise
        confidence = RENAME_CONFIDENCE if confirmed else 0.3
    if min(len(i.old) for i in infos) <= 2:
        confidence -= 0.15
    if any(edit.start_line <= line < edit.end_line for line in prose_lines):
        confidence -= 0.1  # the user renamed code; this also rewrites prose
    if any(i.site_in_text and not distinctive(i.old) for i in infos) and not confirmed:
        confidence -= 0.3  # a changed word in prose is an edit of the text, not a rename
    if rule == "declared":
        confidence -= 0.25
    elif rule == "dangling":
        confidence = DANGLING_CONFIDENCE
    else:
        rule = "scoped" if scoped else "file"
    # what the acceptance model (ranker.py) learns from, beside the confidence: how the
    # rename was seen (twice, in prose, at a declaration, to a name that existed)
    tags = [("confirmed", confirmed), ("text", any(i.site_in_text for i in infos)),
            ("decl", any(i.site_kind is not None for i in infos)), ("existed", any(i.existed for i in infos)),
            ("distinctive", all(distinctive(i.old) for i in infos)), ("complete", complete),
            ("orphan", all(_orphaned(ctx, i) for i in infos)), ("undeclared", all(_undeclared(ctx, i) for i in infos)),
            ("inline", all(ctx.in_history(ln) for ln in range(edit.start_line, max(edit.end_line, edit.start_line + 1))))]
    rule += "".join(f"-{tag}" for tag, on in (*tags, ("pattern", pattern)) if on)
    return Candidate(edit, SOURCE, min(confidence, 0.97), rule)


def _rewritten(text: str, line: int, spans: list[tuple[int, int, str]]) -> Site:
    """The line with each span (start, end, new text) replaced."""
    pos, parts = 0, []
    for start, end, new in sorted(spans):
        parts += [text[pos:start], new]
        pos = end
    parts.append(text[pos:])
    return Site(line, line + 1, "".join(parts))


def _sibling(ctx: Context, pairs: frozenset[tuple[str, str]]) -> Candidate | None:
    """A local renamed alike in two functions or more (a receiver, a type parameter, a parameter
    renamed in one method after another) and finished there: the nearest other function that
    declares it the same way (a receiver as a receiver), renamed whole, declaration and uses."""
    syntax = ctx.buf.syntax
    if syntax is None or len(pairs) != 1:
        return None
    ((old, new),) = pairs
    done, seen = set(), None
    for age, ex in enumerate(ctx.examples):
        if frozenset(rename_ops(ex) or ()) != pairs:
            continue
        info = _study(ctx, ctx.recent_hunk(age), old, new)
        if info.scope is None or info.site_kind != "local" or info.site_node is None:
            return None  # a file-wide name, or renamed at a use: one symbol, not a pattern
        done.add((info.scope.start_byte, info.scope.end_byte))
        seen = seen or info
    if len(done) < 2:
        return None  # one function renamed: its own business, nothing says the others follow
    declared_as = _declared_as(seen.site_node)
    declarations = {}
    for line, start, end in _occurrences(ctx, old):
        node = syntax.node_at(line, start, end)
        if _declared_as(node) != declared_as or syntax.declaration_kind(node) != "local":
            continue
        scope = syntax.scope_declaring(node, {old})
        if scope is not None and (scope.start_byte, scope.end_byte) not in done \
                and not syntax.declares(scope, {new}):
            declarations.setdefault(line, (node, scope))
    for line in in_scan_order(sorted(declarations), ctx.cursor.line):
        node, scope = declarations[line]
        info = replace(seen, scope=scope, site_node=node, existed=False, shadows=None,
                       callee=parameters.parameter_of(ctx.buf.grammar, scope, node),
                       property_of=parameters.property_class(ctx, scope, (old, new)))
        return _ripple_sites(ctx, [info], _found(ctx, [info]), {}, True, "scoped", pattern=True)
    return None


def _declared_as(node) -> tuple:
    """How a name is declared, as its three nearest ancestors and their fields: a Go receiver
    (`parameter_declaration` in the `receiver` list) is not a parameter of the same name."""
    out = []
    for _ in range(3):
        if node.parent is None:
            break
        out.append((node.parent.type, field_of(node)))
        node = node.parent
    return tuple(out)


def _undeclared(ctx: Context, info: _Pair) -> bool:
    """Whether the user renamed a local at a use to a name nothing in its function declares
    (`return total` -> `return count`): the code is broken until the declaration follows."""
    syntax = ctx.buf.syntax
    return (info.scope is not None and syntax is not None and info.site_kind is None and not info.existed
            and not any(True for _ in syntax.declaring_lines(info.scope, info.new)))


def _orphaned(ctx: Context, info: _Pair) -> bool:
    """Whether the user renamed the old name where it was declared and no declaration of it
    is left outside their edits: its remaining uses name nothing now (they dangle)."""
    syntax = ctx.buf.syntax
    if info.site_kind is None:
        return _orphaned_at_a_use(ctx, info)
    if info.scope is not None and syntax is not None:
        return all(ctx.in_history(ln) or _rebinds(ctx, info, ln) for ln in syntax.declaring_lines(info.scope, info.old))
    return all(ctx.in_history(ln) for ln in ctx.buf.definition_lines(info.old))


def _orphaned_at_a_use(ctx: Context, info: _Pair) -> bool:
    """:func:`_orphaned` for a rename carried on at a use (``self.ch`` -> ``self.peeked``
    after the field was renamed a few edits ago): the user's edits declare the new name
    and no declaration of the old one is left outside them."""
    syntax = ctx.buf.syntax
    if syntax is None:
        return False
    if info.scope is not None:
        declared = lambda name: syntax.declaring_lines(info.scope, name)  # noqa: E731
    else:
        declared = ctx.buf.definition_lines  # lazily: the first one outside the edits ends the search
    return (any(ctx.in_history(ln) for ln in declared(info.new))
            and all(ctx.in_history(ln) for ln in declared(info.old)))


def _rebinds(ctx: Context, info: _Pair, line: int) -> bool:
    """Whether a Python local's declaration on ``line`` is a later assignment to the very
    variable the user renamed (``mod = a`` ... ``mod = b``: one function-wide local), which
    the ripple renames too: it declares no second thing of the old name. An assignment above
    the renamed one is left out: renaming a later one may split a reused variable in two."""
    node = info.site_node
    if ctx.buf.grammar != "python" or info.site_kind != "local" or node is None or line <= node.start_point[0]:
        return False
    return any(_where(ctx, info, line, start, end) == "code" and not _collides(ctx, info, line, start, end)
               for start, end in ctx.buf.occurrences_on(line, info.old))


def _swaps(ex: Example, old: str, new: str) -> bool:
    """Whether the example replaced ``old`` by ``new`` somewhere."""
    return any(old in {t.text for t in ex.old_tokens[i1:i2]} and new in {t.text for t in ex.new_tokens[j1:j2]}
               for i1, i2, j1, j2 in ex.opcodes)


def _in_import(ctx: Context, age: int, pairs: set[tuple[str, str]]) -> bool:
    """Whether the names were swapped inside an import (Go's path strings, ``use``, ``from``...)."""
    hunk, syntax = ctx.recent_hunk(age), ctx.buf.syntax
    if syntax is None or not hunk.intact:
        return False
    sites = [_site(ctx, hunk, new) for _, new in pairs]
    return all(site is not None and syntax.in_import(syntax.node_at(*site)) for site in sites)


def _refactored(ctx: Context, old: str, new: str) -> bool:
    """Whether a recent edit that swapped the names also changed more than names."""
    return any(ex is not None and rename_ops(ex) is None and _swaps(ex, old, new) for ex in ctx.examples)


def _from_dangling(ctx: Context) -> list[Candidate]:
    """The last edit replaced the definition of local ``x`` by that of a new local ``y``, and
    ``x`` is still used further down in the function: its next use becomes ``y``."""
    hunk, syntax = ctx.last, ctx.buf.syntax
    if hunk is None or not hunk.intact or syntax is None or rename_ops(ctx.examples[0]) is not None:
        return []
    old, new, top = hunk.core()
    dollar = ctx.buf.dollar
    old_names = {t.text for t in tokenize("".join(old), dollar)}
    new_names = {t.text for t in tokenize("".join(new), dollar)}
    keywords = keywords_of(ctx.buf.language)
    gone = {m.group(1) for ln in old if (m := _DEFINED.match(ln))} - new_names - keywords
    added = []  # (name, its node) of the locals the new lines define
    for i, ln in enumerate(new):
        m = _DEFINED.match(ln)
        if m and m.group(1) not in old_names and m.group(1) not in keywords:
            node = syntax.node_at(hunk.start + top + i, m.start(1), m.end(1))
            if syntax.declaration_kind(node) == "local":
                added.append((m.group(1), node))
    if len(added) != 1 or not gone:
        return []
    y, node = added[0]
    functions = syntax.functions_around(node)
    if not functions:
        return []
    function = functions[0]
    last = function.end_point[0]
    dangling = [x for x in sorted(gone) if _used_between(ctx, x, hunk.end, last)
                and all(ctx.in_history(ln) for ln in syntax.declaring_lines(function, x))]
    if len(dangling) != 1:
        return []
    candidate = _ripple(ctx, hunk, {(dangling[0], y)}, False, "dangling")
    return [] if candidate is None else [candidate]


def _occurrences(ctx: Context, name: str):
    """(line, start, end) of every whole-word ``name`` outside the user's recent edits."""
    return ((line, start, end) for line, start, end in ctx.buf.occurrences(name) if not ctx.in_history(line))


INLINE_SCOPES = frozenset({"lambda", "arrow_function", "closure_expression", "function_expression",
                           "func_literal"} | bindings.COMPREHENSIONS)
# loops whose variable is declared in their header: `for it in items: print(it)` on one line
LOOPS = frozenset({"for_statement", "for_in_statement", "for_expression"})


def _inline_uses(ctx: Context, info: _Pair):
    """Occurrences on the user's own lines that the renamed declaration alone binds: in the
    body of a lambda, arrow function, closure or one-line function whose parameter it is, in
    a comprehension, loop or ``if`` that opens it (`lambda v: -v`, `if err := f(); err != nil {`,
    `func Is(err, target error) bool { return errors.Is(err, target) }` renamed at the
    declaration; the user's lines are otherwise theirs)."""
    syntax, site = ctx.buf.syntax, info.site_node
    if syntax is None or site is None:
        return
    if syntax.declaration_kind(site) != "local":
        # the ripple's newest edit is a use: the renamed declaration is among the user's edits
        # (jsonparser's `for pos := 0; pos < n; {`: the body came first, the header's own use last)
        if info.scope is None:
            return
        site = next((n for n in (*syntax.declaring_nodes(info.scope, info.new), *own_type_parameters(info.scope, {info.new}))
                     if ctx.in_history(n.start_point[0]) and syntax.declaration_kind(n) == "local"), None)
        if site is None:
            return
    span, opener = bindings.opened(ctx.buf.grammar, site)  # (less its initializer, which sees the outer name)
    scope = opener if opener is not None else _inline_scope(site)
    if scope is None:
        return
    if type_parameter_owner(site) is not None and not _renamed_alone(ctx, site.start_point[0]):
        # an item's header rewritten around its `<T>`: the rest of it the user wrote (zustand's
        # new `TState extends State` names a new type `State`, not the parameter)
        return
    first, last = scope.start_point[0], scope.end_point[0]
    for line, start, end in ctx.buf.occurrences(info.old):
        if first <= line <= last and ctx.in_history(line):
            # (the one-line function's own name, `fn context(self, context: C)`, is left by _where)
            at = syntax.node_at(line, start, end).start_byte
            if scope.start_byte <= at < scope.end_byte and (span is None or span.holds(at)):
                yield line, start, end


def _merged(ctx: Context, info: _Pair) -> list[_Pair]:
    """TypeScript's declaration merging: a class and an interface of one name are one type with
    one list of type parameters (yup's `class ArraySchema<TIn, ...>` and `interface
    ArraySchema<TIn, ...>`): the other declarations' own `<T>` are renamed with the user's."""
    scope = info.scope
    if ctx.buf.grammar not in ("typescript", "tsx") or scope is None or scope.type not in MERGING \
            or not own_type_parameters(scope, {info.old, info.new}):
        return []
    name = scope.child_by_field_name("name")
    out = []
    for top in ctx.buf.syntax.root.named_children:
        item = top.child_by_field_name("declaration") if top.type == "export_statement" else top
        other = item.child_by_field_name("name") if item is not None and item.type in MERGING else None
        if other is None or item == scope or other.text != name.text:
            continue
        own = own_type_parameters(item, {info.old}) or own_type_parameters(item, {info.new})
        if own:
            out.append(replace(info, scope=item, site_node=own[0], shadows=None))
    return out


def _renamed_alone(ctx: Context, line: int) -> bool:
    """Whether the user's edit of ``line`` (any of the request's, not only the recent ones the
    behaviours learn from) renamed names and changed nothing else."""
    for hunk in reversed(ctx.hunks):
        if hunk.intact and hunk.start <= line < hunk.end:
            old, new, _ = hunk.core()
            return bool(old and new) and rename_ops(make_example(old, new, ctx.buf.dollar)) is not None
    return False


def _inline_scope(site):
    """The function or loop whose uses of a declaring name on the user's lines
    :func:`_inline_uses` renames, when no statement opens the binding (:func:`bindings.opened`)."""
    owner = type_parameter_owner(site)
    if owner is not None:
        return owner  # `impl<T> Builder<T> {`, `type H<T> = (e: T) => void`: the item's own line
    node = site.parent
    while node is not None and node.type not in INLINE_SCOPES | LOOPS:
        if node.type in FUNCTION_KINDS:  # a parameter (Go's receiver too) of a named function
            header = [node.child_by_field_name(f) for f in ("parameters", "receiver", "type_parameters")]
            return node if any(h is not None and h.start_byte <= site.start_byte < h.end_byte
                               for h in header) else None
        if node.type.endswith(("statement", "block", "definition")):
            return None
        node = node.parent
    if node is None:
        return None
    body = node.child_by_field_name("body") if node.type in LOOPS else None
    if node.type in LOOPS and (body is None or site.start_byte >= body.start_byte):
        return None  # a declaration in the loop's body, not its header
    return node


def _member_prefixes(language: str) -> tuple[str, ...]:
    return MEMBER_PREFIXES + ("->",) if language in ARROW_MEMBERS else MEMBER_PREFIXES


def _is_member(ctx: Context, line: int, start: int, end: int | None = None) -> bool:
    """Whether the name at ``start`` names a member of something, not a variable: after a
    ``.``, a field or property name (``handler: x`` in a struct literal, ``self.x``), a
    keyword argument's name (``f(handler=x)``: the callee's parameter)."""
    if after_access(ctx.buf.line_text(line)[:start], _member_prefixes(ctx.buf.language)):
        return True
    syntax = ctx.buf.syntax
    if syntax is None or end is None:
        return False
    return _member_node(syntax.node_at(line, start, end))


def _member_node(node) -> bool:
    if node.type in MEMBER_KINDS:
        return True
    parent = node.parent
    if parent is None:
        return False
    if parent.type == "keyword_argument":  # python: f(name=value)
        return parent.child_by_field_name("name") == node
    if parent.type == "literal_element" and parent.parent is not None and parent.parent.type == "keyed_element":
        return parent.parent.children[0] == parent  # go: S{name: value}
    return False


def _shorthand(node, kinds: frozenset = SHORTHAND_KINDS) -> bool:
    """``{handler}``: a key and a variable (or, in a pattern, a new binding) at once."""
    return node.type in kinds or (node.parent is not None and node.parent.type in kinds)


def _assigned(node) -> bool:
    """Whether a pattern's shorthand (``{ stack }``) is in an assignment's target
    (``({ stack } = e)``: it assigns the variable, reselect's case), not in a declaration."""
    while node.parent is not None and node.parent.type in ("object_pattern", "array_pattern", "pair_pattern",
                                                           "shorthand_property_identifier_pattern",
                                                           "object_assignment_pattern", "assignment_pattern"):
        node = node.parent
    parent = node.parent
    return parent is not None and parent.type == "assignment_expression" and parent.child_by_field_name("left") == node


def _header_of(ctx: Context, node):
    """The Python function (or lambda) whose header holds ``node`` in a parameter's default or
    annotation or in the return annotation: evaluated where the function is defined, so it
    reads the enclosing scope's names (`def f(converter=converter)`), not the parameters."""
    if ctx.buf.grammar != "python":
        return None
    child, parent, through = node, node.parent, False
    while parent is not None:
        field = field_of(child)
        if parent.type in ("default_parameter", "typed_default_parameter", "typed_parameter") and \
                field in ("value", "type"):
            through = True
        if parent.type in ("function_definition", "lambda"):
            return parent if through or field == "return_type" else None
        child, parent = parent, parent.parent
    return None


def _shadowed(ctx: Context, node, name: str, scope) -> bool:
    """Whether ``node`` sits in a function nested in ``scope`` that declares ``name`` again for
    the whole of itself (a parameter, a Python local, a `var`); one declared in a block of it
    (valtio's `const [target, ...]` in a callback's `else if`) is :func:`_rebound`'s."""
    syntax = ctx.buf.syntax
    item = type_parameter_scope(node, {name})
    if item is not None and scope.start_byte <= item.start_byte and item.end_byte <= scope.end_byte \
            and (item.start_byte, item.end_byte) != (scope.start_byte, scope.end_byte):
        return True  # an item inside declares its own `<T>` (slab's `struct CleanupGuard<'a, T>` in a method)
    header = _header_of(ctx, node)
    if header is not None and header.parent is not None:
        node = header.parent  # a default or annotation: read where the function is defined
    inner = syntax.scope_declaring(node, {name})
    # (a function around `scope` that "declares" the name may do so in another nested function:
    # cattrs' `structure_list(obj)` beside its twins, whose `obj` stayed after one was renamed)
    if inner is None or not (scope.start_byte <= inner.start_byte and inner.end_byte <= scope.end_byte) \
            or (inner.start_byte, inner.end_byte) == (scope.start_byte, scope.end_byte):
        return False
    for declared in syntax.declaring_nodes(inner, name):
        owners = syntax.functions_around(declared)
        if (owners and (owners[0].start_byte, owners[0].end_byte) == (inner.start_byte, inner.end_byte)
                and syntax.declaration_kind(declared) == "local"
                and bindings.block_span(ctx.buf.grammar, declared) is None):
            return True
    return False


def _rebound(ctx: Context, info: _Pair, node) -> bool:
    """Whether an occurrence of a local belongs to another binding of its name in the same
    function than the renamed one (:mod:`.bindings`: a later ``let old = f(old)``, a loop's
    or an ``if let``'s own ``old``, Go's ``if err := ...``): the ripple leaves it alone
    (thiserror's train case renamed a later `let`'s, anyhow's `fmt.rs` a loop's)."""
    if info.site_node is None:  # called for locals only (a scope)
        return False
    if info.shadows is None:
        # the declarations of both names: the renamed one's own (`let y = f(x)`, a loop's
        # `for (n, inner)` whose uses follow) says which binding the user is renaming
        syntax, scope = ctx.buf.syntax, info.scope
        names = [n for name in (info.old, info.new) for n in syntax.declaring_nodes(scope, name)
                 if syntax.declaration_kind(n) == "local"]
        info.shadows = bindings.spans(ctx.buf.grammar, scope, names)
    if not info.shadows:
        return False
    site = bindings.binding(info.shadows, info.site_node.start_byte)
    return bindings.binding(info.shadows, node.start_byte) != site


def _prose(line: str, start: int, end: int, old: str, new: str) -> tuple | None:
    """Where else a word of prose changes the same way, when not wherever it is: a function
    word (`a` -> `an`, `be` -> `been`) only in the same phrase (its neighbouring words), a
    sentence's first word capitalized (`# we attach` -> `# We attach`) only where a sentence
    starts with it (flask's other comments got `if We have`). None: anywhere."""
    if old[1:] == new[1:] and old[:1].swapcase() == new[:1]:  # (`json` -> `JSON` spells a name)
        return ("start",) if _SENTENCE_START.search(line[:start]) else None
    if old.lower() in _FUNCTION_WORDS:
        return ("phrase", *_neighbours(line, start, end))
    return None


def _neighbours(line: str, start: int, end: int) -> tuple[str, str]:
    before = _WORD.findall(line[:start])
    after = _WORD.findall(line[end:])
    return (before[-1] if before else "", after[0] if after else "")


def _prose_site(ctx: Context, info: _Pair, line: int, start: int, end: int) -> bool:
    """Whether an occurrence in prose takes the change made at the user's (:func:`_prose`)."""
    text = ctx.buf.line_text(line)
    if info.prose[0] == "start":
        return bool(_SENTENCE_START.search(text[:start]))
    return _neighbours(text, start, end) == info.prose[1:]


def _site(ctx: Context, hunk, name: str) -> tuple[int, int, int] | None:
    """(line, start, end) of ``name`` inside the hunk's lines of the current text: its first
    sighting in code, else (a rename of prose) its first sighting at all. A comment above
    the renamed line must not make the rename look like an edit of prose."""
    buf, syntax = ctx.buf, ctx.buf.syntax
    first = None
    for line in range(hunk.start, min(hunk.end, len(buf.lines))):
        for start, end in buf.occurrences_on(line, name):
            site = (line, start, end)
            if syntax is None or not syntax.in_string_or_comment(syntax.node_at(*site)):
                return site
            first = first or site
    return first


def _study(ctx: Context, hunk, old: str, new: str) -> _Pair:
    info = _Pair(old, new)
    _study_site(ctx, hunk, info)
    info.existed = _existed(ctx, info)
    return info


def _existed(ctx: Context, info: _Pair) -> bool:
    """Whether the new name was already used, outside the user's edits, as the kind of thing
    the renamed one is: in code, not qualified by another module, a member only if the
    renamed occurrence is one (``self.name`` is no variable ``name``), and for a local only
    inside its function (another function's ``handler`` is another variable)."""
    buf, syntax, new, scope = ctx.buf, ctx.buf.syntax, info.new, info.scope
    first, last = (scope.start_point[0], scope.end_point[0]) if scope is not None else (0, len(buf.lines))
    for m in word_regex(new, buf.dollar).finditer(buf.text):
        line = buf.line_of(m.start())
        col = m.start() - buf.line_start(line)
        if not first <= line <= last or ctx.in_history(line) or _foreign(ctx, line, col, None):
            continue
        if not info.site_member and after_access(buf.line_text(line)[:col], _member_prefixes(buf.language)):
            continue
        # a word in a comment or docstring is not a name the code already uses
        if syntax is not None and syntax.in_string_or_comment(syntax.node_at(line, col, col + len(new))):
            continue
        return True
    return False


def _study_site(ctx: Context, hunk, info: _Pair) -> None:
    """What the renamed occurrence is: a member, a declaration, in text, in which scope."""
    old, new, buf = info.old, info.new, ctx.buf
    fixed = _fixed_names(buf.language)
    if old in fixed or new in fixed:
        # a name swapped for a keyword (`-> Bytes {` -> `-> Self {`) is swapped where the examples
        # swapped it, seen from both sides: `Bytes { ptr }`, a struct literal, stays (tokio's bytes)
        info.role_before = old not in fixed
        info.roles = frozenset(_role(ex, i1, info.role_before) for ex in ctx.examples if ex is not None
                               for i1, i2, j1, j2 in ex.opcodes
                               if [t.text for t in ex.old_tokens[i1:i2]] == [old] and
                               [t.text for t in ex.new_tokens[j1:j2]] == [new])
    site = _site(ctx, hunk, new) if hunk.intact else None
    if site is None:
        return
    if buf.grammar in ("typescript", "tsx") and _is_member(ctx, *site):
        # `this.value = value` renamed at once (a parameter property's ripple): the parameter is
        # what was renamed, its member goes with it (taken for the member, `.value` went file-wide)
        site = next(((ln, a, b) for ln in range(hunk.start, min(hunk.end, len(buf.lines)))
                     for a, b in buf.occurrences_on(ln, new) if not _is_member(ctx, ln, a, b)), site)
    info.site_member = _is_member(ctx, *site)
    info.qualifier = _qualifier(ctx, site[0], site[1])
    info.receiver = _module_receiver(ctx, site[0], site[1])
    syntax = buf.syntax
    if syntax is not None:
        node = syntax.node_at(*site)
        info.site_node = node
        info.site_in_text = syntax.in_string_or_comment(node) and not syntax.in_import(node)
        if info.site_in_text and not distinctive(old):
            info.prose = _prose(buf.line_text(site[0]), site[1], site[2], old, new)
        if not info.site_in_text:
            info.site_kind = syntax.declaration_kind(node)
            if info.site_kind == "local":
                info.roles = frozenset()  # a local named like a keyword (`type`) is used in any role
            if not info.site_member:
                # a type's or impl's own `<T>` is local to it, as a function's is to the function
                owner = type_parameter_owner(node)
                if owner is not None and owner.type not in FUNCTION_KINDS:
                    info.scope = owner
                else:  # (a use of a type's own `T`, the ripple's newest edit, is in the type too)
                    info.scope = syntax.scope_declaring(node, {old, new})
                    item = type_parameter_scope(node, {old, new})
                    if item is not None and (info.scope is None or info.scope.start_byte <= item.start_byte
                                             and item.end_byte <= info.scope.end_byte):
                        info.scope = item  # the innermost: a generic struct inside a function
                info.callee = parameters.parameter_of(buf.grammar, info.scope, node)
                info.property_of = parameters.property_class(ctx, info.scope, (old, new))
            else:
                info.keyword_call = parameters.keyword_to(node)
                info.callee = parameters.renamed_parameter_of_call(ctx, node, new)


def _where(ctx: Context, info: _Pair, line: int, start: int, end: int) -> str | None:
    """"code" or "text" (string, comment) if this occurrence is the renamed thing, "key" if it
    is the variable of a shorthand key (``{ theme }``), else None."""
    if _foreign(ctx, line, start, info.qualifier):
        return None  # `module::name`: that module's item, not the renamed one
    if info.roles and _role_at(ctx.buf.line_text(line), start, end, ctx.buf.dollar, info.role_before) not in info.roles:
        return None  # a keyword replaced in one role (`Self::X`) keeps its other roles (`Vec<Self>`)
    syntax = ctx.buf.syntax
    if syntax is None:
        return "code"
    node = syntax.node_at(line, start, end)
    if info.callee is not None and parameters.passes_to(info.callee, node):
        return "code"  # `f(name=v)`: a Python caller names the renamed parameter of `f`
    if info.keyword_call is not None:
        # renamed as a keyword: the same keyword to the same function, not an attribute or variable
        # (cattrs' `super().__init__(detailed_validation=...)` renamed `self.detailed_validation`)
        return "code" if parameters.keyword_to(node) == info.keyword_call else None
    scope = info.scope
    owner = info.property_of
    if owner is not None and _this_member(ctx, line, start) and _is_member(ctx, line, start, end):
        return "code" if owner.start_byte <= node.start_byte < owner.end_byte else None  # `constructor(private value: T)`
    if scope is not None and not (scope.start_byte <= node.start_byte and node.end_byte <= scope.end_byte):
        # (JSDoc's `@param name` above the function: a server renames it with the parameter)
        return "text" if parameters.doc_block_above(ctx, scope, line) and parameters.tagged(ctx, scope, (info.old, info.new), line, start) else None
    if (node.parent is not None and node.parent.type == "lifetime") != (
            info.site_node is not None and info.site_node.parent is not None and info.site_node.parent.type == "lifetime"):
        return None  # Rust's lifetime `'buf` and the parameter `buf`: two namespaces (httparse)
    if scope is not None and node.parent is not None and node.parent == scope and field_of(node) == "name":
        return None  # `def error(self, error)`: the function's own name is no local of it (packaging)
    if scope is not None and _path_segment(ctx.buf.line_text(line), start, end, heads=not (
            info.site_node is not None and type_parameter_owner(info.site_node) is not None)):
        # `Error::msg`, `ptr::copy`: a path's segment names a type's or module's item, never a
        # local; but a type parameter heads a path to its associated items (`V::Value`)
        return None
    header = _header_of(ctx, node) if scope is not None else None
    if header is not None and (header.start_byte, header.end_byte) == (scope.start_byte, scope.end_byte):
        return None  # `def f(fmt=fmt)`: the default reads the enclosing `fmt`, not the parameter
    if scope is not None and _shadowed(ctx, node, info.old, scope):
        return None  # a nested function declares its own `old` (`const { theme } = o`): another binding
    if scope is not None and _rebound(ctx, info, node):
        return None
    if syntax.in_string_or_comment(node):
        if _format_argument(ctx, node, line, start, end):
            return "code"  # `format!("{name}")`: the macro reads the variable
        if info.prose is not None and not _prose_site(ctx, info, line, start, end):
            return None
        if info.site_in_text or distinctive(info.old) or parameters.tagged(ctx, info.scope, (info.old, info.new), line, start):
            return "text"
        return None
    if info.site_in_text:
        return None  # the user edited text (a template, a message): code of that name is another thing
    if _shorthand(node) and not info.site_member:
        # `{ handler }` is a key and the variable at once: the key stays (it is the object's
        # shape), the value is the renamed variable; a pattern (`const { handler } = o`)
        # declares another binding
        return "key" if _shorthand(node, SHORTHAND_VALUE_KINDS) or _assigned(node) else None
    member = _is_member(ctx, line, start, end)
    if info.receiver is not None and _receiver(ctx.buf.line_text(line), start) != info.receiver:
        return None  # the user renamed a module's function (`valve.Context`): `r.Context()` is another thing
    if scope is not None and member:
        return None  # a local's rename: `x.name`, `name: v` and `f(name=v)` are other things' members
    if member != info.site_member and not _defines_member(syntax, node if info.site_member else info.site_node):
        # a variable and a member of the same name are different symbols, unless one side is
        # the member's own definition (`def name(self)` and `obj.name()`)
        return None
    if info.site_kind is not None and info.site_kind != "local" and syntax.declaration_kind(node) == info.site_kind:
        return None  # another declaration of the same kind: a different thing with the same name
    if scope is None and not member and syntax.scope_declaring(node, {info.old}) is not None:
        return None  # file-wide rename, but this function has its own local of that name
    return "code"


def _defines_member(syntax, node) -> bool:
    """Whether a name node is the definition of something members may refer to: a function,
    method, field, property or type (``def name``, ``name: int`` in a struct, ``fn name``)."""
    if node is None:
        return False
    kind = syntax.declaration_kind(node)
    return kind is not None and kind != "local" and syntax.is_definition(kind) and "import" not in kind


_FORMAT_MACROS = frozenset({"format", "print", "println", "eprint", "eprintln", "write", "writeln", "panic",
                            "format_args", "assert", "assert_eq", "assert_ne", "debug", "info", "warn", "error",
                            "trace", "bail", "anyhow", "ensure", "unreachable", "todo"})


def _format_argument(ctx: Context, node, line: int, start: int, end: int) -> bool:
    """Whether a name inside a string is a Rust format macro's inline argument (``{name}``,
    ``{name:?}``): code, renamed with the variable."""
    if ctx.buf.grammar != "rust":
        return False
    text = ctx.buf.line_text(line)
    if not (text[:start].endswith("{") and not text[:start].endswith("{{") and text[end:end + 1] in ("}", ":")):
        return False
    while node is not None and node.type != "macro_invocation":
        node = node.parent
    if node is None:
        return False
    macro = node.child_by_field_name("macro")
    name = (macro.text.decode("utf-8", "replace") if macro is not None else "").rsplit("::", 1)[-1]
    return name in _FORMAT_MACROS


def _used_between(ctx: Context, name: str, first: int, last: int) -> bool:
    """Whether ``name`` occurs as a whole word on lines ``first`` to ``last``."""
    return any(first <= ln <= last for ln, _, _ in ctx.buf.occurrences(name))


_RECEIVER = re.compile(r"(?<![\w$.])([^\W\d][\w$]*)\s*\.\s*$")  # `name.` right before a member, not `a.name.`


def _receiver(text: str, start: int) -> str | None:
    m = _RECEIVER.search(text[:start])
    return m.group(1) if m else None


_SELF_NAMES = frozenset({"self", "this", "Self", "super", "cls"})


def _module_receiver(ctx: Context, line: int, start: int) -> str | None:
    """The name before ``.`` at a renamed member when that name is an imported module or
    package (``valve.Context`` with ``valve`` imported), else None: a module's function has
    one owner, while a method name is shared by every object that has it."""
    name, syntax = _receiver(ctx.buf.line_text(line), start), ctx.buf.syntax
    if name is None or syntax is None or name in _SELF_NAMES:
        return None  # `self.x` is an object's member (Rust's `use self::m` imports no `self`)
    return name if any(syntax.in_import(syntax.node_at(*at)) for at in ctx.buf.occurrences(name)) else None


def _qualifier(ctx: Context, line: int, start: int) -> str | None:
    """The path segment right before ``name`` in ``segment::name``, or None."""
    m = _QUALIFIER.search(ctx.buf.line_text(line)[:start])
    return m.group(1) if m else None


def _this_member(ctx: Context, line: int, start: int) -> bool:
    """Whether the name at ``start`` is read through ``this.``."""
    return _receiver(ctx.buf.line_text(line), start) == "this"


def _path_segment(text: str, start: int, end: int, heads: bool = True) -> bool:
    """Whether the name at ``start``..``end`` of a line is next to ``::`` (Rust's and C++'s paths);
    ``heads=False``: only after one, not at the head of a path (`V::Value`)."""
    return after_access(text[:start], ("::",)) or (heads and text[end:].lstrip().startswith("::"))


def _foreign(ctx: Context, line: int, start: int, own: str | None) -> bool:
    """Whether the name at ``start`` is qualified by a module path (``de::Visitor``) other than
    ``own`` (the one the user's edit wrote): another module's item of the same name."""
    qualifier = _qualifier(ctx, line, start)
    return qualifier is not None and qualifier != own and qualifier[:1].islower() and qualifier not in PATH_ROOTS


def _next_token(text: str, end: int, dollar: bool) -> str:
    """The punctuation right after a name on its line ("" for a name, a number or the line end)."""
    tokens = tokenize(text[end:], dollar)
    return tokens[0].text if tokens and tokens[0].kind == PUNCT else ""


def _role(ex: Example, i: int, before: bool = False) -> str:
    """What follows old token ``i`` of an example on its line, as :func:`_next_token` sees it
    (and, ``before``, what precedes it: :func:`_role_at`)."""
    tokens, this = ex.old_tokens, ex.old_tokens[i]
    following = tokens[i + 1] if i + 1 < len(tokens) else None
    after = "" if following is None or "\n" in ex.old[this.end : following.start] or following.kind != PUNCT \
        else following.text
    if not before:
        return after
    prev = tokens[i - 1] if i > 0 else None
    ahead = "" if prev is None or "\n" in ex.old[prev.end : this.start] or prev.kind != PUNCT else prev.text
    return f"{ahead} {after}"


def _role_at(text: str, start: int, end: int, dollar: bool, before: bool) -> str:
    """:func:`_role` of the name at ``start``..``end`` of a line."""
    after = _next_token(text, end, dollar)
    if not before:
        return after
    tokens = tokenize(text[:start], dollar)
    return f"{tokens[-1].text if tokens and tokens[-1].kind == PUNCT else ''} {after}"


def _collides(ctx: Context, info: _Pair, line: int, start: int, end: int) -> bool:
    """Whether the new name is already a parameter or local of a function around this
    occurrence (declared outside the user's edits): renaming would merge two variables."""
    syntax = ctx.buf.syntax
    if syntax is None:
        return False
    around = syntax.functions_around(syntax.node_at(line, start, end))
    if not around:
        return False
    spans = {(f.start_byte, f.end_byte) for f in around}
    scope = info.scope
    for node in syntax.declaring_nodes(around[-1], info.new):
        if ctx.in_history(node.start_point[0]) or syntax.declaration_kind(node) != "local":
            continue
        owners = syntax.functions_around(node)
        owner = (owners[0].start_byte, owners[0].end_byte) if owners else None
        if owner not in spans:
            continue  # declared in another function (a sibling nested in the same one): not seen here
        if scope is not None and owner != (scope.start_byte, scope.end_byte) and \
                owner[0] <= scope.start_byte and scope.end_byte <= owner[1] and not info.existed:
            # an enclosing function's `entry`, shadowed by the renamed one (`lambda kv:` ->
            # `lambda entry:` inside a method with a loop's `entry`): nothing in the local's
            # own function read the outer one, so nothing is captured
            continue
        if scope is not None and owner == (scope.start_byte, scope.end_byte) and (
                _under_way(ctx, info) or not any(not ctx.in_history(x)
                                                 for x in syntax.declaring_lines(scope, info.old))):
            # the local's own declaration, renamed before the edits the engine is sent (12): a
            # long ripple (markdown-it's `state`, 60 uses) stopped there, its declaration
            # taken for another variable; a function that still declares the old name has two,
            # unless every recent edit is this rename (a Python local assigned again is
            # "declared" on each line: `pos` in markdown-it's reference.py, 40 uses)
            continue
        return True
    return False


def _under_way(ctx: Context, info: _Pair) -> bool:
    """Whether each of the recent edits (all five the behaviours learn from) renamed the old
    name to the new one and nothing else: a ripple that began before them. A real second
    variable of the new name would have stopped it at its start, in the same function."""
    pair = {(info.old, info.new)}
    return len(ctx.examples) >= RECENT and all(
        ex is not None and set(rename_ops(ex) or ()) == pair for ex in ctx.examples)


def _both_defined(ctx: Context, info: _Pair) -> bool:
    """Whether the old name is still defined outside the user's edits while the new one got a
    definition of its own (not the old one renamed): the user added a second thing beside
    the first, they did not rename it."""
    buf, regex = ctx.buf, word_regex(info.old, ctx.buf.dollar)

    def renamed_here(line: int) -> bool:  # the old name was defined on the lines this edit replaced
        return any(h.start <= line < h.end and regex.search(h.old_text) for h in ctx.hunks[-RECENT:])

    return any(not renamed_here(ln) for ln in buf.definition_lines(info.new)) and any(
        not ctx.in_history(ln) for ln in buf.definition_lines(info.old))
