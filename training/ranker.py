"""ranker: refit the structural engine's acceptance model on your own accepted and rejected suggestions.

    nxedit train ranker                      # from the history store: your outcomes -> your model
    python -m nxedit.training.ranker --cases 'cases/train/*.jsonl' --out model/predict/structural/ranker.json

``nxedit train ranker`` reads the structural suggestions the editor showed you, with the
features the model saw (kept with each suggestion) and what you did (accepted, partly
accepted: a hit; rejected, typed past: a miss), and refits the model with its weights
pulled towards the shipped ones (a few outcomes move it a little, many move it more). It
writes the user's model (``ranker.json`` in the data folder); the engine uses it once it
was fitted on at least ``MIN_OUTCOMES`` outcomes. CPU, seconds.

The shipped model is fitted offline (``python -m``):
Every case of the given files goes through the engine; every candidate it proposes is a
row: its features, and its label (``is_wanted``). A rename ripple is labelled by whether it
is *right*: every change it makes is one the developer made next (it lies on a shortest edit
path from the current text to the commit's text); in real commits the renamed lines are
often reworked too, and accepting the rename there is still progress, never a wrong edit.
Any other candidate counts only as an exact hit (exactly one expected hunk, shared/bench/
score.py's hit): a look-alike edit that is only part of the developer's rewrite is not one
to show. The bench reports both. A logistic regression with an L2 penalty is fitted by
Newton's method (numpy, the ``train`` extra). The cases' commits are also replayed a line
at a time (``replayed``: what the editor sends while a user types) and fitted on. Folds are
whole repositories: the regularisation (by log loss on their cases and replays) and the
default threshold (by how often the suggestions each lower threshold adds are exact hits,
as the bench scores them: ``choose_threshold``) are
chosen on predictions for repositories the fit never saw, never on the held-out
repositories it is reported on.
"""

from __future__ import annotations

import argparse
import difflib
import glob
import json
import math
import random
import sys
from collections import defaultdict
from pathlib import Path

from nxedit.model.predict.structural.candidates import MERGE_GAP, Site, join_sites
from nxedit.model.predict.structural.engine import candidates, make_context, rated_by_rules
from nxedit.model.predict.structural.rename import SOURCE as RENAME_SOURCE
from dataclasses import dataclass, field

from nxedit.model.predict.structural.ranker import MIN_OUTCOMES, WEIGHTS, Ranker, _read, features, personal_path
from nxedit.model.text.edits import Position
from nxedit.model.text.plain import split_lines
from nxedit.training.git_history import Hunk, cut_case
from nxedit.training.metrics import find_bench

# the default threshold: going down from the top in steps of 0.05, each step is taken while
# the suggestions it adds (out of fold, the cases' best candidates, score.py's exact hit) are
# the developer's very next edit at least two times in five (a wrong ghost costs a glance and
# a key, an exact one saves the edit). The margin, not the share of all shown (the rule until
# session 5: two in three): that share is mostly the sure suggestions above, and it moves
# with how easy a set of repositories is (out of fold at 0.35: train 0.68, 16 fresh
# repositories 0.74, held-out 0.60), so on train + fresh it went down to 0.30, where the
# suggestions added were exact 5 to 9 times in 18 to 23, by fit (the margin is that noisy)
MARGINAL_PRECISION = 0.4


def is_hit(case: dict, edit) -> bool:
    """Whether applying ``edit`` (a LineEdit or its wire dict) gives the text of exactly one
    expected hunk (score.py's exact hit), or, in a replay, of one run of them (``runs``)."""
    from textops import apply_edits  # shared/bench/textops.py

    current = case["current"]
    got = apply_edits(current, [edit if isinstance(edit, dict) else edit.to_dict()])
    if got == current:
        return False
    return any(got == apply_edits(current, [h]) for h in case["expected"] + case.get("runs", []))


def is_right(case: dict, edits: list[dict]) -> bool:
    """Whether every change the ``edits`` make is one the developer made next: applying them,
    then the rest, costs no more than the commit's remaining changes alone (character edits)."""
    from textops import apply_edits, levenshtein  # shared/bench/textops.py

    current = case["current"]
    try:
        got = apply_edits(current, edits)
    except ValueError:
        return False
    if got == current:
        return False
    final = apply_edits(current, case["expected"])
    return levenshtein(current, got) + levenshtein(got, final) == levenshtein(current, final)


