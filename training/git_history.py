"""Next-edit cases cut from a repository's git history (the rules of shared/bench/README.md).

A case: a real commit to one file, where the developer has made the first k hunks (the
history) and must make one of the others (expected). The benchmark's cutter
(``bench/cut_cases.py``) and the training dataset (``nxedit train dataset --git``) both
use this module, so a training example is cut exactly like a benchmark case:

* hunks are those of ``git diff -U0 --diff-algorithm=myers --indent-heuristic``, merged
  when fewer than 3 unchanged lines apart (:func:`merge_close`);
* a commit's file is used when both versions are UTF-8 without NUL and under 2,000 lines,
  with 2..8 hunks, each under 30 changed lines, not all whitespace-only
  (:func:`commit_hunks`);
* :func:`cut_case` turns ``before`` and its hunks into ``history`` / ``current`` /
  ``cursor`` / ``expected`` and a lexical category (rename / repeated / other).

Nothing here reads the network; a repository may be bare. Standard library plus
``nxedit.model.text.plain``.
"""

from __future__ import annotations

import difflib
import random
import re
import subprocess
from typing import Iterator, NamedTuple

from nxedit.model.text.plain import split_lines

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
MIN_HUNKS, MAX_HUNKS = 2, 8
MERGE_GAP = 3  # hunks fewer than this many unchanged lines apart become one
HUNK_RE = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
TOKEN_RE = re.compile(r"[^\W\d$][\w$]*|\d\w*|\S")
IDENT_RE = re.compile(r"[^\W\d$][\w$]*")


class Hunk(NamedTuple):
    """Lines ``[old_start, old_start + old_count)`` of ``before`` (0-based) become ``new``."""

    old_start: int
    old_count: int
    old: str
    new: str

    @property
    def delta(self) -> int:
        return len(split_lines(self.new)) - self.old_count


def git(repo: str, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", repo, *args], check=True, capture_output=True, text=True, errors="replace"
    ).stdout


def git_bytes(repo: str, *args: str) -> bytes:
    return subprocess.run(["git", "-C", repo, *args], check=True, capture_output=True).stdout


def candidate_commits(repo: str, language: str) -> list[tuple[str, str]]:
    """(commit, path) for non-merge commits touching exactly one file of the language, modified."""
    result = []
    for commit, _, files in commit_log(repo):
        lang_files = [(s, p) for s, p in files if p.endswith(EXTENSIONS[language])]
        if len(lang_files) == 1 and lang_files[0][0] == "M" and not SKIPPED.search(lang_files[0][1]):
            result.append((commit, lang_files[0][1]))
    return result


def commit_log(repo: str, max_count: int | None = None) -> Iterator[tuple[str, float, list[tuple[str, str]]]]:
    """``(commit, commit time, [(status letter, path), ...])`` of non-merge commits, newest first."""
    limit = [f"--max-count={max_count}"] if max_count else []
    out = git(repo, "log", "--no-merges", "--format=@%H %ct", "--name-status", "--no-renames", *limit, "HEAD")
    commit, when, files = None, 0.0, []
    for line in out.splitlines():
        if line.startswith("@"):
            if commit:
                yield commit, when, files
            sha, _, stamp = line[1:].partition(" ")
            commit, when, files = sha, float(stamp or 0), []
        elif line.strip():
            status, _, path = line.partition("\t")
            files.append((status[:1], path))
    if commit:
        yield commit, when, files


def read_version(repo: str, rev: str, path: str) -> str | None:
    """The file at ``rev``, or None when it is missing, binary, not UTF-8 or too long."""
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


def merge_close(raw: list[tuple[int, int, int, int]]) -> list[tuple[int, int, int, int, int]]:
    """``(old_start, old_count, new_start, new_count)`` hunks (0-based) with those fewer than
    :data:`MERGE_GAP` unchanged lines apart merged; each gets its changed-line count last."""
    merged: list[list[int]] = []
    for os_, oc, ns, nc in raw:
        if merged:
            po, poc, pn, pnc, changed = merged[-1]
            gap = os_ - (po + poc)
            if gap < MERGE_GAP:
                merged[-1] = [po, os_ + oc - po, pn, pnc + gap + nc, changed + oc + nc]
                continue
        merged.append([os_, oc, ns, nc, oc + nc])
    return [tuple(h) for h in merged]


