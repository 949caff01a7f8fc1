"""How the ghost layer turns a suggestion's pieces into annotations, and how the view
places labels and draws the cursor on ghost text (the snapshots show the result)."""

from rich.style import Style

from nxedit.editor.predictions.ghost import DELETED_LINE, JUMP_LABEL, MARKER, GhostLayer, piece_annotations
from nxedit.editor.view.layers import Annotation
from nxedit.editor.view.layout import Row
from nxedit.editor.view.render import render_text
from nxedit.editor.view.widget import place_labels
from nxedit.model.text.document import Document
from nxedit.model.predict.suggestion_diff import Piece

DOC = Document("def f(a):\n    x = 1\n\n    return a\n")


def notes(piece: Piece, first: int = 0, last: int = 10) -> list[tuple]:
    return [(a.kind, a.line, a.col, a.end, a.text, a.style, a.above)
            for a in piece_annotations(DOC, piece, first, last)]


def at(line: int, col: int) -> int:
    return DOC.offset(line, col)


def test_an_insertion_in_a_line_is_inline_ghost_text():
    assert notes(Piece(at(0, 7), at(0, 7), ", b")) == [("inline", 0, 7, 0, ", b", "ghost.insert", False)]


def test_new_whole_lines_are_ghost_rows_above_the_line_they_come_before():
    assert notes(Piece(at(3, 0), at(3, 0), "    y = 2\n    z = 3\n")) == [
        ("line", 3, 0, 0, "    y = 2", "ghost.insert", True), ("line", 3, 0, 0, "    z = 3", "ghost.insert", True)]


def test_lines_added_after_a_line_end_are_ghost_rows_below_it():
    assert notes(Piece(at(1, 9), at(1, 9), "\n    y = 2")) == [("line", 1, 0, 0, "    y = 2", "ghost.insert", False)]


def test_deleted_lines_are_struck_and_an_empty_one_shows_a_struck_return():
    assert notes(Piece(at(1, 0), at(3, 0), "")) == [
        ("overlay", 1, 0, 9, "", "ghost.delete", False), ("inline", 2, 0, 0, DELETED_LINE, "ghost.delete", False)]


def test_a_replacement_strikes_the_old_text_and_shows_the_new_after_it():
    assert notes(Piece(at(1, 4), at(1, 5), "total")) == [
        ("overlay", 1, 4, 5, "", "ghost.delete", False), ("inline", 1, 5, 0, "total", "ghost.insert", False)]


def test_whole_lines_replaced_are_struck_with_the_new_lines_as_rows_under_them():
    assert notes(Piece(at(1, 0), at(2, 0), "    if a:\n        x = 1\n")) == [
        ("overlay", 1, 0, 9, "", "ghost.delete", False),
        ("line", 1, 0, 0, "    if a:", "ghost.insert", False), ("line", 1, 0, 0, "        x = 1", "ghost.insert", False)]


def test_only_the_lines_asked_for_are_annotated():
    assert notes(Piece(at(0, 0), at(3, 0), ""), first=1, last=2) == [("overlay", 1, 0, 9, "", "ghost.delete", False)]


def test_away_from_the_cursor_a_gutter_marker_and_a_jump_label():
    layer = GhostLayer()
    layer.show(DOC, [Piece(at(3, 11), at(3, 11), " + 1")], diff=True, jump=True)
    kinds = [(a.kind, a.line, a.text) for a in layer.annotations(0, 1)]  # line 3 is not asked for
    assert kinds == [("gutter", 3, MARKER), ("label", 3, JUMP_LABEL)]  # the label goes to the edge
    version = layer.version
    layer.show(DOC, [Piece(at(3, 11), at(3, 11), " + 1")], diff=False, jump=True)  # subtle mode
    assert [a.kind for a in layer.annotations(0, 10)] == ["gutter"] and layer.version > version
    layer.clear()
    assert layer.annotations(0, 10) == []


def test_labels_of_lines_off_screen_go_to_the_edge_with_the_line_number():
    rows = [Row(10), Row(11), Row(12)]
    label = Annotation("label", 0, text=" Tab ⇥ jump ", style="ghost.hint")
    assert place_labels([label._replace(line=11)], rows, 3) == {1: (" Tab ⇥ jump ", "ghost.hint")}
    assert place_labels([label._replace(line=2)], rows, 3) == {0: (" Tab ⇥ jump to line 3 ", "ghost.hint")}
    assert place_labels([label._replace(line=40)], rows, 3) == {2: (" Tab ⇥ jump to line 41 ", "ghost.hint")}


def test_the_cursor_sits_on_the_first_character_of_ghost_text_inserted_at_it():
    cursor, ghost, base = Style(reverse=True), Style(italic=True), Style()
    segments = render_text("f(a)", 0, 4, 0, 12, 4, base, cursor=3, cursor_style=cursor, inline=[(3, ", b", ghost)])
    assert "".join(s.text for s in segments).rstrip() == "f(a, b)"
    styled = [(s.text, s.style) for s in segments if s.text.strip()]
    assert styled[1] == (",", ghost + cursor) and styled[0][1] == base  # not on ")" behind the ghost text