def rows_of_case(case: dict, rules: bool = False) -> list[tuple[dict[str, float] | None, bool, float, dict]]:
    """(features, label, heuristic confidence, edit) of every candidate the engine makes for a
    case; with ``rules`` also those the model cannot judge (engine.RULES_ONLY: features None,
    they keep their rule's confidence), as the engine shows them."""
    cursor = case["cursor"]
    ctx = make_context(case["current"], Position(cursor["line"], cursor["column"]), case["history"],
                       case["language"], case["path"])
    if not ctx.hunks:
        return []
    found = candidates(ctx)
    return [(None if rated_by_rules(c) else features(ctx, c, found), is_wanted(case, c), c.confidence,
             c.edit.to_dict()) for c in found if rules or not rated_by_rules(c)]


def is_wanted(case: dict, cand) -> bool:
    """The label the model learns: a rename ripple when it is right (every rename it makes is
    one the developer made: git's hunk often reworks the renamed lines too, and accepting the
    rename there is progress); any other candidate only when it is exactly one of the
    developer's next hunks (score.py's hit). Labelling everything by *right* rated a look-alike
    edit that is only part of a larger rewrite as highly as the rewrite itself."""
    return is_right(case, [cand.edit.to_dict()]) if cand.source == RENAME_SOURCE else is_hit(case, cand.edit)


REPLAYS_PER_COMMIT = 3  # cut points drawn from each commit replayed a line at a time


def line_pieces(before: str, after: str) -> list[Hunk]:
    """The change from ``before`` to ``after`` as the editor sees a user make it: a line
    rewritten in place is its own edit (git's hunk holds a run of them)."""
    a, b = split_lines(before), split_lines(after)
    out = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "replace" and i2 - i1 == j2 - j1:
            out += [Hunk(i1 + d, 1, a[i1 + d], b[j1 + d]) for d in range(i2 - i1)]
        elif tag != "equal":
            out.append(Hunk(i1, i2 - i1, "".join(a[i1:i2]), "".join(b[j1:j2])))
    return out


def replayed(cases: list[dict], seed: int = 13) -> list[dict]:
    """Training cases from the same commits, replayed a line at a time (top down) and cut at
    a few random points: the situation the editor is in (a local renamed on its line, its
    uses just below, all in one git hunk), which commit-level cases never show because git
    merges those lines into the hunk the history already holds."""
    from textops import apply_edits  # shared/bench/textops.py

    rng = random.Random(seed)
    out, seen = [], set()
    for case in cases:
        key = (case["repo"], case["commit"], case["path"])
        if key in seen:
            continue
        seen.add(key)
        pieces = line_pieces(case["before"], apply_edits(case["current"], case["expected"]))
        if len(pieces) < 2:
            continue
        for k in sorted(rng.sample(range(1, len(pieces)), min(REPLAYS_PER_COMMIT, len(pieces) - 1))):
            cut = cut_case(case["before"], pieces, k)
            out.append({**case, "id": f"{case['id']}~line{k}", "history": cut["history"], "current": cut["current"],
                        "cursor": cut["cursor"], "expected": cut["expected"],
                        "runs": runs(cut["current"], cut["expected"])})
    return out


def runs(current: str, expected: list[dict]) -> list[dict]:
    """Runs of expected line pieces fewer than ``MERGE_GAP`` lines apart, each as one hunk: the
    replays split the commit's rewrites a line at a time, where git (and a suggestion of the
    same lines in one) keeps them together; the pieces alone stay expected too."""
    lines = split_lines(current)
    sites = [Site(h["start_line"], h["end_line"], h["new_text"]) for h in expected]
    out = []
    for i in range(len(sites)):
        j = i + 1
        while j < len(sites) and 0 <= sites[j].start - sites[j - 1].end < MERGE_GAP:
            j += 1
            out.append(join_sites(sites[i:j], lines).to_dict())
    return out


def load_cases(patterns: list[str]) -> list[dict]:
    bench = find_bench(Path(__file__).resolve().parent.parent)
    if bench is not None and str(bench) not in sys.path:
        sys.path.insert(0, str(bench))
    cases = []
    for path in sorted({p for pattern in patterns for p in glob.glob(pattern)}):
        with open(path, encoding="utf-8") as f:
            cases += [json.loads(line) for line in f if line.strip()]
    return cases


