"""What syntax highlighting costs the UI thread per keystroke, and the parser thread per edit.

For Python files of 1,000 / 20,000 / 100,000 lines (real code: the standard library's
modules concatenated) it prints:

- first paint: time from ``highlighter_for`` to the first 40-row window of spans (coloured:
  small files are parsed at once, large ones parse the window alone), and until the full
  tree has landed on the parser thread;
- per keystroke, on the UI thread: CPU time (``time.thread_time``) of ``on_changes`` plus
  ``line_spans`` for the 40-row window around the edit, for 500 characters (newlines
  included) typed in the middle of the file, one every ``--gap`` ms; plus the redraw of
  the window each time a reparse lands (what the view does on ``on_update``), and the
  total of both per key;
- per reparse, on the parser thread: wall and CPU time.

And the same typing for a 20,000-line Lua file (Pygments). Run:
``python bench/syntax_cost.py [--sizes 1000,20000,100000] [--keys 500] [--gap 30]``
"""

from __future__ import annotations

import argparse
import statistics
import sys
import sysconfig
import time
from pathlib import Path

from nxedit.editor.syntax.highlighter import highlighter_for
from nxedit.model.text.changeset import ChangeSet
from nxedit.model.text.document import Document

WINDOW = 40
TYPED = "value = compute(a, b)\n    "


def python_source(n_lines: int) -> str:
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    lines: list[str] = []
    for path in sorted(stdlib.glob("*.py")):
        lines.extend(path.read_text(encoding="utf-8", errors="replace").splitlines(keepends=True))
        if len(lines) >= n_lines:
            break
    while len(lines) < n_lines:
        lines.extend(lines[: n_lines - len(lines)])
    return "".join(lines[:n_lines])


