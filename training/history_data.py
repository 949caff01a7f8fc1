"""Training data from the edit history: buffers rebuilt from the recorded edits.

The history store keeps each edit as a hunk (lines ``old_text`` became ``new_text`` at
``start_line``), not whole buffers, and each shown suggestion with its request cut to
excerpts around the cursor (``nxedit history export --jsonl`` documents the records).
From them this module rebuilds:

* **A file's text before and after every recorded edit**, from the file as it is on
  disk now: it holds the text after the edits made before it was last written (its
  modification time), or after all of them; from there the earlier edits are undone one
  by one and any later, unsaved ones redone. Each step is checked (an edit's lines must
  be where it says); the chain stops at the first that does not match, and the edits
  beyond are not used. A file changed outside nxedit after its last recorded edit
  matches neither way: none of its edits are used.
* **SFT examples** (:func:`sft_examples`): the buffer before an edit the user typed,
  pasted or accepted; the cursor where their previous edit ended; up to 5 earlier edits
  of the same file in the same session as the history; other files of the project that
  were edited, as they were at that moment, as the related files; the edit as the
  answer. Undo, redo and reload events are history, never answers.
* **Preferences** (:func:`preferences`): each shown suggestion with what the user did
  with it. The buffer is the rebuilt one whose lines agree with the stored excerpts;
  when none does, the excerpt around the cursor stands in for the buffer (``meta
  partial``: line numbers shifted, the rest of the file missing). A rejected suggestion
  is paired with the edit the user made next in that buffer, when there is one.

What cannot be rebuilt: edits of files deleted or moved since, or changed outside nxedit
after the edit and before the file was last recorded (their chain breaks); the related
files the editor really sent (``files`` is not stored; the project's files edited in the
same session stand in); the cursor between edits (the end of the previous edit stands
in); edits in buffers without a file. Private files are skipped again here with the
current rules, in case they changed since recording.
"""

from __future__ import annotations

import bisect
import json
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from nxedit.model.history.events import apply_hunk
from nxedit.model.languages import spec_for_path
from nxedit.model.privacy import PrivacyRules
from nxedit.model.text.plain import split_editor_lines, split_lines

from .examples import Example

TARGET_ORIGINS = frozenset({"typed", "paste", "suggestion"})  # edits worth predicting
MAX_HISTORY = 5
MAX_RELATED = 4


@dataclass
class Timeline:
    """One file's recorded edits (oldest first) and its text around each of them."""

    path: str  # absolute
    project: str
    events: list[dict]
    texts: list[str | None]  # texts[i]: before events[i]; texts[-1]: after the last (None: unknown)
    starts: list[float] = field(default_factory=list)

    def __post_init__(self):
        self.starts = [e["t_start"] for e in self.events]

    @property
    def relative(self) -> str:
        root = self.project.rstrip("/") + "/"
        return self.path[len(root) :] if self.path.startswith(root) else self.path.lstrip("/")

    def index_at(self, t: float) -> int:
        """How many of the edits had started before time ``t``."""
        return bisect.bisect_left(self.starts, t)


def undo(text: str, event: dict) -> str | None:
    """``text`` before ``event``, or None when the event's new lines are not where it says."""
    lines = split_lines(text)
    s = event["start_line"]
    n_new = len(split_lines(event["new_text"]))
    if s > len(lines) or "".join(lines[s : s + n_new]) != event["new_text"]:
        return None
    return "".join(lines[:s]) + event["old_text"] + "".join(lines[s + n_new :])


def redo(text: str, event: dict) -> str | None:
    """``text`` after ``event``, or None when its old lines are not where it says."""
    try:
        return apply_hunk(text, event)
    except ValueError:
        return None


