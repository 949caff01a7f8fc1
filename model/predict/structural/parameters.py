"""Where else a parameter is named than in its function: the keyword arguments its Python
callers pass (``f(name=v)``, ``self.f(name=v)``, ``super().f(name=v)`` in a subclass), and the
tags of its doc comment (``@param name``, ``:param name:``). A language server's rename follows
both; the rename ripple (:mod:`.rename`) does too, within the file. And whether a parameter
swapped in a rewritten header is the same one renamed (its type kept) or another.
"""

from __future__ import annotations

import re

from .context import Context
from .syntax import own_type_parameters

_LISTS = ("parameters", "formal_parameters", "parameter_list", "lambda_parameters", "closure_parameters")


def is_parameter(node) -> bool:
    """Whether a declaring name node is a parameter's (within three levels of a parameter node)."""
    for _ in range(3):
        node = node.parent
        if node is None:
            return False
        if "parameter" in node.type:
            return True
    return False


def only_renamed(node, old: str, new: str, old_text: str) -> bool:
    """Whether the parameter declared by name ``node`` (renamed ``old`` -> ``new``) was there
    before with only its name changed (``handler http.Handler`` -> ``endpoint http.Handler``),
    not replaced by another of another type (``data: AsyncIterator[bytes]`` -> ``request: Request``:
    its uses need more than the new name)."""
    declaration = node.parent
    if declaration is None or declaration.type in _LISTS or "parameter" not in declaration.type:
        return True  # a bare name (Python's `def f(data)`): nothing else to compare
    text = declaration.text.decode("utf-8")
    start = node.start_byte - declaration.start_byte
    before = text[:start] + old + text[start + len(new.encode("utf-8")):] if text.isascii() else None
    return before is not None and before in old_text


def property_class(ctx: Context, function, names: tuple[str, ...]):
    """The class whose member the renamed parameter also is, when it is a TypeScript parameter
    property (``constructor(private value: T)``: ``this.value`` is the parameter's own member
    and a server renames it with it); else None."""
    if function is None or ctx.buf.grammar not in ("typescript", "tsx"):
        return None
    header = function.child_by_field_name("parameters")
    for name in names:
        for node in ctx.buf.syntax.declaring_nodes(function, name):
            parameter = node.parent
            if header is None or not header.start_byte <= node.start_byte < header.end_byte or parameter is None:
                continue
            if any(c.type in ("accessibility_modifier", "readonly", "override_modifier") for c in parameter.children):
                return _enclosing(function, ("class_declaration", "class", "abstract_class_declaration"))
    return None


def parameter_of(grammar: str | None, function, node) -> tuple[str, bool, str | None] | None:
    """The name of the Python function whose parameter ``node`` declares (not ``*args``,
    ``**kwargs`` or one before ``/``: no caller names those), whether it is a method, and its
    class's name; else None."""
    if grammar != "python" or function is None or function.type != "function_definition":
        return None
    params, name = function.child_by_field_name("parameters"), function.child_by_field_name("name")
    if params is None or name is None or not params.start_byte <= node.start_byte < params.end_byte:
        return None
    for child in params.children:
        if child.type == "positional_separator" and node.start_byte < child.start_byte:
            return None
        if child.type in ("list_splat_pattern", "dictionary_splat_pattern") and \
                child.start_byte <= node.start_byte < child.end_byte:
            return None
    body = function.parent
    if body is not None and body.type == "decorated_definition":  # `@staticmethod`, `@property`
        body = body.parent
    owner = body.parent if body is not None and body.type == "block" else None
    if owner is None or owner.type != "class_definition":
        return name.text.decode("utf-8"), False, None
    owner = owner.child_by_field_name("name")
    return name.text.decode("utf-8"), True, owner.text.decode("utf-8") if owner is not None else None


def renamed_parameter_of_call(ctx: Context, node, new: str) -> tuple[str, bool, str | None] | None:
    """For a keyword renamed at a call (``self.f(path, private=False)`` -> ``deny=False``), the
    called function as :func:`parameter_of` gives it when this file's ``def f`` has a
    parameter of the new name: the ripple through its callers goes on once the renamed
    parameter has left the recent edits (platformdirs' last caller, above the ``def``, was left)."""
    called = keyword_to(node)
    syntax = ctx.buf.syntax
    if called is None or called[1] not in (None, "self", "cls"):
        return None
    for line in ctx.buf.definition_lines(called[0]):
        for start, end in ctx.buf.occurrences_on(line, called[0]):
            function = syntax.node_at(line, start, end).parent
            if function is None or function.type != "function_definition":
                continue
            for declared in syntax.declaring_nodes(function, new):
                callee = parameter_of(ctx.buf.grammar, function, declared)
                if callee is not None and (called[1] is not None) == callee[1]:  # (not through super())
                    return callee
    return None


