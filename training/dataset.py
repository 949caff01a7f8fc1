"""nxedit train dataset: next-edit examples from your history, git repositories and code, as JSONL.

    nxedit train dataset --out runs/data                       # your edit history (the default source)
    nxedit train dataset --git ~/src/app --code ~/src/app --format zeta --tokenizer ~/models/base
    nxedit train dataset --history-export history.jsonl --dry-run

Sources (any mix; the history database when none is named):

* ``--history``/``--history-export FILE``: your recorded edits, buffers rebuilt from the
  files on disk (see :mod:`nxedit.training.history_data` for what can be rebuilt), and
  the outcomes of shown suggestions (preferences);
* ``--git REPO``: a repository's commits, cut like the benchmark's cases: a commit's first
  hunks are the history, a later hunk the answer;
* ``--code DIR``: synthesized from your code with tree-sitter for a cold start (renames,
  a parameter added and its calls, an import added for a name).

Every example is rendered in ``--format`` exactly as the editor renders requests (several
formats, comma-separated: each example in one of them, as many in each as the examples
allow, for one model that answers every format the editor may send it). Private
files are skipped, near-duplicates dropped, and the split is by time and by file. Writes
``train.jsonl``, ``validation.jsonl`` (prompt, completion, and the request and expected
hunks for evaluation), ``prefs.jsonl`` (KTO labels and ActionRL pairs) and ``stats.json``
to ``--out``. Collected sources are kept in ``--out/sources`` and reused when unchanged
(``--fresh`` rebuilds them). Imports no torch.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import statistics
import subprocess
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Callable

from nxedit.model.predict.context import estimate_tokens
from nxedit.model.history.settings import load_history_settings
from nxedit.model.languages import spec_for_path
from nxedit.model.privacy import PrivacyRules
from nxedit.model.predict.prompts import FORMATS, get_format
from nxedit.model.predict.prompts.base import PromptRefused
from nxedit.model.text.plain import apply_line_edits

from . import git_history, history_data, synthetic
from .action_rl import first_divergent_action
from .cli import TrainError, existing, need
from .dedup import NearDuplicates, fingerprint_text
from .examples import Example, context_of, example_row, prompt_fields, region_rewrite, render, write_jsonl
from .progress import Stopwatch, progress, summary
from .split import split_by_time_and_file


@dataclass
class Config:
    out: Path = field(
        default=Path("runs/data"), metadata={"help": "folder for the dataset files", "metavar": "DIR"}
    )
    format: str = field(
        default="zeta",
        metadata={
            "help": f"prompt format ({', '.join(sorted(FORMATS))}), or several comma-separated: "
            "each example in one of them, evenly",
            "metavar": "NAME[,NAME...]",
        },
    )
    history: bool = field(default=False, metadata={"help": "use the edit-history database"})
    history_export: Path | None = field(
        default=None,
        metadata={
            "help": "use a `nxedit history export --jsonl` file instead of the database",
            "type": Path,
            "metavar": "FILE",
        },
    )
    git: list = field(
        default_factory=list,
        metadata={"help": "a git repository to cut examples from (repeat)", "metavar": "REPO"},
    )
    code: list = field(
        default_factory=list,
        metadata={"help": "a folder of code to synthesize examples from (repeat)", "metavar": "DIR"},
    )
    since: str | None = field(
        default=None, metadata={"help": "history from this date on (ISO 8601)", "type": str}
    )
    project: str | None = field(default=None, metadata={"help": "history of this project only", "type": str})
    tokenizer: Path | None = field(
        default=None,
        metadata={
            "help": "the base model's folder: count tokens (and cut regions) with its tokenizer",
            "type": Path,
            "metavar": "DIR",
        },
    )
    val_fraction: float = field(default=0.1, metadata={"help": "share of the examples for validation"})
    dedup_threshold: float = field(
        default=0.8, metadata={"help": "Jaccard similarity that makes a near-duplicate"}
    )
    max_commits: int = field(default=5000, metadata={"help": "newest commits walked per repository"})
    cases_per_commit: int = field(default=2, metadata={"help": "examples per changed file of a commit"})
    ignored_as_rejected: bool = field(
        default=False, metadata={"help": "count suggestions the user typed past as rejected (preferences)"}
    )
    seed: int = field(default=7, metadata={"help": "random seed (sampling of cases)"})
    fresh: bool = field(default=False, metadata={"help": "rebuild collected sources instead of reusing them"})
    dry_run: bool = field(default=False, metadata={"help": "print what would be written and the statistics"})


# ---------------------------------------------------------------------------------------
# collecting examples, source by source


@dataclass
class Collected:
    examples: list[Example] = field(default_factory=list)
    prefs: list[history_data.Preference] = field(default_factory=list)
    skipped: Counter = field(default_factory=Counter)


def _cached(cfg: Config, key: dict, build: Callable[[], Collected]) -> Collected:
    """``build()``, or what an earlier run with the same ``key`` stored in ``out/sources``."""
    digest = hashlib.sha256(json.dumps(key, sort_keys=True, default=str).encode()).hexdigest()[:16]
    path = cfg.out / "sources" / f"{key['source']}-{digest}.json"
    if path.exists() and not cfg.fresh:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Collected(
            [Example(**e) for e in data["examples"]],
            [history_data.Preference(**p) for p in data["prefs"]],
            Counter(data["skipped"]),
        )
    got = build()
    if not cfg.dry_run:
        path.parent.mkdir(parents=True, exist_ok=True)
        data = {
            "key": key,
            "examples": [asdict(e) for e in got.examples],
            "prefs": [asdict(p) for p in got.prefs],
            "skipped": dict(got.skipped),
        }
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data), encoding="utf-8")
        tmp.replace(path)
    return got


def _since(cfg: Config) -> float | None:
    if cfg.since is None:
        return None
    try:
        return datetime.fromisoformat(cfg.since).timestamp()
    except ValueError:
        raise TrainError(f"--since {cfg.since!r}: expected a date like 2025-01-31") from None


def collect_history(cfg: Config, private_globs: tuple[str, ...]) -> Collected:
    if cfg.history_export is not None:
        existing(cfg.history_export, "history export")
    from nxedit.model.history import db as history_db

    source = Path(cfg.history_export or history_db.default_path())
    files = [source, source.with_name(source.name + "-wal")]  # new records sit in the WAL until a checkpoint
    stamps = [(str(f), f.stat().st_mtime_ns, f.stat().st_size) for f in files if f.exists()]
    key = {
        "source": "history",
        "files": stamps,
        "since": cfg.since,
        "project": cfg.project,
        "globs": private_globs,
        "ignored": cfg.ignored_as_rejected,
    }

    def build() -> Collected:
        examples, prefs, skipped, pref_skipped = history_data.history_sources(
            cfg.history_export, _since(cfg), cfg.project, private_globs, cfg.ignored_as_rejected
        )
        skipped.update({f"preference: {k}": v for k, v in pref_skipped.items()})
        return Collected(examples, prefs, skipped)

    return _cached(cfg, key, build)


def collect_git(cfg: Config, repo: str, privacy: PrivacyRules) -> Collected:
    root = str(existing(repo, "git repository").resolve())
    try:
        head = git_history.git(root, "rev-parse", "HEAD").strip()
    except (subprocess.CalledProcessError, FileNotFoundError):
        raise TrainError(f"{repo}: not a git repository with commits") from None
    key = {
        "source": "git",
        "repo": root,
        "head": head,
        "max": cfg.max_commits,
        "per": cfg.cases_per_commit,
        "seed": cfg.seed,
        "globs": privacy.user_globs,
    }
    return _cached(cfg, key, lambda: _git_examples(cfg, root, privacy))


def _git_examples(cfg: Config, root: str, privacy: PrivacyRules) -> Collected:
    got = Collected()
    rng = random.Random(cfg.seed)
    name = Path(root).name
    commits = list(git_history.commit_log(root, cfg.max_commits))
    for commit, when, files in progress(commits, f"git {name}", len(commits)):
        for status, path in files:
            spec = spec_for_path(path)
            if status != "M" or spec is None or git_history.SKIPPED.search(path):
                continue
            if privacy.is_private(os.path.join(root, path)):
                got.skipped["private file"] += 1
                continue
            try:
                found = git_history.commit_hunks(root, commit, path)
            except subprocess.CalledProcessError:
                continue
            if found is None:
                got.skipped["commit outside the case rules"] += 1
                continue
            before, hunks = found
            for k in sorted(rng.sample(range(1, len(hunks)), min(cfg.cases_per_commit, len(hunks) - 1))):
                case = git_history.cut_case(before, hunks, k)
                request = {
                    "path": path,
                    "language": spec.name,
                    "current": case["current"],
                    "cursor": case["cursor"],
                    "history": case["history"],
                    "files": {},
                }
                meta = {"commit": commit, "k": k, "category": case["category"]}
                got.examples.append(Example("git", f"{root}:{path}", when, request, case["expected"], meta))
    return got


def collect_code(cfg: Config, folder: str, privacy: PrivacyRules) -> Collected:
    root = existing(folder, "code folder").resolve()
    files = list(synthetic.code_files([root], privacy))
    stamp = [(str(p), p.stat().st_mtime_ns) for p, _ in files]
    key = {"source": "synthetic", "root": str(root), "files": stamp, "seed": cfg.seed}

    def build() -> Collected:
        rng = random.Random(cfg.seed)
        got = Collected()
        for path, language in progress(files, f"code {root.name}", len(files)):
            got.examples.extend(synthetic.synthesize(path, language, root, rng))
        return got

    return _cached(cfg, key, build)


# ---------------------------------------------------------------------------------------
# rendering, deduplication, split


def token_counter(tokenizer_dir: Path | None) -> Callable[[str], int]:
    """Tokens of a text with the base model's tokenizer (``tokenizer.json``; the ``tokenizers``
    library, no torch), or the context builder's estimate."""
    if tokenizer_dir is None:
        return estimate_tokens
    path = Path(tokenizer_dir) / "tokenizer.json"
    need(path.is_file(), f"--tokenizer {tokenizer_dir}: no tokenizer.json there")
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(path))
    return lambda text: len(tok.encode(text, add_special_tokens=False).ids)


