"""Document: lines, offsets, widths and edits, against a plain string model."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nxedit.model.text.changeset import ChangeSet
from nxedit.model.text.document import Document
from nxedit.model.text.plain import display_width, cell_to_column, split_editor_lines, strip_eol

ALPHABET = st.sampled_from(list("ab\n\r\té日 "))
texts = st.text(alphabet=ALPHABET, max_size=60)


def check_consistent(doc: Document, text: str):
    assert doc.text == text
    assert len(doc) == len(text)
    assert doc.lines == split_editor_lines(text)
    off = 0
    for i, line in enumerate(doc.lines):
        assert doc.offset(i, 0) == off
        assert doc.position(off) == (i, 0)
        assert doc.byte_offset(i, 0) == len(text[:off].encode())
        off += len(line)
    assert doc.max_width == max(display_width(strip_eol(s), doc.tab_width) for s in doc.lines)


@settings(max_examples=300)
@given(texts, st.lists(st.tuples(st.integers(0, 80), st.integers(0, 8), st.text(alphabet=ALPHABET, max_size=6)), max_size=8))
def test_edits_keep_every_cache_consistent(text, steps):
    doc = Document(text)
    doc.track_bytes = True
    doc.max_width  # build the width histogram so edits must maintain it
    for start, length, ins in steps:
        start = min(start, len(text))
        end = min(start + length, len(text))
        cs = ChangeSet.from_edits(len(text), [(start, end, ins)])
        # query a late offset first so the caches are warm beyond the edit
        doc.offset(doc.line_count - 1)
        changes = doc.apply(cs)
        text = text[:start] + ins + text[end:]
        check_consistent(doc, text)
        if start != end or ins:
            assert changes[0].start_offset == start


def test_multi_change_reports_last_first_in_current_coordinates():
    doc = Document("one\ntwo\nthree\n")
    doc.track_bytes = True
    cs = ChangeSet.from_edits(len(doc), [(0, 3, "1"), (8, 13, "3")])
    changes = doc.apply(cs)
    assert doc.text == "1\ntwo\n3\n"
    assert [(c.start_line, c.start_col, c.deleted, c.inserted) for c in changes] == [
        (2, 0, "three", "3"),
        (0, 0, "one", "1"),
    ]
    assert changes[0].old_end == (2, 5) and changes[0].new_end == (2, 1)


def test_crlf_mixed_endings_and_missing_final_newline():
    text = "a\r\nb\nc"
    doc = Document(text)
    assert doc.line_count == 3
    assert [doc.line_text(i) for i in range(3)] == ["a", "b", "c"]
    assert doc.position(2) == (0, 1)  # between \r and \n: the end of the line
    doc.apply(ChangeSet.insert_at(len(doc), doc.offset(0, 1), "X"))
    assert doc.text == "aX\r\nb\nc"


@pytest.mark.parametrize("text", ["a\x0bb\n", "a\u2028b", "a\rb\r\nc", "x\r\n", "\x85\n\n", "\r", "a\n\x0c"])
def test_only_newlines_break_lines(text):
    lines = split_editor_lines(text)
    assert "".join(lines) == text and all(line.endswith("\n") for line in lines[:-1])
    assert len(lines) == text.count("\n") + 1


def test_empty_and_trailing_newline_have_a_line_to_stand_on():
    assert Document("").line_count == 1
    assert Document("x\n").lines == ["x\n", ""]


def test_wide_characters_and_tabs():
    assert display_width("日本") == 4
    assert display_width("\tx", tab_width=4) == 5
    assert display_width("ab\tx", tab_width=8) == 9
    assert cell_to_column("日本x", 1) == 0
    assert cell_to_column("日本x", 2) == 1
    assert cell_to_column("e\u0301x", 1) == 2  # never between a letter and its accent
    doc = Document("日本\n\tx\n", tab_width=8)
    assert doc.line_width(0) == 4 and doc.line_width(1) == 9


def test_very_long_line():
    line = "x" * 100_000
    doc = Document(line + "\n" + line)
    doc.apply(ChangeSet.insert_at(len(doc), 150_000, "Y"))
    assert doc.position(150_000) == (1, 49_999)
    assert doc.line_text(1)[49_999] == "Y"
    assert doc.max_width == 100_001


def test_replace_text_is_minimal():
    doc = Document("alpha beta gamma")
    cs = doc.replace_text("alpha BETA gamma")
    assert list(cs.changes()) == [(6, 10, "BETA")]
