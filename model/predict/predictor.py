"""Predictors: what turns a :class:`PredictionRequest` into at most one :class:`Suggestion`.

Predictors are found by name, and their modules are imported only when asked for, so a
model backend's heavy imports never slow down the structural engine. A backend adds
itself with :func:`register` (or an entry in ``PREDICTORS``) and ``nxedit predict
--predictor NAME`` can use it without changes to the command.
"""

from __future__ import annotations

import importlib
from typing import Protocol, runtime_checkable

from .request import PredictionRequest
from .suggestion import Suggestion


@runtime_checkable
class Predictor(Protocol):
    name: str

    def predict(self, request: PredictionRequest) -> Suggestion | None:
        """The single best next edit for the request, or None to abstain. Must be thread-safe."""


# name -> "module:factory"; the factory takes keyword options and returns a Predictor
PREDICTORS: dict[str, str] = {
    "structural": "nxedit.model.predict.structural:StructuralPredictor",
    "model": "nxedit.model.predict.model_predictor:create",  # a next-edit model: --backend NAME --model PATH
}


def register(name: str, target: str) -> None:
    """Make ``name`` loadable; ``target`` is ``"package.module:factory"``."""
    PREDICTORS[name] = target


def available() -> list[str]:
    return sorted(PREDICTORS)


def load_predictor(name: str, **options) -> Predictor:
    """Import and build the predictor called ``name``; LookupError if there is none."""
    if name not in PREDICTORS:
        raise LookupError(f"unknown predictor {name!r} (known: {', '.join(available())})")
    module_name, _, factory = PREDICTORS[name].partition(":")
    return getattr(importlib.import_module(module_name), factory)(**options)