def lua_source(n_lines: int) -> str:
    block = (
        "local function greet(name, count)\n"
        "  -- say hello a few times\n"
        '  for i = 1, count do print("hello " .. name .. i) end\n'
        "  return count * 2\n"
        "end\n"
    )
    return (block * (n_lines // 5 + 1))[: len(block) * (n_lines // 5)]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def measure(path: str, text: str, keys: int, gap: float) -> dict:
    doc = Document(text)
    t0 = time.perf_counter()
    hl = highlighter_for(path, doc)
    parses: list[tuple[float, float]] = []  # (wall, cpu) of each background parse
    landed: list[float] = []
    work = hl._job._work

    def timed_work():
        w, c = time.perf_counter(), time.thread_time()
        work()
        parses.append((time.perf_counter() - w, time.thread_time() - c))

    hl._job._work = timed_work
    hl.on_update = lambda: landed.append(time.perf_counter())
    first = hl.line_spans(0, WINDOW)
    first_paint = time.perf_counter() - t0
    coloured = sum(1 for row in first if row)
    hl.settle(120)
    full = (landed[0] if landed else time.perf_counter()) - t0
    parses.clear()

    line, col = doc.line_count // 2, 0
    apply_cpu: list[float] = []  # the document's own edit, for reference
    key_cpu: list[float] = []  # on_changes + line_spans of the window, per keystroke
    key_wall: list[float] = []
    refresh_cpu: list[float] = []  # line_spans of the window after a reparse landed (on_update)
    for ch in (TYPED * (keys // len(TYPED) + 1))[:keys]:
        offset = doc.offset(line, col)
        c = time.thread_time()
        changes = doc.apply(ChangeSet.from_edits(len(doc), [(offset, offset, ch)]))
        w, c2 = time.perf_counter(), time.thread_time()
        apply_cpu.append(c2 - c)
        hl.on_changes(changes)
        line, col = (line + 1, 0) if ch == "\n" else (line, col + 1)
        top = max(0, line - WINDOW // 2)
        hl.line_spans(top, top + WINDOW)
        key_cpu.append(time.thread_time() - c2)
        key_wall.append(time.perf_counter() - w)
        seen = len(landed)
        time.sleep(gap)
        if len(landed) > seen:  # what the view does on on_update: redraw the window
            c = time.thread_time()
            hl.line_spans(top, top + WINDOW)
            refresh_cpu.append(time.thread_time() - c)
    hl.settle(120)
    hl.close()
    return {
        "lines": doc.line_count,
        "first_paint_ms": first_paint * 1e3,
        "first_rows_coloured": coloured,
        "full_parse_ms": full * 1e3,
        "key_cpu_ms": (statistics.median(key_cpu) * 1e3, pct(key_cpu, 0.95) * 1e3),
        "key_wall_ms": (statistics.median(key_wall) * 1e3, pct(key_wall, 0.95) * 1e3),
        "refresh_ms": statistics.median(refresh_cpu) * 1e3 if refresh_cpu else 0.0,
        "total_per_key_ms": (sum(key_cpu) + sum(refresh_cpu)) / keys * 1e3,
        "apply_ms": statistics.median(apply_cpu) * 1e3,
        "parses": len(parses),
        "parse_wall_ms": (statistics.median(p[0] for p in parses) * 1e3 if parses else 0.0),
        "parse_cpu_ms": (statistics.median(p[1] for p in parses) * 1e3 if parses else 0.0),
    }


def gil_delay(text: str) -> tuple[float, float, int]:
    """How late the UI thread gets the GIL back while a full parse runs on the parser thread:
    p95 and max of the extra delay of 2 ms sleeps, in ms, and the number of samples."""
    doc = Document(text)
    hl = highlighter_for("big.py", doc)
    hl.line_spans(0, WINDOW)  # starts the full parse
    late = []
    while not hl._job.idle:
        t = time.perf_counter()
        time.sleep(0.002)
        late.append(time.perf_counter() - t - 0.002)
    hl.close()
    return (pct(late, 0.95) * 1e3, max(late) * 1e3, len(late)) if late else (0.0, 0.0, 0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,20000,100000")
    parser.add_argument("--keys", type=int, default=500)
    parser.add_argument("--gap", type=float, default=30, help="ms between keystrokes")
    parser.add_argument("--lua-lines", type=int, default=20000, help="0 to skip the Pygments run")
    parser.add_argument("--switch-interval", type=float, help="sys.setswitchinterval (s): how long a thread waits for the GIL before it asks for it")
    args = parser.parse_args(argv)
    if args.switch_interval:
        sys.setswitchinterval(args.switch_interval)
    print(
        f"python {sys.version.split()[0]}, {args.keys} keys, {args.gap:.0f} ms apart, window {WINDOW} rows, "
        f"GIL switch interval {sys.getswitchinterval() * 1e3:g} ms"
    )
    # the first highlighter of a language imports its grammar and compiles its query: once
    for path in ("warm.py", "warm.lua"):
        warm = time.perf_counter()
        highlighter_for(path, Document("x = 1\n")).line_spans(0, 1)
        print(f"first use of {path[5:]}: {1e3 * (time.perf_counter() - warm):.1f} ms (grammar/lexer import, query compile)")
    print(
        f"{'file':>18} {'1st paint':>9} {'colour':>6} {'full parse':>10} | {'per key: UI cpu med/p95':>23}"
        f" {'wall p95':>8} | {'refresh':>7} {'UI total/key':>12} | {'reparses':>8} {'wall/cpu each':>14}"
    )
    runs = [(f"{int(n)} lines .py", "big.py", python_source(int(n))) for n in args.sizes.split(",")]
    if args.lua_lines:
        runs.append((f"{args.lua_lines} lines .lua", "big.lua", lua_source(args.lua_lines)))
    for label, path, text in runs:
        r = measure(path, text, args.keys, args.gap / 1e3)
        print(
            f"{label:>18} {r['first_paint_ms']:>6.1f} ms {r['first_rows_coloured']:>3}/{WINDOW} "
            f"{r['full_parse_ms']:>7.0f} ms | {r['key_cpu_ms'][0]:>11.2f} / {r['key_cpu_ms'][1]:>5.2f} ms"
            f" {r['key_wall_ms'][1]:>5.2f} ms | {r['refresh_ms']:>4.2f} ms {r['total_per_key_ms']:>9.2f} ms"
            f" | {r['parses']:>8} {r['parse_wall_ms']:>5.1f} / {r['parse_cpu_ms']:>5.1f} ms"
        )
    for n in args.sizes.split(",")[-1:]:
        p95, worst, samples = gil_delay(python_source(int(n)))
        print(f"GIL: during a full parse of {int(n)} lines the UI thread got the GIL back "
              f"late by {p95:.2f} ms (p95), {worst:.2f} ms (max) over {samples} wake-ups")
    print("UI total/key = CPU of on_changes + line_spans per key, plus the window redraws after reparses,")
    print("divided by the keys typed (Document.apply, the view's own cost, is not included: "
          f"median {r['apply_ms']:.2f} ms at the last size)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