def diff_hunks(repo: str, commit: str, path: str) -> list[tuple[int, int, int, int, int]]:
    """(old_start, old_count, new_start, new_count, changed_lines), 0-based, close hunks merged."""
    out = git(
        repo, "diff", "-U0", "--diff-algorithm=myers", "--indent-heuristic", f"{commit}^", commit, "--", path
    )
    raw = []
    for line in out.splitlines():
        m = HUNK_RE.match(line)
        if m:
            a, b = int(m[1]), int(m[2]) if m[2] is not None else 1
            c, d = int(m[3]), int(m[4]) if m[4] is not None else 1
            # -U0: a pure insertion "-a,0" sits after old line a; otherwise a is 1-based
            raw.append((a if b == 0 else a - 1, b, c if d == 0 else c - 1, d))
    return merge_close(raw)


def line_hunks(before: str, after: str) -> list[tuple[int, int, int, int, int]]:
    """:func:`diff_hunks` for two texts, without git (difflib's line diff), close hunks merged."""
    sm = difflib.SequenceMatcher(None, split_lines(before), split_lines(after), autojunk=False)
    raw = [(i1, i2 - i1, j1, j2 - j1) for tag, i1, i2, j1, j2 in sm.get_opcodes() if tag != "equal"]
    return merge_close(raw)


def usable_hunks(before: str, after: str, spans: list[tuple[int, int, int, int, int]]) -> list[Hunk] | None:
    """The spans as :class:`Hunk` s if they make a case by the README's rules, else None."""
    if not MIN_HUNKS <= len(spans) <= MAX_HUNKS:
        return None
    old_lines, new_lines = split_lines(before), split_lines(after)
    hunks = []
    for os_, oc, ns, nc, changed in spans:
        if changed >= MAX_HUNK_CHANGED:
            return None
        hunks.append(Hunk(os_, oc, "".join(old_lines[os_ : os_ + oc]), "".join(new_lines[ns : ns + nc])))
    if all("".join(h.old.split()) == "".join(h.new.split()) for h in hunks):
        return None
    return hunks


def commit_hunks(repo: str, commit: str, path: str) -> tuple[str, list[Hunk]] | None:
    """``(before, hunks)`` of one file in one commit, or None when it makes no case."""
    before = read_version(repo, f"{commit}^", path)
    after = read_version(repo, commit, path)
    if before is None or after is None:
        return None
    hunks = usable_hunks(before, after, diff_hunks(repo, commit, path))
    return None if hunks is None else (before, hunks)


def cut_case(before: str, hunks: list[Hunk], k: int, order: list[int] | None = None) -> dict:
    """The case where the first ``k`` hunks (in ``order``, file order by default) are done.

    ``hunks`` are in file order, against ``before``. Returns ``history`` (sequential wire
    hunks), ``current``, ``cursor`` (at the end of the last history hunk's last new line,
    or at column 0 where a deletion was), ``expected`` (the other hunks as line edits
    against ``current``, in file order) and ``category``.
    """
    order = list(range(len(hunks))) if order is None else order
    done = order[:k]

    def shift(i: int, applied) -> int:  # where hunk i starts once the hunks in `applied` are made
        return hunks[i].old_start + sum(
            hunks[j].delta for j in applied if hunks[j].old_start < hunks[i].old_start
        )

    history = []
    for n, i in enumerate(done):
        history.append({"start_line": shift(i, done[:n]), "old_text": hunks[i].old, "new_text": hunks[i].new})
    lines = split_lines(before)
    for i in sorted(done, reverse=True):
        h = hunks[i]
        lines[h.old_start : h.old_start + h.old_count] = split_lines(h.new)
    current = "".join(lines)
    expected = []
    for i in sorted(set(range(len(hunks))) - set(done)):
        start = shift(i, done)
        expected.append(
            {"start_line": start, "end_line": start + hunks[i].old_count, "new_text": hunks[i].new}
        )
    last = history[-1]
    n_new = len(split_lines(last["new_text"]))
    if n_new:
        line = last["start_line"] + n_new - 1
        column = len(lines[line].rstrip("\r\n"))
    else:
        line, column = last["start_line"], 0

    after_lines = split_lines(before)
    for h in reversed(hunks):
        after_lines[h.old_start : h.old_start + h.old_count] = split_lines(h.new)

    def around(text_lines: list[str], s: int, e: int) -> tuple[str, str]:
        return (text_lines[s - 1] if s > 0 else "", text_lines[e] if e < len(text_lines) else "")

    everything = list(range(len(hunks)))
    hist_h = []
    for i in done:
        s = shift(i, everything)
        hist_h.append(
            (hunks[i].old, hunks[i].new, *around(after_lines, s, s + len(split_lines(hunks[i].new))))
        )
    exp_h = [
        (
            hunks[i].old,
            hunks[i].new,
            *around(split_lines(before), hunks[i].old_start, hunks[i].old_start + hunks[i].old_count),
        )
        for i in sorted(set(everything) - set(done))
    ]
    return {
        "history": history,
        "current": current,
        "cursor": {"line": line, "column": column},
        "expected": expected,
        "category": categorise(hist_h, exp_h),
    }


