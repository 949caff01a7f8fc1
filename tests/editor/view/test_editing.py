"""Text commands and motions over a Buffer, without any UI."""

import pytest

from nxedit.editor.view import editing, motion
from nxedit.editor.buffer import Selection

from editor_helpers import make, show


def move(buf, fn, *args):
    buf.select(Selection.cursor(fn(buf.document, buf.selection.head, *args)))
    return show(buf)


# -- motions ----------------------------------------------------------------------------


def test_char_motions_cross_line_endings_including_crlf():
    buf = make("ab\r\n|cd")
    assert move(buf, motion.char_left) == "ab|\r\ncd"
    assert move(buf, motion.char_right) == "ab\r\n|cd"


def test_word_motions_stop_at_word_and_punctuation_boundaries():
    buf = make("|foo.bar(baz)  qux")
    steps = [show(buf)]
    for _ in range(5):
        steps.append(move(buf, motion.word_right))
    assert steps[1:] == ["foo|.bar(baz)  qux", "foo.|bar(baz)  qux", "foo.bar|(baz)  qux",
                         "foo.bar(|baz)  qux", "foo.bar(baz|)  qux"]
    assert move(buf, motion.word_left) == "foo.bar(|baz)  qux"


def test_smart_home_toggles_between_indentation_and_column_zero():
    buf = make("    return |x")
    assert move(buf, motion.line_start) == "    |return x"
    assert move(buf, motion.line_start) == "|    return x"
    assert move(buf, motion.line_start) == "    |return x"
    assert move(buf, motion.line_end) == "    return x|"


def test_vertical_motion_keeps_the_goal_cell_across_short_lines_and_tabs():
    buf = make("abcdef|\nab\n\tcdefgh\n")
    doc = buf.document
    off, goal = motion.vertical(doc, buf.selection.head, 1)
    assert doc.position(off) == (1, 2) and goal == 6
    off, goal = motion.vertical(doc, off, 1, goal)
    assert doc.position(off) == (2, 3)  # tab takes 4 cells: "\tcd" ends at cell 6
    assert motion.vertical(doc, off, -10, goal)[0] == 0
    assert motion.vertical(doc, off, 10, goal)[0] == len(doc)


def test_vertical_motion_over_wide_characters():
    buf = make("中文字|\nabcdefg")
    off, _ = motion.vertical(buf.document, buf.selection.head, 1)
    assert buf.document.position(off) == (1, 6)


def test_word_at_finds_the_word_under_or_before_the_cursor():
    buf = make("x = hello_world|()")
    start, end = motion.word_at(buf.document, buf.selection.head)
    assert buf.text[start:end] == "hello_world"


# -- typing and deleting ----------------------------------------------------------------


def test_typing_replaces_the_selection():
    buf = make("a ^big| cat")
    editing.type_text(buf, "small")
    assert show(buf) == "a small| cat"


@pytest.mark.parametrize(
    "before, language, after",
    [
        ("def f():|", "python", "def f():\n    |"),
        ("    x = 1|", None, "    x = 1\n    |"),
        ("int f() {|}", "c", "int f() {\n    |\n}"),
        ("  call(|)", None, "  call(\n      |\n  )"),
        ("key:|", "markdown", "key:\n|"),
        ("a\r\n    b|\r\n", None, "a\r\n    b\r\n    |\r\n"),
    ],
)
def test_enter_keeps_indentation_and_opens_blocks(before, language, after):
    buf = make(before, language)
    editing.newline(buf)
    assert show(buf) == after


def test_backspace_in_leading_spaces_goes_back_one_indent_stop():
    buf = make("def f():\n      |x")
    editing.backspace(buf)
    assert show(buf) == "def f():\n    |x"
    editing.backspace(buf)
    assert show(buf) == "def f():\n|x"
    editing.backspace(buf)
    assert show(buf) == "def f():|x"


def test_backspace_joins_crlf_lines_in_one_step():
    buf = make("ab\r\n|cd")
    editing.backspace(buf)
    assert show(buf) == "ab|cd"


def test_delete_word_left_and_right():
    buf = make("alpha beta| gamma")
    editing.delete_word_left(buf)
    assert show(buf) == "alpha | gamma"
    editing.delete_word_right(buf)
    assert show(buf) == "alpha |"