def formats_of(names: str) -> list:
    """The prompt formats a ``--format`` value names (comma-separated)."""
    wanted = [n.strip() for n in names.split(",") if n.strip()]
    unknown = [n for n in wanted if n not in FORMATS]
    need(bool(wanted) and not unknown,
         f"--format {names}: unknown {', '.join(unknown) or 'nothing'} (formats: {', '.join(sorted(FORMATS))})")
    return [get_format(n) for n in dict.fromkeys(wanted)]


def render_all(examples: list[Example], fmts: list, count, exclude) -> tuple[list[tuple[Example, object]], Counter]:
    """Each example rendered in one of ``fmts``: the one with the fewest examples so far that
    can render it (the formats' editable regions differ: an edit outside one may lie inside
    another), so a mix of formats comes out even."""
    rendered, dropped = [], Counter()
    made = Counter()
    for ex in progress(examples, "rendering", len(examples)):
        for fmt in sorted(fmts, key=lambda f: made[f.NAME]):  # stable: ties in the order given
            r = render(ex, fmt, count, exclude)
            if not isinstance(r, str):
                made[fmt.NAME] += 1
                break
        if isinstance(r, str):
            dropped[r] += 1
        else:
            rendered.append((ex, r))
    return rendered, dropped


def drop_near_duplicates(items: list[tuple[Example, object]], threshold: float) -> tuple[list, int]:
    """Items in time order without near-duplicates of an earlier one (the earliest is kept)."""
    seen = NearDuplicates(threshold)
    kept = []
    for ex, r in sorted(items, key=lambda item: (item[0].time, item[0].file)):
        if not seen.seen(fingerprint_text(ex.request["current"], ex.expected[r.target])):
            kept.append((ex, r))
    return kept, len(items) - len(kept)


