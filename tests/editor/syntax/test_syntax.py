"""Tree-sitter highlighting: spans per language, the overlap rule, incremental parsing off
the UI thread (correctness against a fresh parse, edits during a parse), window-bounded
queries, first paint before the parse lands."""

import logging
import random
import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nxedit.editor.syntax import treesitter as TS
from nxedit.editor.syntax.highlighter import PlainHighlighter, highlighter_for
from nxedit.editor.syntax.treesitter import TreeSitterHighlighter, input_edits
from nxedit.model.text.changeset import ChangeSet
from nxedit.model.text.document import Document

from syntax_helpers import apply, check_well_formed, gate, make, scope_at  # noqa: F401 (make: a fixture)


def python_file(n_functions):
    body = []
    for i in range(n_functions):
        body.append(
            f"def func_{i}(arg, other=None):\n"
            f'    """Docstring {i}."""\n'
            f"    value = arg + {i}  # comment\n"
            f"    return print(value, 'x{i}')\n\n"
        )
    return "".join(body)


# -- spans per language ---------------------------------------------------------------


PYTHON = '''import os

class Shape(Base):
    MAX_SIDES = 12

    def area(self, w):
        """Area."""
        total = len(w) + 3.5  # sum
        print(f"v={total}")
        return os.path.join(w, "é")
'''


def test_python_spans(make):
    doc, hl = make("shapes.py", PYTHON)
    assert hl.language == "Python" and hl.line_comment == "#" and hl.block_comment is None
    assert scope_at(doc, hl, 0, "import") == "keyword"
    assert scope_at(doc, hl, 2, "class") == "keyword"
    assert scope_at(doc, hl, 3, "MAX_SIDES") == "constant"  # #match? predicate, all caps
    assert scope_at(doc, hl, 5, "area") == "function"
    assert scope_at(doc, hl, 6, '"""Area."""') == "string"
    assert scope_at(doc, hl, 7, "len") == "function.builtin"
    assert scope_at(doc, hl, 7, "total") == "variable"
    assert scope_at(doc, hl, 7, "3.5") == "number"
    assert scope_at(doc, hl, 7, "# sum") == "comment"
    # inside an f-string the interpolation's own captures win over the string around it
    assert scope_at(doc, hl, 8, "{") == "punctuation.special"
    assert scope_at(doc, hl, 8, "total") == "variable"
    assert scope_at(doc, hl, 8, 'f"v=') == "string"
    # a method call is coloured as a method, not as the attribute it also is
    assert scope_at(doc, hl, 9, "join") == "function.method"
    assert scope_at(doc, hl, 9, "path") == "property"
    check_well_formed(doc, hl.line_spans(0, doc.line_count))


def test_columns_are_characters_on_non_ascii_lines(make):
    doc, hl = make("u.py", 's = "héllo→wörld" + count  # ünï\n')
    spans = hl.line_spans(0, 1)[0]
    text = doc.line_text(0)
    assert (text.index("count"), text.index("count") + 5, "variable") in spans
    assert (text.index("#"), len(text), "comment") in spans
    assert (text.index('"'), text.index(" +"), "string") in spans