def fit(rows: list[tuple[dict[str, float], bool]], l2: float = 1.0, iterations: int = 50,
        prior: Ranker | None = None) -> Ranker:
    """Logistic regression by Newton's method (IRLS) with an L2 penalty (not on the bias).

    With a ``prior`` the penalty pulls the weights towards the prior's instead of towards
    zero (a personal refit: a few outcomes move the shipped model a little)."""
    import numpy as np

    names = sorted({k for feats, _ in rows for k in feats} | (set(prior.weights) if prior else set()))
    index = {k: i for i, k in enumerate(names)}
    x = np.zeros((len(rows), len(names) + 1))
    x[:, -1] = 1.0
    y = np.array([1.0 if hit else 0.0 for _, hit in rows])
    for r, (feats, _) in enumerate(rows):
        for k, v in feats.items():
            x[r, index[k]] = v
    center = np.zeros(len(names) + 1)
    penalty = np.full(len(names) + 1, l2)
    penalty[-1] = 1e-6
    if prior is not None:
        for k, i in index.items():
            center[i] = prior.weights.get(k, 0.0)
        center[-1] = prior.bias
        penalty[-1] = l2  # the bias too: it carries the shipped base rate
    w = center.copy()
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-np.clip(x @ w, -30, 30)))
        grad = x.T @ (p - y) + penalty * (w - center)
        hess = (x * (p * (1 - p))[:, None]).T @ x + np.diag(penalty)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    threshold = prior.threshold if prior is not None else 0.5
    return Ranker({k: round(float(w[i]), 6) for k, i in index.items()}, round(float(w[-1]), 6), threshold, {})


def pick(rows_by_case: list[list[tuple[dict, bool, float]]], score) -> list[tuple[float, bool]]:
    """For each case with candidates: (score of the best candidate, whether it is a hit)."""
    out = []
    for rows in rows_by_case:
        if rows:
            best = max(rows, key=lambda r: score(r))
            out.append((score(best), best[1]))
    return out


def precision_at(picked: list[tuple[float, bool]], threshold: float) -> tuple[float, int, int]:
    shown = [hit for s, hit in picked if s >= threshold]
    return (sum(shown) / len(shown) if shown else 1.0), len(shown), sum(shown)


def choose_threshold(picked: list[tuple[float, bool]], marginal: float = MARGINAL_PRECISION, least: int = 20) -> float:
    """The lowest threshold (on a 0.05 grid, 0.30 at least) reached from the top by steps whose
    added suggestions are exact hits at least ``marginal`` of the time. A step adding fewer
    than ``least`` suggestions is judged together with the next one down (a handful is noise)."""
    chosen, grid = 0.95, [x / 100 for x in range(90, 25, -5)]
    for t in grid:
        band = [hit for s, hit in picked if t <= s < chosen]
        if len(band) < least:
            continue
        if sum(band) / len(band) < marginal:
            break
        chosen = t
    return chosen


def reliability(scored: list[tuple[float, bool]], edges=(0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.01)) -> str:
    out = ["predicted   n   mean_p  observed"]
    for lo, hi in zip(edges, edges[1:]):
        b = [(s, h) for s, h in scored if lo <= s < hi]
        if b:
            out.append(f"{lo:.1f}-{min(hi, 1.0):.1f} {len(b):5} {sum(s for s, _ in b) / len(b):8.3f} "
                       f"{sum(h for _, h in b) / len(b):9.3f}")
    return "\n".join(out)


TABLE_THRESHOLDS = (0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9)


