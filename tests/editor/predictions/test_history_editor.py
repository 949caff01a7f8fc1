"""The editor feeds the edit history: typing becomes events in the database, shown
suggestions and what the user did with them are kept, private files leave nothing."""

from __future__ import annotations

import json
import sqlite3

from nxedit.model.history.db import default_path

from editor_helpers import ready, suggestion
from test_ghost_suggestions import AREA, SIZE, editor, renamed


def rows(app, sql: str) -> list[tuple]:
    """Query the history database once everything submitted so far is written."""
    store = app.recording.history.store
    assert store.flush()
    with sqlite3.connect(store.path) as conn:
        return conn.execute(sql).fetchall()


async def test_typing_becomes_events_in_the_database(tmp_path):
    async with renamed(tmp_path) as (app, pilot):
        await pilot.press("ctrl+s")  # a save ends the event
        events = rows(app, "SELECT path, start_line, old_text, new_text, origin, cursor_line FROM events")
        assert events == [(str(tmp_path / "shop.py"), 1, "    amount = 0\n", "    subtotal = 0\n", "typed", 1)]
        await pilot.press("ctrl+d")  # a command (duplicate line) records as typing
        await pilot.press("ctrl+z")  # undo stands alone
        await pilot.press("ctrl+s")
        origins = [r[0] for r in rows(app, "SELECT origin FROM events ORDER BY id")]
        assert origins == ["typed", "typed", "undo"]


async def test_shown_suggestions_and_their_outcomes_are_kept(tmp_path):
    async with renamed(tmp_path) as (app, pilot):
        first = await suggestion(pilot)
        await pilot.press("tab", "tab")  # accepted
        second = await suggestion(pilot)
        await pilot.press("escape")  # rejected
        sid = app.recording.history.store.sid
        ours = f"('{sid(first.suggestion.id)}', '{sid(second.suggestion.id)}')"  # a slow typist may see more
        shown = rows(app, f"SELECT sid, source, edits, request FROM suggestions WHERE sid IN {ours} ORDER BY id")
        assert [(s, src) for s, src, _, _ in shown] == [(sid(first.suggestion.id), "structural:rename"),
                                                        (sid(second.suggestion.id), "structural:rename")]
        edits = json.loads(shown[0][2])
        assert edits == [{"start_line": 15, "end_line": 16, "new_text": "        subtotal += item.price\n"}]
        request = json.loads(shown[0][3])
        assert request["cursor"] == {"line": 1, "column": 12} and request["line_count"] == 43
        assert request["history"][-1]["new_text"] == "    subtotal = 0\n"
        assert "current" not in request and request["excerpts"][0]["start_line"] == 0
        outcomes = rows(app, f"SELECT sid, kind, accepted_chars, suggested_chars FROM outcomes WHERE sid IN {ours}"
                             " ORDER BY id")
        size = len("amount") + len("subtotal")
        assert outcomes == [(sid(first.suggestion.id), "accepted", size, size),
                            (sid(second.suggestion.id), "rejected", 0, size)]
        # the accepted suggestion became an event of its own, linked to it
        await pilot.press("ctrl+s")
        linked = rows(app, "SELECT origin, suggestion_sid, new_text FROM events WHERE origin = 'suggestion'")
        assert linked == [("suggestion", sid(first.suggestion.id), "        subtotal += item.price\n")]


async def test_a_partial_accept_then_esc_is_a_partial_outcome(tmp_path):
    app = editor(tmp_path, "geo.py", AREA, 0, 13)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press(*", scale")
        await suggestion(pilot)
        await pilot.press("tab", "ctrl+right", "escape")
        assert rows(app, "SELECT kind, accepted_chars, suggested_chars FROM outcomes") == [("partial", 1, 7)]


async def test_typing_past_a_suggestion_is_ignored(tmp_path):
    async with renamed(tmp_path) as (app, pilot):
        await suggestion(pilot)
        await pilot.press("x")
        assert rows(app, "SELECT kind FROM outcomes")[-1:] == [("ignored",)]


async def test_a_private_file_leaves_nothing_but_still_gets_suggestions(tmp_path):
    project = tmp_path / "client"
    project.mkdir()
    (project / ".nxedit-private").write_text("")
    async with renamed(project) as (app, pilot):
        await suggestion(pilot)  # the structural engine runs in-process: it may
        await pilot.press("tab", "tab", "ctrl+s")
        await suggestion(pilot)
        await pilot.press("escape")
        assert rows(app, "SELECT COUNT(*) FROM events") == [(0,)]
        assert rows(app, "SELECT COUNT(*) FROM suggestions") == [(0,)]
        assert rows(app, "SELECT COUNT(*) FROM outcomes") == [(0,)]


async def test_a_secret_file_is_never_recorded(tmp_path):
    app = editor(tmp_path, ".env", "API_KEY=abc\n", 0, 11)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press(*"def", "ctrl+s")
        assert rows(app, "SELECT COUNT(*) FROM events") == [(0,)]
    assert default_path().exists()  # the store ran; it only kept nothing


async def test_recording_off_writes_no_database(tmp_path):
    async with renamed(tmp_path, config="[history]\nenabled = false\n") as (app, pilot):
        await suggestion(pilot)  # the recent edits still feed the predictor, from memory
        await pilot.press("tab", "tab", "ctrl+s")
        assert app.recording.history.store is None
    assert not default_path().exists()
