"""Helpers shared by the syntax highlighting tests (imported by test_syntax*.py)."""

import threading

import pytest

from nxedit.editor.syntax.highlighter import highlighter_for
from nxedit.model.text.changeset import ChangeSet
from nxedit.model.text.document import Document


@pytest.fixture
def make():
    """highlighter_for + the first line_spans call + settle; closes them all afterwards."""
    made = []

    def make(path, text, settle=True):
        doc = Document(text)
        hl = highlighter_for(path, doc)
        made.append(hl)
        if settle:
            hl.line_spans(0, 1)
            assert hl.settle()
        return doc, hl

    yield make
    for hl in made:
        hl.close()


def scope_at(doc, hl, line, piece, occurrence=0):
    """The scope of the span that covers ``piece`` (its n-th occurrence) on ``line``."""
    text = doc.line_text(line)
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(piece, start + 1)
    spans = hl.line_spans(line, line + 1)[0]
    covering = [s for a, b, s in spans if a <= start and start + len(piece) <= b]
    return covering[0] if covering else None


def check_well_formed(doc, rows, first=0):
    for i, spans in enumerate(rows):
        if first + i >= doc.line_count:
            assert spans == []
            continue
        length = len(doc.line_text(first + i))
        end = 0
        for a, b, scope in spans:
            assert end <= a < b <= length and isinstance(scope, str) and scope
            end = b


def apply(doc, hl, edits):
    changes = doc.apply(ChangeSet.from_edits(len(doc), edits))
    hl.on_changes(changes)
    return changes


def gate(hl):
    """Hold the highlighter's parser thread until the returned event is set."""
    release = threading.Event()
    work = hl._job._work

    def held():
        release.wait(10)
        work()

    hl._job._work = held
    return release