def threshold_table(picks: list[tuple[dict, float, dict | None]], chosen: float) -> str:
    """What each default threshold would give on the cases (out of fold), as the bench
    scores them (shared/bench/score.py): shown suggestions, their exact and right precision,
    rename and repeated recall, ks_saved. ``picks``: (case, probability, edit) of each case's
    best candidate (edit None: the engine had none)."""
    import score  # shared/bench/score.py (load_cases put the bench on the path)

    scored = [(case, p, score.score_case(case, [edit]) if edit else None, edit and is_right(case, [edit]),
               score.score_case(case, [])) for case, p, edit in picks]
    cats = defaultdict(int)
    for case, *_ in scored:
        cats[case["category"]] += 1
    out = ["out of fold   shown  exact  right  rename_rec  repeated_rec  ks_saved"]
    for t in TABLE_THRESHOLDS:
        res = [(case, got if got is not None and p >= t else empty) for case, p, got, _, empty in scored]
        shown = [(got, right) for _, p, got, right, _ in scored if got is not None and p >= t]
        n = max(len(shown), 1)
        recall = {c: sum(r["hit"] for case, r in res if case["category"] == c) / max(cats[c], 1)
                  for c in ("rename", "repeated")}
        mark = "  <- default" if abs(t - chosen) < 1e-9 else ""
        out.append(f"{t:11.2f} {len(shown):7} {sum(g['hit'] for g, _ in shown) / n:6.3f} "
                   f"{sum(bool(r) for _, r in shown) / n:6.3f} {recall['rename']:11.3f} {recall['repeated']:13.3f} "
                   f"{score.summarise([r for _, r in res])['ks_saved']:9.4f}{mark}")
    return "\n".join(out)


HIT_OUTCOMES = {"accepted": True, "partial": True, "rejected": False, "ignored": False}


def history_rows(records) -> list[tuple[dict[str, float], bool]]:
    """(features, accepted) of every structural suggestion shown with its features and decided
    on, from history records (``nxedit.model.history.query.iter_records``), oldest first."""
    shown: dict[str, dict[str, float]] = {}
    rows = []
    for record in records:
        if record["type"] == "suggestion" and str(record.get("source", "")).startswith("structural:"):
            feats = (record.get("request") or {}).get("ranker_features")
            if isinstance(feats, dict) and feats:
                shown[record["id"]] = {str(k): float(v) for k, v in feats.items()}
        elif record["type"] == "outcome" and record["suggestion_id"] in shown and record["kind"] in HIT_OUTCOMES:
            rows.append((shown.pop(record["suggestion_id"]), HIT_OUTCOMES[record["kind"]]))
    return rows


def refit(rows: list[tuple[dict[str, float], bool]], prior: Ranker, strength: float = 3.0) -> Ranker:
    """The prior refitted on a user's outcomes; its meta says on how many."""
    model = fit(rows, l2=strength, prior=prior)
    return Ranker(model.weights, model.bias, prior.threshold,
                  {"outcomes": len(rows), "accepted": sum(h for _, h in rows), "prior": prior.meta.get("repositories"),
                   "strength": strength})


@dataclass
class Config:
    db: Path | None = field(default=None, metadata={"help": "the history database (default: yours)", "type": Path})
    out: Path | None = field(default=None, metadata={"help": "where the model goes (default: your data folder)",
                                                      "type": Path})
    strength: float = field(default=3.0, metadata={"help": "how strongly the shipped weights hold (L2 towards them)"})
    dry_run: bool = field(default=False, metadata={"help": "say what would be done, write nothing"})