@pytest.mark.parametrize(
    "path, text, expected",
    [
        ("m.rs", 'fn main() {\n    let n: u32 = 1;\n    println!("{}", n);\n}\n',
         [(0, "fn", "keyword"), (0, "main", "function"), (1, "u32", "type.builtin"),
          (2, "println!", "function.macro"), (2, '"{}"', "string")]),
        ("m.go", 'package main\n\nfunc main() {\n\tfmt.Println(len(x))\n}\n',
         [(2, "func", "keyword"), (2, "main", "function"), (3, "Println", "function.method"),
          (3, "len", "function.builtin"), (3, "fmt", "variable")]),
        ("a.ts", "interface P { n?: number }\nconst f = (p: P): void => console.log(p);\n",
         [(0, "interface", "keyword"), (0, "number", "type.builtin"), (1, "p", "variable.parameter"),
          (1, "void", "type.builtin"), (1, "console", "variable.builtin"), (1, "log", "function.method")]),
        ("a.tsx", 'const App = () => <div className="a">{count}</div>;\n',
         [(0, "div", "tag"), (0, "className", "attribute"), (0, '"a"', "string"), (0, "const", "keyword")]),
        ("d.json", '{"key": [1, true, null]}\n',
         [(0, '"key"', "string.special.key"), (0, "1", "number"), (0, "true", "constant.builtin")]),
        ("r.md", "# Title\n\nSome text.\n",
         [(0, "Title", "text.title"), (0, "#", "punctuation.special")]),
        ("c.toml", '[table]\nkey = "v" # c\n',
         [(0, "table", "type"), (1, "key", "property"), (1, '"v"', "string"), (1, "# c", "comment")]),
        ("p.html", '<p class="x">hi <!-- c --></p>\n',
         [(0, "p", "tag"), (0, "class", "attribute"), (0, "<!-- c -->", "comment")]),
        ("s.sh", 'if [ -f x ]; then echo "$HOME"; fi  # c\n',
         [(0, "if", "keyword"), (0, "echo", "function"), (0, "# c", "comment")]),
        ("a.c", '#include <stdio.h>\nint main(void) { return 0; }\n',
         [(0, "#include", "keyword"), (1, "main", "function"), (1, "return", "keyword"), (1, "0", "number")]),
    ],
)
def test_languages(make, path, text, expected):
    doc, hl = make(path, text)
    assert isinstance(hl, TreeSitterHighlighter)
    for line, piece, scope in expected:
        assert scope_at(doc, hl, line, piece) == scope, (line, piece)
    check_well_formed(doc, hl.line_spans(0, doc.line_count))


def test_detection_and_comment_tokens(make):
    _, rust = make("lib.rs", "", settle=False)
    assert (rust.language, rust.line_comment, rust.block_comment) == ("Rust", "//", ("/*", "*/"))
    _, script = make("tool", "#!/usr/bin/env python3\nprint(1)\n", settle=False)
    assert script.language == "Python"
    _, css = make("a.css", "", settle=False)
    assert css.line_comment is None and css.block_comment == ("/*", "*/")
    assert isinstance(highlighter_for("notes.txt", Document("hello")), PlainHighlighter)
    assert highlighter_for(None, Document("plain words")).language == "Plain text"


# -- incremental parsing --------------------------------------------------------------


def fresh_spans(path, text):
    doc = Document(text)
    hl = highlighter_for(path, doc)
    hl.line_spans(0, 1)
    assert hl.settle()
    rows = hl.line_spans(0, doc.line_count)
    hl.close()
    return rows


def test_edit_recolours_after_reparse_and_bumps_version(make, monkeypatch):
    monkeypatch.setattr(TS, "SYNC_PARSE_CHARS", 0)  # every parse on the parser thread
    doc, hl = make("a.py", "x = 1\nname = 2\n")
    updates = []
    hl.on_update = lambda: updates.append(threading.current_thread().name)
    v0 = hl.version
    apply(doc, hl, [(len("x = 1\n"), len("x = 1\n"), "def ")])  # "def name = 2": no longer a variable
    assert hl.version > v0
    assert hl.settle()
    assert updates and updates[-1] != threading.main_thread().name
    assert scope_at(doc, hl, 1, "def") == "keyword"
    assert hl.line_spans(0, doc.line_count) == fresh_spans("a.py", doc.text)


def test_old_colours_stay_on_their_text_until_the_reparse_lands(make, monkeypatch):
    monkeypatch.setattr(TS, "SYNC_PARSE_CHARS", 0)
    text = python_file(40)
    doc, hl = make("a.py", text)
    before = hl.line_spans(0, doc.line_count)
    release = gate(hl)
    apply(doc, hl, [(0, 0, "import sys\nimport os\n")])  # two lines on top
    shifted = hl.line_spans(2, doc.line_count)
    assert shifted == before  # same colours, moved down with their text
    # predicates are checked against the live text even on the shifted tree
    assert scope_at(doc, hl, 2 + 3, "print") == "function.builtin"
    assert scope_at(doc, hl, 2 + 2, "value") == "variable"
    release.set()
    assert hl.settle()
    assert hl.line_spans(0, doc.line_count) == fresh_spans("a.py", doc.text)


def test_typing_inside_a_line_keeps_the_rest_coloured(make, monkeypatch):
    monkeypatch.setattr(TS, "SYNC_PARSE_CHARS", 0)
    doc, hl = make("a.py", "def f(x):\n    return x + 1  # done\n")
    release = gate(hl)
    col = doc.line_text(1).index("x")
    apply(doc, hl, [(doc.offset(1, col), doc.offset(1, col), "yy")])
    assert scope_at(doc, hl, 1, "return") == "keyword"
    assert scope_at(doc, hl, 1, "# done") == "comment"
    assert scope_at(doc, hl, 1, "1") == "number"
    release.set()
    assert hl.settle()


