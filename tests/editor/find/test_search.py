"""Find and replace: smart case, wrap-around, visible-line matches, one-step replace-all."""

import re

import pytest

from nxedit.editor.buffer import Selection
from nxedit.editor.find.search import QueryError, Finder, compile_query, line_matches, replace_all, replace_current

from editor_helpers import make


def test_smart_case_ignores_case_unless_the_query_has_capitals():
    assert compile_query("foo").search("a FOO b")
    assert not compile_query("Foo").search("a FOO b")
    assert compile_query("a.b").search("a.b") and not compile_query("a.b").search("axb")
    assert compile_query("") is None


def test_find_next_and_previous_wrap_around():
    buf = make("|x foo y foo z")
    f, p = Finder(), compile_query("foo")
    assert f.find(buf.document, p, 0) == (2, 5)
    assert f.find(buf.document, p, 6) == (8, 11)
    assert f.find(buf.document, p, 12) == (2, 5)  # wrapped
    assert f.find(buf.document, p, 8, backwards=True) == (2, 5)
    assert f.find(buf.document, p, 1, backwards=True) == (8, 11)  # wrapped backwards
    assert f.find(buf.document, compile_query("nope"), 0) is None
    assert f.rank(buf.document, p, 8) == (2, 2)


def test_line_matches_only_for_the_lines_asked():
    buf = make("|ab\nxabx\nab ab\n")
    assert line_matches(buf.document, 1, 3, compile_query("AB".lower())) == {1: [(1, 3)], 2: [(0, 2), (3, 5)]}


def test_replace_current_only_replaces_a_selected_match():
    buf = make("^foo| foo")
    p = compile_query("foo")
    assert replace_current(buf, p, "bar")
    assert buf.text == "bar foo"
    buf.select(Selection(4, 6))
    assert not replace_current(buf, p, "bar")


def test_replace_all_is_one_undo_step():
    buf = make("|a.b a.b axb")
    assert replace_all(buf, compile_query("a.b"), "c") == 2
    assert buf.text == "c c axb"
    buf.undo()
    assert buf.text == "a.b a.b axb"


def test_regex_queries_with_smart_case_and_line_anchors():
    p = compile_query(r"^\s*def (\w+)", regex=True)
    buf = make("|x = 1\n  def go():\n")
    assert Finder().find(buf.document, p, 0) == (6, 14)
    assert compile_query(r"\S+", regex=True).flags & re.IGNORECASE  # an escape's letter is no capital
    assert not compile_query(r"Foo", regex=True).flags & re.IGNORECASE
    assert not compile_query("foo", match_case=True).search("FOO")


def test_a_bad_pattern_is_one_clear_line():
    with pytest.raises(QueryError) as err:
        compile_query("(a|b", regex=True)
    assert str(err.value) == "bad regular expression: missing ), unterminated subpattern at position 0"


def test_replacements_use_capture_groups_in_either_spelling():
    buf = make("|f(a, b) f(c, d)")
    p = compile_query(r"f\((\w), (?P<second>\w)\)", regex=True)
    assert replace_all(buf, p, r"g($2, \1, ${second}, $$)", regex=True) == 2
    assert buf.text == "g(b, a, b, $) g(d, c, d, $)"
    buf = make("^f(a)| f(b)")
    assert replace_current(buf, compile_query(r"f\((\w)\)", regex=True), r"[\1]", regex=True)
    assert buf.text == "[a] f(b)"
    assert replace_all(make("|x"), compile_query("x"), r"\1") == 1  # literal mode: no groups


def test_a_replacement_naming_a_missing_group_is_an_error_and_changes_nothing():
    buf = make("|f(a)")
    with pytest.raises(QueryError):
        replace_all(buf, compile_query(r"f\((\w)\)", regex=True), "$3", regex=True)
    assert buf.text == "f(a)"


def test_empty_regex_matches_are_skipped():
    buf = make("|ab\n\nab")
    f = Finder()
    assert f.find(buf.document, compile_query("x*", regex=True), 0) is None
    assert f.find(buf.document, compile_query("b*", regex=True), 0) == (1, 2)
