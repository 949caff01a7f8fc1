"""Drive a LanguageServers hub from a test: its UI-thread calls go to a queue the test pumps."""

from __future__ import annotations

import queue
import time
from typing import Any, Callable

from nxedit.model.lsp.hub import LanguageServers
from nxedit.model.lsp.servers import server_table


class Harness:
    """A hub with recording HubEvents; :meth:`pump` runs what the hub posted."""

    def __init__(self, sections: dict) -> None:
        self.posted: queue.Queue = queue.Queue()
        self.ready: list = []
        self.gone: list = []
        self.published: list = []  # diagnostics params, as they came
        self.said: list[tuple[str, bool]] = []
        table, self.messages = server_table(sections)
        self.hub = LanguageServers(table, lambda fn, *args: self.posted.put((fn, args)), self)

    # HubEvents
    def server_ready(self, key, generation, session) -> None:
        self.ready.append((key, generation, session))

    def server_gone(self, key) -> None:
        self.gone.append(key)

    def diagnostics(self, key, params) -> None:
        self.published.append(params)

    def say(self, message: str, error: bool) -> None:
        self.said.append((message, error))

    def apply_edit(self, edit, reply) -> None:
        reply(False)

    def pump(self, condition: Callable[[], Any], timeout: float = 30.0) -> Any:
        """Run posted calls until ``condition()`` is true; fail after ``timeout`` seconds."""
        end = time.monotonic() + timeout
        while True:
            value = condition()
            if value:
                return value
            if time.monotonic() > end:
                raise AssertionError(f"not reached in {timeout} s; said: {self.said}")
            try:
                fn, args = self.posted.get(timeout=0.05)
            except queue.Empty:
                continue
            fn(*args)

    def ask(self, key, method: str, params, timeout: float | None = None) -> tuple[Any, str | None]:
        answers: list = []
        self.hub.request(key, method, params, lambda result, error: answers.append((result, error)), timeout)
        return self.pump(lambda: answers and answers[0], timeout=(timeout or 20) + 20)
