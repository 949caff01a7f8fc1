"""Edit history for one editor session: the settings, privacy rules, recorder and store
wired together, so the editor holds one object.

    history = start_history(config_path, notify=app_notify)   # never blocks, never raises
    # on every applied change set (UI thread):
    history.recorder.record_change(path, doc, doc.apply(cs), cursor, time.time(), origin)
    # cursor moves, saves, buffer switches, an idle timer (every ~250 ms):
    history.recorder.cursor_moved(path, cursor, time.time()); history.recorder.saved(path)
    history.recorder.focus(path); history.recorder.tick(time.time())
    # the predictor's request builder (UI thread):
    request["history"] = history.recorder.recent_hunks(path, 5)
    # suggestions and what the user did with them:
    history.suggestion_shown(suggestion, request, time.time(), path)
    history.outcome(Outcome(...))
    # on quit:
    history.close()

With recording off the recorder still runs (the predictor needs the recent edits, which
stay in memory) but nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .settings import HistorySettings, load_history_settings
from nxedit.model.privacy import PrivacyRules
from .recorder import Recorder
from .store import HistoryStore
from nxedit.model.predict.suggestion import Outcome, Suggestion


@dataclass
class EditHistory:
    settings: HistorySettings
    privacy: PrivacyRules
    recorder: Recorder
    store: HistoryStore | None  # None when recording is off

    @property
    def recording(self) -> bool:
        return self.store is not None and self.store.enabled

    def suggestion_shown(
        self, suggestion: Suggestion, request: dict, shown_at: float, path: str | None
    ) -> None:
        """A suggestion became visible; ``request`` is what the predictor was sent."""
        if self.store is not None and path:
            self.store.submit_suggestion(suggestion, request, shown_at, path)

    def outcome(self, outcome: Outcome) -> None:
        """The user accepted (fully or partly), rejected or typed past a suggestion."""
        if self.store is not None:
            self.store.submit_outcome(outcome)

    def close(self, timeout: float = 5.0) -> None:
        """Close the open event and write what is queued (waits at most ``timeout``)."""
        self.recorder.close_all()
        if self.store is not None:
            self.store.close(timeout)


def start_history(
    config_path: Path | None = None,
    notify: Callable[[str], None] | None = None,
    *,
    settings: HistorySettings | None = None,
    **recorder_options,
) -> EditHistory:
    """Read the settings and start recording (the database opens in the store's thread).

    ``notify`` gets one-line messages for the user, possibly from another thread.
    ``recorder_options`` go to :class:`Recorder` (``gap``, ``jump_lines``, ...).
    """
    settings = settings or load_history_settings(config_path)
    if notify is not None:
        for problem in settings.problems:
            notify(f"history settings: {problem}")
    privacy = PrivacyRules(settings.private_globs)
    store = HistoryStore(privacy=privacy, notify=notify) if settings.enabled else None
    recorder = Recorder(
        sink=store.submit_event if store else None, classify=privacy.classify, **recorder_options
    )
    return EditHistory(settings, privacy, recorder, store)
