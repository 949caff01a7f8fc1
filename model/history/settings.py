"""Whether edit history is recorded, and the user's private globs.

Read from two places (read-only for the config file, which the editor owns):

* ``config.toml`` in :func:`nxedit.model.paths.config_dir` (or ``--config``)::

      [history]
      enabled = true                        # default: on
      private_globs = ["*.sql", "notes/**"] # on top of the built-in secret globs

* the state file :data:`STATE_FILE` (``history.json`` next to it), written by
  ``nxedit history on|off``; when present it decides ``enabled``, so the command works
  without rewriting the user's config.
"""

from __future__ import annotations

import json
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from nxedit.model import paths

STATE_FILE = "history.json"


@dataclass(frozen=True)
class HistorySettings:
    enabled: bool = True
    enabled_from: str = "default"  # "default", the config file, or the state file
    private_globs: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()  # one line each, for the user


def config_file() -> Path:
    return paths.config_dir() / "config.toml"


def state_file() -> Path:
    return paths.config_dir() / STATE_FILE


def load_history_settings(config_path: Path | None = None) -> HistorySettings:
    """The settings in effect; a missing or bad file gives defaults and a problem line."""
    enabled, source, globs, problems = True, "default", (), []
    cfg = Path(config_path) if config_path else config_file()
    table = {}
    try:
        with open(cfg, "rb") as f:
            table = tomllib.load(f).get("history", {})
    except FileNotFoundError:
        pass
    except (OSError, tomllib.TOMLDecodeError) as exc:
        problems.append(f"{cfg}: {exc}")
    if not isinstance(table, dict):
        problems.append(f"{cfg}: [history] must be a table")
        table = {}
    if isinstance(table.get("enabled"), bool):
        enabled, source = table["enabled"], str(cfg)
    elif "enabled" in table:
        problems.append(f"{cfg}: [history] enabled must be true or false")
    raw = table.get("private_globs", [])
    if isinstance(raw, list) and all(isinstance(g, str) for g in raw):
        globs = tuple(raw)
    else:
        problems.append(f"{cfg}: [history] private_globs must be a list of strings")
    state = state_file()
    try:
        value = json.loads(state.read_text(encoding="utf-8")).get("enabled")
        if isinstance(value, bool):
            enabled, source = value, str(state)
    except FileNotFoundError:
        pass
    except (OSError, ValueError, AttributeError) as exc:
        problems.append(f"{state}: {exc}")
    return HistorySettings(enabled, source, globs, tuple(problems))


def set_recording(enabled: bool) -> Path:
    """Persist on/off in the state file (atomically); returns its path."""
    state = state_file()
    state.parent.mkdir(parents=True, exist_ok=True)
    tmp = state.with_name(f".{state.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps({"enabled": enabled}) + "\n", encoding="utf-8")
    os.replace(tmp, state)
    return state
