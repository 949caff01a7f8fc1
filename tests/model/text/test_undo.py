"""Undo history: typing bursts group, anything else stands alone, saves are remembered."""

from nxedit.model.text.changeset import ChangeSet
from nxedit.model.text.document import Document
from nxedit.model.text.undo import UndoHistory


def type_text(doc, hist, offset, text, t0, kind="insert", step=0.1):
    for i, ch in enumerate(text):
        before = doc.text
        cs = ChangeSet.insert_at(len(doc), offset + i, ch)
        doc.apply(cs)
        hist.record(cs, cs.invert(before), offset + i, offset + i + 1, kind, now=t0 + i * step)


def undo(doc, hist):
    rev = hist.undo()
    doc.apply(rev.inverse)
    return rev


def test_a_typing_burst_undoes_in_one_step():
    doc, hist = Document("x"), UndoHistory()
    type_text(doc, hist, 1, "hello", 0.0)
    assert doc.text == "xhello"
    rev = undo(doc, hist)
    assert doc.text == "x" and rev.selection_before == 1 and not hist.can_undo


def test_a_pause_or_a_seal_starts_a_new_step():
    doc, hist = Document(""), UndoHistory(group_timeout=1.0)
    type_text(doc, hist, 0, "ab", 0.0)
    type_text(doc, hist, 2, "cd", 5.0)  # after a pause
    hist.seal()  # e.g. a cursor jump
    type_text(doc, hist, 4, "ef", 5.3)
    undo(doc, hist)
    assert doc.text == "abcd"
    undo(doc, hist)
    assert doc.text == "ab"


def test_redo_and_new_edit_clears_redo():
    doc, hist = Document(""), UndoHistory()
    type_text(doc, hist, 0, "ab", 0.0)
    undo(doc, hist)
    rev = hist.redo()
    doc.apply(rev.changes)
    assert doc.text == "ab"
    undo(doc, hist)
    type_text(doc, hist, 0, "z", 10.0)
    assert not hist.can_redo


def test_modified_follows_the_save_point():
    doc, hist = Document(""), UndoHistory()
    assert not hist.is_modified
    type_text(doc, hist, 0, "ab", 0.0)
    assert hist.is_modified
    hist.mark_saved()
    assert not hist.is_modified
    type_text(doc, hist, 2, "c", 0.3)  # same burst in time, but a save splits it
    assert hist.is_modified
    undo(doc, hist)
    assert doc.text == "ab" and not hist.is_modified


def test_paste_and_suggestion_are_their_own_steps():
    doc, hist = Document(""), UndoHistory()
    type_text(doc, hist, 0, "ab", 0.0)
    type_text(doc, hist, 2, "XYZ", 0.2, kind="suggestion", step=0.0)
    type_text(doc, hist, 5, "c", 0.3)
    undo(doc, hist)
    assert doc.text == "abXYZ"
