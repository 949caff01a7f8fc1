"""From a rewritten region to line edits, and the checks that reject bad rewrites."""

from hypothesis import given, settings
from hypothesis import strategies as st

from nxedit.model.text.edits import LineEdit
from nxedit.model.predict.rewrite_diff import repetition, repetition_reason, rewrite_edits, undoes_edit
from nxedit.model.text.plain import apply_line_edits, split_lines


def apply(text, edits):
    return apply_line_edits(text, [e.to_dict() for e in edits])


@st.composite
def text_region_rewrite(draw):
    alphabet = st.sampled_from("ab \n\n")
    text = draw(st.text(alphabet, max_size=40))
    start = draw(st.integers(0, len(text)))
    end = draw(st.integers(start, len(text)))
    rewrite = draw(st.text(alphabet, max_size=30))
    return text, start, end, rewrite


@settings(max_examples=600, deadline=None)
@given(text_region_rewrite())
def test_applying_the_edits_gives_the_text_with_the_region_replaced(case):
    text, start, end, rewrite = case
    edits = rewrite_edits(text, start, end, rewrite)
    assert apply(text, edits) == text[:start] + rewrite + text[end:]
    for a, b in zip(edits, edits[1:]):  # sorted and apart: separate hunks
        assert a.end_line < b.start_line
    lines = split_lines(text)
    for e in edits:  # minimal: no unchanged whole line kept at either end of a hunk
        old, new = lines[e.start_line : e.end_line], split_lines(e.new_text)
        assert old != new
        if old and new:
            assert old[0] != new[0] and old[-1] != new[-1]


def test_an_unchanged_rewrite_gives_no_edits():
    text = "def f():\n    return 1\n"
    assert rewrite_edits(text, 0, len(text) - 1, text[:-1]) == ()


def test_a_one_word_change_is_one_line_edit():
    text = "a = 1\nb = 2\nc = 3\n"
    start, end = 0, len(text) - 1
    rewrite = "a = 1\nb = 20\nc = 3"
    assert rewrite_edits(text, start, end, rewrite) == (LineEdit(1, 2, "b = 20\n"),)


def test_inserted_lines_replace_no_line():
    text = "x = 1\ny = 2\n"
    rewrite = "x = 1\nnew = 0\ny = 2"
    assert rewrite_edits(text, 0, len(text) - 1, rewrite) == (LineEdit(1, 1, "new = 0\n"),)


def test_deleted_lines_and_a_far_change_are_two_hunks():
    text = "".join(f"line{i}\n" for i in range(10))
    rewrite = text.replace("line2\nline3\n", "").replace("line8", "LINE8")[:-1]
    edits = rewrite_edits(text, 0, len(text) - 1, rewrite)
    assert edits == (LineEdit(2, 4, ""), LineEdit(8, 9, "LINE8\n"))


def test_a_change_on_a_last_line_without_newline():
    text = "a\nb"
    assert rewrite_edits(text, 0, 3, "a\nc") == (LineEdit(1, 2, "c"),)
    assert apply(text, rewrite_edits(text, 0, 3, "a\nb\nd")) == "a\nb\nd"


def test_edits_keep_crlf_lines_outside_the_change():
    text = "a\r\nb\r\nc\r\n"
    edits = rewrite_edits(text, 0, len(text) - 2, "a\r\nB\r\nc")
    assert edits == (LineEdit(1, 2, "B\r\n"),)


def test_a_region_in_the_middle_of_a_big_text_maps_to_its_lines():
    text = "".join(f"l{i}\n" for i in range(1000))
    start = text.index("l500\n")
    end = text.index("l503\n") + len("l503")
    edits = rewrite_edits(text, start, end, "l500\nl501 changed\nl502\nl503")
    assert edits == (LineEdit(501, 502, "l501 changed\n"),)


def test_repetition_of_a_line_is_flagged():
    original = "x = 1\ny = 2"
    looping = "x = 1\n" + "print(x)\n" * 6 + "y = 2"
    assert "repetition" in repetition_reason(original, looping)


def test_repetition_of_a_two_line_block_is_flagged():
    looping = "a\n" + "foo()\nbar()\n" * 5
    assert repetition_reason("a\n", looping)


def test_a_repeated_block_starting_with_a_blank_line_is_named_by_its_text():
    # Gemma 3 270M's loop, recorded as "'' repeated 5 times" before: a blank line and a statement
    looping = "a\n" + "\n  const selectedId = selected.id;\n" * 5
    assert repetition_reason("a\n", looping) == "endless repetition: '  const selectedId = selected.id;' repeated 5 times"


def test_a_loop_is_found_where_it_begins():
    # the answer before it is the model's (the predictor reads it as an answer cut off there)
    looping = "x = 1\n" + "print(x)\n" * 6 + "y = 2"
    reason, start = repetition("x = 1\ny = 2", looping)
    assert looping[:start] == "x = 1\n" and "print(x)" in reason
    looping = "a\n" + "\n  const selectedId = selected.id;\n" * 5
    assert looping[: repetition("a\n", looping)[1]].strip() == "a"
    looping = "x = f(" + "a, " * 40
    assert looping[: repetition("x = f(", looping)[1]] == "x = f("


def test_repetition_already_in_the_original_is_fine():
    original = "}\n}\n}\n}\n"
    assert repetition_reason(original, original + "}\n") is None


def test_a_character_loop_inside_one_line_is_flagged():
    assert repetition_reason("x = f(", "x = f(" + "a, " * 40) is not None
    assert repetition_reason("s = '" + "-" * 60 + "'", "s = '" + "-" * 61 + "'") is None


def test_ordinary_code_is_not_flagged():
    code = "def f(a, b):\n    if a:\n        return b\n    return a + b\n"
    assert repetition_reason(code, code.replace("a + b", "a - b")) is None


def test_a_suggestion_that_reverts_the_last_edit_is_detected():
    # the user renamed foo -> bar on line 1; a suggestion renaming it back undoes that
    text = "x = 1\nbar = 2\ny = 3\n"
    back = (LineEdit(1, 2, "foo = 2\n"),)
    assert undoes_edit(text, 1, "foo = 2\n", "bar = 2\n", back)
    other = (LineEdit(2, 3, "y = bar\n"),)
    assert not undoes_edit(text, 1, "foo = 2\n", "bar = 2\n", other)
    further = (LineEdit(1, 2, "barbaz = 2\n"),)
    assert not undoes_edit(text, 1, "foo = 2\n", "bar = 2\n", further)


def test_deleting_just_typed_lines_is_an_undo():
    text = "a\nnew line\nb\n"
    assert undoes_edit(text, 1, "", "new line\n", (LineEdit(1, 2, ""),))


def test_putting_back_deleted_lines_is_an_undo():
    text = "a\nb\n"
    assert undoes_edit(text, 1, "gone\n", "", (LineEdit(1, 1, "gone\n"),))
    assert not undoes_edit(text, 1, "gone\n", "", (LineEdit(1, 1, "other\n"),))