def _rewrite_of(ctx, edits: list[dict]) -> str | None:
    """The editable region after ``edits``; None when they reach outside it (or are broken)."""
    try:
        return region_rewrite(ctx, apply_line_edits(ctx.current, edits))
    except ValueError:
        return None


def _locator(completion: str, rewrite: str, marker: str):
    """Where each offset of ``rewrite`` lies in ``completion``, which holds it after a head,
    perhaps with the format's cursor ``marker`` inside (Zeta's answers keep it): a function
    of the offset, or None when the completion does not hold the rewrite."""
    at = completion.find(marker) if marker else -1
    plain = completion if at < 0 else completion[:at] + completion[at + len(marker) :]
    head = plain.find(rewrite)
    if head < 0:
        return None
    return lambda offset: head + offset + (len(marker) if 0 <= at <= head + offset else 0)


def preference_rows(prefs: list[history_data.Preference], fmt, count, exclude) -> tuple[list[dict], Counter]:
    """KTO rows (one completion with a label) and ActionRL pairs (chosen, rejected, spans)."""
    rows, dropped = [], Counter()
    for p in prefs:
        try:
            ctx = context_of(p.request, fmt, count, exclude)
            prompt, messages = prompt_fields(fmt.render(ctx))
        except (ValueError, PromptRefused):
            dropped["preference: bad request"] += 1
            continue
        base = {
            "prompt": prompt,
            "messages": messages,
            "file": p.file,
            "time": p.time,
            "meta": p.meta,
            "format": fmt.NAME,
        }
        suggested = _rewrite_of(ctx, p.suggested)
        chosen = _rewrite_of(ctx, p.chosen) if p.chosen else None
        if suggested is None or suggested == ctx.region_text:
            dropped["preference: suggestion outside the region"] += 1
            continue
        if p.label is not None:
            rows.append(
                {**base, "kind": "kto", "completion": fmt.render_target(ctx, suggested), "label": p.label}
            )
        if chosen is None or chosen == ctx.region_text or chosen == suggested:
            continue
        chosen_completion = fmt.render_target(ctx, chosen)
        rows.append({**base, "kind": "kto", "completion": chosen_completion, "label": True})
        rejected_completion = fmt.render_target(ctx, suggested)
        div = first_divergent_action(ctx.region_text, chosen, suggested)
        # spans are offsets in the rewrite; a completion holds it after the same head for both
        # (the format's opening marker, e.g. Zeta's <|editable_region_start|>), unless markers
        # inside it were escaped
        marker = getattr(fmt, "CURSOR", "")
        at_chosen = _locator(chosen_completion, chosen, marker)
        at_rejected = _locator(rejected_completion, suggested, marker)
        if (
            div is None
            or at_chosen is None
            or at_rejected is None
            or at_chosen(div.start) != at_rejected(div.start)
            or rejected_completion[: at_chosen(div.start)] != chosen_completion[: at_chosen(div.start)]
        ):
            dropped["preference: pair without a usable divergence"] += 1
            continue
        rows.append(
            {
                **base,
                "kind": "pair",
                "chosen": chosen_completion,
                "rejected": rejected_completion,
                "span": [at_chosen(div.start), at_chosen(div.chosen_end), at_rejected(div.rejected_end)],
            }
        )
    return rows, dropped