def keyword_to(node) -> tuple[str, str | None] | None:
    """For the name of a keyword argument (``f(name=v)``, ``self.f(name=v)``): the called name
    and the text of its receiver (None for a bare call)."""
    parent = node.parent
    if parent is None or parent.type != "keyword_argument" or parent.child_by_field_name("name") != node:
        return None
    call = parent.parent.parent if parent.parent is not None else None
    if call is None or call.type != "call":
        return None
    callee, receiver = call.child_by_field_name("function"), None
    if callee is not None and callee.type == "attribute":
        receiver = callee.child_by_field_name("object")
        receiver = receiver.text.decode("utf-8") if receiver is not None else ""
        callee = callee.child_by_field_name("attribute")
    if callee is None or callee.type != "identifier":
        return None
    return callee.text.decode("utf-8"), receiver


def passes_to(callee: tuple[str, bool, str | None], node) -> bool:
    """Whether the keyword argument named by ``node`` (:func:`keyword_to`) is passed to the
    function of :func:`parameter_of`: a function by its bare name, a method through ``self``
    or ``cls``, or through ``super()`` in a class that names the method's class among its bases
    (``converter.f(...)`` calls another object's ``f``, with parameters of its own)."""
    called = keyword_to(node)
    if called is None:
        return False
    if callee[0] == "__init__" and callee[2] is not None and called == (callee[2], None):
        return True  # `ParserSyntaxError(msg, span=...)`: the class's `__init__` takes it
    if called[0] != callee[0]:
        return False
    if not callee[1]:
        return called[1] is None
    owner = _enclosing(node, ("class_definition",))
    bases = _bases_of(owner)
    if called[1] == "super()":
        return callee[2] is not None and callee[2] in bases
    if called[1] not in ("self", "cls"):
        return False
    name = owner.child_by_field_name("name") if owner is not None else None
    if callee[2] is None or (name is not None and name.text.decode("utf-8") == callee[2]):
        return True
    # a subclass's `self.filter(...)` calls the base's only where the subclass has no `filter` of
    # its own (packaging's `Specifier.filter` overrides `BaseSpecifier.filter`)
    return callee[2] in bases and not _defines(owner, callee[0])


def _enclosing(node, kinds: tuple[str, ...]):
    """The nearest node around ``node`` (or itself) of one of ``kinds``, or None."""
    while node is not None and node.type not in kinds:
        node = node.parent
    return node


def _defines(owner, name: str) -> bool:
    """Whether a class's body defines a method ``name``."""
    body = owner.child_by_field_name("body") if owner is not None else None
    for child in body.named_children if body is not None else ():
        function = child.child_by_field_name("definition") if child.type == "decorated_definition" else child
        if function is not None and function.type == "function_definition":
            own = function.child_by_field_name("name")
            if own is not None and own.text.decode("utf-8") == name:
                return True
    return False


def _bases_of(node) -> set[str]:
    """The names of a class's bases (``class Sub(mod.Base)``: Base)."""
    bases = node.child_by_field_name("superclasses") if node is not None else None
    if bases is None:
        return set()
    out = set()
    for base in bases.named_children:
        if base.type == "attribute":
            base = base.child_by_field_name("attribute")
        if base is not None and base.type == "identifier":
            out.add(base.text.decode("utf-8"))
    return out


# a doc comment's tag naming a parameter: JSDoc's `@param {Type} [name`, Sphinx's `:param type name:`
_TYPE_PARAMETER_TAG = re.compile(r"@template\s+(?:\{[^}]*\}\s*)?(?:[\w$]+\s*,\s*)*$")
_PARAMETER_TAG = re.compile(r"(?:@(?:param|arg|argument)\s+(?:\{[^}]*\}\s*)?\[?|:param\s+(?:[\w\[\], .|]+\s)?)$")


def tagged(ctx: Context, function, names: tuple[str, ...], line: int, start: int) -> bool:
    """Whether the name at ``start`` of ``line`` is a doc comment's tag naming a parameter of
    ``function`` declared as one of ``names`` (``@param name``, ``:param name:``): it names the
    parameter, whatever the word."""
    syntax = ctx.buf.syntax
    if function is None:
        return False
    before = ctx.buf.line_text(line)[:start]
    if _TYPE_PARAMETER_TAG.search(before):  # JSDoc's `@template T` names the item's own `<T>`
        return bool(own_type_parameters(function, names))
    if not _PARAMETER_TAG.search(before):
        return False
    header = function.child_by_field_name("parameters") or function.child_by_field_name("parameter")
    return header is not None and any(
        header.start_byte <= n.start_byte < header.end_byte
        for name in names for n in syntax.declaring_nodes(function, name))


def doc_block_above(ctx: Context, function, line: int) -> bool:
    """Whether ``line`` is in the comment right above ``function`` (its doc comment)."""
    syntax, first = ctx.buf.syntax, function.start_point[0]
    if not 0 <= first - line <= 40:
        return False
    for ln in range(line, first):
        text = ctx.buf.line_text(ln)
        col = len(text) - len(text.lstrip())
        if col == len(text) or not syntax.in_string_or_comment(syntax.node_at(ln, col, col + 1)):
            return False
    return True
