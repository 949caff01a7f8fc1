"""What tree-sitter tells the engine about a buffer: strings, comments, functions, locals.

One :class:`Syntax` per request: the tree is parsed lazily (only a behaviour that needs
scopes pays for it) and nothing is shared between threads except the cached grammars.
"""

from __future__ import annotations

import re
from pathlib import PurePath

from nxedit.model.languages import BY_NAME, new_parser, spec_for_path

# node kinds that start a new scope for local names
FUNCTION_KINDS = frozenset({
    "function_definition", "lambda",  # python
    "function_item", "closure_expression",  # rust
    "function_declaration", "method_declaration", "func_literal",  # go (and js/ts below)
    "method_definition", "arrow_function", "function_expression", "function",
    "generator_function_declaration", "generator_function",
    # a function type's parameter names (`onChange: (prop: string) => void`) are its own:
    # renaming one is not a rename of the function's local of that name (valtio's vanilla.ts)
    "function_type",
})
# the parts of a string that are code (python f-strings, template literals)
CODE_IN_STRINGS = frozenset({"interpolation", "template_substitution"})
# text that is not named a string: Go's rune `'s'` and Rust's char literal are not the variable `s`
TEXT_LITERALS = frozenset({"template_literal", "rune_literal", "char_literal"})
# (parent kind, field of the name) that declare a local name
DECLARING_FIELDS = frozenset({
    ("let_declaration", "pattern"), ("let_condition", "pattern"), ("for_expression", "pattern"),
    ("variable_declarator", "name"), ("for_in_statement", "left"), ("catch_clause", "parameter"),
    ("arrow_function", "parameter"),
    ("short_var_declaration", "left"), ("var_spec", "name"), ("const_spec", "name"), ("range_clause", "left"),
    ("assignment", "left"), ("for_statement", "left"), ("for_in_clause", "left"), ("named_expression", "name"),
    ("as_pattern", "alias"), ("with_item", "value"),
    ("type_switch_statement", "alias"), ("receive_statement", "left"),  # Go: `switch v := x.(type)`, `case v := <-ch`
})
# containers a declared name may sit in (tuple patterns, lists of names, ...)
_PATTERN_CONTAINERS = ("pattern", "expression_list", "parameters", "parameter_list", "as_pattern_target")
_NOT_A_NAME_FIELDS = frozenset({"value", "default", "type", "return_type", "body", "right"})
_NAME_KINDS = frozenset({"identifier", "shorthand_property_identifier_pattern"})
# node kinds whose name field defines something (not `Foo { .. }`, `m::Foo`: those name a use)
_DEFINITION_SUFFIXES = ("_definition", "_item", "_declaration", "_spec", "_signature", "import_specifier")


def grammar_for(language: str, path: str) -> str | None:
    """The registry name of the grammar to parse a request with, or None (token fallback)."""
    suffix = PurePath(path).suffix.lower()
    if language in ("typescript", "tsx") and suffix == ".tsx":
        return "tsx"
    if language in BY_NAME and BY_NAME[language].has_grammar:
        return language
    spec = spec_for_path(path) if path else None
    return spec.name if spec is not None and spec.has_grammar else None


