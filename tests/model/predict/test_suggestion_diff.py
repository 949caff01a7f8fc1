"""A suggestion's pieces (what the ghost diff shows), typing through them, partial accepts,
and the request window that keeps requests small on big files."""

from hypothesis import given, settings
from hypothesis import strategies as st

from nxedit.model.text.changeset import ChangeSet
from nxedit.model.text.document import Document
from nxedit.model.text.edits import LineEdit
from nxedit.model.history.events import replay_hunks
from nxedit.model.predict.window import RequestWindow
from nxedit.model.predict.structural.history import place_hunks
from nxedit.model.predict.suggestion_diff import (
    Piece,
    changeset_of,
    diff_pieces,
    follow_typing,
    shift_after,
    suggestion_pieces,
    take,
)
from nxedit.model.text.plain import split_lines


def shown(old: str, new: str) -> list[tuple[str, str]]:
    """Each piece as (the old text it strikes, the new text it shows)."""
    return [(old[p.start : p.end], p.text) for p in diff_pieces(old, new)]


def test_a_renamed_word_is_one_replacement_not_scattered_letters():
    assert shown("    amount = 0\n", "    subtotal = 0\n") == [("amount", "subtotal")]
    assert shown("x = foo_bar(1)\n", "x = foo_baz(1)\n") == [("foo_bar", "foo_baz")]
    # the LCS keeps one shared letter inside the word ("l|siz|e|n_rv" on flask's make_response)
    assert shown("        elif len_rv == 2:\n", "        elif size == 2:\n") == [("len_rv", "size")]
    assert shown("apply(theme)\n", "apply(name)\n") == [("theme", "name")]


def test_text_added_or_removed_at_a_word_edge_stays_an_insertion_or_deletion():
    assert shown("def f(a):\n", "def f(a, b):\n") == [("", ", b")]
    assert shown("count\n", "counter\n") == [("", "er")]
    assert shown("counter\n", "count\n") == [("er", "")]


def test_several_renames_in_a_hunk_are_one_piece_each():
    old = "if amount > 100:\n    amount *= 0.95\nreturn amount\n"
    assert shown(old, old.replace("amount", "total")) == [("amount", "total")] * 3


def test_whole_lines_added_or_removed_stay_whole_lines():
    assert shown("a\nb\n", "a\nx\ny\nb\n") == [("", "x\ny\n")]
    assert shown("a = 1\nb = 2\n", "a = 1\n") == [("b = 2\n", "")]


def test_a_line_broken_mid_way_reads_as_whole_lines():
    wait = "await tick()"
    assert shown(f"  {wait}\n", f"  while (!ready) {{\n    {wait}\n  }}\n") == [
        (f"  {wait}\n", f"  while (!ready) {{\n    {wait}\n  }}\n")]


def test_a_rename_used_many_times_stays_word_level_and_strikes_no_unchanged_line():
    old = ("  if (gutter_width > 5) {\n    log(gutter_width);\n  }\n  const rest = width - gutter_width;\n"
           "  log(gutter_width, gutter_width);\n  return rest + gutter_width;\n")
    new = old.replace("gutter_width", "gutter_cells")
    assert shown(old, new) == [("gutter_width", "gutter_cells")] * 6


def test_too_many_scattered_changes_become_one_block():
    old = "a = 1\nb = 2\nc = 3\nd = 4\ne = 5\n"
    new = "a = 9\nb = 8\nc = 7\nd = 6\ne = 0\n"
    assert shown(old, new) == [(old, new)]


texts = st.text(alphabet="ab _(x\n", max_size=16)


@settings(max_examples=300, deadline=None)
@given(texts, texts)
def test_pieces_always_turn_the_old_text_into_the_new(old, new):
    pieces = diff_pieces(old, new)
    assert changeset_of(pieces, len(old)).apply(old) == new
    assert all(a.end <= b.start for a, b in zip(pieces, pieces[1:]))


def test_line_edits_become_pieces_at_buffer_offsets():
    doc = Document("def f(a):\n    return a\n")
    (piece,) = suggestion_pieces(doc, [LineEdit(1, 2, "    return a + 1\n")], base=100)
    assert piece == Piece(100 + doc.offset(1, 12), 100 + doc.offset(1, 12), " + 1")