# ---------------------------------------------------------------------------------------
# statistics


def _quantiles(values: list[int]) -> str:
    if not values:
        return "-"
    values = sorted(values)
    p = lambda q: values[min(len(values) - 1, int(q * (len(values) - 1)))]  # noqa: E731
    return f"mean {statistics.fmean(values):.0f}  p50 {p(0.5)}  p95 {p(0.95)}  max {values[-1]}"


def statistics_of(
    rows: list[dict],
    pref_rows: list[dict],
    skipped: Counter,
    dropped: Counter,
    cutoff: float | None,
    counted_with: str,
) -> dict:
    by = defaultdict(Counter)
    for r in rows:
        if r["split"] != "dropped":
            by[r["source"]][r["language"] or "?"] += 1
    kept = [r for r in rows if r["split"] != "dropped"]
    return {
        "examples": len(kept),
        "by_source": {s: dict(c) for s, c in sorted(by.items())},
        "split": {s: sum(r["split"] == s for r in rows) for s in ("train", "validation", "dropped")},
        "files": {s: len({r["file"] for r in rows if r["split"] == s}) for s in ("train", "validation")},
        "validation_from": cutoff,
        "prompt_tokens": _quantiles([r["prompt_tokens"] for r in kept]),
        "completion_tokens": _quantiles([r["completion_tokens"] for r in kept]),
        "tokens_counted_with": counted_with,
        "prefs": {
            "kto": sum(r["kind"] == "kto" for r in pref_rows),
            "desirable": sum(r["kind"] == "kto" and r["label"] for r in pref_rows),
            "pairs": sum(r["kind"] == "pair" for r in pref_rows),
        },
        "skipped": dict(skipped.most_common()),
        "dropped": dict(dropped.most_common()),
    }


