"""Which binding of a local name an occurrence refers to, inside one function.

A function may bind one name several times: Rust's ``for (n, error) in ...`` or ``if let
Some(error) = ...`` inside a function that has its own ``let error``, a later ``let x =
f(x)``, Go's ``for _, err := range`` and ``if err := f(); err != nil``, a ``const`` in a
nested JavaScript block, a Python comprehension's variable. A rename of one of them must
not ripple into the others (anyhow's ``fmt.rs``: renaming ``let error`` renamed the loop's
``error`` too). Each such binding is seen in a span of the text (less its initializer,
which in Rust, Go and a Python comprehension still sees the outer one); an occurrence
belongs to the innermost span around it, or to the function's own binding when none is.
Functions nested in the function are scopes of their own (:mod:`.rename` asks
:meth:`Syntax.scope_declaring` about them).
"""

from __future__ import annotations

from typing import NamedTuple

from .syntax import FUNCTION_KINDS, field_of

JS = frozenset({"javascript", "typescript", "tsx"})
COMPREHENSIONS = frozenset({"list_comprehension", "set_comprehension", "dictionary_comprehension",
                            "generator_expression"})
GO_INITIALIZED = frozenset({"if_statement", "expression_switch_statement", "type_switch_statement", "for_clause"})
GO_BLOCKS = ("block", "expression_case", "type_case", "default_case", "communication_case")  # a case is a block


class Span(NamedTuple):
    """Bytes ``start``..``end`` see the binding, except ``hole_start``..``hole_end`` (its initializer)."""

    start: int
    end: int
    hole_start: int = 0
    hole_end: int = 0

    def holds(self, offset: int) -> bool:
        return self.start <= offset < self.end and not self.hole_start <= offset < self.hole_end


def spans(grammar: str, function, names) -> tuple[Span, ...]:
    """The spans of the block-scoped bindings among ``names`` (the name nodes in ``function``
    that declare the renamed local), in any order."""
    found = [_span(grammar, name) for name in sorted(names, key=lambda n: n.start_byte)]
    out = []
    for i, this in enumerate(found):
        if this is None:
            continue
        span, block, _ = this
        if block is not None and grammar == "go" and any(_block(other, function) == block for other in found[:i]):
            continue  # `x, err := g()` in the block that already has `err`: Go assigns that one
        out.append(span)
    return tuple(out)


def block_span(grammar: str, name) -> Span | None:
    """The span of a declaring name node's binding when a block or statement opens it (None: the
    binding is its function's, a parameter's or a Python local's)."""
    found = _span(grammar, name)
    return None if found is None else found[0]


def opened(grammar: str, name) -> tuple[Span | None, object]:
    """:func:`block_span`, and the statement that opens the binding when one does (a loop's
    variable, Go's ``if err := f(); err != nil {``, Rust's ``if let``, a ``catch (e)``, a
    comprehension): its uses on that statement's own line belong to the binding too."""
    found = _span(grammar, name)
    return (None, None) if found is None else (found[0], found[2])


def binding(found: tuple[Span, ...], offset: int) -> Span | None:
    """The innermost span around ``offset`` (None: the function's own binding)."""
    around = [s for s in found if s.holds(offset)]
    return max(around, key=lambda s: (s.start, -s.end)) if around else None


def _span(grammar: str, name) -> tuple[Span, object, object] | None:
    """The span a declaring name node's binding is seen in, for a declaration in a plain
    block that block (Go reuses a variable declared again in the same block), and the
    statement that opens the binding, if one does; None for a binding of the whole function
    (a parameter, Python's assignments, JavaScript's ``var``)."""
    node = name
    while node.parent is not None:
        parent, field = node.parent, field_of(node)
        kind = parent.type
        if kind in FUNCTION_KINDS:
            return None
        if grammar == "rust":
            if kind == "let_declaration" and field == "pattern" and parent.parent is not None:
                return _hole(name.start_byte, parent.parent.end_byte, parent, "value"), None, None
            if kind == "for_expression" and field == "pattern":
                return _hole(parent.start_byte, parent.end_byte, parent, "value"), None, parent
            if kind == "let_condition" and field == "pattern":
                owner = _ancestor(parent, ("if_expression", "while_expression"))
                body = owner and (owner.child_by_field_name("consequence") or owner.child_by_field_name("body"))
                return (_hole(name.start_byte, body.end_byte, parent, "value"), None, owner) if body else None
        elif grammar == "go":
            if kind == "range_clause" and field == "left" and parent.parent is not None:
                if not any(c.type == ":=" for c in parent.children):
                    return None  # `for _, err = range`: assigns the outer one
                return _hole(parent.parent.start_byte, parent.parent.end_byte, parent, "right"), None, parent.parent
            if kind == "type_switch_statement" and field == "alias":  # `switch v := v.(type) {`
                return _hole(parent.start_byte, parent.end_byte, parent, "value"), None, parent
            if kind == "receive_statement" and field == "left" and parent.parent is not None \
                    and parent.parent.type == "communication_case" and any(c.type == ":=" for c in parent.children):
                return _hole(parent.parent.start_byte, parent.parent.end_byte, parent, "right"), None, parent.parent
            if kind in ("short_var_declaration", "var_spec") and field in ("left", "name") and parent.parent:
                owner = parent.parent
                if owner.type in GO_INITIALIZED:
                    owner = owner.parent if owner.type == "for_clause" else owner
                    return _hole(owner.start_byte, owner.end_byte, parent, "right"), None, owner
                block = _ancestor(parent, GO_BLOCKS)
                if block is None:
                    return None
                return (_hole(name.start_byte, block.end_byte, parent, "right" if field == "left" else "value"),
                        block, None)
        elif grammar in JS:
            if kind == "variable_declarator" and field == "name" and parent.parent is not None:
                declaration = parent.parent
                if declaration.type != "lexical_declaration" or declaration.parent is None:
                    return None  # `var`: the function's
                # the whole block, its initializer too: a `const` is in scope (if not yet set)
                # from the block's start (`const visit = (v) => visit(v.next)` calls itself)
                owner = declaration.parent
                return Span(owner.start_byte, owner.end_byte), None, None
            if kind == "for_in_statement" and field == "left":
                if parent.child_by_field_name("kind") is None:
                    return None  # `for (x of xs)`: assigns an outer `x`
                return Span(parent.start_byte, parent.end_byte), None, parent
            if kind == "catch_clause" and field == "parameter":
                return Span(parent.start_byte, parent.end_byte), None, parent
        elif grammar == "python":
            if kind == "for_in_clause" and field == "left" and parent.parent is not None:
                if parent.parent.type in COMPREHENSIONS:
                    return _hole(parent.parent.start_byte, parent.parent.end_byte, parent, "right"), None, parent.parent
                return None
        node = parent
    return None


def _hole(start: int, end: int, node, field: str) -> Span:
    value = node.child_by_field_name(field)
    return Span(start, end) if value is None else Span(start, end, value.start_byte, value.end_byte)


def _ancestor(node, kinds):
    while node is not None and node.type not in kinds:
        if node.type in FUNCTION_KINDS:
            return None
        node = node.parent
    return node


def _block(found, function):
    """The plain block a declaration's binding lives in: a function-wide one's (a parameter) is
    the function's body; None for one a statement opens (a loop's, an `if`'s)."""
    if found is None:
        return function.child_by_field_name("body")
    return found[1]