def rebuild(events: list[dict], disk: str | None, saved_at: float | None = None) -> list[str | None]:
    """The text before each event and after the last (None where unknown), from the file
    on disk. The disk holds the text after the edits made before it was last saved
    (``saved_at``, its modification time) -- or, failing that, after all of them; from
    there the earlier edits are undone and the later (unsaved) ones redone, each checked."""
    n = len(events)
    texts: list[str | None] = [None] * (n + 1)
    if disk is None or not events:
        return texts
    candidates = (
        [n] if saved_at is None else [sum(e.get("t_end", e["t_start"]) <= saved_at for e in events), n]
    )
    for j in dict.fromkeys(candidates):  # the disk must show the edit before it (or fit the first one)
        if (undo(disk, events[j - 1]) if j else redo(disk, events[0])) is not None:
            anchor = j
            break
    else:
        return texts
    texts[anchor] = disk
    for i in range(anchor - 1, -1, -1):
        texts[i] = undo(texts[i + 1], events[i])
        if texts[i] is None:
            break
    for i in range(anchor, n):
        texts[i + 1] = redo(texts[i], events[i])
        if texts[i + 1] is None:
            break
    return texts


def read_file(path: str) -> tuple[str, float] | None:
    """A file's text as the editor holds it and when it was last written, or None
    (missing, unreadable, not UTF-8)."""
    try:
        with open(path, encoding="utf-8", newline="") as f:
            return f.read(), os.fstat(f.fileno()).st_mtime
    except (OSError, UnicodeDecodeError):
        return None


def load_records(
    export: Path | None = None, since: float | None = None, project: str | None = None
) -> list[dict]:
    """Export records from a ``nxedit history export --jsonl`` file, or from the history database."""
    if export is not None:
        with open(export, encoding="utf-8") as f:
            rows = [json.loads(line) for line in f if line.strip()]
        return [r for r in rows if since is None or _record_time(r) >= since]
    from contextlib import closing

    from nxedit.model.history import db as history_db, query as history_query

    try:
        conn = history_db.connect(create=False)
    except FileNotFoundError:
        return []
    with closing(conn):
        return list(history_query.iter_records(conn, since, project))


def _record_time(record: dict) -> float:
    return record.get("t_start") or record.get("shown_at") or record.get("decided_at") or 0.0


def timelines(
    records: Iterable[dict],
    privacy: PrivacyRules,
    read: Callable[[str], tuple[str, float] | None] = read_file,
) -> tuple[dict[str, Timeline], Counter]:
    """Every recorded file's :class:`Timeline`, and counts of what was skipped."""
    by_path: dict[str, list[dict]] = {}
    for r in records:
        if r.get("type") == "event" and r.get("path"):
            by_path.setdefault(r["path"], []).append(r)
    skipped: Counter = Counter()
    out = {}
    for path, events in by_path.items():
        if privacy.is_private(path):
            skipped["private file"] += len(events)
            continue
        events.sort(key=lambda e: e["t_start"])
        found = read(path)
        disk, saved_at = found if found else (None, None)
        texts = rebuild(events, disk, saved_at)
        unknown = sum(texts[i] is None or texts[i + 1] is None for i in range(len(events)))
        if unknown:
            skipped["file missing on disk" if disk is None else "edit not rebuilt from the file"] += unknown
        project = events[-1].get("project") or privacy.classify(path).project
        out[path] = Timeline(path, project, events, texts)
    return out, skipped


def _related_files(tls: dict[str, Timeline], me: Timeline, t: float) -> dict[str, str]:
    """Other files of the project that had been edited by time ``t``, as they were then."""
    found = []
    for tl in tls.values():
        if tl is me or tl.project != me.project:
            continue
        k = tl.index_at(t)
        if k and tl.texts[k] is not None:
            found.append((tl.events[k - 1]["t_end"], tl.relative, tl.texts[k]))
    found.sort(reverse=True)
    return {rel: text for _, rel, text in found[:MAX_RELATED]}


def _cursor(text: str, cursor: dict | None) -> dict | None:
    """``cursor`` if it lies in ``text`` (as the editor's lines), else None."""
    if not cursor or cursor.get("line") is None:
        return None
    rows = split_editor_lines(text)
    line, column = cursor["line"], cursor.get("column") or 0
    if not 0 <= line < len(rows):
        return None
    return {"line": line, "column": min(column, len(rows[line].rstrip("\r\n")))}


def _hunk(event: dict) -> dict:
    return {"start_line": event["start_line"], "old_text": event["old_text"], "new_text": event["new_text"]}


def _edit(event: dict) -> dict:
    """An event as a line edit against the text before it."""
    s = event["start_line"]
    return {
        "start_line": s,
        "end_line": s + len(split_lines(event["old_text"])),
        "new_text": event["new_text"],
    }


