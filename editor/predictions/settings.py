"""The ``[predict]`` table of the config file: when and how next-edit suggestions show.

```toml
[predict]
mode = "eager"                  # eager: the ghost diff; subtle: a gutter marker only
                                # (Ctrl+Space shows the diff); off: no predictions
enabled = true                  # false is the same as mode = "off"
debounce_ms = 75                # quiet time after a keystroke before asking (0 to 2000)
disabled_languages = ["markdown"]   # no predictions in these ("plain" = no language)
min_confidence = 0.4            # the structural engine's threshold (0 to 1; default:
                                # its acceptance model's own, chosen out of fold)
```

Bad values become one-line messages and the default applies; the command palette
changes mode, debounce and languages for the session.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

MODES = ("eager", "subtle", "off")
PLAIN = "plain"  # the language name of a buffer without one


@dataclass(frozen=True, slots=True)
class PredictSettings:
    mode: str = "eager"
    debounce_ms: int = 75
    disabled_languages: frozenset[str] = frozenset()
    min_confidence: float | None = None  # None: the acceptance model's threshold

    def enabled_for(self, language: str | None) -> bool:
        return self.mode != "off" and (language or PLAIN) not in self.disabled_languages


def _problem(name: str, value: Any) -> str | None:
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if name == "mode":
        return None if value in MODES else f"one of {', '.join(MODES)}"
    if name == "debounce_ms":
        return None if number and 0 <= value <= 2000 else "a number of milliseconds from 0 to 2000"
    if name == "min_confidence":
        return None if number and 0 <= value <= 1 else "a number from 0 to 1"
    if name == "enabled":
        return None if isinstance(value, bool) else "true or false"
    if name == "disabled_languages":
        ok = isinstance(value, list) and all(isinstance(v, str) and v for v in value)
        return None if ok else "a list of language names"
    return "a known setting"


def parse_predict_table(table: Any) -> tuple[PredictSettings, list[str]]:
    """The settings of a ``[predict]`` table and one-line messages about what was wrong."""
    if table is not None and not isinstance(table, dict):
        return PredictSettings(), ["[predict] must be a table; using the defaults"]
    values: dict[str, Any] = {}
    messages = []
    for name, value in (table or {}).items():
        problem = _problem(name, value)
        if problem == "a known setting":
            messages.append(f"[predict] unknown setting {name!r} (ignored)")
        elif problem:
            default = getattr(PredictSettings(), name, True)
            shown = repr(sorted(default) if isinstance(default, frozenset) else default)
            if default is None:
                shown = "the acceptance model's threshold"
            messages.append(f"[predict] {name} must be {problem} (got {value!r}); using {shown}")
        elif name == "disabled_languages":
            values[name] = frozenset(v.strip().lower() for v in value)
        elif name == "debounce_ms":
            values[name] = int(value)
        elif name != "enabled":
            values[name] = value
    if table and table.get("enabled") is False:
        values["mode"] = "off"
    return PredictSettings(**values), messages
