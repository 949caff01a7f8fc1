"""An editor kept open all day: memory and CPU per key over a long editing session.

nxedit runs in a real terminal (tmux) on a copy of a real source file (by default the
editor's own ``editor/app.py``) in a throw-away git repository, with next-edit
predictions and the edit history on, and types a scripted session in rounds. Each round
is what a day is made of: new lines at the end of the file, a rename typed over a name
(Ctrl+Del, the new name) and Tab to take the ripple when one shows, an undo, a save,
paging up and down, and the new lines deleted again (the file keeps its size). After every block of rounds the process is left to go idle and this
prints the keys typed so far, its resident memory and its CPU per key over the block.

    python bench/soak.py                   # 120 rounds (about 7,000 keys), blocks of 10
    python bench/soak.py --rounds 40 --block 10 --file path/to/big_module.py

At the end: the memory growth per 1,000 keys over the second half (after start-up
caches have filled; a leak shows as a steady slope), and the CPU per key of the last
block against the first as a ratio (an editor that slows as its history grows shows it
here). Figures are of this machine under its current load: compare the ratio, not the ms.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from editor_latency import nxedit_command, process_cpu, start_server, tmux, wait_idle

ROOT = Path(__file__).resolve().parent.parent
PACE = 0.03  # seconds between keys


def rss_mb(pid: int) -> float:
    """Resident memory of a process, in MB (VmRSS)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def round_keys(n: int) -> list[tuple[str, ...]]:
    """One round of the session, as tmux send-keys argument lists."""
    text = lambda s: ("-l", s)  # noqa: E731
    keys: list[tuple[str, ...]] = [("C-End",), ("Enter",)]
    for line in (f"count_{n} = len(items_{n})", f"print(count_{n}, count_{n} * 2)", f"log(count_{n})"):
        keys += [text(ch) for ch in line] + [("Enter",)]
    keys += [("Up",), ("Up",), ("Up",), ("Home",), ("C-Delete",)]  # rename the first line's name ...
    keys += [text(ch) for ch in f"total_{n}"]
    keys += [("Tab",), ("Tab",)]  # ... and take the ripple (jump there, accept) when it shows
    keys += [("C-z",), ("C-s",), ("PageUp",), ("PageUp",), ("PageDown",), ("PageDown",)]
    # the round's lines go again (selected upwards from the end): the file keeps its size,
    # so memory that grows is held by the editor, not by a longer text
    keys += [("C-End",)] + [("S-Up",)] * 4 + [("BSpace",), ("C-s",)]
    return keys


def run(file: Path, rounds: int, block: int, pace: float) -> list[tuple[int, float, float]]:
    work = Path(tempfile.mkdtemp(prefix="nxsoak-"))
    try:
        target = work / "repo" / file.name
        target.parent.mkdir()
        shutil.copy(file, target)
        subprocess.run(["git", "init", "-q"], cwd=target.parent, check=True)
        subprocess.run(["git", "add", "."], cwd=target.parent, check=True)
        subprocess.run(["git", "-c", "user.name=b", "-c", "user.email=b@b", "commit", "-qm", "x"],
                       cwd=target.parent, check=True)
        config = work / "config.toml"
        config.write_text('[predict]\nmode = "eager"\n\n[history]\nenabled = true\n')
        socket, env = start_server("nxsoak", work)
        import shlex

        line = "cd " + shlex.quote(str(target.parent)) + " && exec " + " ".join(
            shlex.quote(c) for c in nxedit_command(config) + [target.name])
        subprocess.run(["tmux", "-L", socket, "new-session", "-d", "-s", "soak", "-x", "120", "-y", "40", line],
                       env=env, check=True)
        pid = int(tmux("display-message", "-p", "-t", "soak", "#{pane_pid}", socket=socket).strip())
        time.sleep(1.0)
        wait_idle(pid, quiet=1.0)
        rows, typed = [(0, rss_mb(pid), 0.0)], 0
        print(f"{'keys':>7} {'RSS MB':>8} {'CPU ms/key':>11}", flush=True)
        print(f"{0:7d} {rows[0][1]:8.1f} {'':>11}", flush=True)
        for start in range(0, rounds, block):
            c0, keys_before = process_cpu(pid), typed
            for n in range(start, min(start + block, rounds)):
                for key in round_keys(n):
                    tmux("send-keys", "-t", "soak", *key, socket=socket)
                    typed += 1
                    time.sleep(pace)
            wait_idle(pid, quiet=0.5)
            per_key = (process_cpu(pid) - c0) / (typed - keys_before) * 1000
            rows.append((typed, rss_mb(pid), per_key))
            print(f"{typed:7d} {rows[-1][1]:8.1f} {per_key:11.2f}", flush=True)
        tmux("kill-session", "-t", "soak", socket=socket)
        tmux("kill-server", socket=socket)
        return rows
    finally:
        shutil.rmtree(work, ignore_errors=True)


def slope(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of y over x."""
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    den = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in points) / den if den else 0.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--file", type=Path, default=ROOT / "editor" / "app.py", help="the file to edit (copied)")
    parser.add_argument("--rounds", type=int, default=120)
    parser.add_argument("--block", type=int, default=10, help="rounds between two samples")
    parser.add_argument("--pace", type=float, default=PACE, help="seconds between keys")
    args = parser.parse_args(argv)
    if shutil.which("tmux") is None:
        print("soak: needs tmux", file=sys.stderr)
        return 2
    rows = run(args.file, args.rounds, args.block, args.pace)
    later = rows[len(rows) // 2:]
    growth = slope([(k / 1000, mb) for k, mb, _ in later]) if len(later) >= 2 else 0.0
    first, last = rows[1][2], rows[-1][2]
    print(f"\nmemory: {rows[0][1]:.1f} MB at start, {rows[-1][1]:.1f} MB after {rows[-1][0]} keys; "
          f"growth over the second half: {growth:.2f} MB per 1,000 keys")
    print(f"CPU per key: first block {first:.2f} ms, last block {last:.2f} ms, ratio last/first {last / first:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
