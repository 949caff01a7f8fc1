"""Huge inputs (issue 14): a key's cost and the memory held on files far past the usual.

Cases: a 10 MB file that is one line (plain text with soft wrap on, and the same as .py),
and a 1,000,000-line Python file (and the same bytes as .txt). For each, in one fresh
process: the editor (Textual's test driver, real app, real files) opens the file, then
types 20 keys in the middle of it, 50 ms apart; printed are the open time, the median and
worst time per key on the UI thread (the edit as the key handler makes it, and the
editor view's repaint), the CPU time per key of the whole process (every thread: the
journal, the history, the predictors), the process's resident memory after typing, and
that as a multiple of the file's size. What the editor turned off to stay
fast is printed too (the status line says the same to the user).

Targets: a key never takes more than about 50 ms; memory a small multiple of the file.

    python bench/huge_files.py            # every case, each in its own process
    python bench/huge_files.py --case wrap-10mb
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CASES = {
    "wrap-10mb": ("huge.txt", "line", True),
    "line-10mb-py": ("huge.py", "line", False),
    "lines-1m-py": ("big.py", "lines", False),
    "lines-1m-txt": ("big.txt", "lines", False),
}
KEYS = 20
PACE = 0.05  # seconds between keys


def make(path: Path, shape: str) -> None:
    if shape == "line":  # 10 MB, one line: words and spaces, as minified text is
        word = "lorem ipsum dolor sit amet, "
        path.write_text(word * (10_000_000 // len(word)) + "\n")
    else:  # 1,000,000 lines of Python, 178 bytes a line on average
        chunk = "".join(f"    value_{i} = compute(alpha, beta, gamma) + offset_{i}  # a comment to make the line longer ok\n"
                        for i in range(10))
        path.write_text(("def f():\n" + chunk[: 1780 - 9]) * 100_000)


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


async def measure(path: Path, wrap: bool) -> dict:
    from nxedit.editor.app import EditorApp
    from nxedit.editor.config import Config
    from nxedit.editor.files.args import FileArg

    config = Config()
    config.soft_wrap = wrap
    t0 = time.perf_counter()
    app = EditorApp([FileArg(path)], config)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        while app.buffer.path is None:
            await pilot.pause(0.05)
        opened = time.perf_counter() - t0
        doc = app.buffer.document
        middle = doc.line_count // 2
        app.go_to(middle, min(5_000_000, len(doc.line_text(middle)) // 2))
        await pilot.pause(0.5)
        from textual.geometry import Region

        from nxedit.editor.view import editing

        view = app.view
        times, cpu0 = [], time.process_time()
        for key in ("hello world!" + "x" * KEYS)[:KEYS]:
            t = time.perf_counter()
            view.run_edit(editing.type_text, key)  # what the key handler does
            view.render_lines(Region(0, 0, view.size.width, view.size.height))  # the repaint
            times.append(time.perf_counter() - t)
            await pilot.pause(PACE)  # a fast typist; background work (journal, history) runs here
        cpu = (time.process_time() - cpu0) / KEYS
        await pilot.pause(1.0)
        return {
            "open_s": round(opened, 2),
            "key_ms_median": round(statistics.median(times) * 1000, 1),
            "key_ms_worst": round(max(times) * 1000, 1),
            "cpu_ms_per_key": round(cpu * 1000, 1),
            "rss_mb": round(rss_mb(), 0),
            "file_mb": round(path.stat().st_size / 1e6, 1),
            "limits": getattr(app.buffer, "limits", None).note if getattr(app.buffer, "limits", None) else "",
        }


def run_case(name: str) -> dict:
    file_name, shape, wrap = CASES[name]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / file_name
        make(path, shape)
        os.environ["NXEDIT_HOME"] = str(Path(tmp) / "home")
        result = asyncio.run(measure(path, wrap))
    result["rss_per_file"] = round(result["rss_mb"] / result["file_mb"], 1)
    return result


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--case", choices=CASES)
    args = p.parse_args()
    if args.case:
        print(json.dumps(run_case(args.case)))
        return
    print(f"{'case':<14} {'file MB':>8} {'open s':>7} {'key ms median':>14} {'key ms worst':>13} "
          f"{'CPU ms/key':>11} {'RSS MB':>7} {'RSS/file':>9}  degraded")
    for name in CASES:
        done = subprocess.run([sys.executable, __file__, "--case", name], capture_output=True, text=True)
        if done.returncode:
            print(f"{name:<14} failed: {done.stderr.strip().splitlines()[-1:]}")
            continue
        r = json.loads(done.stdout.strip().splitlines()[-1])
        print(f"{name:<14} {r['file_mb']:>8} {r['open_s']:>7} {r['key_ms_median']:>14} {r['key_ms_worst']:>13} "
              f"{r['cpu_ms_per_key']:>11} {r['rss_mb']:>7.0f} {r['rss_per_file']:>9}  {r['limits'] or '-'}")


if __name__ == "__main__":
    main()