def cases_for_commit(
    repo: str, name: str, language: str, commit: str, path: str, rng: random.Random
) -> list[dict]:
    """Up to 2 benchmark cases (different k) from one commit's change to ``path``."""
    found = commit_hunks(repo, commit, path)
    if found is None:
        return []
    before, hunks = found
    ks = rng.sample(range(1, len(hunks)), min(2, len(hunks) - 1))
    out = []
    for k in sorted(ks):
        case = cut_case(before, hunks, k)
        out.append(
            {
                "id": f"{name}@{commit[:12]}#k{k}",
                "repo": name,
                "commit": commit,
                "path": path,
                "language": language,
                "before": before,
                "history": case["history"],
                "current": case["current"],
                "cursor": case["cursor"],
                "expected": case["expected"],
                "category": case["category"],
            }
        )
    return out


# ---------------------------------------------------------------------------------------
# the lexical category of a case


def tokens(text: str) -> list[str]:
    return TOKEN_RE.findall(text)


def ops_of(old: str, new: str):
    a, b = tokens(old), tokens(new)
    sm = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return (
        [(t, tuple(a[i1:i2]), tuple(b[j1:j2])) for t, i1, i2, j1, j2 in sm.get_opcodes() if t != "equal"],
        a,
        b,
        sm,
    )


def rename_pairs(old: str, new: str) -> set | None:
    """The (old, new) identifier pairs if the hunk only swaps single identifiers, else None."""
    ops, *_ = ops_of(old, new)
    pairs = set()
    for tag, d, i in ops:
        if (
            tag != "replace"
            or len(d) != 1
            or len(i) != 1
            or not IDENT_RE.fullmatch(d[0])
            or not IDENT_RE.fullmatch(i[0])
        ):
            return None
        pairs.add((d[0], i[0]))
    return pairs or None


def edit_pattern(old: str, new: str, above: str, below: str):
    ops, a, _, sm = ops_of(old, new)
    if not ops:
        return None
    context = set(tokens(above)) | set(tokens(below))
    for t, i1, i2, _, _ in sm.get_opcodes():
        if t == "equal":
            context.update(a[i1:i2])

    def hole(toks):
        return tuple("\0" if IDENT_RE.fullmatch(x) and x in context else x for x in toks)

    return tuple((t, hole(d), hole(i)) for t, d, i in ops)


def categorise(
    hist_pairs: list[tuple[str, str, str, str]], exp_pairs: list[tuple[str, str, str, str]]
) -> str:
    """hunks as (old, new, line_above, line_below)."""
    everything = hist_pairs + exp_pairs
    pairs = [rename_pairs(o, n) for o, n, _, _ in everything]
    if all(p is not None for p in pairs) and len(set().union(*pairs)) == 1:
        return "rename"
    seen = {edit_pattern(*h) for h in hist_pairs} - {None}
    if any(edit_pattern(*h) in seen for h in exp_pairs):
        return "repeated"
    return "other"
