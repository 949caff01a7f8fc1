"""``nxedit history``: see, switch, export and purge your recorded edit history.

    nxedit history status                  on/off, where, how big, the privacy rules
    nxedit history on | off                start / stop recording (kept in history.json)
    nxedit history stats                   counts and accept rates per source, language, project
    nxedit history export --jsonl [--since DATE] [--project PATH] [-o FILE]
    nxedit history purge [--path GLOB] [--yes]

Imports no Textual: it starts fast.

Export format (JSONL, one object per line, in time order; times are Unix seconds):

* ``{"type": "event", "session", "project", "path", "t_start", "t_end", "start_line",
  "old_text", "new_text", "diff", "cursor": {"line", "column"}, "origin",
  "suggestion_id"}`` -- one edit the user made: lines ``[start_line, start_line +
  lines(old_text))`` of the file as it was then became ``new_text`` (a wire-format history
  hunk); ``diff`` is the same as a unified diff; ``origin`` is typed, paste, undo, redo,
  suggestion or reload; ``suggestion_id`` names the accepted suggestion, if any.
* ``{"type": "suggestion", "id", "project", "path", "language", "source", "edits",
  "confidence", "latency_ms", "shown_at", "request"}`` -- a suggestion that was shown;
  ``edits`` are wire-format line edits; ``request`` is the predictor request it answered
  (path, language, cursor, history hunks) with the buffer kept as ``excerpts``
  (``[{"start_line", "text"}]`` around the cursor and the edits) and ``line_count``.
* ``{"type": "outcome", "suggestion_id", "kind", "shown_at", "decided_at",
  "accepted_chars", "suggested_chars"}`` -- what the user did with it: accepted,
  partial (``accepted_chars`` of ``suggested_chars`` taken), rejected (Esc) or ignored
  (typed past it).

Paths are absolute; ``project`` is the project root (see :mod:`nxedit.model.project`).
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import textwrap
from contextlib import closing, nullcontext
from datetime import datetime
from pathlib import Path

from . import db as history_db, query as history_query
from .settings import load_history_settings, set_recording
from nxedit.model.privacy import DEFAULT_SECRET_GLOBS, OPT_OUT_FILE, PrivacyRules
from nxedit.model.text.sanitise import json_line, print_safely, sanitise


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="nxedit history", description="Your recorded edit history (it never leaves this machine)."
    )
    p.add_argument("--config", type=Path, help="read this config file instead of the default one")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser("status", help="on/off, database, size, counts, privacy rules")
    sub.add_parser("on", help="record edits from now on")
    sub.add_parser("off", help="stop recording (what is recorded stays until purged)")
    sub.add_parser("stats", help="counts and accept rates per source, language and project")
    ex = sub.add_parser("export", help="write events, suggestions and outcomes as JSONL")
    ex.add_argument("--jsonl", action="store_true", required=True, help="JSON Lines, one record per line")
    ex.add_argument("--since", help="only records from this date or time on (ISO 8601, local time)")
    ex.add_argument("--project", type=Path, help="only this project (its root, or a folder in it)")
    ex.add_argument("-o", "--output", type=Path, help="write here instead of standard output")
    pu = sub.add_parser("purge", help="delete everything, or the records of matching files")
    pu.add_argument(
        "--path",
        metavar="GLOB",
        help="only files whose path matches (relative globs start at the current folder)",
    )
    pu.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    return p


def main(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    command = args.command or "status"
    try:
        return COMMANDS[command](args)
    except HistoryError as exc:
        print_safely(f"nxedit history {command}: {exc}", file=sys.stderr)
        return 1
    except (sqlite3.Error, OSError) as exc:  # pages corrupt past the header, a full disk, ...
        path = history_db.default_path()
        print_safely(f"nxedit history {command}: cannot read {path}: {history_db.describe(exc, path)}; "
                     "the editor moves a damaged one aside when it next records, "
                     "`nxedit history purge` deletes it", file=sys.stderr)
        return 1
    except BrokenPipeError:  # `nxedit history export --jsonl | head`
        sys.stderr.close()
        return 0


class HistoryError(Exception):
    """A one-line reason the command could not do its job."""


def _open(create: bool = False) -> sqlite3.Connection | None:
    """The database, migrated; None if there is none yet."""
    try:
        return history_db.connect(create=create)
    except FileNotFoundError:
        return None
    except Exception as exc:  # noqa: BLE001 -- every failure becomes one line
        raise HistoryError(f"cannot read {history_db.default_path()}: {exc}") from None


def _size(path: Path) -> int:
    return sum(os.path.getsize(f) for f in (path, Path(f"{path}-wal")) if f.is_file())


def _when(t: float | None) -> str:
    return datetime.fromtimestamp(t).strftime("%Y-%m-%d %H:%M") if t else "-"


def cmd_status(args) -> int:
    settings = load_history_settings(args.config)
    path = history_db.default_path()
    print_safely(f"recording:  {'on' if settings.enabled else 'off'} (from {settings.enabled_from})")
    print_safely(f"database:   {path}")
    try:
        conn = _open()
    except HistoryError as exc:
        print_safely(f"            {exc}; the editor moves it aside when it next records")
        conn = None
    else:
        if conn is None:
            print_safely("            (nothing recorded yet)")
    if conn is not None:
        try:
            with closing(conn):
                c = history_query.counts(conn)
        except sqlite3.DatabaseError as exc:  # a good header over corrupt pages
            print_safely(f"            damaged ({exc}); the editor moves it aside when it next records")
        else:
            print_safely(f"size:       {_size(path) / 1024:.0f} KiB")
            print_safely(f"records:    {c['events']} events, {c['suggestions']} suggestions, {c['outcomes']} outcomes")
            print_safely(f"span:       {_when(c['first'])} .. {_when(c['last'])}")
    copies = history_db.broken_copies(path)
    if copies:
        size = sum(_size(p) for p in copies) / 1024
        print_safely(f"broken:     {_copies(copies)} moved aside as broken ({size:.0f} KiB) still hold "
                     "recorded edits; `nxedit history purge` deletes them")
        for copy in copies:
            print_safely(f"            {copy}")
    globs = f"{len(DEFAULT_SECRET_GLOBS)} built-in secret globs: {' '.join(DEFAULT_SECRET_GLOBS)}"
    print_safely(textwrap.fill(globs, 100, initial_indent="private:    ", subsequent_indent=" " * 12))
    print_safely(f"            your globs ([history] private_globs): {' '.join(settings.private_globs) or '(none)'}")
    print_safely(
        f"            a project opts out with a file named {OPT_OUT_FILE} at its root (or any folder above)"
    )
    here = Path.cwd() / "_"
    info = PrivacyRules(settings.private_globs).classify(here)
    verdict = "private (not recorded)" if info.private else "recorded"
    print_safely(f"this folder: project {info.project} is {verdict}")
    for problem in settings.problems:
        print_safely(f"warning:    {problem}")
    return 0


def cmd_on(args) -> int:
    state = set_recording(True)
    print_safely(f"edit history: recording on (saved in {state})")
    return 0


def cmd_off(args) -> int:
    state = set_recording(False)
    print_safely(f"edit history: recording off (saved in {state}); `nxedit history purge` deletes what was recorded")
    return 0


def cmd_stats(args) -> int:
    conn = _open()
    if conn is None:
        print_safely("nothing recorded yet")
        return 0
    with closing(conn):
        c = history_query.counts(conn)
        print_safely(f"{c['events']} events, {c['suggestions']} suggestions shown, {c['outcomes']} outcomes")
        for by in history_query.GROUPINGS:
            rows = history_query.accept_rates(conn, by)
            if not rows:
                continue
            print_safely(f"\nby {by}:")
            print_safely(
                f"  {'':40} {'shown':>6} {'accept':>6} {'partial':>7} {'reject':>6} {'ignore':>6} {'rate':>6}"
            )
            for r in rows:
                print_safely(
                    f"  {r.key[-40:]:40} {r.shown:6} {r.accepted:6} {r.partial:7} {r.rejected:6}"
                    f" {r.ignored:6} {r.accept_rate:6.0%}"
                )
    return 0


def _parse_since(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        return datetime.fromisoformat(text).timestamp()
    except ValueError:
        raise HistoryError(f"--since {text!r}: expected a date like 2025-01-31 or 2025-01-31T14:00") from None


def cmd_export(args) -> int:
    since = _parse_since(args.since)
    project = os.path.abspath(args.project) if args.project else None
    conn = _open()
    out = open(args.output, "w", encoding="utf-8") if args.output else sys.stdout
    n = 0
    try:
        if conn is not None:
            with closing(conn):
                for record in history_query.iter_records(conn, since, project):
                    out.write(json_line(record) + "\n")  # undecodable paths, C1 controls: escaped
                    n += 1
    finally:
        if args.output:
            out.close()
    if args.output:
        print_safely(f"wrote {n} records to {args.output}", file=sys.stderr)
    return 0


def _absolute_glob(glob: str) -> str:
    if glob.startswith(("/", "*", "~")):
        return os.path.expanduser(glob)
    return os.path.join(os.getcwd(), glob)


def _copies(copies: list[Path]) -> str:
    return f"{len(copies)} cop{'y' if len(copies) == 1 else 'ies'} of the database"


def cmd_purge(args) -> int:
    glob = _absolute_glob(args.path) if args.path else None
    path = history_db.default_path()
    copies = history_db.broken_copies(path)
    damaged = None
    found = {"events": 0, "suggestions": 0, "outcomes": 0}
    try:
        conn = _open()
    except HistoryError as exc:
        conn, damaged = None, str(exc)
    if conn is not None:
        try:
            found = history_query.purge(conn, glob, dry_run=True)
        except sqlite3.DatabaseError as exc:  # a good header over corrupt pages
            conn.close()
            conn, damaged = None, f"{path} is damaged ({exc})"
    scope = f"of files matching {glob}" if glob else "(everything)"
    if glob is not None:
        if damaged:
            raise HistoryError(f"{damaged}: no single file's records can be found in it; "
                               "`nxedit history purge` without --path deletes it whole")
        if copies:  # a broken file cannot be searched: say where such records may still be
            print_safely(f"note: {_copies(copies)} moved aside as broken are not searched; "
                         "`nxedit history purge` without --path deletes them")
    parts = []
    if any(found.values()):
        parts.append(f"{found['events']} events, {found['suggestions']} suggestions, {found['outcomes']} outcomes")
    if damaged and glob is None:
        parts.append(f"the damaged database {path.name}")
    if copies and glob is None:
        parts.append(f"{_copies(copies)} moved aside as broken")
    if not parts:
        if conn is not None:
            conn.close()
        print_safely(f"nothing to delete {scope}" if conn is not None else "nothing recorded yet")
        return 0
    what = " and ".join(parts)
    with closing(conn) if conn is not None else nullcontext():
        if not args.yes:
            if not sys.stdin or not sys.stdin.isatty():
                raise HistoryError(f"would delete {what} {scope}; no terminal to ask, pass --yes")
            answer = input(sanitise(f"Delete {what} {scope}? [y/N] ")).strip().lower()
            if answer not in ("y", "yes"):
                print_safely("nothing deleted")
                return 1
        if conn is not None and any(found.values()):
            history_query.purge(conn, glob)
    if glob is None:
        if damaged:
            history_db.delete_database(path)
        for copy in copies:
            history_db.delete_database(copy)
    print_safely(f"deleted {what} {scope}")
    return 0


COMMANDS = {
    "status": cmd_status,
    "on": cmd_on,
    "off": cmd_off,
    "stats": cmd_stats,
    "export": cmd_export,
    "purge": cmd_purge,
}
