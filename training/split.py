"""The train/validation split: by time and by file, so validation is not a copy of training.

Validation holds the newest edits (made at or after a cutoff time) of whole files that
training never sees: files are taken for validation in order of their latest edit (the
most recently edited first) until their edits after the cutoff reach the wanted share.
A validation file's older edits are dropped (training on them would show the model the
file); every edit of the other files trains. Near-duplicates are removed before the
split (:mod:`nxedit.training.dedup`), so no copy of a training edit reaches validation
through another file either. Items without a time (synthesized from code) never
validate: they train, unless their file validates.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Split:
    labels: list[str]  # per item: "train", "validation" or "dropped"
    cutoff: float | None  # validation edits are at or after this time
    validation_files: frozenset[str]


def split_by_time_and_file(times: list[float | None], files: list[str], val_fraction: float = 0.1) -> Split:
    """Labels for items with these times and files (see the module doc)."""
    timed = [(t, f) for t, f in zip(times, files) if t is not None]
    n = len(timed)
    if n < 2 or len(set(files)) < 2 or val_fraction <= 0:
        return Split(["train"] * len(times), None, frozenset())
    ordered = sorted(t for t, _ in timed)
    cutoff = ordered[min(n - 1, int(n * (1 - val_fraction)))]
    want = max(1, math.ceil(n * val_fraction))
    latest: dict[str, float] = {}
    late: dict[str, int] = {}
    for t, f in timed:
        latest[f] = max(latest.get(f, t), t)
        late[f] = late.get(f, 0) + (t >= cutoff)
    chosen: set[str] = set()
    got = 0
    for f in sorted(latest, key=lambda f: (-latest[f], f)):
        if got >= want or len(chosen) == len(set(files)) - 1:
            break
        if late[f]:
            chosen.add(f)
            got += late[f]
    labels = []
    for t, f in zip(times, files):
        if f not in chosen:
            labels.append("train")
        else:
            labels.append("validation" if t is not None and t >= cutoff else "dropped")
    return Split(labels, cutoff, frozenset(chosen))
