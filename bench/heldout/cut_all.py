#!/usr/bin/env python3
"""Cut the cases of repos.tsv (every split) again from local clones, and check them.

    python bench/heldout/cut_all.py --clones DIR --out OUT

DIR holds one clone per repository, named ``owner+name`` (a bare clone is fine; a folder
``owner+name/repo`` is looked in too), each with HEAD at the commit repos.tsv pins
(``git -C DIR/owner+name checkout --detach COMMIT``). The cases go to OUT/SPLIT/ (train, fresh,
validation, unseen), cut by bench/cut_cases.py with the README's settings (100 cases at most,
seed 7); each file's sha256 is compared with the one in repos.tsv. Nothing is downloaded.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
CUTTER = HERE.parent / "cut_cases.py"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clones", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args(argv)
    bad = 0
    with (HERE / "repos.tsv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            base = args.clones / row["repo"].replace("/", "+")
            repo = base / "repo" if (base / "repo").exists() else base
            head = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
            if head != row["commit"]:
                print(f"{row['repo']}: HEAD is {head or 'missing'}, not {row['commit']}", file=sys.stderr)
                bad += 1
                continue
            out = args.out / row["split"] / row["file"]
            subprocess.run([sys.executable, str(CUTTER), str(repo), "--language", row["language"], "--name", row["repo"],
                            "--limit", "100", "--seed", "7", "--out", str(out)], check=True)
            if hashlib.sha256(out.read_bytes()).hexdigest() != row["sha256"]:
                print(f"{out}: not the cases of repos.tsv (sha256 differs)", file=sys.stderr)
                bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
