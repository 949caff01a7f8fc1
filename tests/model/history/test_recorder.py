"""The recorder chunks real document changes into edit events (wire-format hunks)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from nxedit.model.text.changeset import ChangeSet
from nxedit.model.text.document import Document
from nxedit.model.text.edits import Position
from nxedit.model.history.events import replay_hunks
from nxedit.model.privacy import PathInfo
from nxedit.model.history.recorder import Recorder
from nxedit.model.text.undo import UndoHistory


def fake_classify(path: str) -> PathInfo:
    """No file system: everything lives in project /proj; *.env files are private."""
    return PathInfo(path, "/proj", path.endswith(".env"))


class Buffer:
    """A document plus the editor-side bookkeeping a test needs: time and a cursor."""

    def __init__(self, rec: Recorder, text: str, path: str | None = "/proj/a.py") -> None:
        self.rec, self.path, self.doc = rec, path, Document(text)
        self.initial = text
        self.events = []

    def edits(self, spans, now, origin="typed", suggestion_id=None):
        """Apply ``(start_offset, end_offset, text)`` replacements as one change set."""
        cs = ChangeSet.from_edits(len(self.doc), spans)
        changes = self.doc.apply(cs)
        cursor = Position(*self.doc.position(cs.map_pos(spans[-1][1])))
        self.events += self.rec.record_change(
            self.path, self.doc, changes, cursor, now, origin, suggestion_id
        )

    def replace(self, line, col, end, text, now, **kw):
        start = self.doc.offset(line, col)
        stop = self.doc.offset(*end) if end is not None else start
        self.edits([(start, stop, text)], now, **kw)

    def type(self, line, col, text, t0, step=0.1):
        """Type ``text`` one key at a time from (line, col); returns the time after."""
        t = t0
        for ch in text:
            self.replace(line, col, None, ch, t)
            line, col = (line + 1, 0) if ch == "\n" else (line, col + 1)
            t += step
        return t

    def backspace(self, line, col, n, t0, step=0.1):
        t = t0
        for _ in range(n):
            off = self.doc.offset(line, col)
            self.edits([(off - 1, off, "")], t)
            line, col = self.doc.position(off - 1)
            t += step
        return t


def recorder(**kw) -> Recorder:
    return Recorder(classify=fake_classify, **kw)


def test_typing_a_word_is_one_event_with_whole_lines():
    rec = recorder()
    buf = Buffer(rec, "def f():\n    return\n")
    t = buf.type(1, 10, " 42", 10.0)
    assert buf.events == []  # still open
    events = rec.tick(t + 1.0)
    assert len(events) == 1
    e = events[0]
    assert (e.start_line, e.old_text, e.new_text) == (1, "    return\n", "    return 42\n")
    assert e.origin == "typed" and e.path == "/proj/a.py" and e.project == "/proj"
    assert e.cursor == Position(1, 13) and e.t_start == 10.0 and e.t_end == t - 0.1


def test_backspacing_records_the_deletion():
    rec = recorder()
    buf = Buffer(rec, "x = 1000\ny = 2\n")
    buf.backspace(0, 8, 3, 0.0)
    (e,) = rec.close_all()
    assert (e.start_line, e.old_text, e.new_text) == (0, "x = 1000\n", "x = 1\n")


def test_text_typed_and_deleted_again_leaves_no_event():
    rec = recorder()
    buf = Buffer(rec, "a\nb\n")
    t = buf.type(0, 1, "bcd\nef", 0.0)
    buf.backspace(1, 2, 6, t)
    assert buf.doc.text == "a\nb\n"
    assert rec.close_all() == [] and buf.events == []


def test_a_pause_splits_events():
    rec = recorder(gap=1.0)
    buf = Buffer(rec, "one\ntwo\n")
    buf.type(0, 3, "!", 0.0)
    buf.type(0, 4, "?", 5.0)  # the next key comes after a pause
    assert [(e.old_text, e.new_text) for e in buf.events] == [("one\n", "one!\n")]
    (last,) = rec.close_all()
    assert (last.old_text, last.new_text) == ("one!\n", "one!?\n")


def test_tick_closes_only_after_the_gap():
    rec = recorder(gap=1.0)
    buf = Buffer(rec, "x\n")
    buf.type(0, 1, "y", 0.0)
    assert rec.tick(0.5) == []
    assert len(rec.tick(1.0)) == 1


def test_a_cursor_jump_splits_but_a_small_move_does_not():
    rec = recorder(jump_lines=3)
    buf = Buffer(rec, "".join(f"line {i}\n" for i in range(40)))
    buf.type(10, 7, "a", 0.0)
    assert rec.cursor_moved(buf.path, (12, 0), 0.2) == []  # two lines away: same region
    closed = rec.cursor_moved(buf.path, (30, 0), 0.3)
    assert [(e.start_line, e.new_text) for e in closed] == [(10, "line 10a\n")]
    buf.type(30, 7, "b", 0.4)
    (e,) = rec.close_all()
    assert (e.start_line, e.new_text) == (30, "line 30b\n")


def test_an_edit_away_from_the_region_closes_it_even_without_a_cursor_report():
    rec = recorder()
    buf = Buffer(rec, "".join(f"{i}\n" for i in range(20)))
    buf.type(2, 1, "x", 0.0)
    buf.type(3, 1, "y", 0.1)  # adjacent line: same event
    buf.type(9, 1, "z", 0.2)  # far: a new one
    assert [(e.start_line, e.old_text, e.new_text) for e in buf.events] == [(2, "2\n3\n", "2x\n3y\n")]


def test_going_back_to_rename_what_was_just_typed_is_an_event_of_its_own():
    rec = recorder()
    buf = Buffer(rec, "def f():\n    return 1\n")
    t = buf.type(2, 0, "count = len(items)\nprint(count)\nlog(count)\n", 0.0)
    buf.replace(2, 0, (2, 5), "", t)  # up three lines, Ctrl+Del on `count` ...
    buf.type(2, 0, "total", t + 0.1)  # ... and the new name, a second later
    hunks = [(h["start_line"], h["old_text"], h["new_text"]) for h in rec.recent_hunks(buf.path)]
    assert hunks == [(2, "", "count = len(items)\nprint(count)\nlog(count)\n"),
                     (2, "count = len(items)\n", "total = len(items)\n")]
    # typing goes on across lines (Enter, the next line) and Backspace joins lines: one event
    rec = recorder()
    buf = Buffer(rec, "a\nb\n")
    t = buf.type(0, 1, "1\n2", 0.0)
    buf.backspace(1, 1, 2, t)  # "2" then the line break: back on line 0
    (e,) = rec.close_all()
    assert (e.old_text, e.new_text) == ("a\n", "a1\n")


def test_undo_and_redo_are_events_of_their_own():
    rec, hist = recorder(), UndoHistory()
    buf = Buffer(rec, "value = 1\n")
    before = buf.doc.text
    cs = ChangeSet.insert_at(len(buf.doc), 9, "0")
    buf.events += rec.record_change(buf.path, buf.doc, buf.doc.apply(cs), (0, 10), 0.0)
    hist.record(cs, cs.invert(before), kind="insert", now=0.0)
    for origin, t in (("undo", 0.2), ("redo", 0.3)):
        rev = hist.undo() if origin == "undo" else hist.redo()
        step = rev.inverse if origin == "undo" else rev.changes
        buf.events += rec.record_change(buf.path, buf.doc, buf.doc.apply(step), (0, 9), t, origin)
    assert [(e.origin, e.old_text, e.new_text) for e in buf.events] == [
        ("typed", "value = 1\n", "value = 10\n"),
        ("undo", "value = 10\n", "value = 1\n"),
        ("redo", "value = 1\n", "value = 10\n"),
    ]
    assert rec.close_all() == []  # an undo closes at once


def test_paste_stands_alone_and_spans_lines():
    rec = recorder()
    buf = Buffer(rec, "a\nb\n")
    buf.type(0, 1, "1", 0.0)
    buf.replace(1, 0, None, "p1\np2\n", 0.1, origin="paste")
    buf.type(3, 1, "2", 0.2)
    rest = rec.close_all()
    assert [(e.origin, e.start_line, e.old_text, e.new_text) for e in buf.events + rest] == [
        ("typed", 0, "a\n", "a1\n"),
        ("paste", 1, "", "p1\np2\n"),
        ("typed", 3, "b\n", "b2\n"),
    ]


def test_two_files_interleaved_split_at_each_switch():
    sunk = []
    rec = recorder(sink=sunk.append)
    a = Buffer(rec, "alpha\n", "/proj/a.py")
    b = Buffer(rec, "beta\n", "/proj/b.py")
    a.type(0, 5, "1", 0.0)
    b.type(0, 4, "2", 0.1)  # a change in another file closes a's event
    a.type(0, 6, "3", 0.2)
    rec.close_all()
    assert [(e.path, e.new_text) for e in sunk] == [
        ("/proj/a.py", "alpha1\n"),
        ("/proj/b.py", "beta2\n"),
        ("/proj/a.py", "alpha13\n"),
    ]
    assert rec.focus("/proj/a.py") == []


def test_focus_and_save_close_the_event():
    rec = recorder()
    buf = Buffer(rec, "x\n")
    buf.type(0, 1, "1", 0.0)
    assert rec.focus(buf.path) == []  # same file: nothing to close
    assert len(rec.focus("/proj/other.py")) == 1
    buf.type(0, 2, "2", 0.1)
    assert rec.saved("/proj/other.py") == []
    assert [e.new_text for e in rec.saved(buf.path)] == ["x12\n"]


def test_end_closes_only_that_files_burst():
    rec = recorder()
    buf = Buffer(rec, "x\n")
    buf.type(0, 1, "1", 0.0)
    assert rec.end("/proj/other.py") == []
    assert [e.new_text for e in rec.end(buf.path)] == ["x1\n"]


def test_an_accepted_suggestion_is_marked_and_does_not_merge_with_typing():
    rec = recorder()
    buf = Buffer(rec, "def f(a):\n    pass\nf(1)\n")
    buf.type(0, 7, ", b", 0.0)
    buf.replace(2, 3, None, ", 2", 0.4, origin="suggestion", suggestion_id=17)
    buf.type(2, 6, "0", 0.5)
    events = buf.events + rec.close_all()
    assert [(e.origin, e.suggestion_id, e.start_line, e.new_text) for e in events] == [
        ("typed", None, 0, "def f(a, b):\n"),
        ("suggestion", 17, 2, "f(1, 2)\n"),
        ("typed", None, 2, "f(1, 20)\n"),
    ]


def test_partial_accepts_of_one_suggestion_merge():
    rec = recorder()
    buf = Buffer(rec, "x = \n")
    buf.replace(0, 4, None, "foo", 0.0, origin="suggestion", suggestion_id=3)
    buf.replace(0, 7, None, "(bar)", 0.2, origin="suggestion", suggestion_id=3)
    (e,) = rec.close_all()
    assert (e.new_text, e.suggestion_id) == ("x = foo(bar)\n", 3)


def test_edits_above_an_open_region_shift_it():
    """Two cursors: one change set edits line 1 and line 6; then line 1 gains lines."""
    rec = recorder()
    text = "".join(f"row{i}\n" for i in range(10))
    buf = Buffer(rec, text)
    doc = buf.doc
    buf.edits([(doc.offset(1, 4), doc.offset(1, 4), "A"), (doc.offset(6, 4), doc.offset(6, 4), "B")], 0.0)
    # the next keystrokes of both cursors: line 1 gets two new lines, so line 6 is now 8
    buf.edits([(doc.offset(1, 5), doc.offset(1, 5), "\nx\n"), (doc.offset(6, 5), doc.offset(6, 5), "C")], 0.1)
    assert buf.doc.line(8) == "row6BC\n"
    events = rec.close_all()
    assert [(e.start_line, e.old_text, e.new_text) for e in events] == [
        (1, "row1\n", "row1A\nx\n\n"),
        (8, "row6\n", "row6BC\n"),
    ]
    assert replay_hunks(text, [e.to_hunk() for e in events]) == buf.doc.text


def test_joining_a_line_above_widens_the_region_upwards():
    rec = recorder()
    buf = Buffer(rec, "first\nsecond\nthird\n")
    buf.type(1, 6, "!", 0.0)
    buf.backspace(1, 0, 1, 0.1)  # join "second!" onto "first"
    (e,) = rec.close_all()
    assert (e.start_line, e.old_text, e.new_text) == (0, "first\nsecond\n", "firstsecond!\n")


def test_typing_at_the_end_of_a_file_without_newline():
    rec = recorder()
    buf = Buffer(rec, "a\n")
    buf.type(1, 0, "b\nc", 0.0)
    (e,) = rec.close_all()
    assert (e.start_line, e.old_text, e.new_text) == (1, "", "b\nc")
    assert replay_hunks("a\n", [e.to_hunk()]) == "a\nb\nc"


def test_crlf_lines_keep_their_endings():
    rec = recorder()
    buf = Buffer(rec, "a\r\nb\r\n")
    buf.type(0, 1, "z", 0.0)
    (e,) = rec.close_all()
    assert (e.old_text, e.new_text) == ("a\r\n", "az\r\n")


def test_private_files_and_untitled_buffers_reach_no_sink():
    sunk = []
    rec = Recorder(classify=fake_classify, sink=sunk.append)
    secret = Buffer(rec, "TOKEN=1\n", "/proj/.env")
    secret.type(0, 7, "234", 0.0)
    assert rec.close_all() == [] and rec.recent_hunks("/proj/.env") == []
    scratch = Buffer(rec, "", None)
    scratch.type(0, 0, "notes", 1.0)
    assert [e.new_text for e in rec.close_all()] == ["notes"]
    assert sunk == []
    assert rec.recent_hunks(None) == [{"start_line": 0, "old_text": "", "new_text": "notes", "path": None}]
    named = Buffer(rec, "", "/proj/a.py")
    named.type(0, 0, "x", 2.0)
    rec.close_all()
    assert [e.new_text for e in sunk] == ["x"]


def test_recent_hunks_include_the_open_burst_and_keep_their_own_coordinates():
    rec = recorder(keep=16)
    text = "".join(f"{i}\n" for i in range(30))
    buf = Buffer(rec, text)
    buf.type(20, 2, "x", 0.0)
    rec.tick(5.0)
    buf.type(2, 0, "new\n", 6.0)  # lines added above the earlier event
    hunks = rec.recent_hunks(buf.path)  # the second event is still open
    assert [(h["start_line"], h["new_text"]) for h in hunks] == [(20, "20x\n"), (2, "new\n")]
    assert replay_hunks(text, hunks) == buf.doc.text
    assert len(rec.recent_hunks(buf.path, n=1)) == 1
    other = Buffer(rec, "o\n", "/proj/b.py")
    other.type(0, 1, "!", 20.0)
    assert len(rec.recent_hunks(buf.path)) == 2  # only a.py's own hunks
    assert [h["path"] for h in rec.recent_hunks(buf.path, whole_project=True)] == ["/proj/a.py"] * 2 + [
        "/proj/b.py"
    ]


def test_an_undone_edit_and_its_undo_are_left_out_of_the_recent_hunks():
    rec = recorder(keep=16)
    text = "".join(f"total{i}\n" for i in range(30))
    buf = Buffer(rec, text)
    buf.type(20, 5, "x", 0.0)  # total20 -> totalx20: a pattern the predictor would repeat
    buf.replace(20, 5, (20, 6), "", 1.0, origin="undo")
    buf.type(2, 0, "sub\n", 6.0)
    hunks = rec.recent_hunks(buf.path)
    assert [(h["start_line"], h["new_text"]) for h in hunks] == [(2, "sub\n")]
    assert replay_hunks(text, hunks) == buf.doc.text
    buf.replace(0, 0, (0, 5), "", 10.0, origin="undo")  # not the reverse of an edit: kept
    assert [h["old_text"] for h in rec.recent_hunks(buf.path)][-1] == "total0\n"


def test_recent_memory_is_bounded_per_project():
    rec = recorder(keep=3)
    buf = Buffer(rec, "x\n")
    for i in range(6):
        buf.type(0, 1 + i, str(i), i * 10.0)
        rec.tick(i * 10.0 + 5)
    assert [h["new_text"] for h in rec.recent_hunks(buf.path, n=10)] == ["x0123\n", "x01234\n", "x012345\n"]


# -- property: replaying the events reproduces the buffer --------------------------

ALPHABET = "ab \n"
FILES = ("/proj/a.py", "/proj/b.py")


@st.composite
def sessions(draw):
    """Two files' initial texts and a stream of edits (to either), pauses, cursor jumps,
    saves and predictor reads; and the recorder's ``near_lines``."""
    initial = draw(st.tuples(st.text(ALPHABET, max_size=40), st.text(ALPHABET, max_size=40)))
    which = st.integers(0, 1) if draw(st.booleans()) else st.just(0)
    replacement = st.tuples(st.integers(0, 60), st.integers(0, 4), st.text(ALPHABET, max_size=5))
    origin = st.sampled_from(["typed", "typed", "typed", "paste", "undo", "suggestion"])
    step = st.one_of(
        st.tuples(st.just("edit"), which, st.lists(replacement, min_size=1, max_size=3), origin),
        st.tuples(st.just("pause"), st.floats(0.0, 3.0)),
        st.tuples(st.just("jump"), which, st.integers(0, 60)),
        st.tuples(st.just("save"), which),
        st.tuples(st.just("hunks"), which),
    )
    return initial, draw(st.lists(step, max_size=40)), draw(st.integers(1, 3))