EDIT_PIECES = ["x", " ", "\n", "(", ")", '"', "#", "é", "→", "def ", "    ", "'''", "\r\n", "1", ":", "{", "}"]


def random_edits(rng, n):
    edits, pos = [], 0
    for _ in range(rng.randint(1, 3)):
        a = rng.randint(pos, min(n, pos + 400))
        b = min(n, a + rng.choice([0, 0, 1, 2, 7, 30]))
        text = "".join(rng.choice(EDIT_PIECES) for _ in range(rng.randint(0, 3)))
        edits.append((a, b, text))
        pos = b + 1
        if pos > n:
            break
    return edits


@pytest.mark.parametrize("seed", range(6))
def test_random_edits_converge_to_a_fresh_parse(make, monkeypatch, seed):
    monkeypatch.setattr(TS, "SYNC_PARSE_CHARS", 0)
    rng = random.Random(seed)
    base = "# ünïcode → ok\n" + python_file(12) + "s = 'héllo'\r\nt = {1: 2}\n"
    doc, hl = make("a.py", base)
    for _ in range(25):
        apply(doc, hl, random_edits(rng, len(doc)))
        if rng.random() < 0.4:
            first = rng.randrange(doc.line_count)
            check_well_formed(doc, hl.line_spans(first, first + 20), first)
        if rng.random() < 0.3:
            assert hl.settle()
    assert hl.settle()
    assert hl.line_spans(0, doc.line_count) == fresh_spans("a.py", doc.text)


def test_edits_while_a_parse_is_in_flight(make, monkeypatch, caplog):
    monkeypatch.setattr(TS, "SYNC_PARSE_CHARS", 0)
    doc, hl = make("a.py", python_file(300))
    rng = random.Random(7)
    with caplog.at_level(logging.ERROR):
        # held: edits pile up behind a parse that has not started
        release = gate(hl)
        apply(doc, hl, [(0, 0, "x = 1\n")])
        for _ in range(10):
            apply(doc, hl, random_edits(rng, len(doc)))
            hl.line_spans(100, 140)
        release.set()
        # free-running: the parser thread parses while the edits keep coming
        for _ in range(60):
            apply(doc, hl, random_edits(rng, len(doc)))
            if rng.random() < 0.5:
                hl.line_spans(rng.randrange(doc.line_count), doc.line_count)
        assert hl.settle()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert hl.line_spans(0, doc.line_count) == fresh_spans("a.py", doc.text)


def test_document_changed_without_on_changes_is_reparsed(make):
    doc, hl = make("a.py", "x = 1\n")
    doc.apply(ChangeSet.from_edits(len(doc), [(0, 0, "def f(): pass\n")]))  # hl not told
    hl.line_spans(0, 2)
    assert hl.settle()
    assert scope_at(doc, hl, 0, "def") == "keyword"


def test_close_stops_the_parser_thread(make, monkeypatch):
    monkeypatch.setattr(TS, "SYNC_PARSE_CHARS", 0)
    doc, hl = make("a.py", python_file(5))
    thread = hl._job._thread
    assert thread is not None and thread.is_alive()
    hl.close()
    thread.join(2)
    assert not thread.is_alive()


# -- Tree.edit arguments --------------------------------------------------------------


def reference_edits(text, changes):
    """Tree.edit arguments computed the slow way: replay each change on the text."""
    out = []
    for c in changes:  # last first, each in the coordinates just before it

        def point(offset):
            before = text[:offset]
            row = before.count("\n")
            return row, len(before[before.rfind("\n") + 1 :].encode("utf-8", "surrogatepass"))

        start, old_end = c.start_offset, c.start_offset + len(c.deleted)
        assert text[start:old_end] == c.deleted
        new_text = text[:start] + c.inserted + text[old_end:]
        new_end = start + len(c.inserted)
        b = lambda s, n: len(s[:n].encode("utf-8", "surrogatepass"))  # noqa: E731
        out.append((b(text, start), b(text, old_end), b(new_text, new_end), point(start), point(old_end),
                    (new_text[:new_end].count("\n"),
                     len(new_text[:new_end][new_text[:new_end].rfind("\n") + 1 :].encode("utf-8", "surrogatepass")))))
        text = new_text
    return out