def typed(pieces, text_len: int, at: int, chars: str):
    return follow_typing(pieces, ChangeSet.insert_at(text_len, at, chars))


def test_typing_the_start_of_a_suggestion_keeps_the_rest():
    pieces = (Piece(5, 5, ", scale"), Piece(20, 26, "total"))
    assert typed(pieces, 40, 5, ", s") == (Piece(8, 8, "cale"), Piece(23, 29, "total"))
    assert typed(pieces, 40, 5, ", scale") == (Piece(27, 33, "total"),)  # the first one is done


def test_typing_something_else_or_elsewhere_ends_the_suggestion():
    pieces = (Piece(5, 5, ", scale"),)
    assert typed(pieces, 40, 5, ", x") is None
    assert typed(pieces, 40, 9, ", s") is None
    assert follow_typing(pieces, ChangeSet.delete_range(40, 4, 5)) is None  # a backspace
    assert typed(pieces, 40, 5, ", scale") == ()


def test_typing_into_struck_text_ends_it():
    assert typed((Piece(5, 11, "total"),), 40, 7, "x") is None


def test_take_a_word_then_a_line():
    first, rest = take(Piece(5, 9, "foo(a, b)\n    return x\n"), "word")
    assert first == Piece(5, 9, "foo") and rest == Piece(8, 8, "(a, b)\n    return x\n")
    line, rest = take(rest, "line")
    assert line.text == "(a, b)\n" and rest == Piece(15, 15, "    return x\n")
    word, rest = take(Piece(0, 0, "\n    return x"), "word")
    assert word.text == "\n    return" and rest.text == " x"
    line, rest = take(Piece(0, 0, "\nfoo\nbar"), "line")
    assert line.text == "\nfoo" and rest.text == "\nbar"
    assert take(Piece(3, 8, ""), "word") == (Piece(3, 8, ""), None)  # a deletion goes at once


def test_pieces_after_an_applied_one_shift_by_its_size():
    assert shift_after([Piece(20, 22, "x")], Piece(5, 6, "abc")) == (Piece(22, 24, "x"),)


# -- the request window ---------------------------------------------------------------------


def test_window_around_the_cursor_is_clamped_to_the_buffer():
    assert RequestWindow.around(5, 100, radius=10) == RequestWindow(0, 16)
    assert RequestWindow.around(95, 100, radius=10) == RequestWindow(85, 100)
    assert RequestWindow.around(500, 100_000, radius=1000) == RequestWindow(0, 1501)


def _sequential_hunks(text: str, edits: list[tuple[int, int, str]]) -> tuple[str, list[dict]]:
    """Apply ``(start_line, n_old_lines, new_text)`` edits in turn; their hunks, wire format."""
    hunks = []
    for start, n_old, new in edits:
        lines = split_lines(text)
        old = "".join(lines[start : start + n_old])
        hunks.append({"start_line": start, "old_text": old, "new_text": new})
        text = "".join(lines[:start]) + new + "".join(lines[start + n_old :])
    return text, hunks


def test_window_history_keeps_the_newest_hunks_that_fit_in_window_lines():
    before = "".join(f"line {i}\n" for i in range(100))
    edits = [(10, 1, "far away\n"), (50, 1, "a\nb\n"), (49, 0, "new\n"), (52, 2, "c\n")]
    after, hunks = _sequential_hunks(before, edits)
    window = RequestWindow(40, 60)
    kept = window.history(hunks)
    assert [h["start_line"] for h in kept] == [10, 9, 12]  # the one at line 10 is outside
    # replayed on the window's text before them, they give the window's text now
    lines = split_lines(after)
    now = "".join(lines[40:60])
    start = replay_hunks("".join(split_lines(before)[40:60 - 1]), kept)  # the window grew by one line
    assert start == now
    # and the engine places them in the window where it places them in the whole buffer
    whole = place_hunks(hunks, lines)[1:]
    assert [(h.start - 40, h.end - 40, h.intact) for h in whole] == [
        (h.start, h.end, h.intact) for h in place_hunks(kept, split_lines(now))]


def test_window_to_buffer_moves_edits_back():
    edits = (LineEdit(3, 4, "x\n"),)
    assert RequestWindow(100, 200).to_buffer(edits) == (LineEdit(103, 104, "x\n"),)
    assert RequestWindow(0, 200).to_buffer(edits) is edits
