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
the project's environment (it uses ``nxedit.model.text`` for line splitting).
"""

from __future__ import annotations

import argparse
import difflib
import json
import random
import re
import subprocess
import sys
from pathlib import Path

from nxedit.model.text import split_lines

EXTENSIONS = {
    "python": (".py", ".pyi"),
    "rust": (".rs",),
    "typescript": (".ts", ".tsx", ".mts", ".cts"),
    "go": (".go",),
}
SKIPPED = re.compile(
    r"(^|/)(vendor|third_party|node_modules|dist|build)/|\.pb\.go$|_generated\.|\.min\.|\.d\.ts$"
)
MAX_LINES = 2000
MAX_HUNK_CHANGED = 30
HUNK_RE = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
TOKEN_RE = re.compile(r"[^\W\d$][\w$]*|\d\w*|\S")
IDENT_RE = re.compile(r"[^\W\d$][\w$]*")


def git(repo: str, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", repo, *args], check=True, capture_output=True, text=True, errors="replace"
    ).stdout


def git_bytes(repo: str, *args: str) -> bytes:
    return subprocess.run(["git", "-C", repo, *args], check=True, capture_output=True).stdout


def candidate_commits(repo: str, language: str) -> list[tuple[str, str]]:
    """(commit, path) for non-merge commits touching exactly one file of the language, modified."""
    out = git(repo, "log", "--no-merges", "--format=@%H", "--name-status", "--no-renames", "HEAD")
    result, commit, files = [], None, []

    def flush():
        lang_files = [(s, p) for s, p in files if p.endswith(EXTENSIONS[language])]
        if commit and len(lang_files) == 1 and lang_files[0][0] == "M" and not SKIPPED.search(lang_files[0][1]):
            result.append((commit, lang_files[0][1]))

    for line in out.splitlines():
        if line.startswith("@"):
            flush()
            commit, files = line[1:], []
        elif line.strip():
            status, _, path = line.partition("\t")
            files.append((status[:1], path))
    flush()
    return result


def read_version(repo: str, rev: str, path: str) -> str | None:
    try:
        raw = git_bytes(repo, "show", f"{rev}:{path}")
    except subprocess.CalledProcessError:
        return None
    if b"\0" in raw:
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return text if len(split_lines(text)) < MAX_LINES else None


def diff_hunks(repo: str, commit: str, path: str) -> list[tuple[int, int, int, int, int]]:
    """(old_start, old_count, new_start, new_count, changed_lines), 0-based, close hunks merged."""
    out = git(repo, "diff", "-U0", "--diff-algorithm=myers", "--indent-heuristic", f"{commit}^", commit, "--", path)
    raw = []
    for line in out.splitlines():
        m = HUNK_RE.match(line)
        if m:
            a, b = int(m[1]), int(m[2]) if m[2] is not None else 1
            c, d = int(m[3]), int(m[4]) if m[4] is not None else 1
            # -U0: a pure insertion "-a,0" sits after old line a; otherwise a is 1-based
            raw.append((a if b == 0 else a - 1, b, c if d == 0 else c - 1, d))
    merged: list[list[int]] = []  # old_start, old_count, new_start, new_count, changed lines
    for os_, oc, ns, nc in raw:
        if merged:
            po, poc, pn, pnc, changed = merged[-1]
            gap = os_ - (po + poc)
            if gap < 3:
                merged[-1] = [po, os_ + oc - po, pn, pnc + gap + nc, changed + oc + nc]
                continue
        merged.append([os_, oc, ns, nc, oc + nc])
    return [tuple(h) for h in merged]


def tokens(text: str) -> list[str]:
    return TOKEN_RE.findall(text)


def ops_of(old: str, new: str) -> list[tuple[str, tuple, tuple]]:
    a, b = tokens(old), tokens(new)
    sm = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return [(t, tuple(a[i1:i2]), tuple(b[j1:j2])) for t, i1, i2, j1, j2 in sm.get_opcodes() if t != "equal"], a, b, sm


def rename_pairs(old: str, new: str) -> set | None:
    """The (old, new) identifier pairs if the hunk only swaps single identifiers, else None."""
    ops, *_ = ops_of(old, new)
    pairs = set()
    for tag, d, i in ops:
        if tag != "replace" or len(d) != 1 or len(i) != 1 or not IDENT_RE.fullmatch(d[0]) or not IDENT_RE.fullmatch(i[0]):
            return None
        pairs.add((d[0], i[0]))
    return pairs or None


def edit_pattern(old: str, new: str, above: str, below: str):
    ops, a, b, sm = ops_of(old, new)
    if not ops:
        return None
    context = set(tokens(above)) | set(tokens(below))
    for t, i1, i2, _, _ in sm.get_opcodes():
        if t == "equal":
            context.update(a[i1:i2])

    def hole(toks):
        return tuple("\0" if IDENT_RE.fullmatch(x) and x in context else x for x in toks)

    return tuple((t, hole(d), hole(i)) for t, d, i in ops)


def categorise(hist_pairs: list[tuple[str, str, str, str]], exp_pairs: list[tuple[str, str, str, str]]) -> str:
    """hunks as (old, new, line_above, line_below)."""
    everything = hist_pairs + exp_pairs
    pairs = [rename_pairs(o, n) for o, n, _, _ in everything]
    if all(p is not None for p in pairs) and len(set().union(*pairs)) == 1:
        return "rename"
    seen = {edit_pattern(*h) for h in hist_pairs} - {None}
    if any(edit_pattern(*h) in seen for h in exp_pairs):
        return "repeated"
    return "other"


def cases_for_commit(repo: str, name: str, language: str, commit: str, path: str, rng: random.Random) -> list[dict]:
    before = read_version(repo, f"{commit}^", path)
    after = read_version(repo, commit, path)
    if before is None or after is None:
        return []
    hunks = diff_hunks(repo, commit, path)
    if not 2 <= len(hunks) <= 8:
        return []
    old_lines, new_lines = split_lines(before), split_lines(after)
    parts = []
    for os_, oc, ns, nc, changed in hunks:
        old = "".join(old_lines[os_ : os_ + oc])
        new = "".join(new_lines[ns : ns + nc])
        if changed >= MAX_HUNK_CHANGED:
            return []
        parts.append((os_, oc, ns, nc, old, new))
    if all("".join(o.split()) == "".join(n.split()) for *_, o, n in parts):
        return []
    ks = rng.sample(range(1, len(hunks)), min(2, len(hunks) - 1))
    out = []
    for k in sorted(ks):
        hist, exp = parts[:k], parts[k:]
        history = [{"start_line": ns, "old_text": o, "new_text": n} for os_, oc, ns, nc, o, n in hist]
        shift = sum(nc - oc for os_, oc, ns, nc, o, n in hist)
        cur_lines = new_lines[: hist[-1][2] + hist[-1][3]] + old_lines[hist[-1][0] + hist[-1][1] :]
        current = "".join(cur_lines)
        expected = [{"start_line": os_ + shift, "end_line": os_ + oc + shift, "new_text": n} for os_, oc, ns, nc, o, n in exp]
        last = hist[-1]
        if last[3]:
            line = last[2] + last[3] - 1
            column = len(new_lines[line].rstrip("\r\n"))
        else:
            line, column = last[2], 0

        def around(lines, s, e):
            return (lines[s - 1] if s > 0 else "", lines[e] if e < len(lines) else "")

        hist_h = [(o, n, *around(new_lines, ns, ns + nc)) for os_, oc, ns, nc, o, n in hist]
        exp_h = [(o, n, *around(old_lines, os_, os_ + oc)) for os_, oc, ns, nc, o, n in exp]
        out.append({
            "id": f"{name}@{commit[:12]}#k{k}", "repo": name, "commit": commit, "path": path,
            "language": language, "before": before, "history": history, "current": current,
            "cursor": {"line": line, "column": column}, "expected": expected,
            "category": categorise(hist_h, exp_h),
        })
    return out


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
