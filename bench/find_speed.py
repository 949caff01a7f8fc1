"""Finding things in a big project: the file picker and project search on a generated tree.

A git repository of ``--files`` files (default 50,000, 40 lines each, a ``.gitignore``d
``build/`` folder beside them) is generated in a temporary folder, then, driving the real
app headless (Textual's pilot) in this process:

(a) file picker: the time from pressing Ctrl+T to the first ranked files on screen, cold
    (the first opening: git lists the files) and warm (the list kept from before, a fresh
    one made behind it); the longest stall of the UI thread once the picker shows, while
    the listing and ranking finish (a 5 ms timer's lateness: what typing would wait); the
    ranking time per key for a typed query (worker thread); and how long each way of
    listing takes (git's list; the .gitignore walk used outside git);
(b) project search: the time from the search starting (the query typed, typing paused)
    to the first result on screen, for a common word and for a word in one file only,
    with ripgrep and with the pure-Python fallback;
(c) typing while a search runs: UI-thread CPU and wall time per key typed into the
    replacement field while a search reads the whole tree (restarted whenever it finishes)
    against the same with no search, and the ratio (target: close to 1). Wall time per key
    includes the pilot's own wait for the screen to settle.

For scale, (a) also times the app's simplest dialog (Go to line) from key to paint: the
floor any Textual screen pays on this machine at its present load.

Target (issue 16): the picker opens in well under 100 ms on 50,000 files.

    python bench/find_speed.py             # 50,000 files (about a minute to generate)
    python bench/find_speed.py --files 5000 --quick
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WORDS = ("alpha beta gamma delta widget render parse token buffer cursor layout model view store query "
         "index util core net http json cache").split()
RARE = "zanzibar_quokka"  # in one file only


def make_tree(root: Path, count: int) -> None:
    """``count`` Python files in nested folders, committed to a fresh git repository."""
    rng = random.Random(16)
    made = 0
    top = 0
    while made < count:
        for sub in range(10):
            folder = root / "src" / f"{rng.choice(WORDS)}_{top}" / f"{rng.choice(WORDS)}{sub}"
            folder.mkdir(parents=True, exist_ok=True)
            for k in range(25):
                lines = []
                for n in range(20):
                    lines.append(f"def {rng.choice(WORDS)}_{n}(x):\n    return x + {n}  # {rng.choice(WORDS)}\n")
                if made == count // 2:
                    lines.append(f"{RARE} = 1\n")
                (folder / f"{rng.choice(WORDS)}_{rng.choice(WORDS)}_{k}.py").write_text("".join(lines))
                made += 1
                if made >= count:
                    break
            if made >= count:
                break
        top += 1
    (root / "build").mkdir()
    for i in range(1000):
        (root / "build" / f"out{i}.txt").write_text("widget junk\n")
    (root / ".gitignore").write_text("build/\n")
    env = {**os.environ, "GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@b", "GIT_COMMITTER_NAME": "b",
           "GIT_COMMITTER_EMAIL": "b@b"}
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "tree"]):
        subprocess.run(["git", "-C", str(root), *args], check=True, env=env)


class StallProbe:
    """A 5 ms timer on the UI thread; its worst lateness is the longest the UI was busy."""

    def __init__(self, app) -> None:
        self.app = app
        self.worst = 0.0
        self._last = time.perf_counter()
        self.timer = app.set_interval(0.005, self._tick)

    def reset(self) -> None:
        self.worst = 0.0
        self._last = time.perf_counter()

    def _tick(self) -> None:
        now = time.perf_counter()
        self.worst = max(self.worst, now - self._last - 0.005)
        self._last = now


async def wait(pilot, condition, timeout: float = 60.0) -> None:
    end = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > end:
            raise SystemExit("timed out waiting for the app")
        await pilot.pause(0.002)


async def press(app, key: str) -> float:
    """Post ``key`` as the terminal driver would and return when: Pilot.press also waits for
    the app to go idle (~50-80 ms here), which would hide what the key itself costs."""
    from textual import events

    start = time.perf_counter()
    app.post_message(events.Key(key, None))
    await asyncio.sleep(0)
    return start


async def until(condition, timeout: float = 60.0) -> None:
    end = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > end:
            raise SystemExit("timed out waiting for the app")
        await asyncio.sleep(0.0005)


async def prompt_run(repeats: int) -> list[float]:
    """Ctrl+G (a one-line prompt) to its first paint: what any dialog costs."""
    from nxedit.editor.app import EditorApp
    from nxedit.editor.ui.dialogs import Prompt

    app = EditorApp([])
    times = []
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(0.5)
        for _ in range(repeats):
            start = await press(app, "ctrl+g")
            await until(lambda: isinstance(app.screen, Prompt))
            painted: list[float] = []
            app.screen.call_after_refresh(lambda: painted.append(time.perf_counter()))
            await until(lambda: painted)
            times.append(painted[0] - start)
            await pilot.press("escape")
            await pilot.pause(0.05)
    return times


async def picker_run(root: Path, repeats: int) -> dict:
    from nxedit.editor.app import EditorApp
    from nxedit.editor.find.file_picker import FilePicker

    app = EditorApp([])
    out: dict = {"warm": []}
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(0.5)
        probe = StallProbe(app)
        for attempt in range(repeats + 1):
            probe.reset()
            start = await press(app, "ctrl+t")
            await until(lambda: isinstance(app.screen, FilePicker) and app.screen.first_results_at)
            opened = app.screen.first_results_at - start
            probe.reset()  # from here on the picker is open: what would typing wait for?
            await wait(pilot, lambda: app.screen.listed)
            await pilot.pause(0.3)  # the ranking of the full list and the preview
            stall = probe.worst
            if attempt == 0:
                out["cold"], out["cold_stall"], out["files"] = opened, stall, app.screen.file_count
            else:
                out["warm"].append(opened)
                out["warm_stall"] = max(out.get("warm_stall", 0.0), stall)
            await pilot.press("escape")
            await pilot.pause(0.05)
    return out


def ranking_times(root: Path, query: str) -> list[float]:
    from nxedit.editor.find.fuzzy import Ranker
    from nxedit.editor.find.project_files import list_files

    paths = [p for batch in list_files(root) for p in batch]
    ranker = Ranker(paths)
    times = []
    for n in range(1, len(query) + 1):
        t = time.perf_counter()
        ranker.rank(query[:n])
        times.append(time.perf_counter() - t)
    return times


def listing_times(root: Path) -> tuple[float, float]:
    from nxedit.editor.find.project_files import list_files, walk_files

    t = time.perf_counter()
    sum(len(b) for b in list_files(root))
    git_s = time.perf_counter() - t
    t = time.perf_counter()
    sum(len(b) for b in walk_files(root))
    return git_s, time.perf_counter() - t


async def search_run(root: Path, queries: list[str], python: bool) -> dict:
    from nxedit.editor.app import EditorApp
    from nxedit.editor.find import project_search
    from nxedit.editor.find.search_screen import ProjectSearchScreen

    saved = project_search.ripgrep_binary
    if python:
        project_search.ripgrep_binary = lambda: None
    app = EditorApp([])
    out = {}
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause(0.5)
            for query in queries:
                await pilot.press("alt+shift+f")
                await wait(pilot, lambda: isinstance(app.screen, ProjectSearchScreen))
                screen = app.screen
                await pilot.press(*query)
                await wait(pilot, lambda: screen.first_result_at is not None and screen.query_text == query)
                out[query] = (screen.first_result_at - screen.started_at, screen.search.engine)
                await wait(pilot, lambda: screen.finished, timeout=300)
                await pilot.press("escape")
                await pilot.pause(0.05)
    finally:
        project_search.ripgrep_binary = saved
    return out


async def typing_run(root: Path, keys: int, pace: float, python: bool) -> dict:
    """UI-thread CPU and wall time per key in the replacement field, idle and while searching."""
    from nxedit.editor.app import EditorApp
    from nxedit.editor.find import project_search
    from nxedit.editor.find.search_screen import ProjectSearchScreen

    saved = project_search.ripgrep_binary
    if python:
        project_search.ripgrep_binary = lambda: None
    app = EditorApp([])
    result = {}
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause(0.5)
            await pilot.press("alt+shift+h")
            await wait(pilot, lambda: isinstance(app.screen, ProjectSearchScreen))
            screen = app.screen
            await pilot.press(*RARE)  # in one file: every search reads the whole tree
            await wait(pilot, lambda: screen.finished, timeout=300)
            screen.query_one("#replace").focus()
            for mode in ("idle", "searching", "idle"):
                cpu, wall, searched = [], [], 0
                for i in range(keys):
                    if mode == "searching" and (screen.finished or screen.search is None):
                        screen._search_now()  # keep a search running under every key
                        searched += 1
                        await pilot.pause(0.01)
                    c0, w0 = time.thread_time(), time.perf_counter()
                    await pilot.press("x" if i % 8 else "backspace")
                    cpu.append(time.thread_time() - c0)
                    wall.append(time.perf_counter() - w0)
                    await asyncio.sleep(pace)
                key = mode if mode not in result else "idle again"
                result[key] = (statistics.median(cpu), statistics.median(wall), max(wall), searched)
            await wait(pilot, lambda: screen.finished, timeout=300)
    finally:
        project_search.ripgrep_binary = saved
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=50_000)
    parser.add_argument("--quick", action="store_true", help="fewer repeats and keys")
    parser.add_argument("--keep", help="build (or reuse) the tree in this folder")
    args = parser.parse_args(argv)
    repeats, keys = (3, 20) if args.quick else (10, 60)

    tmp = None
    if args.keep:
        root = Path(args.keep).absolute()
        fresh = not (root / ".git").exists()
    else:
        tmp = tempfile.TemporaryDirectory(prefix="nxedit-find-bench-")
        root = Path(tmp.name)
        fresh = True
    os.environ.setdefault("NXEDIT_HOME", tempfile.mkdtemp(prefix="nxedit-find-bench-home-"))
    if fresh:
        t = time.perf_counter()
        root.mkdir(parents=True, exist_ok=True)
        make_tree(root, args.files)
        print(f"generated {args.files:,} files in {time.perf_counter() - t:.1f} s at {root}")
    os.chdir(root)
    from nxedit.editor.find.project_search import ripgrep_binary

    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, ripgrep: {ripgrep_binary() or 'missing'}")

    git_s, walk_s = listing_times(root)
    print("\n(a) file picker")
    print(f"  listing: git ls-files {git_s * 1e3:.0f} ms; .gitignore walk (outside git) {walk_s * 1e3:.0f} ms")
    p = asyncio.run(picker_run(root, repeats))
    print(f"  Ctrl+T key event -> first files painted: cold {p['cold'] * 1e3:.1f} ms, warm median "
          f"{statistics.median(p['warm']) * 1e3:.1f} ms (max {max(p['warm']) * 1e3:.1f}) over {repeats} openings;"
          f" {p['files']:,} files listed")
    floor = asyncio.run(prompt_run(repeats))
    print(f"  for scale, Ctrl+G key event (Go to line prompt) -> painted: median {statistics.median(floor) * 1e3:.1f} ms;"
          f" load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"  longest UI-thread stall after it shows, while listing and ranking finish: cold {p['cold_stall'] * 1e3:.1f} ms,"
          f" warm {p['warm_stall'] * 1e3:.1f} ms")
    times = ranking_times(root, "widgetrender")
    print("  ranking per key (worker thread) for 'widgetrender': "
          + " ".join(f"{t * 1e3:.0f}" for t in times) + " ms")

    print("\n(b) project search: search start -> first result on screen")
    for python in (False, True):
        s = asyncio.run(search_run(root, ["widget", RARE], python))
        for query, (first, engine) in s.items():
            print(f"  {engine:>8} {query!r:>18}: {first * 1e3:7.1f} ms")

    print(f"\n(c) typing into the replacement field ({keys} keys, 50 ms apart): UI-thread CPU and wall per key")
    for python in (False, True):
        t = asyncio.run(typing_run(root, keys, 0.05, python))
        idle = (t["idle"][0] + t["idle again"][0]) / 2
        for mode, (cpu, wall, worst, searched) in t.items():
            extra = f" ({searched} searches started)" if mode == "searching" else ""
            print(f"  {'python' if python else 'ripgrep':>8} {mode:>10}: cpu {cpu * 1e3:6.2f} ms, wall {wall * 1e3:6.2f} ms"
                  f" (max {worst * 1e3:6.1f}){extra}")
        print(f"  {'':>8} CPU per key while searching / idle: {t['searching'][0] / idle:.2f}x")
    if tmp is not None:
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
