#!/usr/bin/env python3
"""Cut next-edit cases from a repository's git history, by the rules of shared/bench/README.md.

    python bench/cut_cases.py REPO_DIR --language python --out bench/out/heldout/python-flask.jsonl

A case: a real single-file commit where the developer has made the first k hunks (the
history) and must make one of the others (expected). The rules ("How the cases were
selected"): non-merge commits that modify exactly one file of the language in place
(not vendored or generated); both versions UTF-8, no NUL, < 2,000 lines; hunks of
``git diff -U0 --diff-algorithm=myers --indent-heuristic`` merged when fewer than 3
unchanged lines apart; 2..8 hunks, each < 30 changed lines, not all whitespace-only;
commits shuffled with a seed, up to 2 cases per commit (different k in 1..n-1), until
``--limit`` cases. Each case gets the lexical category (rename / repeated / other) of the
README. Nothing here reads the network; REPO_DIR may be a bare repository. Run it with
the project's environment: the rules live in ``nxedit.training.git_history``, which the
training dataset builder shares.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
from pathlib import Path

from nxedit.training.git_history import EXTENSIONS, candidate_commits, cases_for_commit


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("repo", help="a git repository (bare is fine)")
    ap.add_argument("--language", required=True, choices=sorted(EXTENSIONS))
    ap.add_argument("--name", help="owner/name for the case ids (default: the folder name)")
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--limit", type=int, default=60)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args(argv)
    name = args.name or Path(args.repo).resolve().name
    commits = candidate_commits(args.repo, args.language)
    rng = random.Random(args.seed)
    rng.shuffle(commits)
    cases: list[dict] = []
    for commit, path in commits:
        if len(cases) >= args.limit:
            break
        try:
            cases.extend(cases_for_commit(args.repo, name, args.language, commit, path, rng)[: args.limit - len(cases)])
        except subprocess.CalledProcessError:
            continue
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf-8") as f:
        for c in cases:
            f.write(json.dumps(c) + "\n")
    counts = {k: sum(c["category"] == k for c in cases) for k in ("rename", "repeated", "other")}
    print(f"{args.out}: {len(cases)} cases from {len({c['commit'] for c in cases})} commits {counts}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