def run(cfg: Config) -> int:
    from nxedit.model.history import db as history_db
    from nxedit.model.history.query import iter_records
    from nxedit.training.cli import need

    path = cfg.db or history_db.default_path()
    need(Path(path).exists(), f"no history database at {path}: suggestions are recorded while you edit")
    conn = history_db.connect(Path(path), create=False)
    try:
        rows = history_rows(iter_records(conn))
    finally:
        conn.close()
    prior = _read(WEIGHTS)
    need(prior is not None, f"the shipped weights are missing: {WEIGHTS}")
    out = cfg.out or personal_path()
    accepted = sum(h for _, h in rows)
    used = "used" if len(rows) >= MIN_OUTCOMES else f"used once {MIN_OUTCOMES} outcomes are in"
    if cfg.dry_run:
        print(f"would refit on {len(rows)} outcomes ({accepted} accepted) and write {out} ({used})")
        return 0
    need(len(rows) > 0, "no structural suggestion with an outcome in the history yet")
    model = refit(rows, prior, cfg.strength)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(model.to_json() + "\n", encoding="utf-8")
    print(f"refitted on {len(rows)} outcomes ({accepted} accepted): {out} ({used})")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", nargs="+", required=True, help="training case files (globs ok), one repository a file")
    ap.add_argument("--out", type=Path, default=WEIGHTS)
    ap.add_argument("--marginal-precision", type=float, default=MARGINAL_PRECISION,
                    help="how often the suggestions a lower threshold adds must be exact hits")
    ap.add_argument("--no-replay", dest="replay", action="store_false",
                    help="fit on the cases alone, not also on their commits replayed a line at a time")
    args = ap.parse_args(argv)
    cases = load_cases(args.cases)
    by_repo: dict[str, list[list]] = defaultdict(list)
    cases_of: dict[str, list[dict]] = defaultdict(list)
    for case in cases:
        by_repo[case["repo"]].append(rows_of_case(case, rules=True))
        cases_of[case["repo"]].append(case)
    extra: dict[str, list[list]] = defaultdict(list)  # fitted on, never scored: not what the bench cuts
    replays = replayed(cases) if args.replay else []
    for case in replays:
        extra[case["repo"]].append(rows_of_case(case))
    repos = sorted(by_repo)
    n_rows = sum(len(r) for rs in by_repo.values() for r in rs)
    n_extra = sum(len(r) for rs in extra.values() for r in rs)
    print(f"{len(cases)} cases from {len(repos)} repositories: {n_rows} candidates; "
          f"{len(replays)} replayed a line at a time: {n_extra} candidates", file=sys.stderr)
    folds = [repos[i::4] for i in range(4)]

    def rows_of(repo_list) -> list[tuple[dict, bool]]:
        return [(f, h) for repo in repo_list for source in (by_repo, extra) for rs in source[repo]
                for f, h, *_ in rs if f is not None]

    case_picks: dict[float, list] = {}  # l2 -> (case, probability, edit) of each case's best candidate
    exact_picks: dict[float, list] = {}  # l2 -> (probability, exact hit) of each case's best candidate

    def out_of_fold(l2: float) -> list[tuple[float, bool]]:
        picked, case_picks[l2] = [], []
        for held in folds:
            train = rows_of([repo for repo in repos if repo not in held])
            model = fit(train, l2)

            def rate(r):
                return r[2] if r[0] is None else model.probability(r[0])

            for repo in held:
                picked += pick(by_repo[repo] + extra[repo], rate)
                for case, rows in zip(cases_of[repo], by_repo[repo]):
                    best = max(rows, key=rate) if rows else None
                    case_picks[l2].append((case, rate(best) if best else 0.0, best[3] if best else None))
        exact_picks[l2] = [(p, is_hit(case, edit)) for case, p, edit in case_picks[l2] if edit is not None]
        return picked

    best_l2, best_key, best_picked = 1.0, None, []
    for l2 in (0.3, 1.0, 3.0, 10.0):
        picked = out_of_fold(l2)
        t = choose_threshold(exact_picks[l2], args.marginal_precision)
        prec, shown, hits = precision_at(exact_picks[l2], t)
        loss = -sum(math.log(max(1e-9, s if h else 1 - s)) for s, h in picked) / max(len(picked), 1)
        print(f"l2 {l2:5}: out-of-fold log loss {loss:.4f}, threshold {t:.2f}: {hits}/{shown} = {prec:.3f}",
              file=sys.stderr)
        key = -loss
        if best_key is None or key > best_key:
            best_l2, best_key, best_picked = l2, key, picked
    threshold = choose_threshold(exact_picks[best_l2], args.marginal_precision)
    model = fit(rows_of(repos), best_l2)
    model = Ranker(model.weights, model.bias, threshold,
                   {"repositories": repos, "cases": len(cases), "candidates": n_rows, "l2": best_l2,
                    "replayed_cases": len(replays), "replayed_candidates": n_extra, "label": "exact hit; a rename ripple: right",
                    "marginal_precision": round(args.marginal_precision, 3)})
    print("cases and replays, observed: the label\n" + reliability(best_picked), file=sys.stderr)
    print("cases, observed: exact hits\n" + reliability(exact_picks[best_l2]), file=sys.stderr)
    print(threshold_table(case_picks[best_l2], threshold), file=sys.stderr)
    args.out.write_text(model.to_json() + "\n", encoding="utf-8")
    print(f"wrote {args.out}: threshold {threshold:.2f} (out-of-fold), l2 {best_l2}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