def print_statistics(stats: dict) -> None:
    languages = sorted({lang for c in stats["by_source"].values() for lang in c})
    print(f"{'source':<12}{'examples':>9}" + "".join(f"{lang:>12}" for lang in languages))
    for source, counts in stats["by_source"].items():
        print(
            f"{source:<12}{sum(counts.values()):>9}"
            + "".join(f"{counts.get(lang, 0):>12}" for lang in languages)
        )
    split, files = stats["split"], stats["files"]
    when = (
        datetime.fromtimestamp(stats["validation_from"]).strftime("%Y-%m-%d %H:%M")
        if stats["validation_from"]
        else "-"
    )
    print(
        f"split       train {split['train']} ({files['train']} files), validation {split['validation']} "
        f"({files['validation']} files, edits from {when}), dropped {split['dropped']} "
        "(validation files' older edits)"
    )
    print(f"tokens      prompt {stats['prompt_tokens']}  ({stats['tokens_counted_with']})")
    print(f"            completion {stats['completion_tokens']}")
    prefs = stats["prefs"]
    print(
        f"preferences {prefs['kto']} KTO rows ({prefs['desirable']} desirable), "
        f"{prefs['pairs']} ActionRL pairs"
    )
    for title, counts in (("skipped", stats["skipped"]), ("dropped", stats["dropped"])):
        if counts:
            print(f"{title:<12}" + ", ".join(f"{reason} {n}" for reason, n in counts.items()))


# ---------------------------------------------------------------------------------------


def run(cfg: Config) -> int:
    clock = Stopwatch()
    fmts = formats_of(cfg.format)
    fmt = fmts[0]  # preferences are rendered in the first
    settings = load_history_settings()
    privacy = PrivacyRules(settings.private_globs)
    collected = Collected()
    use_history = cfg.history or cfg.history_export is not None or not (cfg.git or cfg.code)
    parts = (
        ([collect_history(cfg, tuple(settings.private_globs))] if use_history else [])
        + [collect_git(cfg, repo, privacy) for repo in cfg.git]
        + [collect_code(cfg, d, privacy) for d in cfg.code]
    )
    for part in parts:
        collected.examples += part.examples
        collected.prefs += part.prefs
        collected.skipped += part.skipped

    count = token_counter(cfg.tokenizer)
    exclude = privacy.is_private
    rendered, dropped = render_all(collected.examples, fmts, count, exclude)
    rendered, duplicates = drop_near_duplicates(rendered, cfg.dedup_threshold)
    if duplicates:
        dropped["near-duplicate"] += duplicates
    # synthesized examples only ever train (and are dropped with a validation file)
    times = [ex.time if ex.source != "synthetic" else None for ex, _ in rendered]
    split = split_by_time_and_file(times, [ex.file for ex, _ in rendered], cfg.val_fraction)
    rows = [
        example_row(ex, r, cfg.format, label, i)
        for i, ((ex, r), label) in enumerate(zip(rendered, split.labels))
    ]
    pref_rows, pref_dropped = preference_rows(collected.prefs, fmt, count, exclude)
    dropped += pref_dropped

    stats = statistics_of(
        rows,
        pref_rows,
        collected.skipped,
        dropped,
        split.cutoff,
        "tokenizer" if cfg.tokenizer else "estimate: ~3 bytes a token",
    )
    print_statistics(stats)
    n_train, n_val = stats["split"]["train"], stats["split"]["validation"]
    what = (
        f"{n_train + n_val} examples (train {n_train}, validation {n_val}), "
        f"{len(pref_rows)} preference rows, "
        f"{cfg.format} format{'s' if len(fmts) > 1 else ''}"
    )
    if cfg.dry_run:
        summary("dataset", f"dry run: would write {what} to {cfg.out} ({clock})")
        return 0
    need(
        bool(rows) or bool(pref_rows),
        "no examples: nothing recorded, or nothing could be rebuilt (see 'skipped')",
    )
    for name in ("train", "validation"):
        write_jsonl(cfg.out / f"{name}.jsonl", (r for r in rows if r["split"] == name))
    write_jsonl(cfg.out / "prefs.jsonl", pref_rows)
    (cfg.out / "stats.json").write_text(
        json.dumps({**stats, "format": cfg.format}, indent=2), encoding="utf-8"
    )
    summary("dataset", f"{what} -> {cfg.out} ({clock})")
    return 0