def test_paste_converts_line_endings_to_the_documents():
    buf = make("a\r\nb|\r\n")
    editing.paste(buf, "x\ny\r\nz")
    assert buf.text == "a\r\nbx\r\ny\r\nz\r\n"
    buf.undo()
    assert buf.text == "a\r\nb\r\n"


def test_copy_and_cut_without_selection_take_the_whole_line():
    buf = make("one\ntw|o\nthree")
    assert editing.copy(buf) == "two\n"
    assert editing.cut(buf) == "two\n"
    assert show(buf) == "one\nth|ree"


# -- indentation ------------------------------------------------------------------------


def test_tab_in_leading_whitespace_inserts_spaces_to_the_next_stop():
    buf = make("  |abc")
    assert editing.indent(buf)
    assert show(buf) == "    |abc"
    buf = make("|")
    assert editing.indent(buf)
    assert show(buf) == "    |"


@pytest.mark.parametrize("marked", ["ab|c", 'f(x, y|)', "x = 1|", 'Item("notebook", 3.25, 2, taxed=True|),'])
def test_tab_inside_a_line_never_puts_whitespace_there(marked):
    buf = make(marked)
    assert not editing.indent(buf)
    assert show(buf) == marked
    assert not buf.history.can_undo


def test_tab_with_a_selection_on_one_line_indents_the_line_instead_of_replacing_the_text():
    buf = make("x = ^value|")
    editing.indent(buf)
    assert show(buf) == "    x = ^value|"


def test_tab_and_shift_tab_indent_and_outdent_a_multi_line_selection():
    buf = make("^a\n\nb|\nc")
    editing.indent(buf)
    assert show(buf) == "^    a\n\n    b|\nc"  # blank lines stay blank
    editing.outdent(buf)
    assert show(buf) == "^a\n\nb|\nc"
    buf.undo()
    assert buf.text == "    a\n\n    b\nc"


def test_outdent_removes_a_tab_or_up_to_one_level_of_spaces():
    buf = make("\tx|\n  y")
    editing.outdent(buf)
    assert show(buf) == "x|\n  y"


def test_files_indented_with_tabs_indent_with_tabs():
    buf = make("if x {\n\tfoo()|\n}")
    assert buf.indent_unit == "\t"
    editing.newline(buf)
    assert show(buf) == "if x {\n\tfoo()\n\t|\n}"


# -- line operations --------------------------------------------------------------------


def test_duplicate_lines_moves_the_cursor_to_the_copy():
    buf = make("a\nb|c\nd")
    editing.duplicate_lines(buf)
    assert show(buf) == "a\nbc\nb|c\nd"


def test_duplicate_the_last_line_without_an_ending():
    buf = make("a\nb|")
    editing.duplicate_lines(buf)
    assert show(buf) == "a\nb\nb|"


def test_delete_lines_of_a_selection_and_the_last_line():
    buf = make("a\n^b\nc|\nd")
    editing.delete_lines(buf)
    assert show(buf) == "a\nd|"
    editing.delete_lines(buf)
    assert show(buf) == "a|"


def test_move_lines_up_and_down_keeps_endings_in_place():
    buf = make("a\nb|\nc")
    editing.move_lines(buf, +1)
    assert show(buf) == "a\nc\nb|"
    editing.move_lines(buf, -1)
    editing.move_lines(buf, -1)
    assert show(buf) == "b|\na\nc"
    editing.move_lines(buf, -1)  # already at the top: nothing happens
    assert show(buf) == "b|\na\nc"


# -- comments ---------------------------------------------------------------------------


def test_toggle_line_comment_at_the_common_indentation():
    buf = make("^def f():\n    return 1\n|")
    buf.line_comment = "#"
    editing.toggle_comment(buf)
    assert buf.text == "# def f():\n#     return 1\n"
    editing.toggle_comment(buf)
    assert buf.text == "def f():\n    return 1\n"


def test_toggle_comment_uses_a_block_comment_without_a_line_token():
    buf = make("  <p>hi</p>|")
    buf.block_comment = ("<!--", "-->")
    editing.toggle_comment(buf)
    assert buf.text == "  <!-- <p>hi</p> -->"
    editing.toggle_comment(buf)
    assert buf.text == "  <p>hi</p>"
