"""Per-keystroke cost of the edit recorder on a large file.

Types, backspaces and presses Enter in the middle of a 100,000-line document and prints
the time ``Recorder.record_change`` takes per change (the document edit itself is timed
separately), the cost of closing an event, and of handing an event to the history store.

    python bench/recorder_cost.py [--lines 100000] [--keys 20000]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time

from nxedit.model.text.changeset import ChangeSet
from nxedit.model.text.document import Document
from nxedit.model.text.edits import Position
from nxedit.model.history.events import EditEvent
from nxedit.model.privacy import PathInfo, PrivacyRules
from nxedit.model.history.recorder import Recorder
from nxedit.model.history.store import HistoryStore


def classify(path: str) -> PathInfo:
    return PathInfo(path, "/bench", False)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=100_000)
    ap.add_argument("--keys", type=int, default=20_000)
    args = ap.parse_args()
    text = "".join(f"    value_{i} = compute({i}, other_{i})  # comment\n" for i in range(args.lines))
    doc = Document(text)
    rec = Recorder(classify=classify)
    line = args.lines // 2
    col = doc.line_length(line)
    apply_s, record_s, close_s = [], [], []
    now = 1_000_000.0
    pattern = "abc(\n" + "\b" * 3  # type, press Enter, backspace
    for i in range(args.keys):
        ch = pattern[i % len(pattern)]
        off = doc.offset(line, col)
        cs = (
            ChangeSet.delete_range(len(doc), off - 1, off)
            if ch == "\b"
            else ChangeSet.insert_at(len(doc), off, ch)
        )
        t0 = time.perf_counter()
        changes = doc.apply(cs)
        t1 = time.perf_counter()
        line, col = doc.position(cs.map_pos(off if ch == "\b" else off + 1))
        t2 = time.perf_counter()
        closed = rec.record_change("/bench/big.py", doc, changes, (line, col), now)
        t3 = time.perf_counter()
        apply_s.append(t1 - t0)
        (close_s if closed else record_s).append(t3 - t2)
        now += 0.05 if i % 200 else 2.0  # a pause every 200 keys closes the event
    for name, xs in (
        ("Document.apply", apply_s),
        ("record_change (merging)", record_s),
        ("record_change (closing an event)", close_s),
    ):
        xs = sorted(xs)
        median, p99 = statistics.median(xs) * 1e6, xs[int(len(xs) * 0.99)] * 1e6
        print(f"{name:34} median {median:7.1f} µs   p99 {p99:7.1f} µs   n={len(xs)}")
    print(f"document: {args.lines} lines, {len(doc)} chars; events closed: {len(close_s)}")

    t0 = time.perf_counter()
    for _ in range(1000):
        hunks = rec.recent_hunks("/bench/big.py", 5)
    t1 = time.perf_counter()
    print(f"{'recent_hunks(5), burst open':34} {(t1 - t0) * 1e3:7.1f} µs per call   ({len(hunks)} hunks)")
    t0 = time.perf_counter()
    for i in range(10_000):
        rec.cursor_moved("/bench/big.py", (line, i % 80), now)
        rec.tick(now)
    t1 = time.perf_counter()
    print(f"{'cursor_moved + tick':34} {(t1 - t0) / 10_000 * 1e6:7.1f} µs per call")

    event = EditEvent("/bench/big.py", now, now, line, "a\n", "b\n", Position(line, 1), project="/bench")
    with tempfile.TemporaryDirectory() as tmp:
        store = HistoryStore(f"{tmp}/history.sqlite3", privacy=PrivacyRules())
        t0 = time.perf_counter()
        for _ in range(5000):
            store.submit_event(event)
        t1 = time.perf_counter()
        store.close()
        print(
            f"{'HistoryStore.submit_event':34} {(t1 - t0) / 5000 * 1e6:7.1f} µs per event (queued; "
            f"{store.written} written by the writer thread)"
        )


if __name__ == "__main__":
    main()
