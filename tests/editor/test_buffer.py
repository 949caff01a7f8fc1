"""Buffer: one edit path, undo/redo with typing bursts, selection mapping, listeners."""

from hypothesis import given, strategies as st

from nxedit.editor.view import editing
from nxedit.editor.buffer import Buffer, Selection, inverse_of
from nxedit.model.text.changeset import ChangeSet
from nxedit.model.text.document import Document


def test_edit_notifies_listeners_with_changes_and_origin():
    buf = Buffer("hello\nworld\n")
    seen = []
    buf.listeners.append(seen.append)
    buf.select(Selection.cursor(6))
    editing.type_text(buf, "big ")
    assert buf.text == "hello\nbig world\n"
    (event,) = seen
    assert event.origin == "typed" and event.version == buf.version
    (change,) = event.changes
    assert (change.start_line, change.start_col, change.inserted) == (1, 0, "big ")
    assert event.selection_after == Selection.cursor(10)


def test_typing_burst_is_one_undo_step_and_redo_restores_it():
    buf = Buffer("x = 1\n")
    buf.select(Selection.cursor(5))
    for ch in "0 + 2":
        editing.type_text(buf, ch)
    assert buf.text == "x = 10 + 2\n" and buf.is_modified
    assert buf.undo()
    assert buf.text == "x = 1\n" and buf.selection == Selection.cursor(5)
    assert not buf.is_modified
    assert buf.redo()
    assert buf.text == "x = 10 + 2\n" and buf.selection.head == 10


def test_a_cursor_jump_splits_the_undo_group():
    buf = Buffer("ab")
    buf.select(Selection.cursor(2))
    editing.type_text(buf, "c")
    buf.select(Selection.cursor(0))
    editing.type_text(buf, "z")
    buf.undo()
    assert buf.text == "abc"


def test_undo_and_redo_reach_listeners_with_their_origin():
    buf = Buffer("a")
    origins = []
    buf.listeners.append(lambda e: origins.append(e.origin))
    buf.select(Selection.cursor(1))
    editing.type_text(buf, "b")
    buf.undo()
    buf.redo()
    assert origins == ["typed", "undo", "redo"]


def test_selection_maps_through_an_edit_elsewhere():
    buf = Buffer("one two three")
    buf.select(Selection(4, 7))
    buf.edit(ChangeSet.insert_at(len(buf.document), 0, ">> "))
    assert editing.selected_text(buf) == "two"


def test_set_text_replaces_only_what_differs_and_is_undoable():
    buf = Buffer("a\nb\nc\n")
    buf.select(Selection.cursor(4))
    event = buf.set_text("a\nB\nc\n", origin="reload")
    assert event.origin == "reload" and event.changes[0].deleted == "b"
    assert buf.text == "a\nB\nc\n" and buf.selection.head == 4
    buf.undo()
    assert buf.text == "a\nb\nc\n"


def test_modified_follows_save_point():
    buf = Buffer("a")
    buf.select(Selection.cursor(1))
    editing.type_text(buf, "b")
    buf.mark_saved()
    assert not buf.is_modified
    buf.undo()
    assert buf.is_modified


edits = st.lists(st.tuples(st.integers(0, 30), st.integers(0, 5), st.text("ab\n\r中", max_size=4)), max_size=4)


@given(st.text("xy\n\r\t中", max_size=30), edits)
def test_inverse_of_applied_changes_restores_the_text(text, raw):
    doc = Document(text)
    spans, pos = [], 0
    for start, length, ins in sorted(raw):
        start = max(start, pos)
        if start > len(text):
            break
        end = min(start + length, len(text))
        spans.append((start, end, ins))
        pos = end
    changes = ChangeSet.from_edits(len(text), spans)
    applied = doc.apply(changes)
    assert doc.text == changes.apply(text)
    doc.apply(inverse_of(applied, changes.len_after))
    assert doc.text == text