piece = st.sampled_from(["a", "é", "→", "\n", "\r\n", "xy", "😀", " "])
texts = st.lists(piece, max_size=30).map("".join)


@settings(max_examples=300, deadline=None)
@given(texts, st.data())
def test_input_edits_match_a_replay_of_the_changes(text, data):
    doc = Document(text)
    doc.track_bytes = True
    n = len(doc)
    cuts = sorted(data.draw(st.lists(st.integers(0, n), max_size=6)))
    edits = []
    for a, b in zip(cuts[::2], cuts[1::2]):
        edits.append((a, b, data.draw(texts)))
    if not edits:
        edits = [(0, 0, data.draw(texts))]
    before = doc.text
    changes = doc.apply(ChangeSet.from_edits(n, edits))
    assert input_edits(doc.lines, changes) == reference_edits(before, changes)


# -- window-bounded work ----------------------------------------------------------------


class RecordingCursor:
    def __init__(self, cursor):
        self.cursor, self.ranges, self.matches_seen = cursor, [], 0

    def set_point_range(self, start, end):
        self.ranges.append((start, end))
        self.cursor.set_point_range(start, end)

    def matches(self, node):
        found = self.cursor.matches(node)
        self.matches_seen += len(found)
        return found


def test_queries_cover_the_window_only(make):
    doc, hl = make("big.py", python_file(1000))  # 5,000 lines
    recorder = hl._cursor = RecordingCursor(hl._cursor)
    rows = hl.line_spans(2500, 2540)
    assert any(rows)
    assert len(recorder.ranges) == 1
    (r0, _), (r1, _) = recorder.ranges[0]
    assert 2500 <= r0 and r1 <= 2540 + TS.MIN_WINDOW
    assert recorder.matches_seen < 40 * 12  # a few per line, not the ~60,000 of the file
    # the same rows again (same version) are served from the cache
    hl.line_spans(2510, 2520)
    assert len(recorder.ranges) == 1


def test_row_by_row_requests_share_one_query(make):
    doc, hl = make("a.py", python_file(100))
    recorder = hl._cursor = RecordingCursor(hl._cursor)
    for row in range(200, 220):
        hl.line_spans(row, row + 1)
    assert len(recorder.ranges) == 1


# -- first paint ----------------------------------------------------------------------


def test_small_file_is_coloured_at_the_first_call(make):
    doc, hl = make("a.py", "def f():\n    return 1\n", settle=False)
    assert scope_at(doc, hl, 0, "def") == "keyword"  # no waiting for a thread


def test_large_file_is_coloured_before_the_full_parse_lands(make, monkeypatch):
    monkeypatch.setattr(TS, "SYNC_PARSE_CHARS", 1000)
    doc, hl = make("big.py", python_file(400), settle=False)
    updates = []
    hl.on_update = lambda: updates.append(1)
    release = gate(hl)
    assert scope_at(doc, hl, 0, "def") == "keyword"  # the window parsed on its own
    deep = 5 * 300
    assert scope_at(doc, hl, deep, "def") == "keyword"
    assert scope_at(doc, hl, deep + 2, "# comment") == "comment"
    assert hl._tree is None and not updates
    release.set()
    assert hl.settle()
    assert updates and hl._tree is not None
    assert hl.line_spans(deep, deep + 5) == fresh_spans("big.py", doc.text)[deep : deep + 5]


def test_wide_nodes_are_queried_child_by_child_with_the_same_result(make, monkeypatch):
    # after a bad edit the whole module can become one ERROR node with thousands of children
    text = python_file(300).replace("    return print", "return print(\n", 150)
    doc, hl = make("broken.py", text)
    root = hl._tree.root_node
    assert root.child_count > TS.WIDE_NODE
    for first in (0, 700, 1400):
        narrow = hl._query(hl._tree, TS.WindowText(doc.lines), first, first + 40, 0)
        monkeypatch.setattr(TS, "WIDE_NODE", 10**9)  # query the root as a whole
        whole = hl._query(hl._tree, TS.WindowText(doc.lines), first, first + 40, 0)
        monkeypatch.undo()
        assert narrow == whole and any(narrow)


def test_a_wide_node_keeps_its_own_capture(make):
    # a string with many interpolations: the string node itself is wide
    line = 'text = f"' + " ".join(f"{{v{i}}}" for i in range(100)) + ' end"\n'
    doc, hl = make("wide.py", line)
    assert scope_at(doc, hl, 0, " end") == "string"
    assert scope_at(doc, hl, 0, "v50") == "variable"


