"""A thread that runs one predictor, newest request first.

The UI thread hands it jobs with :meth:`PredictionWorker.submit` and never waits: a job
still waiting when a newer one arrives is dropped (it would be stale), and the answer of
each job that runs goes to ``deliver`` on the worker's thread (the caller passes it to the
UI thread). One thread per predictor, so a slow model never holds up the structural engine.
The predictor can be made in the thread itself (``prepare``), so its imports never hold up
the UI thread either.
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Callable

log = logging.getLogger("nxedit.predict")


class PredictionWorker:
    def __init__(self, name: str, run: Callable[[Any, Any], Any], deliver: Callable[[Any, Any], None],
                 predictor: Any = None, prepare: Callable[[], Any] | None = None) -> None:
        self.run = run  # run(predictor, job) -> result
        self.deliver = deliver
        self.predictor = predictor
        self._prepare = prepare
        self._pending: Any = None
        self._closed = False
        self._wake = threading.Condition()
        self._thread = threading.Thread(target=self._loop, name=f"nxedit-{name}", daemon=True)
        self._thread.start()

    def submit(self, job: Any) -> None:
        """Run ``job`` next, replacing one that has not started yet."""
        with self._wake:
            self._pending = job
            self._wake.notify()

    def drop_pending(self) -> None:
        with self._wake:
            self._pending = None

    def close(self, timeout: float = 1.0) -> None:
        with self._wake:
            self._closed = True
            self._pending = None
            self._wake.notify()
        self._thread.join(timeout)

    def _loop(self) -> None:
        if self._prepare is not None:
            try:
                self.predictor = self._prepare()
            except Exception:
                log.exception("the predictor could not be made")
        while True:
            with self._wake:
                while self._pending is None and not self._closed:
                    self._wake.wait()
                if self._closed:
                    return
                job, self._pending = self._pending, None
            try:
                result = self.run(self.predictor, job)
            except Exception:  # a predictor bug costs this prediction, not the editor
                log.exception("prediction failed")
                result = None
            try:
                self.deliver(job, result)
            except Exception:
                log.exception("delivering a prediction failed")
