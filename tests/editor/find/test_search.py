"""Find and replace: smart case, wrap-around, visible-line matches, one-step replace-all."""

from nxedit.editor.buffer import Selection
from nxedit.editor.find.search import Finder, compile_query, line_matches, replace_all, replace_current

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
