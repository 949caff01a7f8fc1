"""The structural next-edit engine: tree-sitter and the user's own edits, no model.

It predicts rename ripples, repeated edits, signature changes at call sites and missing
imports, and abstains when unsure. The behaviours propose candidates; the acceptance model
(``ranker.py``, fitted on real commits of public repositories) gives each the probability
that it is exactly the user's next edit, and that probability is the suggestion's
confidence. Below the model's threshold the engine abstains; a client that wants guesses
asks with a lower ``min_confidence``. ``StructuralPredictor`` is its :class:`Predictor`.
"""

from __future__ import annotations

import time

from nxedit.model.predict.request import PredictionRequest
from nxedit.model.predict.suggestion import Suggestion
from .engine import MIN_CONFIDENCE, SHIPPED, best_with_features, make_context


class StructuralPredictor:
    """Predicts from the request alone; keeps no state between calls (safe in threads)."""

    name = "structural"

    def __init__(self, min_confidence: float | None = None, strict: bool = False, ranker=SHIPPED, exports=None):
        self.min_confidence = min_confidence  # None: the ranker's threshold (MIN_CONFIDENCE without one)
        self.strict = strict  # raise a behaviour's error instead of skipping it (tests)
        self.ranker = ranker  # a Ranker, SHIPPED (the weights file next to the engine) or None (rules only)
        # path -> its project's ProjectExports or None (the editor's index, built in the background)
        self.exports = exports

    def predict(self, request: PredictionRequest) -> Suggestion | None:
        t0 = time.perf_counter()
        if not request.history:
            return None
        ctx = make_context(
            request.current, request.cursor, [h.to_dict() for h in request.history],
            request.language, request.path, request.files,
            self.exports(request.path) if self.exports is not None and request.path else None,
        )
        chosen = best_with_features(ctx, self.min_confidence, self.strict, self.ranker)
        if chosen is None:
            return None
        cand, feats = chosen
        return Suggestion((cand.edit,), cand.source, cand.confidence,
                          latency_ms=(time.perf_counter() - t0) * 1000, features=tuple(sorted(feats.items())))
