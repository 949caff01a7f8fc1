"""Row layout and drawing: wrap, tabs, wide and control characters, visible slices only."""

from rich.style import Style

from nxedit.editor.view.layers import Annotation, group_by_line
from nxedit.editor.view.layout import layout, wrap_starts
from nxedit.editor.view.render import render_text, visible_cells
from nxedit.model.text.document import Document


def text_of(segments) -> str:
    return "".join(s.text for s in segments)


def test_wrap_breaks_after_spaces_and_inside_long_words():
    assert wrap_starts("alpha beta gamma", 11, 4) == (0, 11)
    assert wrap_starts("x" * 25, 10, 4) == (0, 10, 20)
    assert wrap_starts("中文中文中文", 5, 4) == (0, 2, 4)  # wide characters never split


def test_wrap_with_tabs_counts_tab_stops():
    starts = wrap_starts("\tab\tcd", 6, 4)
    assert starts == (0, 3)  # "\tab" is 6 cells


def test_visible_cells_slices_only_the_window_of_a_long_line():
    first, pieces = visible_cells("a" * 100_000 + "END", 0, 100_003, 99_995, 20, 4)
    assert first == 99_995 and "".join(pieces) == "aaaaaEND"


def test_a_wide_character_cut_by_the_left_edge_becomes_blank():
    first, pieces = visible_cells("中文ab", 0, 4, 1, 10, 4)
    assert first == 0 and "".join(pieces) == " 文ab"


def test_tabs_expand_to_the_next_stop_and_control_characters_never_reach_the_terminal():
    _, pieces = visible_cells("a\tb\x1b[2Jc", 0, 8, 0, 20, 4)
    shown = "".join(pieces)
    assert shown.startswith("a   b") and "\x1b" not in shown


def test_render_text_fills_the_width_and_draws_the_cursor_after_the_text():
    base, cursor = Style(), Style(reverse=True)
    segments = render_text("ab", 0, 2, 0, 6, 4, base, cursor=2, cursor_style=cursor)
    assert text_of(segments) == "ab    " and segments[1].style == cursor


def test_render_text_paints_layers_in_order():
    red, sel = Style(color="red"), Style(bgcolor="blue")
    segments = render_text("abcdef", 0, 6, 0, 6, 4, Style(), [[(0, 3, red)], [(2, 4, sel)]])
    styles = [(s.text, s.style) for s in segments]
    assert styles[0] == ("ab", red) and styles[1] == ("c", red + sel) and styles[2] == ("d", sel)


def test_layout_places_virtual_rows_and_wrap_segments():
    doc = Document("short\n" + "word " * 10 + "\nlast")
    notes = group_by_line([Annotation("line", 0, text="ghost"), Annotation("line", 2, text="above", above=True)])
    rows = layout(doc, 0, 0, 20, 20, notes.get)
    kinds = [("v" if r.virtual else "t", r.line, r.start) for r in rows]
    assert kinds == [("t", 0, 0), ("v", 0, 0), ("t", 1, 0), ("t", 1, 20), ("t", 1, 40), ("v", 2, 0), ("t", 2, 0)]
    assert layout(doc, 1, 2, 2, 20, notes.get)[0].start == 40  # a subrow of a tall line on top