# -- building blocks ------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 5), st.sampled_from(["", "a", "\n", "b\nc\n", "\n\n\n"])),
                min_size=1, max_size=25))
def test_line_chunks_follow_the_document(ops):
    from nxedit.editor.syntax.base import LineChunks

    doc = Document("".join(f"line {i}\n" for i in range(700)))
    chunks = LineChunks(doc.lines)
    for start, length, text in ops:
        n = len(doc)
        a = start % (n + 1)
        edits = [(a, min(n, a + length), text)]
        if a > 3:  # now and then two changes in one change set
            edits.insert(0, (a // 2, a // 2 + 1, "x\n"))
        changes = doc.apply(ChangeSet.from_edits(n, edits))
        before = {id(c) for c in chunks.snapshot()}
        chunks.apply(doc.lines, changes)
        assert [line for chunk in chunks.snapshot() for line in chunk] == doc.lines
        assert len(chunks) == doc.line_count
        assert max(map(len, chunks.chunks)) <= 2 * chunks.SIZE
        kept = sum(1 for c in chunks.snapshot() if id(c) in before)
        assert kept >= len(before) - 2 * len(changes)  # only chunks an edit touched are new


def test_background_job_coalesces_pokes():
    from nxedit.editor.syntax.base import BackgroundJob

    started, release, runs = threading.Event(), threading.Event(), []

    def work():
        runs.append(1)
        started.set()
        release.wait(5)

    job = BackgroundJob(work, "test-job")
    job.poke()
    assert started.wait(5)
    for _ in range(10):  # while the first run works, ten more pokes
        job.poke()
    assert not job.idle
    release.set()
    assert job.wait_idle(5)
    assert len(runs) == 2  # one run for all of them
    job.close()


def test_background_job_waits_for_a_quiet_period():
    import time

    from nxedit.editor.syntax.base import BackgroundJob

    runs = []
    job = BackgroundJob(lambda: runs.append(time.monotonic()), "test-quiet", quiet=0.2)
    for _ in range(3):
        job.poke()
    last_poke = time.monotonic()
    assert job.wait_idle(5)
    assert len(runs) == 1 and runs[0] - last_poke >= 0.19
    job.poke(now=True)  # "now" skips the quiet period
    assert job.wait_idle(5) and len(runs) == 2
    job.close()


def test_background_job_runs_during_continuous_pokes_after_max_lag():
    import time

    from nxedit.editor.syntax.base import BackgroundJob

    runs = []
    job = BackgroundJob(lambda: runs.append(time.monotonic()), "test-lag", quiet=10.0, max_lag=0.1)
    first = time.monotonic()
    while time.monotonic() - first < 1.0:  # pokes never pause for the quiet period
        job.poke()
        time.sleep(0.01)
    assert runs and runs[0] - first >= 0.09  # not before max_lag, but long before a pause
    job.close()


def test_background_job_duty_spaces_expensive_runs_while_pokes_continue():
    import time

    from nxedit.editor.syntax.base import BackgroundJob

    runs, ends = [], []

    def work():  # 40 ms of CPU
        runs.append(time.monotonic())
        end = time.thread_time() + 0.04
        while time.thread_time() < end:
            pass
        ends.append(time.monotonic())

    job = BackgroundJob(work, "test-duty", quiet=10.0, max_lag=0.01, duty=10)
    job.poke(now=True)
    assert job.wait_idle(5) and job.last_cost >= 0.04
    while time.monotonic() - ends[0] < 1.0:
        job.poke()
        time.sleep(0.01)
    assert len(runs) >= 2
    assert runs[1] - ends[0] >= 0.4  # 10 x the last run's CPU time after it ended, not max_lag
    job.close()


@pytest.mark.parametrize("path", ["a.py", "a.lua", "notes.txt"])
def test_one_list_per_requested_row_even_outside_the_document(make, path):
    doc, hl = make(path, "x = 1\ny = 2\n")
    assert len(hl.line_spans(-2, 5)) == 7
    assert hl.line_spans(-2, 5)[2] == hl.line_spans(0, 1)[0]
    assert hl.line_spans(0, 1)[0] or path == "notes.txt"
    assert hl.line_spans(10, 12) == [[], []]
    assert hl.line_spans(3, 1) == []
