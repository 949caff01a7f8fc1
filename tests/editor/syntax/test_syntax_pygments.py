"""Pygments fallback: lexer choice by name, #! line and content; spans; edits that keep
other lines' colours; window-bounded lexing on the UI thread; background relex."""

import threading

from pygments import token as t

from nxedit.editor.syntax import pygments_highlight as P
from nxedit.editor.syntax.highlighter import PlainHighlighter, highlighter_for
from nxedit.editor.syntax.pygments_highlight import PygmentsHighlighter, lex_lines, scope_for
from nxedit.model.text.document import Document

from syntax_helpers import apply, gate, make, scope_at  # noqa: F401 (make: a fixture)


LUA = 'local function greet(name)\n  -- say hi\n  return "hi " .. name\nend\n'


def test_lua_by_extension(make):
    doc, hl = make("init.lua", LUA)
    assert isinstance(hl, PygmentsHighlighter)
    assert (hl.language, hl.line_comment, hl.block_comment) == ("Lua", "--", ("--[[", "]]"))
    assert scope_at(doc, hl, 0, "local") == "keyword"
    assert scope_at(doc, hl, 0, "greet") == "function"
    assert scope_at(doc, hl, 1, "-- say hi") == "comment"
    assert scope_at(doc, hl, 2, '"hi "') == "string"
    assert scope_at(doc, hl, 3, "end") == "keyword"


def test_sql_makefile_and_shebang(make):
    doc, sql = make("q.sql", "SELECT id FROM users WHERE name = 'x'; -- all\n")
    assert sql.language == "SQL" and sql.line_comment == "--"
    assert scope_at(doc, sql, 0, "SELECT") == "keyword"
    assert scope_at(doc, sql, 0, "'x'") == "string"
    assert scope_at(doc, sql, 0, "-- all") == "comment"

    doc, mk = make("Makefile", "all: main\n\t$(CC) -o $@ main.c  # build\n")
    assert mk.language == "Makefile" and mk.line_comment == "#"
    assert scope_at(doc, mk, 1, "# build") == "comment"

    doc, perl = make("deploy", "#!/usr/bin/env perl\nmy $n = 42;\nprint $n;\n")
    assert perl.language == "Perl" and perl.line_comment == "#"
    assert scope_at(doc, perl, 1, "my") == "keyword"
    assert scope_at(doc, perl, 1, "42") == "number"


def test_comment_table_for_other_languages(make):
    for path, line in [("a.hs", "--"), ("a.clj", ";"), ("a.vim", '"'), ("a.erl", "%"), ("Dockerfile", "#"),
                       ("a.ini", ";"), ("a.R", "#"), ("a.nim", "#"), ("a.kt", "//")]:
        _, hl = make(path, "", settle=False)
        assert hl.line_comment == line, path


def test_file_known_only_by_content_is_guessed_in_the_background(make):
    doc, hl = make("index", "<?php\necho 'hello';\n$count = 1;\n", settle=False)
    updates = []
    hl.on_update = lambda: updates.append(threading.current_thread().name)
    assert hl.language == "Plain text"  # the guess does not hold up the first paint
    assert hl.line_spans(0, 3) == [[], [], []]
    assert hl.settle()
    assert "PHP" in hl.language and updates
    assert scope_at(doc, hl, 1, "'hello'") == "string"


def test_plain_text(make):
    assert isinstance(highlighter_for("notes.txt", Document("SELECT * FROM x;\n")), PlainHighlighter)
    doc, hl = make("README", "Just some words here.\nAnother line.\n")
    assert hl.language == "Plain text"
    assert hl.line_spans(0, doc.line_count) == [[], [], []]


def test_scope_mapping_walks_up_token_types():
    assert scope_for(t.Keyword) == "keyword"
    assert scope_for(t.Keyword.Reserved) == "keyword"
    assert scope_for(t.Name.Builtin) == "function.builtin"
    assert scope_for(t.Name.Function.Magic) == "function"
    assert scope_for(t.Literal.String.Double) == "string"
    assert scope_for(t.Literal.Number.Hex) == "number"
    assert scope_for(t.Comment.Single) == "comment"
    assert scope_for(t.Text.Whitespace) is None
    assert scope_for(t.Name) is None


def test_lex_lines_splits_tokens_per_line_in_character_columns():
    from pygments.lexers import get_lexer_by_name

    lines = ["x = [[lông\r\n", "chaîne]] -- c\n", ""]
    rows = lex_lines(get_lexer_by_name("lua"), lines)
    assert (4, 10, "string") in rows[0]  # up to the line's content, not its "\r\n"
    assert rows[1][0] == (0, 8, "string")
    assert (9, 13, "comment") in rows[1]
    assert rows[2] == []


def test_edit_keeps_other_lines_and_lexes_the_changed_one_at_once(make, monkeypatch):
    doc, hl = make("init.lua", LUA)
    before = hl.line_spans(0, doc.line_count)
    held = gate(hl)
    apply(doc, hl, [(0, 0, "x = 1\n")])  # a line on top
    rows = hl.line_spans(0, doc.line_count)
    assert rows[1:] == before  # shifted, not lost
    assert (4, 5, "number") in rows[0]  # the new line lexed at once
    col = doc.line_text(3).index('"hi "')
    apply(doc, hl, [(doc.offset(3, col), doc.offset(3, col), "42 .. ")])
    assert scope_at(doc, hl, 3, "42") == "number"
    held.set()
    assert hl.settle()


def test_background_lex_fixes_multiline_constructs(make, monkeypatch):
    monkeypatch.setattr(PygmentsHighlighter, "QUIET", 0.0)
    doc, hl = make("init.lua", LUA)
    assert scope_at(doc, hl, 2, "return") == "keyword"
    end = doc.offset(3, 0)
    apply(doc, hl, [(0, 0, "--[[\n"), (end, end, "]]\n")])  # a block comment around lines 1-3
    v = hl.version
    assert hl.settle()
    assert hl.version > v
    assert scope_at(doc, hl, 3, "return") == "comment"
    assert scope_at(doc, hl, 5, "end") == "keyword"


def test_visible_lines_are_lexed_alone_before_the_background_lex(make, monkeypatch):
    text = LUA * 2000  # 8,000 lines
    doc, hl = make("big.lua", text, settle=False)
    calls = []
    real = P.lex_lines

    def recording(lexer, lines):
        calls.append((threading.current_thread() is threading.main_thread(), len(lines)))
        return real(lexer, lines)

    monkeypatch.setattr(P, "lex_lines", recording)
    held = gate(hl)
    rows = hl.line_spans(4000, 4040)
    assert len(rows) == 40 and rows[0]
    on_ui = [n for main, n in calls if main]
    assert on_ui and max(on_ui) <= 40  # only the window, never the file
    held.set()
    assert hl.settle()
    assert any(not main and n == doc.line_count for main, n in calls)  # the file, on the thread