class Syntax:
    """The syntax tree of one text, parsed on first use."""

    def __init__(self, text: str, lines: list[str], grammar: str):
        self.grammar = grammar
        self._text = text
        self._lines = lines
        self._tree = None
        self._parser = None  # one per request: the engine's thread's own (tree-sitter parsers are not shared)
        self._declares: dict[tuple, bool] = {}
        self._declared: dict[tuple, tuple[int, ...]] = {}

    @property
    def parser(self):
        if self._parser is None:
            self._parser = new_parser(self.grammar)
        return self._parser

    @property
    def root(self):
        if self._tree is None:
            self._tree = self.parser.parse(self._text.encode("utf-8"))
        return self._tree.root_node

    def point(self, line: int, column: int) -> tuple[int, int]:
        """The tree-sitter point (row, byte column) of a character position."""
        text = self._lines[line] if line < len(self._lines) else ""
        return (line, column if text.isascii() else len(text[:column].encode("utf-8")))

    def node_at(self, line: int, start_col: int, end_col: int):
        """The smallest node covering characters [start_col, end_col) of a line."""
        return self.root.descendant_for_point_range(self.point(line, start_col), self.point(line, end_col))

    @staticmethod
    def in_string_or_comment(node) -> bool:
        while node is not None:
            kind = node.type
            if kind in CODE_IN_STRINGS:
                return False  # f"{name}", `${name}`: code inside a string
            # named nodes only: TypeScript's `string` type keyword is an anonymous "string" node
            if node.is_named and ("comment" in kind or "string" in kind or kind in TEXT_LITERALS):
                return True
            if kind in FUNCTION_KINDS or kind.endswith("statement"):
                return False
            node = node.parent
        return False

    @staticmethod
    def in_import(node) -> bool:
        """Whether a node is part of an import (Go's ``import "fmt"`` names code with a string)."""
        while node is not None:
            if "import" in node.type:
                return True
            node = node.parent
        return False

    def parses(self, snippet: str) -> bool:
        """Whether ``snippet``, parsed alone with this grammar, has no syntax error."""
        return not self.parser.parse(snippet.encode("utf-8")).root_node.has_error

    @staticmethod
    def functions_around(node) -> list:
        """Enclosing function-like nodes, innermost first."""
        out = []
        while node is not None:
            if node.type in FUNCTION_KINDS:
                out.append(node)
            node = node.parent
        return out

    def declares(self, function, names: frozenset[str] | set[str]) -> bool:
        """Whether a function declares one of ``names`` itself: a parameter or a local
        variable (in nested blocks too). Only the places where a name is written are looked
        at, so this costs as much as the name's uses, not the function's size."""
        key = (function.start_byte, function.end_byte, frozenset(names))
        if key not in self._declares:
            self._declares[key] = any(next(self._declaring_nodes(function, name), None) is not None for name in names)
        return self._declares[key]

    def declaring_lines(self, function, name: str) -> tuple[int, ...]:
        """The lines inside ``function`` where it declares ``name`` (parameter or local)."""
        return tuple(sorted({node.start_point[0] for node in self.declaring_nodes(function, name)}))

    def declaring_nodes(self, function, name: str) -> tuple:
        """The name nodes inside ``function`` (nested functions too) that declare ``name``."""
        key = (function.start_byte, function.end_byte, name)
        if key not in self._declared:
            self._declared[key] = tuple(self._declaring_nodes(function, name))
        return self._declared[key]

    def _declaring_nodes(self, function, name: str):
        first, last = function.start_point[0], min(function.end_point[0], len(self._lines) - 1)
        regex = re.compile(rf"(?<![\w$]){re.escape(name)}(?![\w$])")
        for line in range(first, last + 1):
            for m in regex.finditer(self._lines[line]):
                node = self.node_at(line, m.start(), m.end())
                inside = function.start_byte <= node.start_byte and node.end_byte <= function.end_byte
                owner = type_parameter_owner(node)
                if owner is not None and owner.type not in FUNCTION_KINDS:
                    continue  # a nested `struct S<T>`'s `T` is the struct's, not the function's
                if inside and (node.type in _NAME_KINDS or owner is not None) and _is_declaration(node):
                    yield node

    @staticmethod
    def declaration_kind(node) -> str | None:
        """What a name node declares: its parent's kind for a definition's name ("field_declaration",
        "function_item", ...), "local" for a parameter or variable, None for a mere use."""
        parent = node.parent
        if parent is None:
            return None
        # (a Python parameter with a default is the `name` of a `default_parameter`, Go's `x int` of
        # a `parameter_declaration`: locals too)
        if field_of(node) == "name" and parent.type not in ("variable_declarator", "var_spec", "const_spec") \
                and not parent.type.endswith(("default_parameter", "parameter_declaration")) \
                and type_parameter_owner(node) is None:
            return parent.type
        return "local" if _is_declaration(node) else None

    @staticmethod
    def is_definition(kind: str | None) -> bool:
        """Whether a :meth:`declaration_kind` names a definition (function, type, field, import),
        not a local and not a use."""
        return kind is not None and kind != "local" and kind.endswith(_DEFINITION_SUFFIXES)

    def scope_declaring(self, node, names: set[str]):
        """The innermost enclosing function that declares one of ``names``, or None (file scope)."""
        for function in self.functions_around(node):
            if self.declares(function, names):
                return function
        return None


def type_parameter_owner(node):
    """The item whose own type parameter a name node declares (`fn f<T>`, `struct S<T>`,
    `impl<T>`, `class A<T>`, Go's `[K comparable]`): the parameter is a local of that item, not
    a definition beside another item's `T`. None for any other node."""
    parent = node.parent
    if parent is None or parent.type not in ("type_parameter", "type_parameter_declaration") \
            or field_of(node) != "name" or parent.parent is None:
        return None
    return parent.parent.parent


def own_type_parameters(item, names) -> list:
    """The name nodes of ``item``'s own type parameters called one of ``names`` (`impl<'a, T>`'s `T`)."""
    params = item.child_by_field_name("type_parameters")
    return [n for p in (params.named_children if params is not None else ()) for n in p.named_children
            if type_parameter_owner(n) is not None and n.text.decode("utf-8", "replace") in names]


def type_parameter_scope(node, names: set[str]):
    """The innermost item around ``node`` whose own type parameters declare one of ``names``
    (a use of `T` in `impl<T> S<T> { .. }`, `class A<T> { .. }`), or None."""
    item = node.parent
    while item is not None and not own_type_parameters(item, names):
        item = item.parent
    return item


def field_of(node) -> str | None:
    parent = node.parent
    for i, child in enumerate(parent.children):
        if child == node:
            return parent.field_name_for_child(i)
    return None


def _is_declaration(node) -> bool:
    """Whether an identifier node introduces a local name (parameter, let, :=, for target, ...)."""
    child = node
    parent = node.parent
    while parent is not None:
        field = field_of(child)
        kind = parent.type
        if (kind, field) in DECLARING_FIELDS:
            return True
        if "parameter" in kind and kind not in ("parameters", "formal_parameters", "parameter_list"):
            return field not in _NOT_A_NAME_FIELDS
        if kind in ("parameters", "lambda_parameters", "closure_parameters", "formal_parameters"):
            return True
        if field in _NOT_A_NAME_FIELDS or not any(c in kind for c in _PATTERN_CONTAINERS):
            return False
        child, parent = parent, parent.parent
    return False
