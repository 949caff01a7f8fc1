"""The language registry: detection, and every grammar's queries compile and run."""

import pytest

from nxedit.model import languages as L

SAMPLES = {
    "python": "def f(x):\n    return x  # c\n",
    "rust": "fn main() { let x = 1; }\n",
    "javascript": "const a = () => 1;\n",
    "typescript": "const x: number = 1;\nfunction f<T>(a: T): T { return a; }\n",
    "tsx": "const e = <div className='a'>{x}</div>;\n",
    "go": "package main\nfunc main() {}\n",
    "c": "int main(void) { return 0; }\n",
    "cpp": "template<class T> T f(T a) { return a; }\n",
    "java": "class A { void f() {} }\n",
    "ruby": "def f(x)\n  x\nend\n",
    "bash": "echo $HOME\n",
    "json": '{"a": [1, true]}\n',
    "toml": "[a]\nb = 1\n",
    "yaml": "a:\n  - b\n",
    "html": "<p class='x'>hi</p>\n",
    "css": "a { color: red; }\n",
    "markdown": "# Title\n\ntext\n",
}


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_grammar_parses_and_highlights(name):
    import tree_sitter

    parser = L.new_parser(name)
    tree = parser.parse(SAMPLES[name].encode())
    assert not tree.root_node.has_error or name == "markdown"
    captures = tree_sitter.QueryCursor(L.highlights_query(name)).captures(tree.root_node)
    assert captures, f"{name}: highlight query captured nothing"
    if L.BY_NAME[name].tags:
        assert L.tags_query(name) is not None


def test_every_registered_language_has_a_sample():
    assert set(SAMPLES) == {s.name for s in L.LANGUAGES}


@pytest.mark.parametrize(
    "path, first_line, expected",
    [
        ("src/main.rs", "", "rust"),
        ("a/b.PY", "", "python"),
        ("web/App.tsx", "", "tsx"),
        ("Rakefile", "", "ruby"),
        ("script", "#!/usr/bin/env python3", "python"),
        ("run", "#!/bin/bash -e", "bash"),
        ("notes.txt", "", None),
    ],
)
def test_detection(path, first_line, expected):
    spec = L.spec_for_path(path, first_line)
    assert (spec.name if spec else None) == expected