def change_spans(size, replacements):
    """Non-overlapping ``(start, end, text)`` for one change set over ``size`` chars."""
    spans, pos = [], 0
    for start, length, text in sorted(replacements):
        start = max(start % (size + 1), pos)
        if start > size:
            break
        end = min(start + length, size)
        spans.append((start, end, text))
        pos = end + 1
    return spans


def run_session(initial, steps, near_lines=1, keep=10_000):
    rec = recorder(keep=keep, near_lines=near_lines)
    bufs = [Buffer(rec, text, path) for text, path in zip(initial, FILES, strict=True)]
    now = 0.0
    for step in steps:
        now += 0.05
        kind = step[0]
        if kind == "edit":
            buf = bufs[step[1]]
            spans = change_spans(len(buf.doc), step[2])
            buf.edits(spans, now, origin=step[3], suggestion_id=1 if step[3] == "suggestion" else None)
        elif kind == "pause":
            now += step[1]
            rec.tick(now)
        elif kind == "jump":
            buf = bufs[step[1]]
            rec.cursor_moved(buf.path, (step[2] % buf.doc.line_count, 0), now)
        elif kind == "save":
            rec.saved(FILES[step[1]])
        else:  # what the predictor would read mid-session obeys the wire convention
            buf = bufs[step[1]]
            assert replay_hunks(buf.initial, rec.recent_hunks(buf.path, n=keep)) == buf.doc.text
    return rec, bufs


@settings(max_examples=300, deadline=None)
@given(sessions())
def test_replaying_the_events_reproduces_the_final_buffer(session):
    initial, steps, near_lines = session
    rec, bufs = run_session(initial, steps, near_lines)
    for buf in bufs:  # every event closed so far plus the open burst, in order
        assert replay_hunks(buf.initial, rec.recent_hunks(buf.path, n=10_000)) == buf.doc.text
    closed = rec.close_all()
    assert all(e.old_text != e.new_text for e in closed)  # no-op events are dropped
    for buf in bufs:
        assert replay_hunks(buf.initial, rec.recent_hunks(buf.path, n=10_000)) == buf.doc.text
    events = rec.recent_hunks(FILES[0], n=10_000, whole_project=True)
    assert {h["path"] for h in events} <= set(FILES)
