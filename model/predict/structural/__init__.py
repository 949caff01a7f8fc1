"""The structural next-edit engine: tree-sitter and the user's own edits, no model.

It predicts rename ripples, repeated edits, signature changes at call sites and missing
imports, and abstains when unsure. A suggestion's confidence estimates the chance that it
is exactly the user's next edit (measured on real commits by bench/predict_quality.py);
below ``MIN_CONFIDENCE`` the engine abstains. Guesses (a call site with a placeholder
argument, a prose edit seen once) sit below it: a client that wants them asks with a lower
``min_confidence``. ``StructuralPredictor`` is its :class:`Predictor`.
"""

from __future__ import annotations

import time

from nxedit.model.predict.request import PredictionRequest
from nxedit.model.predict.suggestion import Suggestion
from .engine import MIN_CONFIDENCE, best, make_context


class StructuralPredictor:
    """Predicts from the request alone; keeps no state between calls (safe in threads)."""

    name = "structural"

    def __init__(self, min_confidence: float = MIN_CONFIDENCE, strict: bool = False):
        self.min_confidence = min_confidence
        self.strict = strict  # raise a behaviour's error instead of skipping it (tests)

    def predict(self, request: PredictionRequest) -> Suggestion | None:
        t0 = time.perf_counter()
        if not request.history:
            return None
        ctx = make_context(
            request.current, request.cursor, [h.to_dict() for h in request.history],
            request.language, request.path, request.files,
        )
        cand = best(ctx, self.min_confidence, self.strict)
        if cand is None:
            return None
        return Suggestion((cand.edit,), cand.source, cand.confidence,
                          latency_ms=(time.perf_counter() - t0) * 1000)