def _language(path: str) -> str:
    spec = spec_for_path(path)
    return spec.name if spec else ""


def _recent(tl: Timeline, i: int) -> list[dict]:
    """The edits just before edit ``i`` in the same session, oldest first (at most 5)."""
    session = tl.events[i].get("session")
    out = []
    for j in range(i - 1, max(-1, i - 1 - MAX_HISTORY), -1):
        if tl.events[j].get("session") != session:
            break
        out.insert(0, tl.events[j])
    return out


def sft_examples(tls: dict[str, Timeline]) -> tuple[list[Example], Counter]:
    """One example per recorded edit that can be predicted (see the module doc)."""
    examples, skipped = [], Counter()
    for tl in tls.values():
        for i, event in enumerate(tl.events):
            before, after = tl.texts[i], tl.texts[i + 1]
            if before is None or after is None:
                continue
            if event.get("origin", "typed") not in TARGET_ORIGINS:
                skipped[f"{event.get('origin')} edit (history only)"] += 1
                continue
            recent = _recent(tl, i)
            cursor = _cursor(before, recent[-1].get("cursor")) if recent else None
            if cursor is None:
                skipped["no earlier edit in the session"] += 1
                continue
            request = {
                "path": tl.relative,
                "language": _language(tl.path),
                "current": before,
                "cursor": cursor,
                "history": [_hunk(e) for e in recent],
                "files": _related_files(tls, tl, event["t_start"]),
            }
            meta = {"session": event.get("session"), "origin": event.get("origin")}
            examples.append(
                Example(
                    "history", f"{tl.project}:{tl.relative}", event["t_start"], request, [_edit(event)], meta
                )
            )
    return examples, skipped


# ---------------------------------------------------------------------------------------
# preferences from the outcomes of shown suggestions


@dataclass
class Preference:
    """A shown suggestion and what became of it, against the buffer it was made for."""

    file: str
    time: float
    request: dict  # wire format, with the buffer (rebuilt, or the excerpt around the cursor)
    suggested: list[dict]  # the suggestion's line edits
    label: bool | None  # desirable (accepted), undesirable (rejected), None: no label
    chosen: list[dict] | None = None  # what the user did next instead (for a rejected one)
    meta: dict = field(default_factory=dict)


def _outcomes(records: Iterable[dict]) -> dict[str, dict]:
    """The last outcome of each suggestion."""
    last: dict[str, dict] = {}
    for r in records:
        if r.get("type") == "outcome":
            prev = last.get(r["suggestion_id"])
            if prev is None or (r.get("decided_at") or 0) >= (prev.get("decided_at") or 0):
                last[r["suggestion_id"]] = r
    return last


def outcome_label(outcome: dict, ignored_as_rejected: bool = False) -> bool | None:
    """Accepted (or more than half taken) is desirable; rejected is not; the rest has no label."""
    kind = outcome.get("kind")
    if kind == "accepted":
        return True
    if kind == "partial":
        taken, offered = outcome.get("accepted_chars") or 0, outcome.get("suggested_chars") or 0
        return True if offered and taken * 2 >= offered else None
    if kind == "rejected" or (kind == "ignored" and ignored_as_rejected):
        return False
    return None


def _matches_excerpts(text: str, stored: dict) -> bool:
    lines = split_lines(text)
    if stored.get("line_count") is not None and stored["line_count"] != len(lines):
        return False
    for ex in stored.get("excerpts") or ():
        s = ex["start_line"]
        if "".join(lines[s : s + len(split_lines(ex["text"]))]) != ex["text"]:
            return False
    return True


def _shift(edits: list[dict], by: int, n_lines: int) -> list[dict] | None:
    out = []
    for e in edits:
        s, end = e["start_line"] - by, e["end_line"] - by
        if s < 0 or end > n_lines:
            return None
        out.append({**e, "start_line": s, "end_line": end})
    return out


