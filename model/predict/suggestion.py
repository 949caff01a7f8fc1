"""What predictors produce and what the user does with it."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Literal

from nxedit.model.text.edits import LineEdit

_ids = itertools.count(1)


@dataclass(frozen=True, slots=True)
class Suggestion:
    """One predicted next edit.

    ``edits`` are line edits against the text of document version ``version`` (usually
    one hunk). ``source`` says where it came from (``"structural:rename"``,
    ``"model:exllamav2"``, ...); ``confidence`` is in [0, 1].
    """

    edits: tuple[LineEdit, ...]
    source: str
    confidence: float
    version: int = 0
    latency_ms: float = 0.0
    id: int = field(default_factory=lambda: next(_ids))
    # what the structural engine's acceptance model saw of it ((name, value) pairs): kept with
    # the shown suggestion in the history, so `nxedit train ranker` can refit from outcomes
    features: tuple = field(default=(), compare=False)

    def to_wire(self) -> dict:
        return {
            "edits": [e.to_dict() for e in self.edits],
            "source": self.source,
            "confidence": round(self.confidence, 4),
            "latency_ms": round(self.latency_ms, 3),
        }


OutcomeKind = Literal["accepted", "partial", "rejected", "ignored"]


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the user did with a shown suggestion, with timings (wall-clock seconds, time.time():
    they are stored in the history database and exported with dates)."""

    suggestion_id: int
    kind: OutcomeKind
    shown_at: float
    decided_at: float
    accepted_chars: int = 0  # for "partial": how much of the suggested text was taken
    suggested_chars: int = 0