def _excerpt_request(stored: dict, edits: list[dict]) -> tuple[dict, list[dict], int] | None:
    """The request with the excerpt around the cursor as its buffer, edits shifted; or None."""
    line = (stored.get("cursor") or {}).get("line")
    for ex in stored.get("excerpts") or ():
        n = len(split_lines(ex["text"]))
        if line is None or not ex["start_line"] <= line < ex["start_line"] + max(n, 1):
            continue
        by = ex["start_line"]
        shifted = _shift(edits, by, n)
        if shifted is None:
            return None
        history = [
            {**h, "start_line": h["start_line"] - by}
            for h in stored.get("history") or ()
            if 0 <= h["start_line"] - by <= n
        ]
        cursor = _cursor(ex["text"], {**stored["cursor"], "line": line - by})
        if cursor is None:
            return None
        return (
            {**_request_fields(stored), "current": ex["text"], "cursor": cursor, "history": history},
            shifted,
            by,
        )
    return None


def _request_fields(stored: dict) -> dict:
    return {
        "path": stored.get("path", ""),
        "language": stored.get("language") or _language(stored.get("path", "")),
        "history": [
            {k: h[k] for k in ("start_line", "old_text", "new_text")} for h in stored.get("history") or ()
        ],
        "cursor": stored.get("cursor"),
        "files": {},
    }


def preferences(
    records: list[dict], tls: dict[str, Timeline], privacy: PrivacyRules, ignored_as_rejected: bool = False
) -> tuple[list[Preference], Counter]:
    """Every shown suggestion with an outcome, as a :class:`Preference` (see the module doc)."""
    outcomes = _outcomes(records)
    prefs, skipped = [], Counter()
    for s in records:
        if s.get("type") != "suggestion" or not s.get("request"):
            continue
        outcome = outcomes.get(s["id"])
        if outcome is None:
            skipped["suggestion without outcome"] += 1
            continue
        if privacy.is_private(s["path"]):
            skipped["private file"] += 1
            continue
        label = outcome_label(outcome, ignored_as_rejected)
        stored, edits = s["request"], s["edits"]
        tl = tls.get(s["path"])
        k = _state_index(tl, s["shown_at"], stored) if tl else None
        chosen = None
        if k is not None:
            request = {
                **_request_fields(stored),
                "current": tl.texts[k],
                "files": _related_files(tls, tl, s["shown_at"]),
            }
            request["cursor"] = _cursor(tl.texts[k], stored.get("cursor"))
            if (
                k < len(tl.events)
                and tl.texts[k + 1] is not None
                and tl.events[k].get("origin") in ("typed", "paste")
            ):
                chosen = [_edit(tl.events[k])]
            partial = False
        else:
            cut = _excerpt_request(stored, edits)
            if cut is None:
                skipped["buffer not rebuilt"] += 1
                continue
            request, edits, _ = cut
            partial = True
        if request["cursor"] is None:
            skipped["buffer not rebuilt"] += 1
            continue
        if label is not False:
            chosen = None  # only a rejected suggestion is paired with what the user did instead
        if label is None and chosen is None:
            skipped[f"{outcome['kind']} (no label)"] += 1
            continue
        project = s.get("project") or privacy.classify(s["path"]).project
        meta = {
            "suggestion": s["id"],
            "outcome": outcome["kind"],
            "source": s.get("source"),
            "partial": partial,
        }
        prefs.append(
            Preference(f"{project}:{request['path']}", s["shown_at"], request, edits, label, chosen, meta)
        )
    return prefs, skipped


def _state_index(tl: Timeline, shown_at: float, stored: dict) -> int | None:
    """Which rebuilt text of ``tl`` the suggestion was made for (it agrees with the excerpts)."""
    k = tl.index_at(shown_at)
    for i in (k, k - 1, k + 1):
        if 0 <= i < len(tl.texts) and tl.texts[i] is not None and _matches_excerpts(tl.texts[i], stored):
            return i
    return None


def history_sources(
    export: Path | None,
    since: float | None,
    project: str | None,
    private_globs: Iterable[str] = (),
    ignored_as_rejected: bool = False,
    read: Callable[[str], tuple[str, float] | None] = read_file,
):
    """SFT examples and preferences from the history (an export file, or the database)."""
    privacy = PrivacyRules(tuple(private_globs))
    records = load_records(export, since, os.path.abspath(project) if project else None)
    tls, skipped = timelines(records, privacy, read)
    examples, more = sft_examples(tls)
    prefs, pref_skipped = preferences(records, tls, privacy, ignored_as_rejected)
    return examples, prefs, skipped + more, pref_skipped
